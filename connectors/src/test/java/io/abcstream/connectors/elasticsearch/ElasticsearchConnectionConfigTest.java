package io.abcstream.connectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
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

    try (RestClient client = ElasticsearchConnectionConfig.fromConfiguration(config).createRestClient()) {
      assertThat(client.getNodes()).hasSize(1);
    }
  }

  @Test
  void missingCaFileFailsNamingTheOption() {
    ElasticsearchConnectionConfig config =
        ElasticsearchConnectionConfig.builder().setHosts("https://127.0.0.1:9").setCaPem(dir.resolve("nope.pem").toString()).build();
    assertThatThrownBy(config::createRestClient).hasMessageContaining("elasticsearch.tls").hasMessageContaining("nope.pem");
  }

  @Test
  void missingSecretFailsNamingTheReferenceNotAValue() {
    ElasticsearchConnectionConfig config =
        ElasticsearchConnectionConfig.builder()
            .setHosts("http://127.0.0.1:9")
            .setApiKey(SecretRef.file(dir.resolve("api-key").toString()))
            .build();
    assertThatThrownBy(config::createRestClient).hasMessageContaining("api-key");
    assertThat(config.toString()).contains("file:").doesNotContain("ApiKey ");
  }

  @Test
  void verificationOffStillBuilds() throws Exception {
    try (RestClient client =
        ElasticsearchConnectionConfig.builder().setHosts("https://127.0.0.1:9").setTlsVerify(false).build().createRestClient()) {
      assertThat(client.getNodes()).hasSize(1);
    }
  }

  @Test
  void indexSpecFromConfiguration() {
    Configuration config = new Configuration();
    config.set(ElasticsearchSinkOptions.INDEX_PREFIX, "Vectors");
    config.set(ElasticsearchSinkOptions.INDEX_OPTIONS_TYPE, "bbq_hnsw");
    config.set(ElasticsearchSinkOptions.INDEX_REPLICAS, 0);
    IndexManager.IndexSpec spec = IndexManager.IndexSpec.fromConfiguration(config, "m7", EsTestSupport.mappings(3584));
    assertThat(spec.prefix()).isEqualTo("vectors");
    assertThat(spec.version()).isEqualTo("m7");
    assertThat(DenseVectorOptions.fromConfiguration(config, 3584).indexOptionsType()).isEqualTo("bbq_hnsw");
    assertThat(DenseVectorOptions.fromConfiguration(config, 3584).similarity()).isEqualTo("dot_product");
    assertThat(spec.numberOfReplicas()).contains(0);
    assertThat(spec.numberOfShards()).isEmpty();
    assertThat(spec.moveAlias()).isFalse();
  }
}
