package io.abcstream.operators.failure;

import io.abcstream.schemas.EmbeddingFailure;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.RecordCodec;
import io.abcstream.schemas.internal.SourcedRequest;
import java.nio.ByteBuffer;
import java.time.Instant;
import org.apache.flink.util.OutputTag;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;

/** Builds dead-letter records that keep everything needed to understand and replay a failure. */
public final class Failures {

  /** The side output every stage sends its failures to. */
  public static final OutputTag<EmbeddingFailure> DEAD_LETTERS =
      new OutputTag<>("dead-letters", new AvroTypeInfo<>(EmbeddingFailure.class));

  private static final int MAX_MESSAGE_CHARS = 2_000;

  private Failures() {}

  /**
   * A failure of {@code source} (or of one of its instructions when {@code instruction} is set).
   * The original value is the raw bytes for undecodable records, else the request re-encoded in
   * the input format: equal content, replayable, without carrying the bytes through the job.
   */
  public static EmbeddingFailure of(
      SourcedRequest source,
      String instruction,
      FailureStage stage,
      ErrorClass errorClass,
      String message,
      int attempts,
      RecordCodec<ImageEmbeddingRequest> inputCodec,
      String modelVersion) {
    ImageEmbeddingRequest request = source.getRequest();
    ByteBuffer value = source.getRawValue();
    if (value == null && request != null && inputCodec != null) {
      value = ByteBuffer.wrap(inputCodec.encode(request));
    }
    return EmbeddingFailure.newBuilder()
        .setOriginalKey(source.getRawKey())
        .setOriginalValue(value)
        .setSourceTopic(source.getTopic())
        .setSourcePartition(source.getPartition() < 0 ? null : source.getPartition())
        .setSourceOffset(source.getOffset() < 0 ? null : source.getOffset())
        .setRequestId(request == null ? null : request.getId())
        .setInstruction(instruction)
        .setStage(stage)
        .setErrorClass(errorClass)
        .setMessage(truncate(message == null ? errorClass.name() : message))
        .setAttempts(Math.max(1, attempts))
        .setFailedAt(Instant.now())
        .setModelVersion(modelVersion)
        .build();
  }

  private static String truncate(String message) {
    return message.length() <= MAX_MESSAGE_CHARS ? message : message.substring(0, MAX_MESSAGE_CHARS) + "…";
  }
}
