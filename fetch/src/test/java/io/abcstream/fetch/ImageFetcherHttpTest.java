package io.abcstream.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.abcstream.model.image.ImageFormat;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fetcher against a real HTTP server on 127.0.0.1. Only loopback is ever contacted: host names
 * go through a stub resolver, and redirects to other addresses must be refused before connecting.
 */
class ImageFetcherHttpTest {

  private static final byte[] PNG = TestImages.png(4096);
  private static HttpServer server;
  private static ExecutorService serverPool;
  private static String base;
  private static int port;
  private static final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  private static final AtomicInteger concurrent = new AtomicInteger();
  private static final AtomicInteger maxConcurrent = new AtomicInteger();
  private static final AtomicLong hugeBytesWritten = new AtomicLong();
  private static volatile String lastUserAgent;
  private static volatile String lastHostHeader;

  /** Stub DNS: never asks the real resolver. */
  private static final HostResolver STUB =
      host ->
          switch (host) {
            case "images.test" ->
                List.of(InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1}));
            case "mixed.test" ->
                List.of(
                    InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1}),
                    InetAddress.getByAddress(host, new byte[] {10, 1, 2, 3}));
            case "metadata.test" ->
                List.of(
                    InetAddress.getByAddress(
                        host, new byte[] {(byte) 169, (byte) 254, (byte) 169, (byte) 254}));
            default -> throw new UnknownHostException(host);
          };

  @BeforeAll
  static void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    serverPool =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "test-http");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(serverPool);
    port = server.getAddress().getPort();
    base = "http://127.0.0.1:" + port;
    handle(
        "/png",
        ex -> {
          lastUserAgent = ex.getRequestHeaders().getFirst("User-Agent");
          lastHostHeader = ex.getRequestHeaders().getFirst("Host");
          // A lying Content-Type must not matter: the format comes from the bytes.
          ex.getResponseHeaders().add("Content-Type", "text/html");
          send(ex, 200, PNG);
        });
    handle("/bmp-reserved", ex -> send(ex, 200, TestImages.bmpWithReservedBytes(512)));
    handle("/404", ex -> send(ex, 404, "nope".getBytes(StandardCharsets.UTF_8)));
    handle("/always-503", ex -> send(ex, 503, new byte[0]));
    handle(
        "/flaky",
        ex -> {
          if (hits.get("/flaky").get() == 1) {
            send(ex, 503, "busy".getBytes(StandardCharsets.UTF_8));
          } else {
            send(ex, 200, PNG);
          }
        });
    handle(
        "/limited",
        ex -> {
          if (hits.get("/limited").get() == 1) {
            ex.getResponseHeaders().add("Retry-After", "1");
            send(ex, 429, new byte[0]);
          } else {
            send(ex, 200, PNG);
          }
        });
    for (int i = 1; i <= 3; i++) {
      String next = i == 1 ? "/png" : "/r" + (i - 1);
      handle("/r" + i, ex -> redirect(ex, next));
    }
    handle("/abs-redirect", ex -> redirect(ex, base + "/png"));
    handle("/to-metadata", ex -> redirect(ex, "http://169.254.169.254/latest/meta-data/"));
    handle("/to-v6-loopback", ex -> redirect(ex, "http://[::1]:" + port + "/png"));
    handle("/to-mapped", ex -> redirect(ex, "http://[::ffff:10.0.0.1]:" + port + "/png"));
    handle("/to-metadata-name", ex -> redirect(ex, "http://metadata.test/"));
    handle("/to-file", ex -> redirect(ex, "file:///etc/passwd"));
    handle("/loop-a", ex -> redirect(ex, "/loop-b"));
    handle("/loop-b", ex -> redirect(ex, "/loop-a"));
    handle("/text", ex -> send(ex, 200, "hello, not an image".getBytes(StandardCharsets.UTF_8)));
    handle(
        "/huge",
        ex -> {
          ex.sendResponseHeaders(200, 0); // chunked, no Content-Length: only streaming can catch it
          byte[] chunk = TestImages.png(64 * 1024);
          try (OutputStream out = ex.getResponseBody()) {
            for (int i = 0; i < 800; i++) { // 50 MiB if nobody stops us
              out.write(chunk);
              out.flush();
              hugeBytesWritten.addAndGet(chunk.length);
              sleep(20);
            }
          } catch (IOException expected) {
            // the client aborted
          }
        });
    handle(
        "/declared-huge",
        ex -> {
          ex.sendResponseHeaders(200, 50L * 1024 * 1024);
          try (OutputStream out = ex.getResponseBody()) {
            for (int i = 0; i < 100; i++) {
              out.write(TestImages.png(64 * 1024));
              out.flush();
              sleep(50);
            }
          } catch (IOException expected) {
            // the client aborted
          }
        });
    handle(
        "/slow",
        ex -> {
          sleep(3000);
          send(ex, 200, PNG);
        });
    handle(
        "/concurrent",
        ex -> {
          int now = concurrent.incrementAndGet();
          maxConcurrent.accumulateAndGet(now, Math::max);
          try {
            sleep(150);
            send(ex, 200, PNG);
          } finally {
            concurrent.decrementAndGet();
          }
        });
    server.start();
    // Warm up class loading (HTTP client, TLS) so that timing assertions measure the fetcher.
    try (ImageFetcher f = fetcher(config(loopbackConfig()))) {
      f.fetch(ImageRef.ofUri(base + "/png")).join();
      f.fetch(ImageRef.ofUri(base + "/404")).exceptionally(e -> null).join();
    }
  }

  @AfterAll
  static void stopServer() {
    server.stop(0);
    serverPool.shutdownNow();
  }

  @BeforeEach
  void resetCounters() {
    hits.values().forEach(c -> c.set(0));
  }

  private static void handle(String path, HttpHandler h) {
    hits.put(path, new AtomicInteger());
    server.createContext(
        path,
        ex -> {
          try {
            if (!ex.getRequestURI().getPath().equals(path)) {
              send(ex, 404, new byte[0]);
              return;
            }
            hits.get(path).incrementAndGet();
            h.handle(ex);
          } finally {
            ex.close();
          }
        });
  }

  private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static void redirect(HttpExchange ex, String location) throws IOException {
    ex.getResponseHeaders().add("Location", location);
    send(ex, 302, new byte[0]);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Fetch settings for the loopback server; tests change one or two with {@code set}. */
  private static Configuration loopbackConfig() {
    return new Configuration()
        .set(FetchOptions.ALLOWED_CIDRS, List.of("127.0.0.0/8"))
        .set(FetchOptions.CONNECT_TIMEOUT, Duration.ofSeconds(2))
        .set(FetchOptions.ATTEMPT_TIMEOUT, Duration.ofSeconds(2))
        .set(FetchOptions.TOTAL_TIMEOUT, Duration.ofSeconds(10))
        .set(FetchOptions.INITIAL_BACKOFF, Duration.ofMillis(20))
        .set(FetchOptions.MAX_BACKOFF, Duration.ofMillis(100))
        .set(FetchOptions.MAX_ATTEMPTS, 3)
        .set(FetchOptions.MAX_BYTES, new MemorySize(1024 * 1024))
        .set(FetchOptions.USER_AGENT, "abc-test-agent/1.0");
  }

  private static FetchConfig config(Configuration options) {
    return FetchConfig.fromConfiguration(options);
  }

  private static ImageFetcher fetcher(FetchConfig config) {
    return ImageFetcher.builder(config).resolver(STUB).build();
  }

  private static FetchedImage ok(ImageFetcher f, String uri) throws Exception {
    return f.fetch(ImageRef.ofUri(uri)).get(15, TimeUnit.SECONDS);
  }

  private static FetchException failure(ImageFetcher f, String uri) {
    return failure(f.fetch(ImageRef.ofUri(uri)));
  }

  static FetchException failure(CompletableFuture<FetchedImage> future) {
    Throwable t = catchThrowable(() -> future.get(15, TimeUnit.SECONDS));
    assertThat(t).isInstanceOf(ExecutionException.class);
    assertThat(t.getCause()).isInstanceOf(FetchException.class);
    return (FetchException) t.getCause();
  }

  private static void assertDrained(ImageFetcher f) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (f.inFlightCount() > 0 && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    assertThat(f.inFlightCount()).as("in-flight tasks after completion").isZero();
  }

  @Test
  void aBmpWithNonZeroReservedHeaderBytesIsFetchedAsBmp() throws Exception {
    // fetch.reject-unknown-format is on by default: the fetch must sniff as the decoder (and
    // Pillow) do.
    try (ImageFetcher f = fetcher(config(loopbackConfig()))) {
      FetchedImage img = ok(f, base + "/bmp-reserved");
      assertThat(img.format()).isEqualTo(ImageFormat.BMP);
      assertThat(img.bytes()).isEqualTo(TestImages.bmpWithReservedBytes(512));
    }
  }

  @Test
  void fetchesPngAndSniffsFromBytesNotHeaders() throws Exception {
    try (ImageFetcher f = fetcher(config(loopbackConfig()))) {
      FetchedImage img = ok(f, base + "/png");
      assertThat(img.bytes()).isEqualTo(PNG);
      assertThat(img.format()).isEqualTo(ImageFormat.PNG);
      assertThat(img.finalUri()).isEqualTo(base + "/png");
      assertThat(img.attempts()).isEqualTo(1);
      assertThat(lastUserAgent).isEqualTo("abc-test-agent/1.0");
      assertDrained(f);
    }
  }

  @Test
  void loopbackIsDeniedWithoutTheAllowList() {
    try (ImageFetcher f =
        fetcher(config(loopbackConfig().set(FetchOptions.ALLOWED_CIDRS, List.of())))) {
      FetchException e = failure(f, base + "/png");
      assertThat(e.kind()).isEqualTo(FetchException.Kind.FORBIDDEN);
      assertThat(e.getMessage()).contains("127.0.0.1");
      assertThat(hits.get("/png").get()).isZero();
    }
  }

  @Test
  void hostNamesGoThroughTheResolverAndAreCheckedAndPinned() throws Exception {
    try (ImageFetcher f = fetcher(config(loopbackConfig()))) {
      FetchedImage img = ok(f, "http://images.test:" + port + "/png");
      assertThat(img.format()).isEqualTo(ImageFormat.PNG);
      assertThat(lastHostHeader).isEqualTo("images.test:" + port);

      // One denied address among the resolved ones denies the host.
      assertThat(failure(f, "http://mixed.test:" + port + "/png").kind())
          .isEqualTo(FetchException.Kind.FORBIDDEN);
      assertThat(failure(f, "http://unknown.test:" + port + "/png").kind())
          .isEqualTo(FetchException.Kind.FAILED);
    }
    // An allow-listed host skips the address check (but still connects only to what was resolved).
    try (ImageFetcher f =
        fetcher(
            config(
                loopbackConfig()
                    .set(FetchOptions.ALLOWED_CIDRS, List.of())
                    .set(FetchOptions.ALLOWED_HOSTS, List.of("images.test"))))) {
      assertThat(ok(f, "http://images.test:" + port + "/png").format()).isEqualTo(ImageFormat.PNG);
      assertThat(failure(f, base + "/png").kind()).isEqualTo(FetchException.Kind.FORBIDDEN);
    }
  }

  @Test
  void resolvesOnceAndConnectsToTheCheckedAddress() throws Exception {
    // A rebinding resolver: the first answer is allowed, every later one is the metadata address.
    AtomicInteger lookups = new AtomicInteger();
    HostResolver rebinding =
        host ->
            lookups.incrementAndGet() == 1
                ? List.of(InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1}))
                : List.of(
                    InetAddress.getByAddress(
                        host, new byte[] {(byte) 169, (byte) 254, (byte) 169, (byte) 254}));
    try (ImageFetcher f =
        ImageFetcher.builder(config(loopbackConfig())).resolver(rebinding).build()) {
      FetchedImage img =
          f.fetch(ImageRef.ofUri("http://rebind.test:" + port + "/png")).get(10, TimeUnit.SECONDS);
      assertThat(img.format()).isEqualTo(ImageFormat.PNG);
      // The HTTP client itself has no working DNS, so a second lookup could only have come from us.
      assertThat(lookups.get()).isEqualTo(1);
      // The next fetch gets the rebound answer, which is checked and refused.
      assertThat(failure(f, "http://rebind.test:" + port + "/png").kind())
          .isEqualTo(FetchException.Kind.FORBIDDEN);
    }
  }

  @Test
  void retryAfterIsCapped() throws Exception {
    try (ImageFetcher f =
        fetcher(
            config(loopbackConfig().set(FetchOptions.MAX_RETRY_AFTER, Duration.ofMillis(200))))) {
      long t0 = System.nanoTime();
      FetchedImage img = ok(f, base + "/limited");
      assertThat(img.attempts()).isEqualTo(2);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(150L, 900L);
    }
  }

  @Test
  void nonCanonicalIpv4FormsAreNeverFetched() {
    // Shorthand/decimal forms of 127.0.0.1: java.net.URI yields no host for them, so they are
    // refused
    // as invalid before any lookup; were they parsed, the resolved 127.0.0.1 would be denied.
    try (ImageFetcher f =
        ImageFetcher.create(config(loopbackConfig().set(FetchOptions.ALLOWED_CIDRS, List.of())))) {
      for (String host : List.of("127.1", "2130706433", "127.0.1")) {
        assertThat(failure(f, "http://" + host + ":" + port + "/png").kind())
            .as(host)
            .isIn(FetchException.Kind.FORBIDDEN, FetchException.Kind.INVALID_REFERENCE);
      }
    }
    assertThat(hits.get("/png").get()).isZero();
  }

  @Test
  void notFoundFailsWithoutRetry() throws Exception {
    try (ImageFetcher f = fetcher(config(loopbackConfig()))) {
      FetchException e = failure(f, base + "/404");
      assertThat(e.kind()).isEqualTo(FetchException.Kind.FAILED);
      assertThat(e.retryable()).isFalse();
      assertThat(e.attempts()).isEqualTo(1);
      assertThat(hits.get("/404").get()).isEqualTo(1);
      assertDrained(f);
    }
  }

  @Test
  void serviceUnavailableIsRetriedThenSucceeds() throws Exception {
    try (ImageFetcher f = fetcher(config(loopbackConfig()))) {
      FetchedImage img = ok(f, base + "/flaky");
      assertThat(img.attempts()).isEqualTo(2);
      assertThat(hits.get("/flaky").get()).isEqualTo(2);
    }
  }

  @Test
  void retriesAreExhausted() throws Exception {
    try (ImageFetcher f = fetcher(config(loopbackConfig()))) {
      FetchException e = failure(f, base + "/always-503");
      assertThat(e.kind()).isEqualTo(FetchException.Kind.FAILED);
      assertThat(e.retryable()).isTrue();
      assertThat(e.attempts()).isEqualTo(3);
      assertThat(hits.get("/always-503").get()).isEqualTo(3);
      assertDrained(f);
    }
  }

  @Test
  void tooManyRequestsHonoursRetryAfter() throws Exception {
    try (ImageFetcher f = fetcher(config(loopbackConfig()))) {
      long t0 = System.nanoTime();
      FetchedImage img = ok(f, base + "/limited");
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertThat(img.attempts()).isEqualTo(2);
      assertThat(ms).isGreaterThanOrEqualTo(950);
    }
  }

  @Test
  void retryAfterBeyondTheTotalTimeoutFailsAtOnce() throws Exception {
    try (ImageFetcher f =
        fetcher(
            config(
                loopbackConfig()
                    .set(FetchOptions.ATTEMPT_TIMEOUT, Duration.ofMillis(500))
                    .set(FetchOptions.TOTAL_TIMEOUT, Duration.ofMillis(800))))) {
      long t0 = System.nanoTime();
      FetchException e = failure(f, base + "/limited");
      assertThat(e.kind()).isEqualTo(FetchException.Kind.FAILED);
      assertThat(e.getMessage()).contains("total timeout");
      // Waiting for Retry-After would take >= 1000 ms.
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(1000);
    }
  }

  @Test
  void followsRedirectsWithinTheLimit() throws Exception {
    try (ImageFetcher f = fetcher(config(loopbackConfig().set(FetchOptions.MAX_REDIRECTS, 3)))) {
      FetchedImage img = ok(f, base + "/r3");
      assertThat(img.finalUri()).isEqualTo(base + "/png");
      assertThat(ok(f, base + "/abs-redirect").finalUri()).isEqualTo(base + "/png");
    }
    hits.get("/png").set(0);
    try (ImageFetcher f = fetcher(config(loopbackConfig().set(FetchOptions.MAX_REDIRECTS, 2)))) {
      FetchException e = failure(f, base + "/r3");
      assertThat(e.kind()).isEqualTo(FetchException.Kind.FAILED);
      assertThat(e.getMessage()).contains("too many redirects");
      assertThat(hits.get("/png").get()).isZero();
    }
  }

  @Test
  void redirectsToDeniedTargetsAreForbiddenBeforeConnecting() throws Exception {
    try (ImageFetcher f = fetcher(config(loopbackConfig()))) {
      for (String path :
          List.of(
              "/to-metadata", "/to-v6-loopback", "/to-mapped", "/to-metadata-name", "/to-file")) {
        FetchException e = failure(f, base + path);
        assertThat(e.kind()).as(path).isEqualTo(FetchException.Kind.FORBIDDEN);
      }
      assertThat(hits.get("/png").get()).isZero();
      assertDrained(f);
    }
  }

  @Test
  void redirectLoopFails() throws Exception {
    try (ImageFetcher f = fetcher(config(loopbackConfig().set(FetchOptions.MAX_REDIRECTS, 10)))) {
      FetchException e = failure(f, base + "/loop-a");
      assertThat(e.kind()).isEqualTo(FetchException.Kind.FAILED);
      assertThat(e.getMessage()).contains("redirect loop");
    }
  }

  @Test
  void streamingBodyOverTheLimitIsAbortedEarly() throws Exception {
    hugeBytesWritten.set(0);
    try (ImageFetcher f =
        fetcher(config(loopbackConfig().set(FetchOptions.MAX_BYTES, new MemorySize(256 * 1024))))) {
      long t0 = System.nanoTime();
      FetchException e = failure(f, base + "/huge");
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertThat(e.kind()).isEqualTo(FetchException.Kind.TOO_LARGE);
      assertThat(ms).isLessThan(3000);
      assertThat(hits.get("/huge").get()).isEqualTo(1); // not retried
      Thread.sleep(300);
      assertThat(hugeBytesWritten.get()).isLessThan(10L * 1024 * 1024);
      assertDrained(f);
    }
  }

  @Test
  void declaredContentLengthOverTheLimitIsRefusedAtTheHeaders() throws Exception {
    try (ImageFetcher f =
        fetcher(config(loopbackConfig().set(FetchOptions.MAX_BYTES, new MemorySize(256 * 1024))))) {
      long t0 = System.nanoTime();
      FetchException e = failure(f, base + "/declared-huge");
      assertThat(e.kind()).isEqualTo(FetchException.Kind.TOO_LARGE);
      assertThat(e.getMessage()).contains("Content-Length");
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(2500);
    }
  }

  @Test
  void slowServerTimesOutPerAttemptAndIsRetried() throws Exception {
    try (ImageFetcher f =
        fetcher(
            config(
                loopbackConfig()
                    .set(FetchOptions.ATTEMPT_TIMEOUT, Duration.ofMillis(300))
                    .set(FetchOptions.MAX_ATTEMPTS, 2)))) {
      long t0 = System.nanoTime();
      FetchException e = failure(f, base + "/slow");
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertThat(e.kind()).isEqualTo(FetchException.Kind.FAILED);
      assertThat(e.retryable()).isTrue();
      assertThat(e.attempts()).isEqualTo(2);
      assertThat(e.getMessage()).contains("timeout");
      assertThat(ms).isBetween(500L, 2500L);
      assertDrained(f);
    }
  }

  @Test
  void totalTimeoutBoundsTheWholeFetch() throws Exception {
    try (ImageFetcher f =
        fetcher(
            config(
                loopbackConfig()
                    .set(FetchOptions.ATTEMPT_TIMEOUT, Duration.ofMillis(400))
                    .set(FetchOptions.TOTAL_TIMEOUT, Duration.ofMillis(400))))) {
      long t0 = System.nanoTime();
      FetchException e = failure(f, base + "/slow");
      assertThat(e.kind()).isEqualTo(FetchException.Kind.FAILED);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(2500);
      assertDrained(f);
    }
  }

  @Test
  void perHostConcurrencyIsQueuedNotFailed() throws Exception {
    concurrent.set(0);
    maxConcurrent.set(0);
    try (ImageFetcher f =
        fetcher(config(loopbackConfig().set(FetchOptions.MAX_CONCURRENT_PER_HOST, 2)))) {
      List<CompletableFuture<FetchedImage>> all = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        all.add(f.fetch(ImageRef.ofUri(base + "/concurrent")));
      }
      for (CompletableFuture<FetchedImage> c : all) {
        assertThat(c.get(15, TimeUnit.SECONDS).format()).isEqualTo(ImageFormat.PNG);
      }
      assertThat(maxConcurrent.get()).isBetween(1, 2);
      assertThat(hits.get("/concurrent").get()).isEqualTo(8);
      assertThat(f.limiter().active("127.0.0.1:" + port)).isZero();
    }
  }

  @Test
  void cancellingAFetchAbortsItAndFreesTheHostSlot() throws Exception {
    try (ImageFetcher f =
        fetcher(config(loopbackConfig().set(FetchOptions.MAX_CONCURRENT_PER_HOST, 1)))) {
      CompletableFuture<FetchedImage> slow = f.fetch(ImageRef.ofUri(base + "/slow"));
      Thread.sleep(150);
      assertThat(slow.cancel(true)).isTrue();
      assertThat(catchThrowable(slow::join)).isInstanceOf(CancellationException.class);
      // With the only slot leaked this would queue behind /slow for 3 s; attemptTimeout is 2 s.
      long t0 = System.nanoTime();
      assertThat(ok(f, base + "/png").format()).isEqualTo(ImageFormat.PNG);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(2500);
      assertDrained(f);
    }
  }

  @Test
  void closingTheFetcherFailsInFlightFetchesAndLaterOnes() throws Exception {
    ImageFetcher f = fetcher(config(loopbackConfig()));
    CompletableFuture<FetchedImage> slow = f.fetch(ImageRef.ofUri(base + "/slow"));
    Thread.sleep(150);
    long t0 = System.nanoTime();
    f.close();
    FetchException e = failure(slow);
    assertThat(e.kind()).isEqualTo(FetchException.Kind.FAILED);
    assertThat(e.getMessage()).contains("closed");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(2500);
    FetchException after = failure(f.fetch(ImageRef.ofUri(base + "/png")));
    assertThat(after.getMessage()).contains("closed");
    assertThat(f.inFlightCount()).isZero();
  }

  @Test
  void connectionRefusedIsRetriedThenFails() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    try (ImageFetcher f = fetcher(config(loopbackConfig()))) {
      FetchException e = failure(f, "http://127.0.0.1:" + closedPort + "/png");
      assertThat(e.kind()).isEqualTo(FetchException.Kind.FAILED);
      assertThat(e.retryable()).isTrue();
      assertThat(e.attempts()).isEqualTo(3);
    }
  }

  @Test
  void userinfoPortsAndUnknownBytesArePolicyOrFormatFailures() throws Exception {
    try (ImageFetcher f = fetcher(config(loopbackConfig()))) {
      assertThat(failure(f, "http://user:secret@127.0.0.1:" + port + "/png").kind())
          .isEqualTo(FetchException.Kind.FORBIDDEN);
      assertThat(failure(f, base + "/text").kind()).isEqualTo(FetchException.Kind.UNDECODABLE);
    }
    try (ImageFetcher f =
        fetcher(config(loopbackConfig().set(FetchOptions.ALLOWED_PORTS, List.of(443))))) {
      assertThat(failure(f, base + "/png").kind()).isEqualTo(FetchException.Kind.FORBIDDEN);
    }
    try (ImageFetcher f =
        fetcher(config(loopbackConfig().set(FetchOptions.REJECT_UNKNOWN_FORMAT, false)))) {
      assertThat(ok(f, base + "/text").format()).isNull();
    }
  }
}
