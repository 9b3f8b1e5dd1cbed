package io.abcstream.fetch;

import io.abcstream.common.DaemonThreads;
import io.abcstream.common.Throwables;
import io.abcstream.common.UriRedaction;
import io.abcstream.model.image.ImageFormat;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoubleSupplier;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManager;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.Method;
import org.apache.hc.core5.http.message.BasicHttpRequest;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches image bytes asynchronously from http(s), data:, inline bytes, file:// under roots and
 * Flink FileSystems, under the SSRF policy and limits of a {@link FetchConfig}. Every returned
 * future completes exactly once.
 */
public final class ImageFetcher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ImageFetcher.class);

  /**
   * The HTTP client must never resolve names itself: every connection goes to an address we
   * checked.
   */
  private static final DnsResolver REFUSING_RESOLVER =
      new DnsResolver() {
        @Override
        public InetAddress[] resolve(String host) throws UnknownHostException {
          throw new UnknownHostException(
              "DNS inside the HTTP client is disabled (unpinned host " + host + ")");
        }

        @Override
        public String resolveCanonicalHostname(String host) throws UnknownHostException {
          throw new UnknownHostException(
              "DNS inside the HTTP client is disabled (unpinned host " + host + ")");
        }
      };

  private final FetchConfig config;
  private final AddressPolicy policy;
  private final FileRoots fileRoots;
  private final HostResolver resolver;
  private final HostLimiter limiter;
  private final ThreadPoolExecutor blocking;
  private final ScheduledExecutorService scheduler;
  private final CloseableHttpAsyncClient http;
  private final RequestConfig requestConfig;
  private final DoubleSupplier random;
  private final Set<Task> inFlight = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private ImageFetcher(Builder b) {
    this.config = b.config;
    this.policy = config.addressPolicy();
    this.fileRoots = new FileRoots(config.fileRoots());
    this.resolver = b.resolver;
    this.random = b.random;
    this.limiter = new HostLimiter(config.maxConcurrentPerHost());
    // Bounded threads and queue: a flood of slow FileSystem reads fails fast instead of piling up
    // memory.
    this.blocking =
        new ThreadPoolExecutor(
            config.blockingThreads(),
            config.blockingThreads(),
            30,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(10_000),
            DaemonThreads.factory("abc-fetch-blocking"));
    this.blocking.allowCoreThreadTimeOut(true);
    ScheduledThreadPoolExecutor sched =
        new ScheduledThreadPoolExecutor(1, DaemonThreads.factory("abc-fetch-timer"));
    sched.setRemoveOnCancelPolicy(true);
    this.scheduler = sched;
    this.requestConfig =
        RequestConfig.custom()
            .setResponseTimeout(Timeout.of(config.attemptTimeout()))
            .setConnectionRequestTimeout(Timeout.of(config.attemptTimeout()))
            .build();
    this.http = createHttpClient(config);
    this.http.start();
  }

  public static ImageFetcher create(FetchConfig config) {
    return builder(config).build();
  }

  public static Builder builder(FetchConfig config) {
    return new Builder(config);
  }

  /**
   * Creates a fetcher from a {@link FetchConfig}; the resolver and randomness are pluggable for
   * tests.
   */
  public static final class Builder {
    private final FetchConfig config;
    private HostResolver resolver = HostResolver.SYSTEM;
    private DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();

    private Builder(FetchConfig config) {
      this.config = Objects.requireNonNull(config, "config");
    }

    public Builder resolver(HostResolver resolver) {
      this.resolver = Objects.requireNonNull(resolver, "resolver");
      return this;
    }

    /** Source of jitter in [0, 1). */
    public Builder random(DoubleSupplier random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    public ImageFetcher build() {
      return new ImageFetcher(this);
    }
  }

  public FetchConfig config() {
    return config;
  }

  /**
   * Fetches one image; the future fails with {@link FetchException} only. Cancelling it aborts the
   * fetch.
   */
  public CompletableFuture<FetchedImage> fetch(ImageRef ref) {
    Objects.requireNonNull(ref, "ref");
    Task t = new Task(ref);
    if (closed) {
      t.fail(FetchException.failed("image fetcher is closed", true, null));
      return t.result;
    }
    inFlight.add(t);
    t.result.whenComplete((r, e) -> t.cleanup());
    if (closed) { // close() may have swept inFlight before we were added
      t.fail(FetchException.failed("image fetcher is closed", true, null));
      return t.result;
    }
    t.totalTimer =
        schedule(
            t,
            () ->
                t.fail(
                    FetchException.failed(
                        "fetch timed out after " + config.totalTimeout(),
                        true,
                        new TimeoutException())),
            config.totalTimeout());
    try {
      t.dispatch();
    } catch (FetchException e) {
      t.fail(e);
    } catch (RuntimeException e) {
      t.fail(FetchException.failed("unexpected: " + e, false, e));
    }
    return t.result;
  }

  /** Fails every in-flight fetch (FETCH_FAILED, retryable) and releases threads and connections. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Task t : inFlight) {
      t.fail(FetchException.failed("image fetcher closed while fetching", true, null));
    }
    http.close(CloseMode.IMMEDIATE);
    scheduler.shutdownNow();
    blocking.shutdownNow();
  }

  int inFlightCount() {
    return inFlight.size();
  }

  HostLimiter limiter() {
    return limiter;
  }

  // ------------------------------------------------------------------------------------------------------------

  /**
   * One fetch: a small state machine driven by callbacks from the reactor, the timer and the
   * blocking pool.
   */
  private final class Task {
    final ImageRef ref;
    final CompletableFuture<FetchedImage> result = new CompletableFuture<>();
    final long startNanos = System.nanoTime();
    final long deadlineNanos = startNanos + config.totalTimeout().toNanos();
    final AtomicInteger attempts = new AtomicInteger();
    final Set<URI> visited = new HashSet<>();
    int redirects;
    volatile Future<?> totalTimer;
    final AtomicReference<Future<?>> current = new AtomicReference<>();
    final AtomicReference<Future<?>> attemptTimer = new AtomicReference<>();
    final AtomicReference<CompletableFuture<HostLimiter.Permit>> pendingPermit =
        new AtomicReference<>();
    final AtomicReference<HostLimiter.Permit> permit = new AtomicReference<>();

    Task(ImageRef ref) {
      this.ref = ref;
    }

    void dispatch() throws FetchException {
      if (ref.isInline()) {
        byte[] b = ref.bytes();
        if (b.length > config.maxBytes()) {
          throw FetchException.tooLarge(
              "inline image has " + b.length + " bytes, limit " + config.maxBytes());
        }
        attempts.set(1);
        succeed(b, "inline:");
        return;
      }
      URI uri;
      try {
        uri = new URI(ref.uri().trim());
      } catch (URISyntaxException e) {
        throw FetchException.invalid("unparseable image URI: " + e.getMessage(), e);
      }
      String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
      if (scheme == null) {
        throw FetchException.invalid("image URI has no scheme: " + ref.describe(), null);
      }
      if (!config.isSchemeAllowed(scheme)) {
        throw FetchException.forbidden("URI scheme '" + scheme + "' is not allowed");
      }
      switch (scheme) {
        case "data" -> runBlocking(() -> DataUri.decode(ref.uri(), config.maxBytes()), "data:");
        case "file" ->
            runBlocking(
                () -> {
                  Path real = fileRoots.resolve(uri);
                  return FileRoots.read(real, config.maxBytes());
                },
                uri.toString());
        case "http", "https" -> {
          visited.add(uri);
          startHop(uri);
        }
        default ->
            runBlocking(() -> FlinkFileSystemSource.read(uri, config.maxBytes()), uri.toString());
      }
    }

    // --- non-HTTP sources
    // ----------------------------------------------------------------------------------

    void runBlocking(BlockingRead work, String finalUri) {
      attempts.set(1);
      try {
        track(
            blocking.submit(
                () -> {
                  if (result.isDone()) {
                    return;
                  }
                  try {
                    succeed(work.read(), finalUri);
                  } catch (FetchException e) {
                    fail(e);
                  } catch (RuntimeException e) {
                    fail(FetchException.failed("unexpected: " + e, false, e));
                  }
                }));
      } catch (RejectedExecutionException e) {
        fail(FetchException.failed("fetch pool is saturated or closed", true, e));
      }
    }

    // --- HTTP
    // ----------------------------------------------------------------------------------------------

    /**
     * One hop (first request, a redirect target or a retry): validate, resolve once, check, then
     * connect.
     */
    void startHop(URI uri) {
      if (result.isDone()) {
        return;
      }
      try {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
          throw FetchException.forbidden("redirect to scheme '" + scheme + "' is not allowed");
        }
        if (!config.isSchemeAllowed(scheme)) {
          throw FetchException.forbidden("URI scheme '" + scheme + "' is not allowed");
        }
        if (uri.getRawUserInfo() != null) {
          throw FetchException.forbidden("credentials (userinfo) in URLs are not allowed");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
          throw FetchException.invalid("URL has no valid host: " + uri, null);
        }
        String bareHost = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        int port = uri.getPort() >= 0 ? uri.getPort() : (scheme.equals("https") ? 443 : 80);
        if (!policy.isPortAllowed(port)) {
          throw FetchException.forbidden("port " + port + " is not allowed");
        }
        InetAddress literal = Cidr.parseLiteral(bareHost);
        if (literal != null) {
          afterResolve(uri, scheme, bareHost, port, List.of(literal));
          return;
        }
        try {
          // DNS is blocking in the JDK: keep it off the reactor and the caller's thread.
          track(
              blocking.submit(
                  () -> {
                    if (result.isDone()) {
                      return;
                    }
                    List<InetAddress> addrs;
                    try {
                      addrs = resolver.resolve(bareHost);
                    } catch (UnknownHostException e) {
                      fail(FetchException.failed("unknown host " + bareHost, false, e));
                      return;
                    } catch (RuntimeException e) {
                      fail(
                          FetchException.failed(
                              "resolving " + bareHost + " failed: " + e, true, e));
                      return;
                    }
                    try {
                      afterResolve(uri, scheme, bareHost, port, addrs);
                    } catch (FetchException e) {
                      fail(e);
                    }
                  }));
        } catch (RejectedExecutionException e) {
          fail(FetchException.failed("fetch pool is saturated or closed", true, e));
        }
      } catch (FetchException e) {
        fail(e);
      }
    }

    void afterResolve(URI uri, String scheme, String host, int port, List<InetAddress> addrs)
        throws FetchException {
      if (addrs == null || addrs.isEmpty()) {
        throw FetchException.failed("host " + host + " has no address", false, null);
      }
      policy.check(host, addrs);
      // Spread retries over the checked addresses; each one passed the policy above.
      InetAddress target = addrs.get(attempts.get() % addrs.size());
      CompletableFuture<HostLimiter.Permit> pf =
          limiter.acquire(host.toLowerCase(Locale.ROOT) + ":" + port);
      pendingPermit.set(pf);
      if (result.isDone()) {
        pf.cancel(false);
      }
      pf.thenAccept(
          p -> {
            if (!permit.compareAndSet(null, p) || result.isDone()) {
              p.release();
              permit.compareAndSet(p, null);
              return;
            }
            try {
              exchange(uri, scheme, host, port, target);
            } catch (RuntimeException e) {
              releasePermit();
              fail(FetchException.failed("unexpected: " + e, false, e));
            }
          });
    }

    void exchange(URI uri, String scheme, String host, int port, InetAddress address) {
      int attempt = attempts.incrementAndGet();
      HttpHost target = new HttpHost(scheme, address, host, port);
      BasicHttpRequest request = new BasicHttpRequest(Method.GET, uri);
      request.setHeader("Accept", "image/*,*/*;q=0.8");
      HttpClientContext ctx = HttpClientContext.create();
      ctx.setRequestConfig(requestConfig);
      AtomicReference<Boolean> timedOut = new AtomicReference<>(false);
      FutureCallback<LimitedBodyConsumer.Outcome> callback =
          new FutureCallback<>() {
            @Override
            public void completed(LimitedBodyConsumer.Outcome o) {
              endAttempt();
              handleOutcome(uri, o);
            }

            @Override
            public void failed(Exception e) {
              endAttempt();
              handleError(uri, e);
            }

            @Override
            public void cancelled() {
              endAttempt();
              if (timedOut.get()) {
                handleError(
                    uri,
                    new TimeoutException(
                        "attempt " + attempt + " timed out after " + config.attemptTimeout()));
              } else {
                fail(FetchException.failed("HTTP exchange cancelled", true, null));
              }
            }
          };
      Future<LimitedBodyConsumer.Outcome> f =
          http.execute(
              target,
              new BasicRequestProducer(request, null),
              new LimitedBodyConsumer(config.maxBytes()),
              null,
              ctx,
              callback);
      track(f);
      Future<?> timer =
          schedule(
              this,
              () -> {
                timedOut.set(true);
                f.cancel(true);
              },
              config.attemptTimeout());
      attemptTimer.set(timer);
      if (f.isDone()) {
        timer.cancel(false);
      }
    }

    void endAttempt() {
      Future<?> t = attemptTimer.getAndSet(null);
      if (t != null) {
        t.cancel(false);
      }
      releasePermit();
    }

    void handleOutcome(URI uri, LimitedBodyConsumer.Outcome o) {
      if (result.isDone()) {
        return;
      }
      FetchErrorClassifier.Decision d = FetchErrorClassifier.classifyStatus(o.status());
      switch (d.action()) {
        case SUCCESS -> succeed(o.body() == null ? new byte[0] : o.body(), uri.toString());
        case REDIRECT -> redirect(uri, o.location());
        case RETRY ->
            maybeRetry(uri, d, RetryTiming.parseRetryAfter(o.retryAfter(), Instant.now()));
        case FAIL ->
            fail(new FetchException(d.kind(), d.reason() + " from " + uri, false, 0, null));
      }
    }

    void handleError(URI uri, Exception e) {
      if (result.isDone()) {
        return;
      }
      Throwable c = Throwables.unwrap(e);
      if (c instanceof LimitedBodyConsumer.BodyTooLargeException) {
        fail(FetchException.tooLarge(c.getMessage() + " (" + uri + ")"));
        return;
      }
      if (c instanceof LimitedBodyConsumer.ErrorResponseAbort abort && abort.outcome != null) {
        handleOutcome(uri, abort.outcome);
        return;
      }
      FetchErrorClassifier.Decision d = FetchErrorClassifier.classifyException(c);
      if (d.action() == FetchErrorClassifier.Action.RETRY) {
        maybeRetry(uri, d, Optional.empty());
      } else {
        fail(new FetchException(d.kind(), d.reason() + " (" + uri + ")", false, 0, c));
      }
    }

    void redirect(URI from, String location) {
      if (location == null || location.isBlank()) {
        fail(FetchException.failed("redirect without Location from " + from, false, null));
        return;
      }
      if (++redirects > config.maxRedirects()) {
        fail(
            FetchException.failed(
                "too many redirects (limit " + config.maxRedirects() + ") from " + ref.describe(),
                false,
                null));
        return;
      }
      URI next;
      try {
        next = from.resolve(new URI(location.trim()));
      } catch (URISyntaxException | IllegalArgumentException e) {
        fail(FetchException.failed("unparseable redirect Location '" + location + "'", false, e));
        return;
      }
      if (!visited.add(next)) {
        fail(FetchException.failed("redirect loop at " + next, false, null));
        return;
      }
      startHop(next);
    }

    void maybeRetry(URI uri, FetchErrorClassifier.Decision d, Optional<Duration> retryAfter) {
      int made = attempts.get();
      if (made >= config.maxAttempts()) {
        fail(
            new FetchException(
                d.kind(),
                "gave up after " + made + " attempts: " + d.reason() + " (" + uri + ")",
                true,
                0,
                null));
        return;
      }
      Duration delay = config.backoff().delay(made, random);
      if (retryAfter.isPresent()) {
        Duration ra =
            retryAfter.get().compareTo(config.maxRetryAfter()) > 0
                ? config.maxRetryAfter()
                : retryAfter.get();
        if (ra.compareTo(delay) > 0) {
          delay = ra;
        }
      }
      long remaining = deadlineNanos - System.nanoTime();
      if (delay.toNanos() >= remaining) {
        fail(
            new FetchException(
                d.kind(),
                d.reason()
                    + " ("
                    + uri
                    + "); a retry in "
                    + delay
                    + " would pass the total timeout of "
                    + config.totalTimeout(),
                true,
                0,
                null));
        return;
      }
      LOG.debug(
          "retrying {} in {} after: {}", UriRedaction.redact(uri.toString()), delay, d.reason());
      track(schedule(this, () -> startHop(uri), delay));
    }

    // --- completion
    // ----------------------------------------------------------------------------------------

    void succeed(byte[] bytes, String finalUri) {
      ImageFormat format = ImageFormat.sniff(bytes);
      if (format == null && config.rejectUnknownFormat()) {
        fail(
            FetchException.undecodable(
                "bytes from "
                    + (ref.isInline() ? "inline" : finalUri)
                    + " are not a known image format ("
                    + bytes.length
                    + " bytes)"));
        return;
      }
      result.complete(
          new FetchedImage(
              bytes,
              format,
              finalUri,
              Math.max(1, attempts.get()),
              Duration.ofNanos(System.nanoTime() - startNanos)));
    }

    void fail(FetchException e) {
      result.completeExceptionally(e.withAttempts(attempts.get()));
    }

    /** Registers the step now running so that completion (cancel, timeout, close) can abort it. */
    void track(Future<?> f) {
      current.set(f);
      if (result.isDone()) {
        f.cancel(true);
      }
    }

    void releasePermit() {
      HostLimiter.Permit p = permit.getAndSet(null);
      if (p != null) {
        p.release();
      }
    }

    /**
     * Runs once when the result completes by any path: stops timers and work, frees the host slot.
     */
    void cleanup() {
      inFlight.remove(this);
      cancel(totalTimer);
      cancel(attemptTimer.getAndSet(null));
      cancel(current.get());
      CompletableFuture<HostLimiter.Permit> pf = pendingPermit.get();
      if (pf != null) {
        pf.cancel(false);
      }
      releasePermit();
    }

    private void cancel(Future<?> f) {
      if (f != null) {
        f.cancel(true);
      }
    }
  }

  @FunctionalInterface
  private interface BlockingRead {
    byte[] read() throws FetchException;
  }

  private Future<?> schedule(Task t, Runnable r, Duration delay) {
    try {
      return scheduler.schedule(
          () -> {
            try {
              r.run();
            } catch (RuntimeException e) {
              t.fail(FetchException.failed("unexpected: " + e, false, e));
            }
          },
          delay.toNanos(),
          TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      t.fail(FetchException.failed("image fetcher closed", true, e));
      return CompletableFuture.completedFuture(null);
    }
  }

  private static CloseableHttpAsyncClient createHttpClient(FetchConfig c) {
    PoolingAsyncClientConnectionManager cm =
        PoolingAsyncClientConnectionManagerBuilder.create()
            .setDnsResolver(REFUSING_RESOLVER)
            .setTlsStrategy(FetchTls.strategy(c)) // null (the default) without fetch.tls.ca-file
            .setMaxConnPerRoute(c.maxConcurrentPerHost())
            .setMaxConnTotal(c.maxConnectionsTotal())
            .setDefaultConnectionConfig(
                ConnectionConfig.custom()
                    .setConnectTimeout(Timeout.of(c.connectTimeout()))
                    .setSocketTimeout(Timeout.of(c.attemptTimeout()))
                    .setTimeToLive(TimeValue.ofMinutes(2))
                    .build())
            // HTTP/1.1 only: one exchange per connection keeps the per-host limit meaningful.
            .setDefaultTlsConfig(
                TlsConfig.custom()
                    .setVersionPolicy(HttpVersionPolicy.FORCE_HTTP_1)
                    .setHandshakeTimeout(Timeout.of(c.connectTimeout()))
                    .build())
            .build();
    return HttpAsyncClients.custom()
        .setConnectionManager(cm)
        .setIOReactorConfig(
            IOReactorConfig.custom()
                .setIoThreadCount(c.ioThreads())
                .setSoTimeout(Timeout.of(c.attemptTimeout()))
                .build())
        .setThreadFactory(DaemonThreads.factory("abc-fetch-io"))
        .disableRedirectHandling()
        .disableAutomaticRetries()
        .disableCookieManagement()
        .disableAuthCaching()
        .disableConnectionState()
        .setUserAgent(c.userAgent())
        .evictIdleConnections(TimeValue.ofSeconds(30))
        .build();
  }
}
