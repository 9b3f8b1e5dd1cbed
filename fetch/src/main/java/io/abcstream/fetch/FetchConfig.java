package io.abcstream.fetch;

import io.abcstream.common.Backoff;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;

/**
 * Immutable, serializable fetch settings, one per {@link FetchOptions} option: shipped with the job
 * graph, turned into an {@link ImageFetcher} in open(). The compact constructor validates each
 * value and the combination, so an invalid setting fails when the job is built.
 */
public record FetchConfig(
    Duration connectTimeout,
    Duration attemptTimeout,
    Duration totalTimeout,
    long maxBytes,
    int maxRedirects,
    int maxAttempts,
    Duration initialBackoff,
    Duration maxBackoff,
    double backoffMultiplier,
    double backoffJitter,
    Duration maxRetryAfter,
    int maxConcurrentPerHost,
    int maxConnectionsTotal,
    int ioThreads,
    String userAgent,
    List<String> allowedHosts,
    List<String> allowedCidrs,
    List<String> deniedCidrs,
    List<Integer> allowedPorts,
    List<String> allowedSchemes,
    List<String> fileRoots,
    List<String> fileSystemAuthorities,
    int blockingThreads,
    boolean rejectUnknownFormat,
    int dnsThreads,
    Duration dnsTimeout,
    int maxLineLength,
    int maxHeaderCount,
    long maxInflightBytes,
    String tlsCaFile)
    implements Serializable {

  private static final long serialVersionUID = 3L;

  public FetchConfig {
    positive("connectTimeout", connectTimeout);
    positive("attemptTimeout", attemptTimeout);
    positive("totalTimeout", totalTimeout);
    nonNegative("initialBackoff", initialBackoff);
    nonNegative("maxBackoff", maxBackoff);
    nonNegative("maxRetryAfter", maxRetryAfter);
    if (maxBytes < 1) {
      throw new IllegalArgumentException("maxBytes must be >= 1, got " + maxBytes);
    }
    // Bytes end up in one byte[]; arrays cannot exceed Integer.MAX_VALUE - 8.
    if (maxBytes > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("maxBytes must be < 2 GiB, got " + maxBytes);
    }
    atLeast("maxRedirects", maxRedirects, 0);
    atLeast("maxAttempts", maxAttempts, 1);
    atLeast("maxConcurrentPerHost", maxConcurrentPerHost, 1);
    atLeast("maxConnectionsTotal", maxConnectionsTotal, 1);
    atLeast("ioThreads", ioThreads, 1);
    atLeast("blockingThreads", blockingThreads, 1);
    atLeast("dnsThreads", dnsThreads, 1);
    positive("dnsTimeout", dnsTimeout);
    // Below a status line's worth no response can be read at all.
    atLeast("maxLineLength", maxLineLength, 256);
    atLeast("maxHeaderCount", maxHeaderCount, 1);
    if (maxInflightBytes < maxBytes) {
      // One image at the byte limit must fit, or it would wait for budget that never comes.
      throw new IllegalArgumentException(
          "maxInflightBytes ("
              + maxInflightBytes
              + ") must be at least maxBytes ("
              + maxBytes
              + ")");
    }
    if (!(backoffMultiplier >= 1.0) || Double.isInfinite(backoffMultiplier)) {
      throw new IllegalArgumentException(
          "backoffMultiplier must be a finite number >= 1, got " + backoffMultiplier);
    }
    if (!(backoffJitter >= 0.0 && backoffJitter <= 1.0)) {
      throw new IllegalArgumentException(
          "backoffJitter must be within [0, 1], got " + backoffJitter);
    }
    if (userAgent == null
        || userAgent.isBlank()
        || userAgent.chars().anyMatch(ch -> ch < 0x20 || ch > 0x7E)) {
      throw new IllegalArgumentException("userAgent must be non-blank printable ASCII");
    }
    allowedHosts = strings("allowedHosts", allowedHosts, false);
    allowedCidrs = strings("allowedCidrs", allowedCidrs, false);
    deniedCidrs = strings("deniedCidrs", deniedCidrs, false);
    allowedPorts = ports(allowedPorts);
    allowedSchemes = strings("allowedSchemes", allowedSchemes, true);
    fileRoots = strings("fileRoots", fileRoots, false);
    fileSystemAuthorities =
        strings("fileSystemAuthorities", fileSystemAuthorities, false).stream()
            .map(FlinkFileSystemSource::normalizeAuthority)
            .distinct()
            .toList();
    if (attemptTimeout.compareTo(totalTimeout) > 0) {
      throw new IllegalArgumentException(
          "attemptTimeout ("
              + attemptTimeout
              + ") must not exceed totalTimeout ("
              + totalTimeout
              + ")");
    }
    if (initialBackoff.compareTo(maxBackoff) > 0) {
      throw new IllegalArgumentException(
          "initialBackoff ("
              + initialBackoff
              + ") must not exceed maxBackoff ("
              + maxBackoff
              + ")");
    }
    if (maxConcurrentPerHost > maxConnectionsTotal) {
      throw new IllegalArgumentException(
          "maxConcurrentPerHost ("
              + maxConcurrentPerHost
              + ") must not exceed maxConnectionsTotal ("
              + maxConnectionsTotal
              + ")");
    }
    if (tlsCaFile != null && tlsCaFile.isBlank()) {
      tlsCaFile = null;
    }
    // Parses the CIDRs: fail here, not in the task manager.
    new AddressPolicy(allowedHosts, allowedCidrs, deniedCidrs, allowedPorts);
  }

  /** Every option at its default. */
  public static FetchConfig defaults() {
    return fromConfiguration(new Configuration());
  }

  /** Reads every {@link FetchOptions} option (defaults where unset) and validates. */
  public static FetchConfig fromConfiguration(ReadableConfig c) {
    return new FetchConfig(
        c.get(FetchOptions.CONNECT_TIMEOUT),
        c.get(FetchOptions.ATTEMPT_TIMEOUT),
        c.get(FetchOptions.TOTAL_TIMEOUT),
        c.get(FetchOptions.MAX_BYTES).getBytes(),
        c.get(FetchOptions.MAX_REDIRECTS),
        c.get(FetchOptions.MAX_ATTEMPTS),
        c.get(FetchOptions.INITIAL_BACKOFF),
        c.get(FetchOptions.MAX_BACKOFF),
        c.get(FetchOptions.BACKOFF_MULTIPLIER),
        c.get(FetchOptions.BACKOFF_JITTER),
        c.get(FetchOptions.MAX_RETRY_AFTER),
        c.get(FetchOptions.MAX_CONCURRENT_PER_HOST),
        c.get(FetchOptions.MAX_CONNECTIONS_TOTAL),
        c.get(FetchOptions.IO_THREADS),
        c.get(FetchOptions.USER_AGENT),
        c.get(FetchOptions.ALLOWED_HOSTS),
        c.get(FetchOptions.ALLOWED_CIDRS),
        c.get(FetchOptions.DENIED_CIDRS),
        c.get(FetchOptions.ALLOWED_PORTS),
        c.get(FetchOptions.ALLOWED_SCHEMES),
        c.get(FetchOptions.FILE_ROOTS),
        c.get(FetchOptions.FILESYSTEM_ALLOWED_AUTHORITIES),
        c.get(FetchOptions.BLOCKING_THREADS),
        c.get(FetchOptions.REJECT_UNKNOWN_FORMAT),
        c.get(FetchOptions.DNS_THREADS),
        c.get(FetchOptions.DNS_TIMEOUT),
        c.get(FetchOptions.MAX_HEADER_LINE_LENGTH),
        c.get(FetchOptions.MAX_HEADER_COUNT),
        c.get(FetchOptions.MAX_INFLIGHT_BYTES).getBytes(),
        c.getOptional(FetchOptions.TLS_CA_FILE).orElse(null));
  }

  /** The SSRF policy these settings describe. */
  public AddressPolicy addressPolicy() {
    return new AddressPolicy(allowedHosts, allowedCidrs, deniedCidrs, allowedPorts);
  }

  /** The retry backoff these settings describe. */
  public Backoff backoff() {
    // Backoff takes a jitter below 1; fetch.retry.jitter allows 1, which shortens a wait by all of
    // a random fraction in [0, 1). The largest double below 1 does the same to within a nanosecond.
    return new Backoff(
        initialBackoff, maxBackoff, backoffMultiplier, Math.min(backoffJitter, Math.nextDown(1.0)));
  }

  /**
   * The schemes a reference may use: {@code allowedSchemes}, plus file when file roots are set,
   * plus the schemes of the allowed FileSystem authorities. Each still has its own policy at fetch
   * time.
   */
  public List<String> acceptedSchemes() {
    Set<String> out = new LinkedHashSet<>(allowedSchemes);
    if (!fileRoots.isEmpty()) {
      out.add("file"); // file:// is governed by the roots; listing it as well changes nothing
    }
    for (String a : fileSystemAuthorities) {
      out.add(a.substring(0, a.indexOf(':')));
    }
    return List.copyOf(out);
  }

  public boolean isSchemeAllowed(String scheme) {
    return scheme != null && acceptedSchemes().contains(scheme.toLowerCase(Locale.ROOT));
  }

  private static void positive(String name, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be > 0, got " + d);
    }
  }

  private static void nonNegative(String name, Duration d) {
    if (d == null || d.isNegative()) {
      throw new IllegalArgumentException(name + " must be >= 0, got " + d);
    }
  }

  private static void atLeast(String name, int v, int min) {
    if (v < min) {
      throw new IllegalArgumentException(name + " must be >= " + min + ", got " + v);
    }
  }

  private static List<Integer> ports(Collection<Integer> v) {
    if (v == null) {
      throw new IllegalArgumentException("allowedPorts must not be null");
    }
    for (Integer p : v) {
      if (p == null || p < 1 || p > 65535) {
        throw new IllegalArgumentException("allowedPorts entry out of range: " + p);
      }
    }
    return List.copyOf(v);
  }

  private static List<String> strings(String name, Collection<String> v, boolean lowerCase) {
    if (v == null) {
      throw new IllegalArgumentException(name + " must not be null");
    }
    List<String> out = new ArrayList<>(v.size());
    for (String s : v) {
      if (s == null || s.isBlank()) {
        throw new IllegalArgumentException(name + " must not contain blank entries");
      }
      out.add(lowerCase ? s.trim().toLowerCase(Locale.ROOT) : s.trim());
    }
    return List.copyOf(out);
  }
}
