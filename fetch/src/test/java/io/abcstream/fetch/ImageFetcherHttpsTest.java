package io.abcstream.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * https image servers on 127.0.0.1 with real certificates (made by the JDK's keytool): an unknown
 * issuer and a wrong host name fail the fetch (FETCH_FAILED), a server signed by the CA of {@code
 * fetch.tls.ca-file} is fetched.
 */
class ImageFetcherHttpsTest {

  private static final byte[] PNG = TestImages.png(2048);
  private static final String PW = "changeit";

  @TempDir static Path dir;
  private static final List<HttpsServer> servers = new ArrayList<>();
  private static String signed; // signed by the test CA, SAN IP:127.0.0.1
  private static String wrongName; // signed by the test CA, SAN DNS:wrong.example
  private static String selfSigned; // SAN IP:127.0.0.1, issued by itself

  @BeforeAll
  static void startServers() throws Exception {
    keytool(
        "-genkeypair",
        "-alias",
        "ca",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-dname",
        "CN=abc test CA",
        "-ext",
        "bc:c",
        "-validity",
        "2",
        "-storetype",
        "PKCS12",
        "-keystore",
        "ca.p12",
        "-storepass",
        PW);
    keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        "ca",
        "-keystore",
        "ca.p12",
        "-storepass",
        PW,
        "-file",
        "ca.pem");
    signedKeystore("signed.p12", "ip:127.0.0.1");
    signedKeystore("wrong.p12", "dns:wrong.example");
    keytool(
        "-genkeypair",
        "-alias",
        "srv",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-dname",
        "CN=127.0.0.1",
        "-ext",
        "san=ip:127.0.0.1",
        "-validity",
        "2",
        "-storetype",
        "PKCS12",
        "-keystore",
        "self.p12",
        "-storepass",
        PW);
    signed = serve("signed.p12");
    wrongName = serve("wrong.p12");
    selfSigned = serve("self.p12");
  }

  @AfterAll
  static void stopServers() {
    servers.forEach(s -> s.stop(0));
  }

  @Test
  void aServerSignedByTheConfiguredCaIsFetched() throws Exception {
    try (ImageFetcher f = ImageFetcher.create(config(true))) {
      FetchedImage image = f.fetch(ImageRef.ofUri(signed + "/png")).get(15, TimeUnit.SECONDS);
      assertThat(image.bytes()).isEqualTo(PNG);
    }
  }

  @Test
  void withoutTheCaOptionTheSameServerIsAnUnknownIssuer() {
    try (ImageFetcher f = ImageFetcher.create(config(false))) {
      assertFailedWithTls(f, signed + "/png");
    }
  }

  @Test
  void aSelfSignedServerFails() {
    try (ImageFetcher f = ImageFetcher.create(config(true))) {
      assertFailedWithTls(f, selfSigned + "/png");
    }
  }

  @Test
  void aCertificateForAnotherHostFailsEvenFromTheTrustedCa() {
    try (ImageFetcher f = ImageFetcher.create(config(true))) {
      assertFailedWithTls(f, wrongName + "/png");
    }
  }

  @Test
  void aPreSignedQueryNeverReachesTheFailureMessage() {
    try (ImageFetcher f = ImageFetcher.create(config(true))) {
      FetchException e =
          failure(f, signed + "/missing?X-Amz-Credential=AKIAEXAMPLE&X-Amz-Signature=s3cr3t");
      assertThat(e.kind()).isEqualTo(FetchException.Kind.FAILED);
      assertThat(e.getMessage())
          .contains(signed + "/missing?<redacted>")
          .doesNotContain("s3cr3t")
          .doesNotContain("AKIAEXAMPLE");
    }
  }

  @Test
  void aMissingCaFileNamesTheOption() {
    Configuration c = base().set(FetchOptions.TLS_CA_FILE, dir.resolve("nope.pem").toString());
    assertThatThrownBy(() -> ImageFetcher.create(FetchConfig.fromConfiguration(c)).close())
        .hasMessageContaining("fetch.tls.ca-file");
  }

  private static void assertFailedWithTls(ImageFetcher f, String uri) {
    FetchException e = failure(f, uri);
    assertThat(e.kind()).as(e.getMessage()).isEqualTo(FetchException.Kind.FAILED);
    assertThat(e.getMessage()).startsWith("TLS");
  }

  private static FetchException failure(ImageFetcher f, String uri) {
    try {
      f.fetch(ImageRef.ofUri(uri)).get(15, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(FetchException.class);
      return (FetchException) e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("fetched " + uri);
  }

  private static FetchConfig config(boolean withCa) {
    Configuration c = base();
    if (withCa) {
      c.set(FetchOptions.TLS_CA_FILE, dir.resolve("ca.pem").toString());
    }
    return FetchConfig.fromConfiguration(c);
  }

  private static Configuration base() {
    return new Configuration()
        .set(FetchOptions.ALLOWED_CIDRS, List.of("127.0.0.0/8"))
        .set(FetchOptions.CONNECT_TIMEOUT, Duration.ofSeconds(3))
        .set(FetchOptions.ATTEMPT_TIMEOUT, Duration.ofSeconds(3))
        .set(FetchOptions.TOTAL_TIMEOUT, Duration.ofSeconds(10))
        .set(FetchOptions.MAX_ATTEMPTS, 1);
  }

  private static void signedKeystore(String store, String san) throws Exception {
    keytool(
        "-genkeypair",
        "-alias",
        "srv",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-dname",
        "CN=abc test server",
        "-validity",
        "2",
        "-storetype",
        "PKCS12",
        "-keystore",
        store,
        "-storepass",
        PW);
    keytool(
        "-certreq", "-alias", "srv", "-keystore", store, "-storepass", PW, "-file", store + ".csr");
    keytool(
        "-gencert",
        "-rfc",
        "-alias",
        "ca",
        "-keystore",
        "ca.p12",
        "-storepass",
        PW,
        "-infile",
        store + ".csr",
        "-outfile",
        store + ".pem",
        "-ext",
        "san=" + san,
        "-validity",
        "2");
    keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        "ca",
        "-file",
        "ca.pem",
        "-keystore",
        store,
        "-storepass",
        PW);
    keytool(
        "-importcert",
        "-alias",
        "srv",
        "-file",
        store + ".pem",
        "-keystore",
        store,
        "-storepass",
        PW);
  }

  private static String serve(String store) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(dir.resolve(store))) {
      ks.load(in, PW.toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, PW.toCharArray());
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(kmf.getKeyManagers(), null, null);
    HttpsServer server =
        HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.setHttpsConfigurator(new HttpsConfigurator(ssl));
    server.createContext(
        "/",
        ex -> {
          boolean png = ex.getRequestURI().getPath().equals("/png");
          ex.sendResponseHeaders(png ? 200 : 404, png ? PNG.length : -1);
          if (png) {
            try (OutputStream out = ex.getResponseBody()) {
              out.write(PNG);
            }
          }
          ex.close();
        });
    server.start();
    servers.add(server);
    return "https://127.0.0.1:" + server.getAddress().getPort();
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + out);
    }
  }
}
