package io.abcstream.jobs.search;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import co.elastic.clients.json.JsonData;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.abcstream.connectors.elasticsearch.BulkItemClassifier;
import io.abcstream.connectors.elasticsearch.ElasticsearchConnectionConfig;
import io.abcstream.operators.document.EmbeddingDocument;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** kNN over the embeddings index: the query side of the pipeline. */
public final class KnnSearch implements AutoCloseable {

  /** One hit, with the fields a person wants to see (JSON names as in the documents). */
  public record Hit(
      String id,
      double score,
      @JsonProperty(EmbeddingDocument.REQUEST_ID) String requestId,
      String instruction,
      String mode,
      @JsonProperty(EmbeddingDocument.IMAGE_URI) String imageUri) {}

  private final RestClientTransport transport;
  private final ElasticsearchClient client;

  public KnnSearch(String url) {
    this(ElasticsearchConnectionConfig.forHosts(url));
  }

  /** Connects as the job's sink does: hosts, auth by reference, TLS. */
  public KnnSearch(ElasticsearchConnectionConfig connection) {
    this.transport =
        new RestClientTransport(connection.createRestClient(), new JacksonJsonpMapper());
    this.client = new ElasticsearchClient(transport);
  }

  /**
   * The {@code k} documents nearest to {@code vector}; a failure says what to fix (credentials, CA,
   * host) as the job's sink would.
   */
  public List<Hit> search(String index, float[] vector, int k, String mode) throws IOException {
    try {
      return knn(index, vector, k, mode);
    } catch (IOException | RuntimeException e) {
      int status = BulkItemClassifier.statusOf(e);
      throw new IOException(
          "search of "
              + index
              + " failed"
              + (status > 0 ? " with HTTP " + status : "")
              + ": "
              + e.getMessage()
              + ". Fix: "
              + (status > 0
                  ? BulkItemClassifier.fixHint(
                      status, BulkItemClassifier.errorTypeOf(e), e.getMessage())
                  : BulkItemClassifier.fixHint(e)),
          e);
    }
  }

  private List<Hit> knn(String index, float[] vector, int k, String mode) throws IOException {
    List<Float> query = new ArrayList<>(vector.length);
    for (float v : vector) {
      query.add(v);
    }
    SearchResponse<ObjectNode> response =
        client.search(
            s ->
                s.index(index)
                    .knn(
                        kn -> {
                          kn.field(EmbeddingDocument.EMBEDDING)
                              .queryVector(query)
                              .k(k)
                              .numCandidates(Math.max(100, 10 * k));
                          if (mode != null) {
                            kn.filter(
                                f -> f.term(t -> t.field(EmbeddingDocument.MODE).value(mode)));
                          }
                          return kn;
                        })
                    .source(src -> src.filter(f -> f.excludes(EmbeddingDocument.EMBEDDING))),
            ObjectNode.class);
    List<Hit> hits = new ArrayList<>();
    for (co.elastic.clients.elasticsearch.core.search.Hit<ObjectNode> h : response.hits().hits()) {
      ObjectNode doc = h.source();
      hits.add(
          new Hit(
              h.id(),
              h.score() == null ? 0 : h.score(),
              text(doc, EmbeddingDocument.REQUEST_ID),
              text(doc, EmbeddingDocument.INSTRUCTION),
              text(doc, EmbeddingDocument.MODE),
              text(doc, EmbeddingDocument.IMAGE_URI)));
    }
    return hits;
  }

  /** Documents indexed at or after {@code epochMillis} (after a refresh). */
  public long countSince(String index, long epochMillis) throws IOException {
    client.indices().refresh(r -> r.index(index));
    return client
        .count(
            c ->
                c.index(index)
                    .query(
                        q ->
                            q.range(
                                r ->
                                    r.untyped(
                                        u ->
                                            u.field(EmbeddingDocument.INDEXED_AT)
                                                .gte(JsonData.of(epochMillis))))))
        .count();
  }

  private static String text(ObjectNode doc, String field) {
    return doc == null || doc.get(field) == null || doc.get(field).isNull()
        ? null
        : doc.get(field).asText();
  }

  @Override
  public void close() throws IOException {
    transport.close();
  }
}
