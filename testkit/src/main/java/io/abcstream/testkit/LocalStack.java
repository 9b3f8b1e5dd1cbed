package io.abcstream.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real Kafka broker and Elasticsearch node for ITCases, started once per JVM through {@code
 * dev/stack.sh} on test ports (or reused when one is already healthy there).
 */
public final class LocalStack {

  private static final Object LOCK = new Object();
  private static LocalStack instance;

  private final Path repoRoot;
  private final Path stackDir;
  private final int kafkaPort;
  private final int esPort;
  private final Map<String, String> env;

  private LocalStack(Path repoRoot) {
    this.repoRoot = repoRoot;
    this.kafkaPort = intSetting("ABC_TEST_KAFKA_PORT", 19092);
    this.esPort = intSetting("ABC_TEST_ES_PORT", 19200);
    this.stackDir =
        Paths.get(setting("ABC_TEST_STACK_DIR", repoRoot.resolve("target/test-stack").toString()));
    this.env =
        Map.of(
            "ABC_STACK_DIR", stackDir.toString(),
            "ABC_KAFKA_PORT", Integer.toString(kafkaPort),
            "ABC_KAFKA_CONTROLLER_PORT",
                Integer.toString(intSetting("ABC_TEST_KAFKA_CONTROLLER_PORT", 19093)),
            "ABC_ES_PORT", Integer.toString(esPort),
            "ABC_ES_TRANSPORT_PORT",
                Integer.toString(intSetting("ABC_TEST_ES_TRANSPORT_PORT", 19300)));
  }

  /** The running stack, started on first use. */
  public static LocalStack get() {
    synchronized (LOCK) {
      if (instance == null) {
        LocalStack stack = new LocalStack(repoRoot());
        stack.ensureUp();
        instance = stack;
      }
      return instance;
    }
  }

  public String kafkaBootstrapServers() {
    return "127.0.0.1:" + kafkaPort;
  }

  public String elasticsearchUrl() {
    return "http://127.0.0.1:" + esPort;
  }

  /** A name no other test uses: Kafka topic or Elasticsearch index (lower case). */
  public static String uniqueName(String prefix) {
    return (prefix + "-" + UUID.randomUUID().toString().substring(0, 8)).toLowerCase(Locale.ROOT);
  }

  /** Deletes an index if present; tests call it in {@code @AfterEach} to leave the node clean. */
  public void deleteIndex(String index) {
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      http.send(
          HttpRequest.newBuilder(URI.create(elasticsearchUrl() + "/" + index))
              .DELETE()
              .timeout(Duration.ofSeconds(30))
              .build(),
          HttpResponse.BodyHandlers.discarding());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void ensureUp() {
    if (run("status", false) == 0) {
      return; // somebody (CI, a developer) already runs a test stack: reuse it, leave it running.
    }
    if (run("up", true) != 0) {
      throw new IllegalStateException(
          "could not start the test stack with dev/stack.sh up (ABC_STACK_DIR="
              + stackDir
              + "); see its output above and the logs under "
              + stackDir);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> run("down", true), "local-stack-down"));
  }

  private int run(String command, boolean inheritOutput) {
    ProcessBuilder pb =
        new ProcessBuilder("bash", repoRoot.resolve("dev/stack.sh").toString(), command);
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
      throw new UncheckedIOException("cannot run dev/stack.sh " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** The repository root: {@code -Dabc.repo.root}, else the first parent holding dev/stack.sh. */
  public static Path repoRoot() {
    String configured = System.getProperty("abc.repo.root");
    if (configured != null && Files.exists(Paths.get(configured, "dev", "stack.sh"))) {
      return Paths.get(configured).toAbsolutePath();
    }
    Path dir = Paths.get("").toAbsolutePath();
    while (dir != null) {
      if (Files.exists(dir.resolve("dev/stack.sh"))) {
        return dir;
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException(
        "cannot find the repository root (a folder with dev/stack.sh); set -Dabc.repo.root");
  }

  private static String setting(String name, String fallback) {
    String value = System.getProperty(name, System.getenv(name));
    return value == null || value.isBlank() ? fallback : value;
  }

  private static int intSetting(String name, int fallback) {
    return Integer.parseInt(setting(name, Integer.toString(fallback)));
  }
}
