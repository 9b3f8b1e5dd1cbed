package io.abcstream.model.text;

import java.util.Objects;

/**
 * A request input (instruction or query text) that the model cannot take. The {@link Kind} names
 * the dead-letter class (EmbeddingFailure.error_class) it maps to, so callers can route it without
 * parsing messages. Unchecked: it is a property of the input, never of the runtime.
 */
public class ModelInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Dead-letter classes; names equal the {@code ErrorClass} Avro symbols. */
  public enum Kind {
    /** Malformed user text: null, reserved token strings, unpaired surrogates. */
    INVALID_REQUEST,
    /** The instruction (or query text) has more tokens than the configured limit. */
    INSTRUCTION_TOO_LONG
  }

  private final Kind kind;

  public ModelInputException(Kind kind, String message) {
    super(message);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  public Kind kind() {
    return kind;
  }

  /** The Avro {@code ErrorClass} symbol for this failure. */
  public String errorClass() {
    return kind.name();
  }
}
