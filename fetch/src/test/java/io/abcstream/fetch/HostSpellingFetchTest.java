package io.abcstream.fetch;

import static io.abcstream.fetch.ImageFetcherHttpTest.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One URL per host-spelling class through the real fetcher against a server on 127.0.0.1, with
 * loopback allowed and a resolver that would send any name there: a refused spelling shows as no
 * lookup and no request, so it is refused for how it is written, not for where it leads.
 */
class HostSpellingFetchTest {

  private static final byte[] PNG = TestImages.png(1024);
  private static final AtomicInteger hits = new AtomicInteger();
  private static final AtomicInteger lookups = new AtomicInteger();
  private static HttpServer server;
  private static int port;

  /** Every name resolves to loopback: were a spelling let through, the fetch would succeed. */
  private static final HostResolver TO_LOOPBACK =
      host -> {
        lookups.incrementAndGet();
        return List.of(InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1}));
      };

  @BeforeAll
  static void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    port = server.getAddress().getPort();
    server.createContext(
        "/png",
        ex -> {
          hits.incrementAndGet();
          send(ex, 200, PNG);
        });
    server.createContext(
        "/to",
        ex -> {
          hits.incrementAndGet();
          String target = ex.getRequestURI().getQuery().replace("PORT", String.valueOf(port));
          ex.getResponseHeaders().add("Location", target);
          send(ex, 302, new byte[0]);
        });
    server.start();
  }

  @AfterAll
  static void stopServer() {
    server.stop(0);
  }

  @BeforeEach
  void reset() {
    hits.set(0);
    lookups.set(0);
  }

  private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private static ImageFetcher fetcher() {
    Configuration c =
        new Configuration()
            .set(FetchOptions.ALLOWED_CIDRS, List.of("127.0.0.0/8", "::1/128", "fe80::/10"))
            .set(FetchOptions.CONNECT_TIMEOUT, Duration.ofSeconds(2))
            .set(FetchOptions.ATTEMPT_TIMEOUT, Duration.ofSeconds(2))
            .set(FetchOptions.TOTAL_TIMEOUT, Duration.ofSeconds(5))
            .set(FetchOptions.MAX_ATTEMPTS, 1);
    return ImageFetcher.builder(FetchConfig.fromConfiguration(c)).resolver(TO_LOOPBACK).build();
  }

  @Test
  void canonicalLoopbackAndResolvedNamesAreFetched() throws Exception {
    try (ImageFetcher f = fetcher()) {
      String[] urls = {
        "http://127.0.0.1:" + port + "/png", "http://images.test:" + port + "/png",
      };
      for (String url : urls) {
        assertThat(f.fetch(ImageRef.ofUri(url)).get(10, TimeUnit.SECONDS).bytes())
            .as(url)
            .isEqualTo(PNG);
      }
    }
    assertThat(hits.get()).isEqualTo(2);
    assertThat(lookups.get()).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "octal | http://0177.0.0.1:PORT/png | FORBIDDEN",
        "hex integer | http://0x7f000001:PORT/png | FORBIDDEN",
        "hex metadata | http://0xa9fea9fe:PORT/png | FORBIDDEN",
        "hex dotted | http://0x7f.0.0.1:PORT/png | FORBIDDEN",
        "shortened | http://127.1:PORT/png | FORBIDDEN",
        "decimal integer | http://2130706433:PORT/png | FORBIDDEN",
        "trailing dot on an IP | http://127.0.0.1.:PORT/png | FORBIDDEN",
        "IPv6 zone id | http://[::1%25lo]:PORT/png | FORBIDDEN",
        "IPv6 link-local zone id | http://[fe80::1%25eth0]:PORT/png | FORBIDDEN",
        "metadata name | http://metadata.google.internal:PORT/png | FORBIDDEN",
        "metadata name, trailing dot | http://metadata.google.internal.:PORT/png | FORBIDDEN",
        "metadata short name | http://metadata:PORT/png | FORBIDDEN",
        "instance-data | http://instance-data:PORT/png | FORBIDDEN",
        "loopback name | http://localhost:PORT/png | FORBIDDEN",
        "loopback name, upper case, trailing dot | http://LOCALHOST.:PORT/png | FORBIDDEN",
        "percent-encoded host | http://%31%32%37.0.0.1:PORT/png | FORBIDDEN",
        "port above 65535 | http://127.0.0.1:99999/png | INVALID_REFERENCE",
        "port 0 | http://127.0.0.1:0/png | INVALID_REFERENCE",
        "missing host | http:///png | INVALID_REFERENCE",
        "missing host, port only | http://:PORT/png | INVALID_REFERENCE",
      })
  void refusedWithoutALookupOrARequest(String kind, String url, FetchException.Kind expected) {
    String u = url.replace("PORT", String.valueOf(port));
    try (ImageFetcher f = fetcher()) {
      FetchException e = failure(f.fetch(ImageRef.ofUri(u)));
      assertThat(e.kind()).as(kind).isEqualTo(expected);
      assertThat(e.attempts()).as(kind).isZero();
    }
    assertThat(lookups.get()).as(kind + ": DNS lookups").isZero();
    assertThat(hits.get()).as(kind + ": requests").isZero();
  }

  @ParameterizedTest(name = "redirect to {0}")
  @CsvSource({
    "http://127.1:PORT/png, FORBIDDEN",
    "http://0177.0.0.1:PORT/png, FORBIDDEN",
    "http://metadata.google.internal./png, FORBIDDEN",
    "http://[fe80::1%25eth0]:PORT/png, FORBIDDEN",
    "http://127.0.0.1:99999/png, INVALID_REFERENCE",
  })
  void redirectTargetsAreJudgedTheSameWay(String target, FetchException.Kind expected) {
    try (ImageFetcher f = fetcher()) {
      FetchException e =
          failure(
              f.fetch(
                  ImageRef.ofUri(
                      "http://127.0.0.1:"
                          + port
                          + "/to?"
                          + URLEncoder.encode(target, StandardCharsets.UTF_8))));
      assertThat(e.kind()).as(target).isEqualTo(expected);
    }
    assertThat(hits.get()).as("only the redirecting request").isEqualTo(1);
    assertThat(lookups.get()).isZero();
  }
}
