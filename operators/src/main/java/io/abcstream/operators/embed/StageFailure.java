package io.abcstream.operators.embed;

import io.abcstream.operators.failure.Failures;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.RecordCodec;
import io.abcstream.schemas.internal.EmbeddingOutcome;
import io.abcstream.schemas.internal.SourcedRequest;
import java.nio.ByteBuffer;
import java.util.function.Supplier;

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
    return toOutcome(
        sourced, instruction, () -> Failures.originalValue(sourced, inputCodec), modelVersion);
  }

  /**
   * As above, with the original value from {@code original}, shared by a request's instructions
   * ({@link Failures#originalValueOnce}) so that it is encoded once per request.
   */
  EmbeddingOutcome toOutcome(
      SourcedRequest sourced,
      String instruction,
      Supplier<ByteBuffer> original,
      String modelVersion) {
    return EmbeddingOutcome.newBuilder()
        .setFailure(
            Failures.ofEncoded(
                sourced,
                original.get(),
                instruction,
                stage,
                errorClass,
                message,
                attempts,
                modelVersion))
        .build();
  }
}
