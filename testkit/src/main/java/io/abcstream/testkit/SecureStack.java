package io.abcstream.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The secured pair for ITCases (Kafka SASL_SSL with SCRAM-SHA-512, Elasticsearch with HTTPS, basic
 * auth, one generated CA), started once per JVM through {@code dev/stack.sh up --secure} on its own
 * test ports, or reused when one is already healthy there.
 */
public final class SecureStack {

  private static final Object LOCK = new Object();
  private static SecureStack instance;

  private final Path repoRoot;
  private final Path stackDir;
  private final Map<String, String> env;
  private Map<String, String> settings;

  private SecureStack(Path repoRoot) {
    this.repoRoot = repoRoot;
    this.stackDir =
        Paths.get(
            setting(
                "ABC_TEST_SECURE_STACK_DIR",
                repoRoot.resolve("target/test-stack-secure").toString()));
    this.env =
        Map.of(
            "ABC_STACK_DIR", stackDir.toString(),
            "ABC_KAFKA_PORT", setting("ABC_TEST_SECURE_KAFKA_PORT", "19094"),
            "ABC_KAFKA_CONTROLLER_PORT", setting("ABC_TEST_SECURE_KAFKA_CONTROLLER_PORT", "19095"),
            "ABC_ES_PORT", setting("ABC_TEST_SECURE_ES_PORT", "19243"),
            "ABC_ES_TRANSPORT_PORT", setting("ABC_TEST_SECURE_ES_TRANSPORT_PORT", "19343"));
  }

  /** The running secured stack, started on first use. */
  public static SecureStack get() {
    synchronized (LOCK) {
      if (instance == null) {
        SecureStack stack = new SecureStack(LocalStack.repoRoot());
        stack.ensureUp();
        stack.settings = readEnvFile(stack.stackDir.resolve("secure.env"));
        instance = stack;
      }
      return instance;
    }
  }

  /** {@code https://127.0.0.1:<port>}. */
  public String elasticsearchUrl() {
    return value("ABC_SECURE_ES_URL");
  }

  /** The CA (PEM) that signed both servers' certificates. */
  public Path caPem() {
    return Paths.get(value("ABC_SECURE_CA_PEM"));
  }

  public String elasticsearchUser() {
    return value("ABC_SECURE_ES_USER");
  }

  /** A file holding the Elasticsearch user's password (for {@code password-file} options). */
  public Path elasticsearchPasswordFile() {
    return Paths.get(value("ABC_SECURE_ES_PASSWORD_FILE"));
  }

  /** The password itself: for tests that assert it never reaches a log. */
  public String elasticsearchPassword() {
    return read(elasticsearchPasswordFile());
  }

  public String kafkaBootstrapServers() {
    return value("ABC_SECURE_KAFKA_BOOTSTRAP");
  }

  /** The PKCS12 trust store holding the CA. */
  public Path truststore() {
    return Paths.get(value("ABC_SECURE_TRUSTSTORE"));
  }

  public Path truststorePasswordFile() {
    return Paths.get(value("ABC_SECURE_TRUSTSTORE_PASSWORD_FILE"));
  }

  /** A file holding the whole {@code sasl.jaas.config} value for the Kafka user. */
  public Path kafkaJaasFile() {
    return Paths.get(value("ABC_SECURE_KAFKA_JAAS_FILE"));
  }

  public String kafkaPassword() {
    return read(Paths.get(value("ABC_SECURE_KAFKA_PASSWORD_FILE")));
  }

  /**
   * Kafka client properties with the secrets inline, for the test's own admin, producer and
   * consumer (the code under test gets them by reference only).
   */
  public Properties kafkaClientProperties() {
    Properties p = new Properties();
    p.put("bootstrap.servers", kafkaBootstrapServers());
    p.put("security.protocol", "SASL_SSL");
    p.put("sasl.mechanism", "SCRAM-SHA-512");
    p.put("sasl.jaas.config", read(kafkaJaasFile()));
    p.put("ssl.truststore.type", "PKCS12");
    p.put("ssl.truststore.location", truststore().toString());
    p.put("ssl.truststore.password", read(truststorePasswordFile()));
    return p;
  }

  /** Deletes an index if present (as the stack's user). */
  public void deleteIndex(String index) {
    send(HttpRequest.newBuilder(URI.create(elasticsearchUrl() + "/" + index)).DELETE());
  }

  /** A GET as the stack's user: status and body. */
  public HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(URI.create(elasticsearchUrl() + path)).GET());
  }

  private HttpResponse<String> send(HttpRequest.Builder request) {
    String basic =
        Base64.getEncoder()
            .encodeToString(
                (elasticsearchUser() + ":" + elasticsearchPassword())
                    .getBytes(StandardCharsets.UTF_8));
    try {
      return HttpClient.newBuilder()
          .sslContext(sslContext())
          .connectTimeout(Duration.ofSeconds(5))
          .build()
          .send(
              request
                  .header("Authorization", "Basic " + basic)
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** An SSL context that trusts the stack's CA only. */
  public SSLContext sslContext() {
    try (InputStream in = Files.newInputStream(caPem())) {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry(
          "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private void ensureUp() {
    if (run("status", false) == 0) {
      return; // a secured stack is already healthy there: reuse it and leave it running
    }
    if (run("up", true) != 0) {
      throw new IllegalStateException(
          "could not start the secured test stack with dev/stack.sh up --secure (ABC_STACK_DIR="
              + stackDir
              + "); see its output above and the logs under "
              + stackDir);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> run("down", true), "secure-stack-down"));
  }

  private int run(String command, boolean inheritOutput) {
    ProcessBuilder pb =
        new ProcessBuilder(
            "bash", repoRoot.resolve("dev/stack.sh").toString(), command, "--secure");
    pb.environment().putAll(env);
    if (inheritOutput) {
      pb.inheritIO();
    } else {
      pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    }
    try {
      Process process = pb.start();
      if (!process.waitFor(5, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        return -1;
      }
      return process.exitValue();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run dev/stack.sh " + command + " --secure", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private String value(String key) {
    String v = settings.get(key);
    if (v == null) {
      throw new IllegalStateException(key + " missing from " + stackDir.resolve("secure.env"));
    }
    return v;
  }

  private static Map<String, String> readEnvFile(Path file) {
    Map<String, String> values = new HashMap<>();
    for (String line : read(file).split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        values.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
      }
    }
    return values;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String setting(String name, String fallback) {
    String value = System.getProperty(name, System.getenv(name));
    return value == null || value.isBlank() ? fallback : value;
  }
}
