package io.abcstream.operators.validate;

import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import java.util.Objects;

/** Why a request, or one of its instructions, is not embedded. */
public final class RequestRejection {

  private final FailureStage stage;
  private final ErrorClass errorClass;
  private final String instruction;
  private final String message;

  RequestRejection(FailureStage stage, ErrorClass errorClass, String instruction, String message) {
    this.stage = Objects.requireNonNull(stage);
    this.errorClass = Objects.requireNonNull(errorClass);
    this.instruction = instruction;
    this.message = Objects.requireNonNull(message);
  }

  public FailureStage stage() {
    return stage;
  }

  public ErrorClass errorClass() {
    return errorClass;
  }

  /** The rejected instruction, or null when the whole request is rejected. */
  public String instruction() {
    return instruction;
  }

  public String message() {
    return message;
  }

  @Override
  public String toString() {
    return stage
        + "/"
        + errorClass
        + (instruction == null ? "" : " [" + instruction + "]")
        + ": "
        + message;
  }
}
