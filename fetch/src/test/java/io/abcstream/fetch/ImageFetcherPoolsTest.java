package io.abcstream.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.abcstream.model.image.ImageFormat;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DNS and reads on their own bounded pools: a resolver that hangs (ignoring interrupts, as
 * getaddrinfo does) or throws an Error must neither stall other fetches nor leave one waiting.
 */
class ImageFetcherPoolsTest {

  private static final byte[] PNG = TestImages.png(2048);
  private static HttpServer server;
  private static String base;
  private final CountDownLatch dnsRelease = new CountDownLatch(1);

  @BeforeAll
  static void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.createContext(
        "/png",
        ex -> {
          ex.sendResponseHeaders(200, PNG.length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(PNG);
          }
        });
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterAll
  static void stop() {
    server.stop(0);
  }

  @AfterEach
  void releaseHungLookups() {
    dnsRelease.countDown();
  }

  /** slow.test hangs until the test ends and ignores interrupts; error.test throws an Error. */
  private List<InetAddress> resolve(String host) throws UnknownHostException {
    switch (host) {
      case "slow.test" -> {
        boolean interrupted = false;
        while (true) {
          try {
            dnsRelease.await();
            break;
          } catch (InterruptedException e) {
            interrupted = true; // like getaddrinfo: an interrupt does not end the lookup
          }
        }
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
        return List.of(InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1}));
      }
      case "error.test" -> throw new StackOverflowError("resolver bug");
      case "images.test" -> {
        return List.of(InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1}));
      }
      default -> throw new UnknownHostException(host);
    }
  }

  private ImageFetcher fetcher(Configuration c) {
    return ImageFetcher.builder(FetchConfig.fromConfiguration(c)).resolver(this::resolve).build();
  }

  private static Configuration config() {
    return ImageFetcherHostileServerTest.loopback();
  }

  private static long millisSince(long t0) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
  }

  @Test
  void aHungLookupTimesOutAndStallsNeitherLiteralHostsNorDataUris() throws Exception {
    Configuration c =
        config()
            .set(FetchOptions.DNS_THREADS, 2)
            .set(FetchOptions.BLOCKING_THREADS, 1)
            .set(FetchOptions.DNS_TIMEOUT, Duration.ofMillis(400));
    try (ImageFetcher f = fetcher(c)) {
      long t0 = System.nanoTime();
      List<CompletableFuture<FetchedImage>> slow = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        slow.add(f.fetch(ImageRef.ofUri("http://slow.test:1/x" + i)));
      }
      // Every DNS thread now hangs; http to an address and data: do not need one.
      FetchedImage literal = f.fetch(ImageRef.ofUri(base + "/png")).get(20, TimeUnit.SECONDS);
      assertThat(literal.format()).isEqualTo(ImageFormat.PNG);
      String data = "data:image/png;base64," + Base64.getEncoder().encodeToString(PNG);
      assertThat(f.fetch(ImageRef.ofUri(data)).get(20, TimeUnit.SECONDS).format())
          .isEqualTo(ImageFormat.PNG);
      // Both completed while both DNS threads hang (until the test ends): neither needed one.
      for (CompletableFuture<FetchedImage> s : slow) {
        FetchException e = ImageFetcherHttpTest.failure(s);
        assertThat(e.kind()).isEqualTo(FetchException.Kind.FAILED);
        assertThat(e.getMessage()).contains("DNS lookup of slow.test took longer than");
      }
      // The 400 ms DNS timeout, not the 90 s total timeout, ended them.
      assertThat(millisSince(t0)).isLessThan(20_000);
      assertThat(f.inFlightCount()).isZero();
    }
  }

  @Test
  void aFullDnsQueueFailsAtOnceInsteadOfQueueing() throws Exception {
    Configuration c =
        config()
            .set(FetchOptions.DNS_THREADS, 1)
            .set(FetchOptions.DNS_TIMEOUT, Duration.ofSeconds(60));
    try (ImageFetcher f = fetcher(c)) {
      List<CompletableFuture<FetchedImage>> queued = new ArrayList<>();
      // One running plus a full queue.
      for (int i = 0; i < 1 + ImageFetcher.POOL_QUEUE; i++) {
        queued.add(f.fetch(ImageRef.ofUri("http://slow.test:1/q" + i)));
      }
      long t0 = System.nanoTime();
      FetchException e =
          ImageFetcherHttpTest.failure(f.fetch(ImageRef.ofUri("http://slow.test:1/one-more")));
      // At once, not after the 60 s DNS timeout a queued lookup would wait for.
      assertThat(millisSince(t0)).isLessThan(10_000);
      assertThat(e.kind()).isEqualTo(FetchException.Kind.FAILED);
      assertThat(e.retryable()).isTrue();
      assertThat(e.getMessage()).contains("DNS lookup pool is full");
      // Cancelled fetches leave the queue at once, so their places are free again.
      queued.forEach(q -> q.cancel(true));
      dnsRelease.countDown();
      assertThat(
              f.fetch(ImageRef.ofUri(base.replace("127.0.0.1", "images.test") + "/png"))
                  .get(30, TimeUnit.SECONDS)
                  .format())
          .isEqualTo(ImageFormat.PNG);
    }
  }

  @Test
  void anErrorThrownOnAPoolFailsTheFetchAtOnce() throws Exception {
    try (ImageFetcher f = fetcher(config())) {
      long t0 = System.nanoTime();
      FetchException e =
          ImageFetcherHttpTest.failure(f.fetch(ImageRef.ofUri("http://error.test:1/x")));
      assertThat(millisSince(t0)).isLessThan(10_000); // not the 90 s total timeout
      assertThat(e.kind()).isEqualTo(FetchException.Kind.FAILED);
      assertThat(e.getMessage()).contains("StackOverflowError");
      assertThat(f.fetch(ImageRef.ofUri(base + "/png")).get(30, TimeUnit.SECONDS).format())
          .isEqualTo(ImageFormat.PNG);
    }
  }

  @Test
  void cancellingWhileTheLookupHangsEndsTheFetchAndFreesItsQueuePlace() throws Exception {
    Configuration c =
        config()
            .set(FetchOptions.DNS_THREADS, 1)
            .set(FetchOptions.DNS_TIMEOUT, Duration.ofSeconds(60));
    try (ImageFetcher f = fetcher(c)) {
      CompletableFuture<FetchedImage> running = f.fetch(ImageRef.ofUri("http://slow.test:1/a"));
      CompletableFuture<FetchedImage> queued = f.fetch(ImageRef.ofUri("http://slow.test:1/b"));
      Thread.sleep(100);
      assertThat(running.cancel(true)).isTrue();
      assertThat(queued.cancel(true)).isTrue();
      assertThat(f.inFlightCount()).isZero();
    }
  }
}
