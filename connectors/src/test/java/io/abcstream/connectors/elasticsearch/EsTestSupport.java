package io.abcstream.connectors.elasticsearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.connector.base.sink.writer.ElementConverter;
import org.apache.http.HttpHost;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.RestClient;

/**
 * Small helpers for the Elasticsearch ITCases: a non-ABC document (name, n, vector) with its own
 * mapping and converter, a collecting DLQ, REST calls. Nothing here knows the ABC document: the
 * sink and the index manager are generic.
 */
final class EsTestSupport {

  static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Dead letters by test key; the sink runs in this JVM (MiniCluster), so a static registry works.
   */
  static final Map<String, List<DeadLetter>> DEAD_LETTERS = new ConcurrentHashMap<>();

  private EsTestSupport() {}

  /** The deterministic unit vector of document {@code n}. */
  static float[] vector(int n, int dims) {
    float[] v = new float[dims];
    double norm = 0;
    for (int k = 0; k < dims; k++) {
      v[k] = (float) Math.sin(n * 0.7 + k * 1.3 + 0.1);
      norm += v[k] * v[k];
    }
    for (int k = 0; k < dims; k++) {
      v[k] = (float) (v[k] / Math.sqrt(norm));
    }
    return v;
  }

  /** The test document's vector field. */
  static final String VECTOR = "vector";

  /**
   * The test document's mapping: a keyword, an integer and a dot-product vector of {@code dims}.
   */
  static ObjectNode mappings(int dims) {
    ObjectNode mappings = JSON.createObjectNode();
    ObjectNode props = mappings.putObject("properties");
    props.putObject("name").put("type", "keyword");
    props.putObject("n").put("type", "integer");
    props.set(VECTOR, new DenseVectorOptions(dims, "dot_product", "int8_hnsw").toMapping());
    return mappings;
  }

  /** The dead-letter context the converter attaches to document {@code doc-n}. */
  static byte[] context(int n) {
    return ("ctx-" + n).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Turns n into a document {@code doc-|n|} with {@link #context(int)}; a negative n gets a vector
   * one too long (violates the mapping).
   */
  static final class DocConverter implements ElementConverter<Integer, IndexOperation> {
    private static final long serialVersionUID = 1L;
    private final String index;
    private final int dims;

    DocConverter(String index, int dims) {
      this.index = index;
      this.dims = dims;
    }

    @Override
    public IndexOperation apply(Integer n, SinkWriter.Context context) {
      int id = Math.abs(n);
      float[] v = vector(id, n < 0 ? dims + 1 : dims);
      ObjectNode doc = JSON.createObjectNode();
      doc.put("name", "item-" + id);
      doc.put("n", id);
      ArrayNode vector = doc.putArray(VECTOR);
      for (float x : v) {
        vector.add(x);
      }
      try {
        return IndexOperation.index(index, "doc-" + id, JSON.writeValueAsBytes(doc), context(id));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** Collects dead letters under {@code key} in {@link #DEAD_LETTERS}. */
  static DeadLetterHandlerFactory collectingDeadLetters(String key) {
    DEAD_LETTERS.put(key, new CopyOnWriteArrayList<>());
    return context ->
        letter -> {
          DEAD_LETTERS.get(key).add(letter);
          return CompletableFuture.completedFuture(null);
        };
  }

  static RestClient rest(String url) {
    return RestClient.builder(HttpHost.create(url)).build();
  }

  static JsonNode call(RestClient rest, String method, String path, String body)
      throws IOException {
    Request request = new Request(method, path);
    if (body != null) {
      request.setJsonEntity(body);
    }
    Response response = rest.performRequest(request);
    try (InputStream in = response.getEntity().getContent()) {
      return JSON.readTree(in);
    }
  }

  static long count(RestClient rest, String index) throws IOException {
    call(rest, "POST", "/" + index + "/_refresh", null);
    return call(rest, "GET", "/" + index + "/_count", null).get("count").asLong();
  }

  static float[] storedVector(RestClient rest, String index, String id) throws IOException {
    JsonNode embedding =
        call(rest, "GET", "/" + index + "/_doc/" + id, null).path("_source").path(VECTOR);
    float[] v = new float[embedding.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = embedding.get(i).floatValue();
    }
    return v;
  }
}
