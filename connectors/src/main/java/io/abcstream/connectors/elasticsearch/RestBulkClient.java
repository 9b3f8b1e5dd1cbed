package io.abcstream.connectors.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchAsyncClient;
import co.elastic.clients.elasticsearch._types.ErrorCause;
import co.elastic.clients.elasticsearch.core.BulkRequest;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import co.elastic.clients.util.BinaryData;
import co.elastic.clients.util.ContentType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.elasticsearch.client.RestClient;

/** {@link BulkClient} on the elasticsearch-java async client over the low-level REST client. */
public final class RestBulkClient implements BulkClient {

  private final RestClientTransport transport;
  private final ElasticsearchAsyncClient client;

  public RestBulkClient(RestClient restClient) {
    this.transport = new RestClientTransport(restClient, new JacksonJsonpMapper());
    this.client = new ElasticsearchAsyncClient(transport);
  }

  /** A factory that builds the client from {@code connection} in the writer. */
  public static BulkClientFactory factory(ElasticsearchConnectionConfig connection) {
    return () -> new RestBulkClient(connection.createRestClient());
  }

  @Override
  public CompletableFuture<List<BulkItemResult>> bulk(List<IndexOperation> operations) {
    List<BulkOperation> ops = new ArrayList<>(operations.size());
    for (IndexOperation op : operations) {
      if (op.opType() == IndexOperation.OpType.INDEX) {
        // Raw bytes: the source was serialised once by the element converter; no re-parsing here.
        BinaryData source = BinaryData.of(op.source(), ContentType.APPLICATION_JSON);
        ops.add(
            BulkOperation.of(b -> b.index(i -> i.index(op.index()).id(op.id()).document(source))));
      } else {
        ops.add(BulkOperation.of(b -> b.delete(d -> d.index(op.index()).id(op.id()))));
      }
    }
    try {
      return client
          .bulk(BulkRequest.of(b -> b.operations(ops)))
          .thenApply(
              response -> {
                List<BulkItemResult> results = new ArrayList<>(response.items().size());
                for (BulkResponseItem item : response.items()) {
                  ErrorCause error = item.error();
                  results.add(
                      error == null
                          ? BulkItemResult.ok(item.status())
                          : BulkItemResult.error(item.status(), error.type(), describe(error)));
                }
                return results;
              });
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * The reason plus its first causes: "failed to parse" alone does not say which field was wrong.
   */
  static String describe(ErrorCause error) {
    StringBuilder sb = new StringBuilder(error.reason() == null ? "" : error.reason());
    ErrorCause cause = error.causedBy();
    for (int depth = 0; cause != null && depth < 3; depth++, cause = cause.causedBy()) {
      sb.append(" (caused by ")
          .append(cause.type())
          .append(": ")
          .append(cause.reason())
          .append(')');
    }
    return sb.toString();
  }

  @Override
  public void close() throws Exception {
    transport.close();
  }
}
