package io.abcstream.schemas.codec;

/** A record could not be decoded; {@link #kind()} says why, the message says where. */
public final class CodecException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What went wrong, coarse enough to route on. */
  public enum Kind {
    /** No bytes at all (null or zero-length value). */
    EMPTY,
    /** Not Avro single-object encoding: the two marker bytes are missing. */
    NOT_SINGLE_OBJECT,
    /** The writer schema fingerprint is not one this reader knows. */
    UNKNOWN_SCHEMA,
    /** The payload ended before the record did. */
    TRUNCATED,
    /**
     * The payload does not match the writer schema (bad lengths, bad union index, trailing bytes).
     */
    MALFORMED,
    /** The JSON text is not syntactically valid JSON. */
    INVALID_JSON,
    /** Valid JSON whose shape does not match the schema (missing field, wrong type). */
    SCHEMA_MISMATCH
  }

  private final Kind kind;

  public CodecException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public CodecException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
