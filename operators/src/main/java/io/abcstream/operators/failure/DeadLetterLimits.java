package io.abcstream.operators.failure;

import io.abcstream.schemas.EmbeddingFailure;
import io.abcstream.schemas.codec.RecordCodec;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The size one dead-letter record may have on the dead-letter topic, and the cutting that keeps
 * every {@link EmbeddingFailure} within it, so that a dead letter can always be written.
 */
public final class DeadLetterLimits implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Kafka's producer default {@code max.request.size}. */
  public static final int DEFAULT_MAX_RECORD_BYTES = 1 << 20;

  /** Below this the record's own capped fields could not fit with any original value. */
  public static final int MIN_MAX_RECORD_BYTES = 128 << 10;

  /**
   * What Kafka adds around key and value when it checks {@code max.request.size} (batch header 61
   * bytes, record framing up to 21, no headers here), with room to spare.
   */
  static final int KAFKA_OVERHEAD_BYTES = 1024;

  /** Longest kept {@code original_key}; a longer key is cut and the letter marked truncated. */
  static final int MAX_KEY_BYTES = 16 << 10;

  /** Longest kept instruction, in characters (plus the ellipsis). */
  static final int MAX_INSTRUCTION_CHARS = Failures.MAX_MESSAGE_CHARS;

  /** Longest kept request id, source topic and model version, in characters. */
  static final int MAX_NAME_CHARS = 1024;

  private final int maxRecordBytes;
  private final RecordCodec.Format format;
  private transient RecordCodec<EmbeddingFailure> codec;

  /**
   * @param maxRecordBytes the dead-letter producer's {@code max.request.size}: a record's key,
   *     value and Kafka's framing together stay within it
   * @param format the dead-letter topic's format (JSON writes bytes as base64, 4/3 of their size)
   */
  public DeadLetterLimits(int maxRecordBytes, RecordCodec.Format format) {
    if (maxRecordBytes < MIN_MAX_RECORD_BYTES) {
      throw new IllegalArgumentException(
          "the dead-letter record size must be at least "
              + MIN_MAX_RECORD_BYTES
              + " bytes, got "
              + maxRecordBytes);
    }
    this.maxRecordBytes = maxRecordBytes;
    this.format = Objects.requireNonNull(format, "format");
  }

  public static DeadLetterLimits defaults(RecordCodec.Format format) {
    return new DeadLetterLimits(DEFAULT_MAX_RECORD_BYTES, format);
  }

  public int maxRecordBytes() {
    return maxRecordBytes;
  }

  public RecordCodec.Format format() {
    return format;
  }

  /** The bytes a record of {@code failure} takes against {@code max.request.size}. */
  public int recordBytes(EmbeddingFailure failure) {
    return KAFKA_OVERHEAD_BYTES + kafkaKeyBytes(failure) + codec().encode(failure).length;
  }

  /**
   * {@code failure} cut to fit: strings to their limits, {@code original_key} to {@link
   * #MAX_KEY_BYTES}, and {@code original_value} to what the rest of the record leaves, keeping the
   * whole value's length and SHA-256 and marking it truncated. Idempotent; a failure that fits is
   * returned with only its length and digest filled in.
   */
  public EmbeddingFailure fit(EmbeddingFailure failure) {
    EmbeddingFailure out = shallowCopy(failure);
    out.setMessage(Failures.truncate(out.getMessage() == null ? "" : out.getMessage()));
    out.setInstruction(cut(out.getInstruction(), MAX_INSTRUCTION_CHARS));
    out.setRequestId(cut(out.getRequestId(), MAX_NAME_CHARS));
    out.setSourceTopic(cut(out.getSourceTopic(), MAX_NAME_CHARS));
    out.setModelVersion(cut(out.getModelVersion(), MAX_NAME_CHARS));
    ByteBuffer key = out.getOriginalKey();
    if (key != null && key.remaining() > MAX_KEY_BYTES) {
      out.setOriginalKey(prefix(key, MAX_KEY_BYTES));
      out.setOriginalValueTruncated(true);
    }
    ByteBuffer value = out.getOriginalValue();
    if (value == null) {
      return out;
    }
    if (out.getOriginalValueLength() == null) {
      out.setOriginalValueLength((long) value.remaining());
      out.setOriginalValueSha256(sha256(value));
    }
    out.setOriginalValue(ByteBuffer.allocate(0));
    int rest = recordBytes(out);
    int allowed = rawBytesWithin(maxRecordBytes - rest);
    if (value.remaining() > allowed) {
      out.setOriginalValue(prefix(value, Math.max(0, allowed)));
      out.setOriginalValueTruncated(true);
    } else {
      out.setOriginalValue(value.duplicate());
    }
    return out;
  }

  /** How many raw value bytes fit in {@code encodedBudget} more bytes of the encoded record. */
  private int rawBytesWithin(int encodedBudget) {
    // The empty value already took its 1-byte length (Avro) or 2 quotes (JSON); the length of a
    // longer one takes up to 5 bytes in Avro, and JSON's base64 writes 4 characters per 3 bytes.
    return format == RecordCodec.Format.AVRO
        ? encodedBudget - 5
        : Math.max(0, encodedBudget - 4) / 4 * 3;
  }

  private static int kafkaKeyBytes(EmbeddingFailure failure) {
    // Both dead-letter producers key the record by the request id.
    return failure.getRequestId() == null
        ? 0
        : failure.getRequestId().getBytes(StandardCharsets.UTF_8).length;
  }

  private RecordCodec<EmbeddingFailure> codec() {
    if (codec == null) {
      codec = RecordCodec.of(format, EmbeddingFailure.class);
    }
    return codec;
  }

  /** A new record sharing {@code failure}'s values (no copy of the original's bytes). */
  private static EmbeddingFailure shallowCopy(EmbeddingFailure failure) {
    EmbeddingFailure copy = new EmbeddingFailure();
    for (int i = 0; i < EmbeddingFailure.getClassSchema().getFields().size(); i++) {
      copy.put(i, failure.get(i));
    }
    return copy;
  }

  /** {@code text} cut to {@code max} characters plus the ellipsis, never splitting a pair. */
  static String cut(String text, int max) {
    if (text == null || text.length() <= max) {
      return text;
    }
    int end = Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
    return text.substring(0, end) + Failures.ELLIPSIS;
  }

  private static ByteBuffer prefix(ByteBuffer buffer, int length) {
    ByteBuffer dup = buffer.duplicate();
    byte[] bytes = new byte[Math.min(length, dup.remaining())];
    dup.get(bytes);
    return ByteBuffer.wrap(bytes);
  }

  static String sha256(ByteBuffer value) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(value.duplicate());
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
