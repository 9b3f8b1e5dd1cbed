package io.abcstream.connectors.elasticsearch;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Sends one bulk request asynchronously; an interface so the writer's outcome handling can be
 * tested with injected outcomes instead of a cluster.
 */
public interface BulkClient extends AutoCloseable {

  /**
   * Sends {@code operations} as one bulk request. The future completes with one {@link
   * BulkItemResult} per operation, in order, when the cluster answered per item; it completes
   * exceptionally when the request as a whole failed (I/O error, HTTP error status on the request).
   * Implementations never throw from this method for a failed send.
   */
  CompletableFuture<List<BulkItemResult>> bulk(List<IndexOperation> operations);

  @Override
  default void close() throws Exception {}
}
