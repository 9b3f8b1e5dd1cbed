package io.abcstream.jobs.search;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.abcstream.connectors.elasticsearch.ElasticsearchConnectionConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** kNN over the embeddings index: the query side of the pipeline. */
public final class KnnSearch implements AutoCloseable {

  /** One hit, with the fields a person wants to see (JSON names as in the documents). */
  public record Hit(
      String id,
      double score,
      @com.fasterxml.jackson.annotation.JsonProperty("request_id") String requestId,
      String instruction,
      String mode,
      @com.fasterxml.jackson.annotation.JsonProperty("image_uri") String imageUri) {}

  private final RestClientTransport transport;
  private final ElasticsearchClient client;

  public KnnSearch(String url) {
    this(ElasticsearchConnectionConfig.builder().setHosts(url).build());
  }

  /** Connects as the job's sink does: hosts, auth by reference, TLS. */
  public KnnSearch(ElasticsearchConnectionConfig connection) {
    this.transport = new RestClientTransport(connection.createRestClient(), new JacksonJsonpMapper());
    this.client = new ElasticsearchClient(transport);
  }

  public List<Hit> search(String index, float[] vector, int k, String mode) throws IOException {
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
                          kn.field("embedding").queryVector(query).k(k).numCandidates(Math.max(100, 10 * k));
                          if (mode != null) {
                            kn.filter(f -> f.term(t -> t.field("mode").value(mode)));
                          }
                          return kn;
                        })
                    .source(src -> src.filter(f -> f.excludes("embedding"))),
            ObjectNode.class);
    List<Hit> hits = new ArrayList<>();
    for (co.elastic.clients.elasticsearch.core.search.Hit<ObjectNode> h : response.hits().hits()) {
      ObjectNode doc = h.source();
      hits.add(
          new Hit(
              h.id(),
              h.score() == null ? 0 : h.score(),
              text(doc, "request_id"),
              text(doc, "instruction"),
              text(doc, "mode"),
              text(doc, "image_uri")));
    }
    return hits;
  }

  /** Documents indexed at or after {@code epochMillis} (after a refresh). */
  public long countSince(String index, long epochMillis) throws IOException {
    client.indices().refresh(r -> r.index(index));
    return client
        .count(c -> c.index(index).query(q -> q.range(r -> r.untyped(u -> u.field("indexed_at").gte(co.elastic.clients.json.JsonData.of(epochMillis))))))
        .count();
  }

  private static String text(ObjectNode doc, String field) {
    return doc == null || doc.get(field) == null || doc.get(field).isNull() ? null : doc.get(field).asText();
  }

  @Override
  public void close() throws IOException {
    transport.close();
  }
}
