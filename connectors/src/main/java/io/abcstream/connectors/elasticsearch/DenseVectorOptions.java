package io.abcstream.connectors.elasticsearch;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.apache.flink.configuration.ReadableConfig;

/**
 * A {@code dense_vector} field's dims, similarity and {@code index_options} type, checked against
 * Elasticsearch's rules.
 */
public record DenseVectorOptions(int dims, String similarity, String indexOptionsType) {

  public static final String DEFAULT_SIMILARITY = "dot_product";
  public static final List<String> SIMILARITIES =
      List.of("dot_product", "cosine", "l2_norm", "max_inner_product");
  public static final List<String> INDEX_OPTION_TYPES =
      List.of(
          "hnsw",
          "int8_hnsw",
          "int4_hnsw",
          "bbq_hnsw",
          "flat",
          "int8_flat",
          "int4_flat",
          "bbq_flat");

  public DenseVectorOptions {
    if (dims < 1 || dims > 4096) {
      throw new IllegalArgumentException("dense_vector dims must be in 1..4096, got " + dims);
    }
    if (!SIMILARITIES.contains(similarity)) {
      throw new IllegalArgumentException(
          "similarity must be one of " + SIMILARITIES + ", got " + similarity);
    }
    if (!INDEX_OPTION_TYPES.contains(indexOptionsType)) {
      throw new IllegalArgumentException(
          "index_options type must be one of " + INDEX_OPTION_TYPES + ", got " + indexOptionsType);
    }
  }

  /**
   * {@code dims} with {@link #DEFAULT_SIMILARITY} and the configured {@link
   * ElasticsearchSinkOptions#INDEX_OPTIONS_TYPE}.
   */
  public static DenseVectorOptions fromConfiguration(ReadableConfig config, int dims) {
    return new DenseVectorOptions(
        dims, DEFAULT_SIMILARITY, config.get(ElasticsearchSinkOptions.INDEX_OPTIONS_TYPE));
  }

  /**
   * The field's mapping: {@code
   * {"type":"dense_vector","dims":..,"index":true,"similarity":..,"index_options":{"type":..}}}.
   */
  public ObjectNode toMapping() {
    ObjectNode field = JsonNodeFactory.instance.objectNode();
    field.put("type", "dense_vector");
    field.put("dims", dims);
    field.put("index", true);
    field.put("similarity", similarity);
    field.putObject("index_options").put("type", indexOptionsType);
    return field;
  }
}
