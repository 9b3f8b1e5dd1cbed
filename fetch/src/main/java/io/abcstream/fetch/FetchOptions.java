package io.abcstream.fetch;

import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;

/**
 * Every image-fetch setting as a Flink {@link ConfigOption}; {@link FetchConfig#fromConfiguration}
 * reads them.
 */
public final class FetchOptions {

  private FetchOptions() {}

  public static final ConfigOption<Duration> CONNECT_TIMEOUT =
      ConfigOptions.key("fetch.connect-timeout")
          .durationType()
          .defaultValue(Duration.ofSeconds(5))
          .withDescription("TCP connect (and TLS handshake) timeout per attempt.");

  public static final ConfigOption<Duration> ATTEMPT_TIMEOUT =
      ConfigOptions.key("fetch.attempt-timeout")
          .durationType()
          .defaultValue(Duration.ofSeconds(20))
          .withDescription(
              "Whole-exchange timeout for one attempt (request sent to last body byte).");

  public static final ConfigOption<Duration> TOTAL_TIMEOUT =
      ConfigOptions.key("fetch.total-timeout")
          .durationType()
          .defaultValue(Duration.ofSeconds(60))
          .withDescription(
              "Upper bound for one fetch including redirects, retries and backoff waits.");

  public static final ConfigOption<MemorySize> MAX_BYTES =
      ConfigOptions.key("fetch.max-bytes")
          .memoryType()
          .defaultValue(MemorySize.parse("20mb"))
          .withDescription(
              "Largest encoded image accepted; enforced while streaming, before decoding data: "
                  + "URIs, on inline bytes and before reading files.");

  public static final ConfigOption<Integer> MAX_REDIRECTS =
      ConfigOptions.key("fetch.max-redirects")
          .intType()
          .defaultValue(5)
          .withDescription(
              "Redirects followed per fetch; the SSRF policy is re-checked on every hop.");

  public static final ConfigOption<Integer> MAX_ATTEMPTS =
      ConfigOptions.key("fetch.retry.max-attempts")
          .intType()
          .defaultValue(3)
          .withDescription(
              "Attempts per fetch including the first (1 disables retries). Retries happen for "
                  + "timeouts, connection errors, 408/425/429 and 5xx except 501/505.");

  public static final ConfigOption<Duration> INITIAL_BACKOFF =
      ConfigOptions.key("fetch.retry.initial-backoff")
          .durationType()
          .defaultValue(Duration.ofMillis(200))
          .withDescription("Backoff before the first retry.");

  public static final ConfigOption<Duration> MAX_BACKOFF =
      ConfigOptions.key("fetch.retry.max-backoff")
          .durationType()
          .defaultValue(Duration.ofSeconds(10))
          .withDescription("Cap of the exponential backoff.");

  public static final ConfigOption<Double> BACKOFF_MULTIPLIER =
      ConfigOptions.key("fetch.retry.multiplier")
          .doubleType()
          .defaultValue(2.0)
          .withDescription("Growth factor of the backoff per retry (>= 1).");

  public static final ConfigOption<Double> BACKOFF_JITTER =
      ConfigOptions.key("fetch.retry.jitter")
          .doubleType()
          .defaultValue(0.5)
          .withDescription("Fraction (0..1) by which each backoff is randomly shortened.");

  public static final ConfigOption<Duration> MAX_RETRY_AFTER =
      ConfigOptions.key("fetch.retry.max-retry-after")
          .durationType()
          .defaultValue(Duration.ofSeconds(30))
          .withDescription(
              "Cap on a server's Retry-After (seconds or HTTP date); longer waits are cut to this.");

  public static final ConfigOption<Integer> MAX_CONCURRENT_PER_HOST =
      ConfigOptions.key("fetch.http.max-concurrent-per-host")
          .intType()
          .defaultValue(8)
          .withDescription(
              "Concurrent requests per host:port and per resolved address:port (so sub-domains, "
                  + "a trailing dot or an IP and its name share one limit); more are queued, not "
                  + "failed.");

  public static final ConfigOption<Integer> MAX_CONNECTIONS_TOTAL =
      ConfigOptions.key("fetch.http.max-connections-total")
          .intType()
          .defaultValue(256)
          .withDescription("Connection pool size over all hosts.");

  public static final ConfigOption<Integer> IO_THREADS =
      ConfigOptions.key("fetch.http.io-threads")
          .intType()
          .defaultValue(2)
          .withDescription("I/O reactor threads of the non-blocking HTTP client.");

  public static final ConfigOption<String> USER_AGENT =
      ConfigOptions.key("fetch.http.user-agent")
          .stringType()
          .defaultValue("abc-stream-image-fetcher/0.1")
          .withDescription("User-Agent header sent with every HTTP request.");

  public static final ConfigOption<List<String>> ALLOWED_HOSTS =
      ConfigOptions.key("fetch.policy.allowed-hosts")
          .stringType()
          .asList()
          .defaultValues()
          .withDescription(
              "Host names exempt from the address policy (exact, or *.domain for sub-domains).");

  public static final ConfigOption<List<String>> ALLOWED_CIDRS =
      ConfigOptions.key("fetch.policy.allowed-cidrs")
          .stringType()
          .asList()
          .defaultValues()
          .withDescription(
              "Address blocks allowed even inside the default-denied ranges, e.g. 127.0.0.0/8.");

  public static final ConfigOption<List<String>> DENIED_CIDRS =
      ConfigOptions.key("fetch.policy.denied-cidrs")
          .stringType()
          .asList()
          .defaultValues()
          .withDescription(
              "Address blocks denied in addition to loopback, private, link-local, CGNAT, "
                  + "multicast, reserved and their IPv6 forms.");

  public static final ConfigOption<List<Integer>> ALLOWED_PORTS =
      ConfigOptions.key("fetch.policy.allowed-ports")
          .intType()
          .asList()
          .defaultValues()
          .withDescription("When set, the only ports http(s) URLs may use (empty: any).");

  public static final ConfigOption<List<String>> ALLOWED_SCHEMES =
      ConfigOptions.key("fetch.allowed-schemes")
          .stringType()
          .asList()
          .defaultValues("https", "http", "data")
          .withDescription(
              "URI schemes a reference may use; others are rejected at validation. file:// is "
                  + "also accepted when fetch.file.roots is set, and the schemes of "
                  + "fetch.filesystem.allowed-authorities when that is set. A Flink FileSystem "
                  + "scheme (s3, gs, hdfs, abfs, ...) listed here is still FETCH_FORBIDDEN for "
                  + "every authority not in fetch.filesystem.allowed-authorities.");

  public static final ConfigOption<List<String>> FILESYSTEM_ALLOWED_AUTHORITIES =
      ConfigOptions.key("fetch.filesystem.allowed-authorities")
          .stringType()
          .asList()
          .defaultValues()
          .withDescription(
              "The only scheme://authority pairs read through Flink's FileSystem plugins, e.g. "
                  + "s3://my-bucket or hdfs://namenode:8020 (the TaskManager's credentials and "
                  + "network reach are used, so nothing else is read); empty: no FileSystem "
                  + "reference is read. A listed authority whose scheme has no plugin fails with "
                  + "FETCH_FAILED.");

  public static final ConfigOption<List<String>> FILE_ROOTS =
      ConfigOptions.key("fetch.file.roots")
          .stringType()
          .asList()
          .defaultValues()
          .withDescription(
              "Directories file:// references must resolve into (after following symlinks); "
                  + "empty: file:// is forbidden.");

  public static final ConfigOption<Integer> BLOCKING_THREADS =
      ConfigOptions.key("fetch.blocking-threads")
          .intType()
          .defaultValue(8)
          .withDescription(
              "Threads for file, data: and Flink FileSystem reads; DNS has its own pool "
                  + "(fetch.dns-threads). A full queue fails the fetch at once with FETCH_FAILED.");

  public static final ConfigOption<Integer> DNS_THREADS =
      ConfigOptions.key("fetch.dns-threads")
          .intType()
          .defaultValue(4)
          .withDescription(
              "Threads for DNS lookups, apart from the read pool: a lookup blocks its thread "
                  + "until the system resolver answers, whatever the timeout.");

  public static final ConfigOption<Duration> DNS_TIMEOUT =
      ConfigOptions.key("fetch.dns-timeout")
          .durationType()
          .defaultValue(Duration.ofSeconds(5))
          .withDescription(
              "How long a fetch waits for its DNS lookup (queue included) before failing with "
                  + "FETCH_FAILED.");

  public static final ConfigOption<Integer> MAX_HEADER_LINE_LENGTH =
      ConfigOptions.key("fetch.http.max-line-length")
          .intType()
          .defaultValue(8192)
          .withDescription(
              "Longest line of a response head (status line, header, chunk-size line, trailer) "
                  + "in characters; a longer one fails the fetch with FETCH_FAILED, not retried.");

  public static final ConfigOption<Integer> MAX_HEADER_COUNT =
      ConfigOptions.key("fetch.http.max-header-count")
          .intType()
          .defaultValue(100)
          .withDescription(
              "Most header lines in a response head, and most trailer lines; more fail the "
                  + "fetch with FETCH_FAILED, not retried.");

  public static final ConfigOption<MemorySize> MAX_INFLIGHT_BYTES =
      ConfigOptions.key("fetch.max-inflight-bytes")
          .memoryType()
          .defaultValue(MemorySize.parse("256mb"))
          .withDescription(
              "Response body bytes all fetches of one operator instance hold in memory at once "
                  + "(buffers grow as bytes arrive, never to the declared Content-Length). A "
                  + "fetch that finds the budget spent stops reading until bytes are released, "
                  + "bounded by its attempt timeout. At least fetch.max-bytes.");

  public static final ConfigOption<Boolean> REJECT_UNKNOWN_FORMAT =
      ConfigOptions.key("fetch.reject-unknown-format")
          .booleanType()
          .defaultValue(true)
          .withDescription(
              "Fail with UNDECODABLE_IMAGE when the bytes are not JPEG/PNG/GIF/WebP/BMP/TIFF; "
                  + "false hands them to the decoder with format UNKNOWN.");

  public static final ConfigOption<String> TLS_CA_FILE =
      ConfigOptions.key("fetch.tls.ca-file")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "PEM file of CA certificates trusted for https image fetches in addition to the"
                  + " JVM's default trust store (an internal image server with a private CA). It"
                  + " must exist on the TaskManagers; host names are still verified.");
}
