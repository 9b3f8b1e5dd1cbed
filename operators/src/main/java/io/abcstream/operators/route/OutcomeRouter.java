package io.abcstream.operators.route;

import io.abcstream.operators.failure.DeadLetterLimits;
import io.abcstream.operators.failure.Failures;
import io.abcstream.schemas.ImageEmbedding;
import io.abcstream.schemas.internal.EmbeddingOutcome;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/** Embeddings go on to the index; failures go to the dead letters. Tracks event-time lag. */
public final class OutcomeRouter extends ProcessFunction<EmbeddingOutcome, ImageEmbedding> {

  private static final long serialVersionUID = 1L;

  private final DeadLetterLimits deadLetters;

  // Set in open(): a transient field's initializer does not run when Flink deserializes the
  // function.
  private transient volatile long lastEventTime;

  /**
   * @param deadLetters the dead-letter record size failures are cut to here, right behind the
   *     embedding operator, so no oversized letter travels on to the dead-letter sink
   */
  public OutcomeRouter(DeadLetterLimits deadLetters) {
    this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
  }

  @Override
  public void open(OpenContext openContext) {
    lastEventTime = -1;
    getRuntimeContext()
        .getMetricGroup()
        .gauge(
            "eventTimeLagMs",
            () -> lastEventTime < 0 ? 0L : System.currentTimeMillis() - lastEventTime);
  }

  @Override
  public void processElement(EmbeddingOutcome outcome, Context ctx, Collector<ImageEmbedding> out) {
    if (outcome.getEmbedding() != null) {
      ImageEmbedding embedding = outcome.getEmbedding();
      if (embedding.getEventTime() != null) {
        lastEventTime = embedding.getEventTime().toEpochMilli();
      }
      out.collect(embedding);
    } else if (outcome.getFailure() != null) {
      ctx.output(Failures.DEAD_LETTERS, deadLetters.fit(outcome.getFailure()));
    }
  }
}
