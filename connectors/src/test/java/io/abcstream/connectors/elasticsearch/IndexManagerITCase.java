package io.abcstream.connectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.abcstream.testkit.LocalStack;
import io.abcstream.testkit.LocalStackExtension;
import java.util.ArrayList;
import java.util.List;
import org.elasticsearch.client.RestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link IndexManager} against a real Elasticsearch: mapping, alias, idempotence, refusals. */
@ExtendWith(LocalStackExtension.class)
class IndexManagerITCase {

  private LocalStack stack;
  private IndexManager manager;
  private RestClient rest;
  private String prefix;
  private final List<String> created = new ArrayList<>();

  @BeforeEach
  void setUp(LocalStack stack) {
    this.stack = stack;
    this.prefix = LocalStack.uniqueName("im-it");
    this.manager =
        IndexManager.connect(ElasticsearchConnectionConfig.forHosts(stack.elasticsearchUrl()));
    this.rest = EsTestSupport.rest(stack.elasticsearchUrl());
  }

  @AfterEach
  void tearDown() throws Exception {
    for (String index : created) {
      stack.deleteIndex(index);
    }
    manager.close();
    rest.close();
  }

  private IndexManager.IndexSpec spec(String version, int dims) {
    return spec(version, new DenseVectorOptions(dims, "dot_product", "int8_hnsw"));
  }

  private IndexManager.IndexSpec spec(String version, DenseVectorOptions vector) {
    ObjectNode mappings = EsTestSupport.mappings(vector.dims());
    ((ObjectNode) mappings.get("properties")).set(EsTestSupport.VECTOR, vector.toMapping());
    // metadata.* strings become keyword: a dynamic template the job's mapping may bring along.
    ObjectNode template =
        mappings.putArray("dynamic_templates").addObject().putObject("metadata_strings");
    template
        .put("path_match", "metadata.*")
        .put("match_mapping_type", "string")
        .putObject("mapping")
        .put("type", "keyword");
    return IndexManager.IndexSpec.of(prefix, version, mappings).withNumberOfReplicas(0);
  }

  private IndexManager.EnsureResult ensure(IndexManager.IndexSpec spec) {
    IndexManager.EnsureResult result = manager.ensureIndex(spec);
    created.add(result.index());
    return result;
  }

  @Test
  void createsVersionedIndexWithMappingAndAliasAndIsIdempotent() throws Exception {
    IndexManager.EnsureResult first = ensure(spec("ABC:v1/2", 16));

    assertThat(first.index()).isEqualTo(prefix + "-abc-v1-2");
    assertThat(first.created()).isTrue();
    assertThat(first.aliasOutcome()).isEqualTo(IndexManager.AliasOutcome.CREATED);
    assertThat(manager.aliasTargets(prefix)).containsExactly(first.index());
    assertThat(manager.denseVectorMapping(first.index(), EsTestSupport.VECTOR))
        .contains(
            new IndexManager.DenseVectorMapping("dense_vector", 16, "dot_product", "int8_hnsw"));

    JsonNode mapping =
        EsTestSupport.call(rest, "GET", "/" + first.index() + "/_mapping", null)
            .path(first.index())
            .path("mappings");
    JsonNode props = mapping.path("properties");
    assertThat(props.path("name").path("type").asText()).isEqualTo("keyword");
    assertThat(props.path("n").path("type").asText()).isEqualTo("integer");

    // metadata.* strings become keyword through the dynamic template.
    EsTestSupport.call(
        rest,
        "PUT",
        "/" + first.index() + "/_doc/x?refresh=true",
        "{\"metadata\":{\"team\":\"vision\"}}");
    JsonNode after = EsTestSupport.call(rest, "GET", "/" + first.index() + "/_mapping", null);
    assertThat(
            after
                .path(first.index())
                .path("mappings")
                .path("properties")
                .path("metadata")
                .path("properties")
                .path("team")
                .path("type")
                .asText())
        .isEqualTo("keyword");

    IndexManager.EnsureResult second = ensure(spec("ABC:v1/2", 16));
    assertThat(second.created()).isFalse();
    assertThat(second.aliasOutcome()).isEqualTo(IndexManager.AliasOutcome.ALREADY_POINTS_HERE);
    assertThat(second.index()).isEqualTo(first.index());
  }

  @Test
  void refusesAnExistingIndexWithOtherDimsOrSimilarity() {
    IndexManager.EnsureResult existing = ensure(spec("m1", 16));

    assertThatThrownBy(() -> manager.ensureIndex(spec("m1", 32)))
        .isInstanceOf(IndexMappingConflictException.class)
        .hasMessageContaining(existing.index())
        .hasMessageContaining("dims=16")
        .hasMessageContaining("dims=32")
        .satisfies(
            e -> {
              IndexMappingConflictException conflict = (IndexMappingConflictException) e;
              assertThat(conflict.actualDims()).isEqualTo(16);
              assertThat(conflict.expectedDims()).isEqualTo(32);
              assertThat(conflict.field()).isEqualTo(EsTestSupport.VECTOR);
            });
    assertThatThrownBy(
            () ->
                manager.ensureIndex(spec("m1", new DenseVectorOptions(16, "cosine", "int8_hnsw"))))
        .isInstanceOf(IndexMappingConflictException.class)
        .hasMessageContaining("similarity=dot_product")
        .hasMessageContaining("similarity=cosine");
  }

  @Test
  void aliasPointingElsewhereIsReportedNotStolenUnlessAsked() {
    IndexManager.EnsureResult v1 = ensure(spec("m1", 8));
    IndexManager.EnsureResult v2 = ensure(spec("m2", 8));

    assertThat(v2.created()).isTrue();
    assertThat(v2.aliasOutcome()).isEqualTo(IndexManager.AliasOutcome.POINTS_ELSEWHERE);
    assertThat(v2.aliasPreviousTargets()).containsExactly(v1.index());
    assertThat(v2.notes()).anySatisfy(note -> assertThat(note).contains(v1.index()));
    assertThat(manager.aliasTargets(prefix)).containsExactly(v1.index());

    IndexManager.EnsureResult moved = ensure(spec("m2", 8).withMoveAlias(true));
    assertThat(moved.aliasOutcome()).isEqualTo(IndexManager.AliasOutcome.MOVED);
    assertThat(manager.aliasTargets(prefix)).containsExactly(v2.index());
  }
}
