package io.abcstream.operators.failure;

import io.abcstream.common.UriRedaction;
import io.abcstream.connectors.elasticsearch.DeadLetter;
import io.abcstream.connectors.elasticsearch.IndexOperation;
import io.abcstream.operators.document.EmbeddingDocument;
import io.abcstream.schemas.EmbeddingFailure;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.RecordCodec;
import io.abcstream.schemas.internal.SourcedRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.function.Supplier;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.util.OutputTag;

/**
 * The one dead-letter builder: every stage (validate, embed, index) makes its {@link
 * EmbeddingFailure} here, with one truncation rule, keeping everything needed to understand and
 * replay a failure.
 */
public final class Failures {

  /** The side output every stage sends its failures to. */
  public static final OutputTag<EmbeddingFailure> DEAD_LETTERS =
      new OutputTag<>("dead-letters", new AvroTypeInfo<>(EmbeddingFailure.class));

  /** Longest message kept; longer ones are cut and end in {@link #ELLIPSIS}. */
  public static final int MAX_MESSAGE_CHARS = 2_000;

  public static final String ELLIPSIS = "…";

  private Failures() {}

  /**
   * A failure of {@code source} (or of one of its instructions when {@code instruction} is set).
   * The original value is the raw bytes for undecodable records, else the request re-encoded in the
   * input format: equal content, replayable, without carrying the bytes through the job.
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
    return ofEncoded(
        source,
        originalValue(source, inputCodec),
        instruction,
        stage,
        errorClass,
        message,
        attempts,
        modelVersion);
  }

  /**
   * As {@link #of}, with the original value already made by {@link #originalValue} (or {@link
   * #originalValueOnce}), so that the failures of several instructions of one request encode it
   * once.
   */
  public static EmbeddingFailure ofEncoded(
      SourcedRequest source,
      ByteBuffer originalValue,
      String instruction,
      FailureStage stage,
      ErrorClass errorClass,
      String message,
      int attempts,
      String modelVersion) {
    ImageEmbeddingRequest request = source.getRequest();
    return builder(stage, errorClass, message, attempts, Instant.now(), modelVersion)
        .setOriginalKey(source.getRawKey())
        .setOriginalValue(originalValue)
        .setSourceTopic(source.getTopic())
        .setSourcePartition(source.getPartition() < 0 ? null : source.getPartition())
        .setSourceOffset(source.getOffset() < 0 ? null : source.getOffset())
        .setRequestId(request == null ? null : request.getId())
        .setInstruction(instruction)
        .build();
  }

  /**
   * The original value of {@code source}'s dead letters: the raw bytes of an undecodable record,
   * else the request re-encoded with {@code inputCodec} (null when there is neither).
   */
  public static ByteBuffer originalValue(
      SourcedRequest source, RecordCodec<ImageEmbeddingRequest> inputCodec) {
    ByteBuffer value = source.getRawValue();
    ImageEmbeddingRequest request = source.getRequest();
    if (value == null && request != null && inputCodec != null) {
      value = ByteBuffer.wrap(inputCodec.encode(request));
    }
    return value;
  }

  /**
   * {@link #originalValue}, encoded on first use and then shared (each caller gets its own view of
   * the one byte array): a request with many failing instructions is encoded once, not once each.
   */
  public static Supplier<ByteBuffer> originalValueOnce(
      SourcedRequest source, RecordCodec<ImageEmbeddingRequest> inputCodec) {
    return new Supplier<>() {
      private ByteBuffer value;
      private boolean encoded;

      @Override
      public synchronized ByteBuffer get() {
        if (!encoded) {
          value = originalValue(source, inputCodec);
          encoded = true;
        }
        return value == null ? null : value.duplicate();
      }
    };
  }

  /**
   * The failure (stage INDEX, class INDEX_REJECTED) for a document Elasticsearch rejected, built
   * from the {@link EmbeddingDocument.Rejection} its operation carries, never from the document
   * JSON: the original value is the request that makes exactly that (request, instruction), in the
   * input topic's format, keyed by the request id. Without a context only the message is known.
   */
  public static EmbeddingFailure indexRejected(DeadLetter letter, Instant failedAt) {
    IndexOperation op = letter.operation();
    EmbeddingDocument.Rejection rejection =
        op.context() == null ? null : EmbeddingDocument.Rejection.fromBytes(op.context());
    String message = "index [" + op.index() + "] id [" + op.id() + "]: " + letter.describe();
    EmbeddingFailure.Builder failure =
        builder(
            FailureStage.INDEX,
            ErrorClass.INDEX_REJECTED,
            message,
            letter.attempts(),
            failedAt,
            rejection == null ? null : rejection.modelVersion());
    if (rejection != null) {
      failure.setRequestId(rejection.requestId()).setInstruction(rejection.instruction());
      if (rejection.request() != null && rejection.requestId() != null) {
        failure.setOriginalKey(
            ByteBuffer.wrap(rejection.requestId().getBytes(StandardCharsets.UTF_8)));
        failure.setOriginalValue(ByteBuffer.wrap(rejection.request()));
      }
    }
    return failure.build();
  }

  /** {@code message} cut to {@link #MAX_MESSAGE_CHARS} plus {@link #ELLIPSIS} when longer. */
  public static String truncate(String message) {
    return message.length() <= MAX_MESSAGE_CHARS
        ? message
        : message.substring(0, MAX_MESSAGE_CHARS) + ELLIPSIS;
  }

  private static EmbeddingFailure.Builder builder(
      FailureStage stage,
      ErrorClass errorClass,
      String message,
      int attempts,
      Instant failedAt,
      String modelVersion) {
    return EmbeddingFailure.newBuilder()
        .setStage(stage)
        .setErrorClass(errorClass)
        // Pre-signed image URLs carry credentials in their query: never into a dead letter.
        .setMessage(truncate(message == null ? errorClass.name() : UriRedaction.redact(message)))
        .setAttempts(Math.max(1, attempts))
        .setFailedAt(failedAt)
        .setModelVersion(modelVersion);
  }
}
