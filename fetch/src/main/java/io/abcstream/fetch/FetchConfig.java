package io.abcstream.fetch;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.apache.flink.configuration.ReadableConfig;

/** Immutable, serializable fetch settings: shipped with the job graph, turned into an {@link ImageFetcher} in open(). */
public final class FetchConfig implements Serializable {

    private static final long serialVersionUID = 1L;

    private final Duration connectTimeout;
    private final Duration attemptTimeout;
    private final Duration totalTimeout;
    private final long maxBytes;
    private final int maxRedirects;
    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final double backoffMultiplier;
    private final double backoffJitter;
    private final Duration maxRetryAfter;
    private final int maxConcurrentPerHost;
    private final int maxConnectionsTotal;
    private final int ioThreads;
    private final String userAgent;
    private final List<String> allowedHosts;
    private final List<String> allowedCidrs;
    private final List<String> deniedCidrs;
    private final List<Integer> allowedPorts;
    private final List<String> allowedSchemes;
    private final List<String> fileRoots;
    private final int blockingThreads;
    private final boolean rejectUnknownFormat;

    private FetchConfig(Builder b) {
        this.connectTimeout = b.connectTimeout;
        this.attemptTimeout = b.attemptTimeout;
        this.totalTimeout = b.totalTimeout;
        this.maxBytes = b.maxBytes;
        this.maxRedirects = b.maxRedirects;
        this.maxAttempts = b.maxAttempts;
        this.initialBackoff = b.initialBackoff;
        this.maxBackoff = b.maxBackoff;
        this.backoffMultiplier = b.backoffMultiplier;
        this.backoffJitter = b.backoffJitter;
        this.maxRetryAfter = b.maxRetryAfter;
        this.maxConcurrentPerHost = b.maxConcurrentPerHost;
        this.maxConnectionsTotal = b.maxConnectionsTotal;
        this.ioThreads = b.ioThreads;
        this.userAgent = b.userAgent;
        this.allowedHosts = List.copyOf(b.allowedHosts);
        this.allowedCidrs = List.copyOf(b.allowedCidrs);
        this.deniedCidrs = List.copyOf(b.deniedCidrs);
        this.allowedPorts = List.copyOf(b.allowedPorts);
        this.allowedSchemes = List.copyOf(b.allowedSchemes);
        this.fileRoots = List.copyOf(b.fileRoots);
        this.blockingThreads = b.blockingThreads;
        this.rejectUnknownFormat = b.rejectUnknownFormat;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static FetchConfig defaults() {
        return builder().build();
    }

    /** Reads every {@link FetchOptions} option (defaults where unset) and validates. */
    public static FetchConfig fromConfiguration(ReadableConfig c) {
        return builder()
                .connectTimeout(c.get(FetchOptions.CONNECT_TIMEOUT))
                .attemptTimeout(c.get(FetchOptions.ATTEMPT_TIMEOUT))
                .totalTimeout(c.get(FetchOptions.TOTAL_TIMEOUT))
                .maxBytes(c.get(FetchOptions.MAX_BYTES).getBytes())
                .maxRedirects(c.get(FetchOptions.MAX_REDIRECTS))
                .maxAttempts(c.get(FetchOptions.MAX_ATTEMPTS))
                .initialBackoff(c.get(FetchOptions.INITIAL_BACKOFF))
                .maxBackoff(c.get(FetchOptions.MAX_BACKOFF))
                .backoffMultiplier(c.get(FetchOptions.BACKOFF_MULTIPLIER))
                .backoffJitter(c.get(FetchOptions.BACKOFF_JITTER))
                .maxRetryAfter(c.get(FetchOptions.MAX_RETRY_AFTER))
                .maxConcurrentPerHost(c.get(FetchOptions.MAX_CONCURRENT_PER_HOST))
                .maxConnectionsTotal(c.get(FetchOptions.MAX_CONNECTIONS_TOTAL))
                .ioThreads(c.get(FetchOptions.IO_THREADS))
                .userAgent(c.get(FetchOptions.USER_AGENT))
                .allowedHosts(c.get(FetchOptions.ALLOWED_HOSTS))
                .allowedCidrs(c.get(FetchOptions.ALLOWED_CIDRS))
                .deniedCidrs(c.get(FetchOptions.DENIED_CIDRS))
                .allowedPorts(c.get(FetchOptions.ALLOWED_PORTS))
                .allowedSchemes(c.get(FetchOptions.ALLOWED_SCHEMES))
                .fileRoots(c.get(FetchOptions.FILE_ROOTS))
                .blockingThreads(c.get(FetchOptions.BLOCKING_THREADS))
                .rejectUnknownFormat(c.get(FetchOptions.REJECT_UNKNOWN_FORMAT))
                .build();
    }

    public Builder toBuilder() {
        return builder()
                .connectTimeout(connectTimeout).attemptTimeout(attemptTimeout).totalTimeout(totalTimeout)
                .maxBytes(maxBytes).maxRedirects(maxRedirects).maxAttempts(maxAttempts)
                .initialBackoff(initialBackoff).maxBackoff(maxBackoff).backoffMultiplier(backoffMultiplier)
                .backoffJitter(backoffJitter).maxRetryAfter(maxRetryAfter)
                .maxConcurrentPerHost(maxConcurrentPerHost).maxConnectionsTotal(maxConnectionsTotal)
                .ioThreads(ioThreads).userAgent(userAgent).allowedHosts(allowedHosts).allowedCidrs(allowedCidrs)
                .deniedCidrs(deniedCidrs).allowedPorts(allowedPorts).allowedSchemes(allowedSchemes)
                .fileRoots(fileRoots).blockingThreads(blockingThreads).rejectUnknownFormat(rejectUnknownFormat);
    }

    /** The SSRF policy these settings describe. */
    public AddressPolicy addressPolicy() {
        return new AddressPolicy(allowedHosts, allowedCidrs, deniedCidrs, allowedPorts);
    }

    public boolean isSchemeAllowed(String scheme) {
        return scheme != null && allowedSchemes.contains(scheme.toLowerCase(Locale.ROOT));
    }

    public Duration connectTimeout() { return connectTimeout; }
    public Duration attemptTimeout() { return attemptTimeout; }
    public Duration totalTimeout() { return totalTimeout; }
    public long maxBytes() { return maxBytes; }
    public int maxRedirects() { return maxRedirects; }
    public int maxAttempts() { return maxAttempts; }
    public Duration initialBackoff() { return initialBackoff; }
    public Duration maxBackoff() { return maxBackoff; }
    public double backoffMultiplier() { return backoffMultiplier; }
    public double backoffJitter() { return backoffJitter; }
    public Duration maxRetryAfter() { return maxRetryAfter; }
    public int maxConcurrentPerHost() { return maxConcurrentPerHost; }
    public int maxConnectionsTotal() { return maxConnectionsTotal; }
    public int ioThreads() { return ioThreads; }
    public String userAgent() { return userAgent; }
    public List<String> allowedHosts() { return allowedHosts; }
    public List<String> allowedCidrs() { return allowedCidrs; }
    public List<String> deniedCidrs() { return deniedCidrs; }
    public List<Integer> allowedPorts() { return allowedPorts; }
    public List<String> allowedSchemes() { return allowedSchemes; }
    public List<String> fileRoots() { return fileRoots; }
    public int blockingThreads() { return blockingThreads; }
    public boolean rejectUnknownFormat() { return rejectUnknownFormat; }

    /** Builder with checked setters (each rejects an invalid value at once) and a cross-checking {@link #build()}. */
    public static final class Builder {
        private Duration connectTimeout = FetchOptions.CONNECT_TIMEOUT.defaultValue();
        private Duration attemptTimeout = FetchOptions.ATTEMPT_TIMEOUT.defaultValue();
        private Duration totalTimeout = FetchOptions.TOTAL_TIMEOUT.defaultValue();
        private long maxBytes = FetchOptions.MAX_BYTES.defaultValue().getBytes();
        private int maxRedirects = FetchOptions.MAX_REDIRECTS.defaultValue();
        private int maxAttempts = FetchOptions.MAX_ATTEMPTS.defaultValue();
        private Duration initialBackoff = FetchOptions.INITIAL_BACKOFF.defaultValue();
        private Duration maxBackoff = FetchOptions.MAX_BACKOFF.defaultValue();
        private double backoffMultiplier = FetchOptions.BACKOFF_MULTIPLIER.defaultValue();
        private double backoffJitter = FetchOptions.BACKOFF_JITTER.defaultValue();
        private Duration maxRetryAfter = FetchOptions.MAX_RETRY_AFTER.defaultValue();
        private int maxConcurrentPerHost = FetchOptions.MAX_CONCURRENT_PER_HOST.defaultValue();
        private int maxConnectionsTotal = FetchOptions.MAX_CONNECTIONS_TOTAL.defaultValue();
        private int ioThreads = FetchOptions.IO_THREADS.defaultValue();
        private String userAgent = FetchOptions.USER_AGENT.defaultValue();
        private List<String> allowedHosts = List.of();
        private List<String> allowedCidrs = List.of();
        private List<String> deniedCidrs = List.of();
        private List<Integer> allowedPorts = List.of();
        private List<String> allowedSchemes = FetchOptions.ALLOWED_SCHEMES.defaultValue();
        private List<String> fileRoots = List.of();
        private int blockingThreads = FetchOptions.BLOCKING_THREADS.defaultValue();
        private boolean rejectUnknownFormat = FetchOptions.REJECT_UNKNOWN_FORMAT.defaultValue();

        private Builder() {}

        public Builder connectTimeout(Duration d) { this.connectTimeout = positive("connectTimeout", d); return this; }
        public Builder attemptTimeout(Duration d) { this.attemptTimeout = positive("attemptTimeout", d); return this; }
        public Builder totalTimeout(Duration d) { this.totalTimeout = positive("totalTimeout", d); return this; }
        public Builder initialBackoff(Duration d) { this.initialBackoff = nonNegative("initialBackoff", d); return this; }
        public Builder maxBackoff(Duration d) { this.maxBackoff = nonNegative("maxBackoff", d); return this; }
        public Builder maxRetryAfter(Duration d) { this.maxRetryAfter = nonNegative("maxRetryAfter", d); return this; }

        public Builder maxBytes(long v) {
            if (v < 1) {
                throw new IllegalArgumentException("maxBytes must be >= 1, got " + v);
            }
            // Bytes end up in one byte[]; arrays cannot exceed Integer.MAX_VALUE - 8.
            if (v > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("maxBytes must be < 2 GiB, got " + v);
            }
            this.maxBytes = v;
            return this;
        }

        public Builder maxRedirects(int v) { this.maxRedirects = atLeast("maxRedirects", v, 0); return this; }
        public Builder maxAttempts(int v) { this.maxAttempts = atLeast("maxAttempts", v, 1); return this; }
        public Builder maxConcurrentPerHost(int v) { this.maxConcurrentPerHost = atLeast("maxConcurrentPerHost", v, 1); return this; }
        public Builder maxConnectionsTotal(int v) { this.maxConnectionsTotal = atLeast("maxConnectionsTotal", v, 1); return this; }
        public Builder ioThreads(int v) { this.ioThreads = atLeast("ioThreads", v, 1); return this; }
        public Builder blockingThreads(int v) { this.blockingThreads = atLeast("blockingThreads", v, 1); return this; }
        public Builder rejectUnknownFormat(boolean v) { this.rejectUnknownFormat = v; return this; }

        public Builder backoffMultiplier(double v) {
            if (!(v >= 1.0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("backoffMultiplier must be a finite number >= 1, got " + v);
            }
            this.backoffMultiplier = v;
            return this;
        }

        public Builder backoffJitter(double v) {
            if (!(v >= 0.0 && v <= 1.0)) {
                throw new IllegalArgumentException("backoffJitter must be within [0, 1], got " + v);
            }
            this.backoffJitter = v;
            return this;
        }

        public Builder userAgent(String v) {
            if (v == null || v.isBlank() || v.chars().anyMatch(ch -> ch < 0x20 || ch > 0x7E)) {
                throw new IllegalArgumentException("userAgent must be non-blank printable ASCII");
            }
            this.userAgent = v;
            return this;
        }

        public Builder allowedHosts(Collection<String> v) { this.allowedHosts = strings("allowedHosts", v, false); return this; }

        public Builder allowedCidrs(Collection<String> v) {
            this.allowedCidrs = strings("allowedCidrs", v, false);
            this.allowedCidrs.forEach(Cidr::parse); // fail here, not in the task manager
            return this;
        }

        public Builder deniedCidrs(Collection<String> v) {
            this.deniedCidrs = strings("deniedCidrs", v, false);
            this.deniedCidrs.forEach(Cidr::parse);
            return this;
        }

        public Builder allowedPorts(Collection<Integer> v) {
            if (v == null) {
                throw new IllegalArgumentException("allowedPorts must not be null");
            }
            for (Integer p : v) {
                if (p == null || p < 1 || p > 65535) {
                    throw new IllegalArgumentException("allowedPorts entry out of range: " + p);
                }
            }
            this.allowedPorts = new ArrayList<>(v);
            return this;
        }

        public Builder allowedSchemes(Collection<String> v) { this.allowedSchemes = strings("allowedSchemes", v, true); return this; }
        public Builder fileRoots(Collection<String> v) { this.fileRoots = strings("fileRoots", v, false); return this; }

        /** Validates the combination and freezes it. */
        public FetchConfig build() {
            if (attemptTimeout.compareTo(totalTimeout) > 0) {
                throw new IllegalArgumentException("attemptTimeout (" + attemptTimeout
                        + ") must not exceed totalTimeout (" + totalTimeout + ")");
            }
            if (initialBackoff.compareTo(maxBackoff) > 0) {
                throw new IllegalArgumentException("initialBackoff (" + initialBackoff
                        + ") must not exceed maxBackoff (" + maxBackoff + ")");
            }
            if (maxConcurrentPerHost > maxConnectionsTotal) {
                throw new IllegalArgumentException("maxConcurrentPerHost (" + maxConcurrentPerHost
                        + ") must not exceed maxConnectionsTotal (" + maxConnectionsTotal + ")");
            }
            new AddressPolicy(allowedHosts, allowedCidrs, deniedCidrs, allowedPorts);
            return new FetchConfig(this);
        }

        private static Duration positive(String name, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be > 0, got " + d);
            }
            return d;
        }

        private static Duration nonNegative(String name, Duration d) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException(name + " must be >= 0, got " + d);
            }
            return d;
        }

        private static int atLeast(String name, int v, int min) {
            if (v < min) {
                throw new IllegalArgumentException(name + " must be >= " + min + ", got " + v);
            }
            return v;
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
            return out;
        }
    }
}
