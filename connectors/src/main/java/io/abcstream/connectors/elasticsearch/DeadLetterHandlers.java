package io.abcstream.connectors.elasticsearch;

import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Built-in dead-letter handlers: fail the job (the default) or log and drop. */
public final class DeadLetterHandlers {

  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterHandlers.class);

  private DeadLetterHandlers() {}

  /**
   * Fails the job on the first rejected document. The default, because dropping documents must be a
   * decision: plug a DLQ (or {@link #logging()}) to keep going.
   */
  public static DeadLetterHandlerFactory failing() {
    return context ->
        deadLetter ->
            CompletableFuture.failedFuture(
                new ElasticsearchSinkException(
                    "Elasticsearch rejected "
                        + deadLetter.operation()
                        + ": "
                        + deadLetter.describe()
                        + ". No dead-letter handler is configured, so the job stops; fix the document"
                        + " or the mapping, or set a DeadLetterHandlerFactory on the sink builder"));
  }

  /** Logs each rejected document at WARN (id, index, reason, not the source) and drops it. */
  public static DeadLetterHandlerFactory logging() {
    return context ->
        deadLetter -> {
          LOG.warn(
              "dropping {} rejected by Elasticsearch: {}",
              deadLetter.operation(),
              deadLetter.describe());
          return CompletableFuture.completedFuture(null);
        };
  }
}
