package io.abcstream.connectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.abcstream.testkit.LogCapture;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.elasticsearch.client.RestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ElasticsearchConnectionConfigTest {

  @TempDir Path dir;

  @Test
  void truststoreWithPasswordFromFileBuildsAClient() throws Exception {
    Path store = dir.resolve("trust.p12");
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    try (OutputStream out = Files.newOutputStream(store)) {
      ks.store(out, "changeit".toCharArray());
    }
    Path password = Files.writeString(dir.resolve("pw"), "changeit\n");
    Configuration config = new Configuration();
    config.set(ElasticsearchSinkOptions.HOSTS, List.of("https://127.0.0.1:9"));
    config.set(ElasticsearchSinkOptions.TRUSTSTORE_PATH, store.toString());
    config.set(ElasticsearchSinkOptions.TRUSTSTORE_PASSWORD_FILE, password.toString());
    config.set(ElasticsearchSinkOptions.PATH_PREFIX, "/es");

    try (RestClient client =
        ElasticsearchConnectionConfig.fromConfiguration(config).createRestClient()) {
      assertThat(client.getNodes()).hasSize(1);
    }
  }

  @Test
  void missingCaFileFailsNamingTheOption() {
    ElasticsearchConnectionConfig config =
        ElasticsearchConnectionConfig.fromConfiguration(
            new Configuration()
                .set(ElasticsearchSinkOptions.HOSTS, List.of("https://127.0.0.1:9"))
                .set(ElasticsearchSinkOptions.CA_PEM_PATH, dir.resolve("nope.pem").toString()));
    assertThatThrownBy(config::createRestClient)
        .hasMessageContaining("elasticsearch.tls")
        .hasMessageContaining("nope.pem");
  }

  @Test
  void missingSecretFailsNamingTheReferenceNotAValue() {
    ElasticsearchConnectionConfig config =
        ElasticsearchConnectionConfig.fromConfiguration(
            new Configuration()
                .set(ElasticsearchSinkOptions.HOSTS, List.of("http://127.0.0.1:9"))
                .set(ElasticsearchSinkOptions.API_KEY_FILE, dir.resolve("api-key").toString()));
    assertThatThrownBy(config::createRestClient).hasMessageContaining("api-key");
    assertThat(config.toString()).contains("file:").doesNotContain("ApiKey ");
  }

  @Test
  void verificationOffStillBuilds() throws Exception {
    Configuration config =
        new Configuration()
            .set(ElasticsearchSinkOptions.HOSTS, List.of("https://127.0.0.1:9"))
            .set(ElasticsearchSinkOptions.TLS_VERIFY, false);
    try (RestClient client =
        ElasticsearchConnectionConfig.fromConfiguration(config).createRestClient()) {
      assertThat(client.getNodes()).hasSize(1);
    }
  }

  @Test
  void readsEveryConnectionOptionWithTheReferencePrecedence() {
    Configuration config =
        new Configuration()
            .set(ElasticsearchSinkOptions.HOSTS, List.of("https://es-0:9200", "https://es-1:9200"))
            .set(ElasticsearchSinkOptions.PATH_PREFIX, "/es")
            .set(ElasticsearchSinkOptions.USERNAME, "writer")
            .set(ElasticsearchSinkOptions.PASSWORD_ENV, "ES_PW")
            .set(ElasticsearchSinkOptions.PASSWORD_FILE, "/run/secrets/es-pw")
            .set(ElasticsearchSinkOptions.TRUSTSTORE_PATH, "/etc/es/trust.jks")
            .set(ElasticsearchSinkOptions.TRUSTSTORE_TYPE, "jks")
            .set(ElasticsearchSinkOptions.TRUSTSTORE_PASSWORD_ENV, "TS_PW")
            .set(ElasticsearchSinkOptions.TRUSTSTORE_PASSWORD_FILE, "/run/secrets/ts-pw")
            .set(ElasticsearchSinkOptions.TLS_VERIFY, false)
            .set(ElasticsearchSinkOptions.CONNECT_TIMEOUT, Duration.ofSeconds(2))
            .set(ElasticsearchSinkOptions.SOCKET_TIMEOUT, Duration.ofSeconds(30));

    ElasticsearchConnectionConfig connection =
        ElasticsearchConnectionConfig.fromConfiguration(config);

    assertThat(connection.hosts()).containsExactly("https://es-0:9200", "https://es-1:9200");
    assertThat(connection.pathPrefix()).isEqualTo("/es");
    assertThat(connection.username()).isEqualTo("writer");
    assertThat(connection.password())
        .as("a file reference wins")
        .isEqualTo(SecretRef.file("/run/secrets/es-pw"));
    assertThat(connection.apiKey()).isNull();
    assertThat(connection.truststorePath()).isEqualTo("/etc/es/trust.jks");
    assertThat(connection.truststoreType()).isEqualTo("JKS");
    assertThat(connection.truststorePassword())
        .as("the environment wins")
        .isEqualTo(SecretRef.env("TS_PW"));
    assertThat(connection.caPemPath()).isNull();
    assertThat(connection.tlsVerify()).isFalse();
    assertThat(connection.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(connection.socketTimeout()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void hostsOnlyTakesTheDefaults() {
    ElasticsearchConnectionConfig connection =
        ElasticsearchConnectionConfig.forHosts("http://127.0.0.1:9200");
    assertThat(connection.hosts()).containsExactly("http://127.0.0.1:9200");
    assertThat(connection.username()).isNull();
    assertThat(connection.tlsVerify())
        .isEqualTo(ElasticsearchSinkOptions.TLS_VERIFY.defaultValue());
    assertThat(connection.connectTimeout())
        .isEqualTo(ElasticsearchSinkOptions.CONNECT_TIMEOUT.defaultValue());
    assertThat(connection.socketTimeout())
        .isEqualTo(ElasticsearchSinkOptions.SOCKET_TIMEOUT.defaultValue());
  }

  @Test
  void indexSpecFromConfiguration() {
    Configuration config = new Configuration();
    config.set(ElasticsearchSinkOptions.INDEX_PREFIX, "Vectors");
    config.set(ElasticsearchSinkOptions.INDEX_OPTIONS_TYPE, "bbq_hnsw");
    config.set(ElasticsearchSinkOptions.INDEX_REPLICAS, 0);
    IndexManager.IndexSpec spec =
        IndexManager.IndexSpec.fromConfiguration(config, "m7", EsTestSupport.mappings(3584));
    assertThat(spec.prefix()).isEqualTo("vectors");
    assertThat(spec.version()).isEqualTo("m7");
    assertThat(DenseVectorOptions.fromConfiguration(config, 3584).indexOptionsType())
        .isEqualTo("bbq_hnsw");
    assertThat(DenseVectorOptions.fromConfiguration(config, 3584).similarity())
        .isEqualTo("dot_product");
    assertThat(spec.numberOfReplicas()).contains(0);
    assertThat(spec.numberOfShards()).isEmpty();
    assertThat(spec.moveAlias()).isFalse();
  }

  @Test
  void credentialsOverPlainHttpWarnOnceAndVerifyOffWarnsAtEveryClient() throws Exception {
    Path pw = dir.resolve("pw");
    Files.writeString(pw, "s3cret-pw");
    Configuration c = new Configuration();
    c.set(ElasticsearchSinkOptions.HOSTS, List.of("http://127.0.0.1:1"));
    c.set(ElasticsearchSinkOptions.USERNAME, "u");
    c.set(ElasticsearchSinkOptions.PASSWORD_FILE, pw.toString());
    c.set(ElasticsearchSinkOptions.TLS_VERIFY, false);
    ElasticsearchConnectionConfig.resetWarnings();
    try (LogCapture logs = LogCapture.start()) {
      for (int i = 0; i < 3; i++) {
        ElasticsearchConnectionConfig.fromConfiguration(c).createRestClient().close();
      }
      List<String> warnings = logs.lines().stream().filter(l -> l.startsWith("WARN")).toList();
      assertThat(warnings.stream().filter(l -> l.contains("plain http"))).hasSize(1);
      assertThat(warnings.stream().filter(l -> l.contains("elasticsearch.tls.verify=false")))
          .hasSize(3);
      assertThat(logs.text()).doesNotContain("s3cret-pw");
    }
  }
}
