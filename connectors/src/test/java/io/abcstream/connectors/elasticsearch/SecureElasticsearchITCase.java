package io.abcstream.connectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.abcstream.testkit.LocalStack;
import io.abcstream.testkit.LogCapture;
import io.abcstream.testkit.SecureStack;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link IndexManager} against a real Elasticsearch with security on (HTTPS from a generated CA,
 * basic auth; {@link SecureStack}): configured credentials and CA connect; a wrong password, an
 * unknown API key, an unknown CA and http to the https port fail at once with what to fix; no
 * secret reaches the logs.
 */
class SecureElasticsearchITCase {

  static SecureStack stack;
  static LogCapture logs;
  static String apiKey;
  @TempDir static Path secrets;
  final List<String> created = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    stack = SecureStack.get();
    logs = LogCapture.start();
    // A well-formed key the cluster does not know: the integ-test distribution has no
    // analysis-common module, so its .security index (where API keys live) cannot be created.
    apiKey = "YWJjLWl0LWtleS0xOnVua25vd24tc2VjcmV0LTQ3MTE=";
    Files.writeString(secrets.resolve("wrong-password"), "not-the-password-4711\n");
  }

  @AfterAll
  static void noSecretWasLogged() {
    String text = logs.text();
    logs.close();
    assertThat(text)
        .doesNotContain(stack.elasticsearchPassword())
        .doesNotContain(apiKey)
        .doesNotContain("not-the-password-4711");
  }

  @AfterEach
  void dropIndices() {
    created.forEach(stack::deleteIndex);
  }

  private Configuration connection() {
    Configuration c = new Configuration();
    c.set(ElasticsearchSinkOptions.HOSTS, List.of(stack.elasticsearchUrl()));
    c.set(ElasticsearchSinkOptions.CA_PEM_PATH, stack.caPem().toString());
    return c;
  }

  private Configuration basicAuth() {
    Configuration c = connection();
    c.set(ElasticsearchSinkOptions.USERNAME, stack.elasticsearchUser());
    c.set(ElasticsearchSinkOptions.PASSWORD_FILE, stack.elasticsearchPasswordFile().toString());
    return c;
  }

  private IndexManager.IndexSpec spec() {
    ObjectNode mappings = EsTestSupport.mappings(4);
    String prefix = LocalStack.uniqueName("secure-it");
    created.add(prefix + "-v1");
    return IndexManager.IndexSpec.of(prefix, "v1", mappings).withNumberOfReplicas(0);
  }

  private static IndexManager connect(Configuration c) {
    return IndexManager.connect(ElasticsearchConnectionConfig.fromConfiguration(c));
  }

  @Test
  void basicAuthFromAPasswordFileAndTheCaConnect() throws Exception {
    try (IndexManager manager = connect(basicAuth())) {
      IndexManager.EnsureResult result = manager.ensureIndex(spec());
      assertThat(result.created()).isTrue();
      assertThat(manager.aliasTargets(result.alias())).containsExactly(result.index());
    }
  }

  @Test
  void aWrongPasswordFailsAtOnceNamingTheAuthOptions() throws Exception {
    Configuration c = basicAuth();
    c.set(ElasticsearchSinkOptions.PASSWORD_FILE, secrets.resolve("wrong-password").toString());
    try (IndexManager manager = connect(c)) {
      assertThatThrownBy(() -> manager.ensureIndex(spec()))
          .isInstanceOf(ElasticsearchSinkException.class)
          .hasMessageContaining("HTTP 401")
          .hasMessageContaining("check elasticsearch.auth.*")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("not-the-password-4711"));
    }
  }

  @Test
  void anApiKeyFromAFileReachesTheClusterAndAnUnknownOneFailsAtOnce() throws Exception {
    Files.writeString(secrets.resolve("wrong-key"), apiKey + "\n");
    Configuration c = connection();
    c.set(ElasticsearchSinkOptions.API_KEY_FILE, secrets.resolve("wrong-key").toString());
    try (IndexManager manager = connect(c)) {
      assertThatThrownBy(() -> manager.ensureIndex(spec()))
          .hasMessageContaining("HTTP 401")
          .hasMessageContaining("elasticsearch.auth.*");
    }
  }

  @Test
  void anUnknownCaFailsAtOnceNamingTheTlsOptions() throws Exception {
    Configuration c = basicAuth();
    c.removeConfig(ElasticsearchSinkOptions.CA_PEM_PATH); // the JVM's default trust store only
    try (IndexManager manager = connect(c)) {
      assertThatThrownBy(() -> manager.ensureIndex(spec()))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("TLS handshake")
          .hasMessageContaining("elasticsearch.tls.ca.path");
    }
  }

  @Test
  void plainHttpToTheHttpsPortSaysToUseHttps() throws Exception {
    Configuration c = basicAuth();
    c.set(
        ElasticsearchSinkOptions.HOSTS,
        List.of(stack.elasticsearchUrl().replace("https://", "http://")));
    try (IndexManager manager = connect(c)) {
      assertThatThrownBy(() -> manager.ensureIndex(spec())).hasMessageContaining("https://");
    }
  }

  @Test
  void verifyOffConnectsButWarnsAtEveryClient() throws Exception {
    Configuration c = basicAuth();
    c.removeConfig(ElasticsearchSinkOptions.CA_PEM_PATH);
    c.set(ElasticsearchSinkOptions.TLS_VERIFY, false);
    int before = warnings();
    try (IndexManager first = connect(c);
        IndexManager second = connect(c)) {
      assertThat(first.ensureIndex(spec()).created()).isTrue();
    }
    assertThat(warnings() - before).isEqualTo(2);
  }

  private static int warnings() {
    return (int)
        logs.lines().stream()
            .filter(l -> l.startsWith("WARN") && l.contains("elasticsearch.tls.verify=false"))
            .count();
  }
}
