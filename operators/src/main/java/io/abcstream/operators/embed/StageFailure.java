package io.abcstream.operators.embed;

import io.abcstream.operators.failure.Failures;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.RecordCodec;
import io.abcstream.schemas.internal.EmbeddingOutcome;
import io.abcstream.schemas.internal.SourcedRequest;

/** Where and why an embedding failed, as the dead-letter record states it. */
public record StageFailure(
    FailureStage stage, ErrorClass errorClass, String message, int attempts) {

  /**
   * The operator's one failure outcome: this failure as the dead letter of {@code sourced} (of one
   * of its instructions, or of the whole request when {@code instruction} is null).
   */
  EmbeddingOutcome toOutcome(
      SourcedRequest sourced,
      String instruction,
      RecordCodec<ImageEmbeddingRequest> inputCodec,
      String modelVersion) {
    return EmbeddingOutcome.newBuilder()
        .setFailure(
            Failures.of(
                sourced,
                instruction,
                stage,
                errorClass,
                message,
                attempts,
                inputCodec,
                modelVersion))
        .build();
  }
}
