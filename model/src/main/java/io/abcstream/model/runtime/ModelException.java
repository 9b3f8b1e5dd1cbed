package io.abcstream.model.runtime;

/** Inference failed (DLQ class MODEL_ERROR once the batching service has isolated the item). */
public class ModelException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ModelException(String message) {
    super(message);
  }

  public ModelException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The Avro {@code ErrorClass} symbol. */
  public String errorClass() {
    return "MODEL_ERROR";
  }
}
