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
import java.util.concurrent.atomic.AtomicBoolean;
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
import org.apache.hc.core5.http.config.Http1Config;
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
  private final ByteBudget budget;
  private final ThreadPoolExecutor reads;
  private final ThreadPoolExecutor dns;
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
    this.budget = new ByteBudget(config.maxInflightBytes());
    // Two pools: getaddrinfo ignores interrupts, so slow names must not take the threads that
    // file and FileSystem reads need (nor the other way round).
    this.reads = pool(config.blockingThreads(), "abc-fetch-read");
    this.dns = pool(config.dnsThreads(), "abc-fetch-dns");
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
   * Fetches one image; the future fails with {@link FetchException} only.
   *
   * <p>{@code cancel} on the returned future (not on one derived from it) ends the fetch at once:
   * the HTTP exchange is aborted and its connection closed, a queued DNS lookup or read is taken
   * off its queue, waits for a host slot or byte budget are given up, and every slot and byte it
   * held is released. A lookup or read already running finishes on its thread, and its result is
   * dropped.
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
    reads.shutdownNow();
    dns.shutdownNow();
  }

  int inFlightCount() {
    return inFlight.size();
  }

  /** Body bytes the in-flight fetches hold (for tests and metrics). */
  long inFlightBytes() {
    return budget.used();
  }

  /** Capacity of each blocking pool's queue; a full queue fails the fetch at once. */
  static final int POOL_QUEUE = 256;

  private static ThreadPoolExecutor pool(int threads, String name) {
    ThreadPoolExecutor p =
        new ThreadPoolExecutor(
            threads,
            threads,
            30,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(POOL_QUEUE),
            DaemonThreads.factory(name));
    p.allowCoreThreadTimeOut(true);
    return p;
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
    final AtomicReference<Future<?>> dnsTimer = new AtomicReference<>();
    final AtomicReference<LimitedBodyConsumer> consumer = new AtomicReference<>();
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
        default -> {
          FlinkFileSystemSource.checkAllowed(uri, config.fileSystemAuthorities());
          runBlocking(() -> FlinkFileSystemSource.read(uri, config.maxBytes()), uri.toString());
        }
      }
    }

    // --- non-HTTP sources
    // ----------------------------------------------------------------------------------

    void runBlocking(BlockingRead work, String finalUri) {
      attempts.set(1);
      onPool(
          reads,
          "read",
          () -> {
            try {
              succeed(work.read(), finalUri);
            } catch (FetchException e) {
              fail(e);
            }
          });
    }

    /**
     * Runs work on a bounded pool, skipped when the fetch already ended. Whatever it throws, an
     * {@link Error} too, fails this fetch at once instead of vanishing into the pool's future. A
     * full queue fails at once too (retryable): waiting behind it would only end in a timeout.
     */
    Future<?> onPool(ThreadPoolExecutor pool, String what, Runnable work) {
      Future<?> f;
      try {
        f =
            pool.submit(
                () -> {
                  if (result.isDone()) {
                    return;
                  }
                  try {
                    work.run();
                  } catch (Throwable e) {
                    fail(
                        FetchException.failed(
                            what + " failed: " + Throwables.describe(e), false, e));
                  }
                });
      } catch (RejectedExecutionException e) {
        fail(
            FetchException.failed(
                closed
                    ? "image fetcher is closed"
                    : "the fetch "
                        + what
                        + " pool is full ("
                        + pool.getMaximumPoolSize()
                        + " threads, "
                        + POOL_QUEUE
                        + " queued)",
                true,
                e));
        return null;
      }
      track(f);
      return f;
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
        AddressPolicy.Target target = policy.target(uri, scheme);
        String bareHost = target.host();
        int port = target.port();
        InetAddress literal = target.literal();
        if (literal != null) {
          afterResolve(uri, scheme, bareHost, port, List.of(literal));
          return;
        }
        // DNS is blocking in the JDK: keep it off the reactor and the caller's thread, on its
        // own pool, and stop waiting after the DNS timeout even though the thread cannot be
        // freed.
        AtomicBoolean decided = new AtomicBoolean();
        Future<?> lookup =
            onPool(
                dns,
                "DNS lookup",
                () -> {
                  List<InetAddress> addrs;
                  try {
                    addrs = resolver.resolve(bareHost);
                  } catch (UnknownHostException e) {
                    if (decided.compareAndSet(false, true)) {
                      fail(FetchException.failed("unknown host " + bareHost, false, e));
                    }
                    return;
                  } catch (RuntimeException e) {
                    if (decided.compareAndSet(false, true)) {
                      fail(
                          FetchException.failed(
                              "resolving " + bareHost + " failed: " + e, true, e));
                    }
                    return;
                  }
                  if (!decided.compareAndSet(false, true) || result.isDone()) {
                    return; // timed out or cancelled meanwhile
                  }
                  cancel(dnsTimer.getAndSet(null));
                  try {
                    afterResolve(uri, scheme, bareHost, port, addrs);
                  } catch (FetchException e) {
                    fail(e);
                  }
                });
        if (lookup != null) {
          dnsTimer.set(
              schedule(
                  this,
                  () -> {
                    if (decided.compareAndSet(false, true)) {
                      lookup.cancel(true);
                      dns.remove((Runnable) lookup);
                      fail(
                          FetchException.failed(
                              "DNS lookup of "
                                  + bareHost
                                  + " took longer than "
                                  + config.dnsTimeout(),
                              true,
                              new TimeoutException()));
                    }
                  },
                  config.dnsTimeout()));
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
      // By name and by the address connected to: sub-domains, a trailing dot or an IP and its
      // name must not multiply the limit against one server.
      CompletableFuture<HostLimiter.Permit> pf =
          limiter.acquireAll(
              List.of(HostLimiter.hostKey(host, port), HostLimiter.addressKey(target, port)));
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
            } catch (Throwable e) { // an Error would vanish into the CompletableFuture
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
      LimitedBodyConsumer body = new LimitedBodyConsumer(config.maxBytes(), budget);
      consumer.set(body);
      if (result.isDone()) {
        body.release();
        return;
      }
      Future<LimitedBodyConsumer.Outcome> f =
          http.execute(target, new BasicRequestProducer(request, null), body, null, ctx, callback);
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
      releaseConsumer();
      releasePermit();
    }

    void releaseConsumer() {
      LimitedBodyConsumer c = consumer.getAndSet(null);
      if (c != null) {
        c.release();
      }
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
      cancel(dnsTimer.getAndSet(null));
      Future<?> step = current.get();
      cancel(step);
      if (step instanceof Runnable queued) {
        // A cancelled task would keep its place in a bounded queue until a thread reaches it.
        reads.remove(queued);
        dns.remove(queued);
      }
      releaseConsumer();
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
            } catch (Throwable e) { // an Error would vanish into the ScheduledFuture
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

  /** Empty lines tolerated before a status line. */
  private static final int MAX_EMPTY_LINES = 10;

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
        // httpcore5 reads heads without limits by default: a server sending one endless header
        // line would grow a buffer until the I/O thread dies of OutOfMemoryError. These bounds
        // also apply to chunk-size lines and trailers.
        .setHttp1Config(
            Http1Config.custom()
                .setMaxLineLength(c.maxLineLength())
                .setMaxHeaderCount(c.maxHeaderCount())
                .setMaxEmptyLineCount(MAX_EMPTY_LINES)
                .build())
        .setIoReactorExceptionCallback(
            e -> LOG.warn("image fetch I/O reactor: {}", Throwables.describe(e)))
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
