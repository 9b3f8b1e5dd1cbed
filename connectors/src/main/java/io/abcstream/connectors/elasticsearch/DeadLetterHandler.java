package io.abcstream.connectors.elasticsearch;

import java.util.concurrent.CompletableFuture;

/**
 * Receives rejected operations inside the writer (for example a Kafka DLQ producer). The sink
 * completes a bulk request only after every returned future completed, so a dead letter is durable
 * before the checkpoint that drops the document from the sink's state; a failed future fails the
 * job. {@link #handle} is called from the client's I/O threads, possibly concurrently:
 * implementations must be thread-safe and must not block.
 */
public interface DeadLetterHandler extends AutoCloseable {

  CompletableFuture<Void> handle(DeadLetter deadLetter);

  @Override
  default void close() throws Exception {}
}
