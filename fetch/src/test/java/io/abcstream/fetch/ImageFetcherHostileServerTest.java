package io.abcstream.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import io.abcstream.model.image.ImageFormat;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fetcher against a server that sends endless or stalled bytes. The module's tests run with a
 * 256 MiB heap (see the pom), so a client that buffered any of these without a bound would die of
 * OutOfMemoryError here, not pass.
 */
class ImageFetcherHostileServerTest {

  private static final byte[] PNG = TestImages.png(4096);
  private static final byte[] BLOCK = filled(64 * 1024, 'a');
  private static HostileServer server;
  private static final AtomicInteger CONCURRENT = new AtomicInteger();
  private static final AtomicInteger MAX_CONCURRENT = new AtomicInteger();

  private static byte[] filled(int n, char c) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) c);
    return b;
  }

  private static byte[] repeated(String s, int times) {
    return s.repeat(times).getBytes(StandardCharsets.ISO_8859_1);
  }

  @BeforeAll
  static void start() throws Exception {
    server = new HostileServer();
    server.on(
        "/png",
        c -> {
          c.write("HTTP/1.1 200 OK\r\nContent-Length: " + PNG.length + "\r\n\r\n");
          c.write(PNG);
          c.holdUntilClosed(); // keep-alive: the client may reuse or close it
        });
    server.on(
        "/endless-header-line",
        c -> {
          c.write("HTTP/1.1 200 OK\r\nX-A: ");
          c.writeForever(BLOCK);
        });
    server.on(
        "/endless-headers",
        c -> {
          c.write("HTTP/1.1 200 OK\r\n");
          c.writeForever(repeated("X-A: b\r\n", 4096));
        });
    server.on(
        "/endless-status-line",
        c -> {
          c.write("HTTP/1.1 200 ");
          c.writeForever(BLOCK);
        });
    server.on(
        "/endless-chunk-size-line",
        c -> {
          c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
          c.write("10;ext=");
          c.writeForever(BLOCK);
        });
    server.on(
        "/endless-chunk-size-digits",
        c -> {
          c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
          c.writeForever(filled(64 * 1024, '0'));
        });
    server.on(
        "/endless-trailer-line",
        c -> {
          c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
          c.write(Integer.toHexString(PNG.length) + "\r\n");
          c.write(PNG);
          c.write("\r\n0\r\nX-T: ");
          c.writeForever(BLOCK);
        });
    server.on(
        "/endless-trailers",
        c -> {
          c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
          c.write(Integer.toHexString(PNG.length) + "\r\n");
          c.write(PNG);
          c.write("\r\n0\r\n");
          c.writeForever(repeated("X-T: b\r\n", 4096));
        });
    server.on("/endless-empty-lines", c -> c.writeForever(repeated("\r\n", 16 * 1024)));
    server.on(
        "/endless-body-chunked",
        c -> {
          c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
          byte[] chunk = TestImages.png(64 * 1024);
          byte[] head = (Integer.toHexString(chunk.length) + "\r\n").getBytes();
          for (long n = 0; n < (4L << 30); n += chunk.length) {
            c.write(head);
            c.write(chunk);
            c.write("\r\n");
          }
        });
    server.on(
        "/endless-body-until-close",
        c -> {
          c.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
          c.write(PNG);
          c.writeForever(BLOCK);
        });
    server.on(
        "/stalled-declared-huge",
        c -> {
          c.write("HTTP/1.1 200 OK\r\nContent-Length: 50000000\r\n\r\n");
          c.write(TestImages.png(1000));
          c.holdUntilClosed();
        });
    server.on(
        "/stalled-most-of-the-budget",
        c -> {
          c.write("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n");
          c.write(TestImages.png(900_000));
          c.holdUntilClosed();
        });
    byte[] big = TestImages.png(400_000);
    server.on(
        "/big",
        c -> {
          c.write("HTTP/1.1 200 OK\r\nContent-Length: " + big.length + "\r\n\r\n");
          c.write(big);
          c.holdUntilClosed();
        });
    server.on(
        "/counted",
        c -> {
          int now = CONCURRENT.incrementAndGet();
          MAX_CONCURRENT.accumulateAndGet(now, Math::max);
          try {
            Thread.sleep(150);
          } finally {
            CONCURRENT.decrementAndGet();
          }
          c.write("HTTP/1.1 200 OK\r\nContent-Length: " + PNG.length + "\r\n\r\n");
          c.write(PNG);
          c.holdUntilClosed();
        });
    // Warm up class loading so that the timing assertions measure the fetcher.
    try (ImageFetcher f = fetcher(loopback())) {
      f.fetch(ImageRef.ofUri(server.base() + "/png")).get(15, TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  static Configuration loopback() {
    return new Configuration()
        .set(FetchOptions.ALLOWED_CIDRS, List.of("127.0.0.0/8"))
        .set(FetchOptions.CONNECT_TIMEOUT, Duration.ofSeconds(5))
        // Far above every time asserted below, so "a bound ended it, not the timer" holds with
        // seconds of headroom on a loaded machine.
        .set(FetchOptions.ATTEMPT_TIMEOUT, Duration.ofSeconds(30))
        .set(FetchOptions.TOTAL_TIMEOUT, Duration.ofSeconds(90))
        .set(FetchOptions.INITIAL_BACKOFF, Duration.ofMillis(20))
        .set(FetchOptions.MAX_BACKOFF, Duration.ofMillis(100))
        .set(FetchOptions.MAX_ATTEMPTS, 3)
        .set(FetchOptions.MAX_BYTES, new MemorySize(1024 * 1024));
  }

  static ImageFetcher fetcher(Configuration c) {
    return ImageFetcher.builder(FetchConfig.fromConfiguration(c))
        .resolver(host -> List.of(InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1})))
        .build();
  }

  @Test
  void theHeapIsSmallEnoughThatAnUnboundedReadWouldFail() {
    // The pom's surefire argLine; without it the endless variants below could pass by luck.
    assertThat(Runtime.getRuntime().maxMemory()).isLessThanOrEqualTo(300L * 1024 * 1024);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/endless-header-line",
        "/endless-headers",
        "/endless-status-line",
        "/endless-chunk-size-line",
        "/endless-chunk-size-digits",
        "/endless-trailer-line",
        "/endless-trailers",
        "/endless-empty-lines"
      })
  void anEndlessHeadFailsOnceAtOnceAndTheSameFetcherGoesOn(String path) throws Exception {
    try (ImageFetcher f = fetcher(loopback())) {
      long t0 = System.nanoTime();
      FetchException e =
          ImageFetcherHttpTest.failure(f.fetch(ImageRef.ofUri(server.base() + path)));
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertThat(e.kind()).as(e.toString()).isEqualTo(FetchException.Kind.FAILED);
      assertThat(e.retryable()).isFalse();
      assertThat(e.attempts()).isEqualTo(1);
      assertThat(e.getMessage()).contains("protocol error");
      // Well under the 30 s attempt timeout: the bound, not a timer, ended it.
      assertThat(millis).isLessThan(10_000);
      assertThat(server.connections.get(path).get()).as("never retried").isEqualTo(1);
      assertThat(server.awaitClosed(path, 10_000)).as("connection closed by the client").isTrue();
      assertThat(f.fetch(ImageRef.ofUri(server.base() + "/png")).get(30, TimeUnit.SECONDS).format())
          .isEqualTo(ImageFormat.PNG);
      assertThat(f.inFlightBytes()).isZero();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"/endless-body-chunked", "/endless-body-until-close"})
  void anEndlessBodyStopsAtTheByteLimitAndTheSameFetcherGoesOn(String path) throws Exception {
    try (ImageFetcher f = fetcher(loopback())) {
      long t0 = System.nanoTime();
      FetchException e =
          ImageFetcherHttpTest.failure(f.fetch(ImageRef.ofUri(server.base() + path)));
      assertThat(e.kind()).as(e.toString()).isEqualTo(FetchException.Kind.TOO_LARGE);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(10_000);
      assertThat(server.awaitClosed(path, 10_000)).isTrue();
      // The server could write only about the limit plus what the socket buffers hold.
      assertThat(server.written.get(path).get()).isLessThan(64L * 1024 * 1024);
      assertThat(f.fetch(ImageRef.ofUri(server.base() + "/png")).get(30, TimeUnit.SECONDS).format())
          .isEqualTo(ImageFormat.PNG);
      assertThat(f.inFlightBytes()).isZero();
    }
  }

  @Test
  void stalledFetchesWithAHugeContentLengthHoldOnlyTheBytesReceived() throws Exception {
    int n = 32;
    Configuration c =
        loopback()
            .set(FetchOptions.MAX_BYTES, MemorySize.parse("64mb"))
            .set(FetchOptions.MAX_CONCURRENT_PER_HOST, n)
            .set(FetchOptions.ATTEMPT_TIMEOUT, Duration.ofSeconds(60))
            .set(FetchOptions.TOTAL_TIMEOUT, Duration.ofSeconds(120));
    String path = "/stalled-declared-huge";
    try (ImageFetcher f = fetcher(c)) {
      int closedBefore = server.closedByClient.get(path).get();
      long writtenBefore = server.written.get(path).get();
      int connectionsBefore = server.connections.get(path).get();
      CompletableFuture<?>[] all = new CompletableFuture<?>[n];
      for (int i = 0; i < n; i++) {
        all[i] = f.fetch(ImageRef.ofUri(server.base() + path));
      }
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      // Every connection accepted and its first 1000 body bytes written.
      while ((server.connections.get(path).get() - connectionsBefore < n
              || server.written.get(path).get() - writtenBefore < n * 1000L)
          && System.nanoTime() < until) {
        Thread.sleep(10);
      }
      Thread.sleep(200);
      // 32 × 50 MB declared would be 1.6 GB against a 256 MiB heap; what is held is what came.
      assertThat(server.connections.get(path).get() - connectionsBefore).isEqualTo(n);
      assertThat(server.written.get(path).get() - writtenBefore).isGreaterThanOrEqualTo(n * 1000L);
      assertThat(f.inFlightBytes()).isPositive().isLessThanOrEqualTo(n * (1000L + 2 * 65536));
      for (CompletableFuture<?> a : all) {
        assertThat(a).isNotDone();
        a.cancel(true);
      }
      // Cancel closes every connection (long before the 60 s attempt timeout would).
      assertThat(server.awaitClosedCount(path, closedBefore + n, 20_000)).isTrue();
      assertThat(f.inFlightBytes()).isZero();
      assertThat(f.fetch(ImageRef.ofUri(server.base() + "/png")).get(30, TimeUnit.SECONDS).format())
          .isEqualTo(ImageFormat.PNG);
    }
  }

  @Test
  void aFetchThatFindsTheByteBudgetSpentWaitsForItInsteadOfAllocating() throws Exception {
    Configuration c =
        loopback()
            .set(FetchOptions.MAX_INFLIGHT_BYTES, new MemorySize(1024 * 1024))
            .set(FetchOptions.ATTEMPT_TIMEOUT, Duration.ofSeconds(10));
    try (ImageFetcher f = fetcher(c)) {
      CompletableFuture<FetchedImage> hog =
          f.fetch(ImageRef.ofUri(server.base() + "/stalled-most-of-the-budget"));
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (f.inFlightBytes() < 900_000 && System.nanoTime() < until) {
        Thread.sleep(10);
      }
      CompletableFuture<FetchedImage> big = f.fetch(ImageRef.ofUri(server.base() + "/big"));
      Thread.sleep(700);
      assertThat(big).as("waits for budget").isNotDone();
      // Over the budget by at most what connections read before they could ask (one window each).
      assertThat(f.inFlightBytes()).isLessThanOrEqualTo(1024 * 1024 + 2 * 80 * 1024);
      hog.cancel(true);
      FetchedImage image = big.get(30, TimeUnit.SECONDS);
      assertThat(image.bytes()).hasSize(400_000);
      assertThat(f.inFlightBytes()).isZero();
    }
  }

  @Test
  void namesOfOneAddressShareItsLimit() throws Exception {
    CONCURRENT.set(0);
    MAX_CONCURRENT.set(0);
    try (ImageFetcher f = fetcher(loopback().set(FetchOptions.MAX_CONCURRENT_PER_HOST, 2))) {
      int port = server.port();
      List<String> names =
          List.of("a.images.test", "b.images.test", "images.test.", "IMAGES.test", "127.0.0.1");
      List<CompletableFuture<FetchedImage>> all = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        all.add(
            f.fetch(
                ImageRef.ofUri("http://" + names.get(i % names.size()) + ":" + port + "/counted")));
      }
      for (CompletableFuture<FetchedImage> a : all) {
        assertThat(a.get(75, TimeUnit.SECONDS).format()).isEqualTo(ImageFormat.PNG);
      }
      assertThat(MAX_CONCURRENT.get()).isBetween(1, 2);
      assertThat(f.limiter().active(HostLimiter.addressKey(InetAddress.getLoopbackAddress(), port)))
          .isZero();
    }
  }

  @Test
  void cancellingAbortsTheExchangeAndClosesItsConnection() throws Exception {
    String path = "/stalled-declared-huge";
    try (ImageFetcher f =
        fetcher(loopback().set(FetchOptions.MAX_BYTES, MemorySize.parse("64mb")))) {
      long before = server.connections.get(path).get();
      int closedBefore = server.closedByClient.get(path).get();
      CompletableFuture<FetchedImage> stalled = f.fetch(ImageRef.ofUri(server.base() + path));
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (f.inFlightBytes() == 0 && System.nanoTime() < until) {
        Thread.sleep(10);
      }
      assertThat(server.connections.get(path).get()).isEqualTo(before + 1);
      long t0 = System.nanoTime();
      assertThat(stalled.cancel(true)).isTrue();
      // The server sees the connection closed well before any timeout (attempt timeout 30 s).
      assertThat(server.awaitClosedCount(path, closedBefore + 1, 10_000)).isTrue();
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(10_000);
      assertThat(f.inFlightBytes()).isZero();
      assertThat(f.inFlightCount()).isZero();
    }
  }
}
