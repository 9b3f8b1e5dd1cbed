package io.abcstream.connectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class IndexManagerTest {

  @Test
  void sanitisesNamesToElasticsearchRules() {
    assertThat(IndexManager.versionedIndexName("ABC-Embeddings", "Model:V1/2 beta")).isEqualTo("abc-embeddings-model-v1-2-beta");
    assertThat(IndexManager.sanitize("_+-x*y?")).isEqualTo("x-y-");
    assertThat(IndexManager.sanitize("a".repeat(300))).hasSize(255);
    assertThatThrownBy(() -> IndexManager.sanitize("..")).hasMessageContaining("valid");
    assertThatThrownBy(() -> IndexManager.sanitize("___")).hasMessageContaining("valid");
  }

  @Test
  void mappingFollowsTheDocumentContract() {
    JsonNode body =
        IndexManager.indexBody(
            IndexManager.IndexSpec.builder().setPrefix("abc").setModelVersion("m").setDims(3584).setIndexOptionsType("bbq_hnsw").build());
    JsonNode embedding = body.at("/mappings/properties/embedding");
    assertThat(embedding.get("type").asText()).isEqualTo("dense_vector");
    assertThat(embedding.get("dims").asInt()).isEqualTo(3584);
    assertThat(embedding.get("similarity").asText()).isEqualTo("dot_product");
    assertThat(embedding.at("/index_options/type").asText()).isEqualTo("bbq_hnsw");
    assertThat(body.at("/mappings/dynamic_templates/0/metadata_strings/path_match").asText()).isEqualTo("metadata.*");
    assertThat(body.at("/mappings/properties/mode/type").asText()).isEqualTo("keyword");
    assertThat(body.at("/mappings/properties/model_version/type").asText()).isEqualTo("keyword");
  }

  @Test
  void specSettersAreChecked() {
    IndexManager.IndexSpec.Builder b = IndexManager.IndexSpec.builder();
    assertThatThrownBy(() -> b.setDims(0)).hasMessageContaining("dims");
    assertThatThrownBy(() -> b.setDims(5000)).hasMessageContaining("4096");
    assertThatThrownBy(() -> b.setSimilarity("euclid")).hasMessageContaining("similarity");
    assertThatThrownBy(() -> b.setIndexOptionsType("ivf")).hasMessageContaining("index_options");
    assertThatThrownBy(() -> IndexManager.IndexSpec.builder().setPrefix("a").setModelVersion("m").build())
        .hasMessageContaining("dims are required");
  }
}
