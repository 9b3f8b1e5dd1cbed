package io.abcstream.operators.embed;

import io.abcstream.common.Throwables;
import io.abcstream.fetch.FetchException;
import io.abcstream.model.image.ImageException;
import io.abcstream.model.runtime.ModelException;
import io.abcstream.model.text.ModelInputException;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;

/**
 * The one place that decides how a failure of the embedding operator is dead-lettered. Every
 * failure is dead-lettered (none is retried here: the fetcher retried already, the batching service
 * isolated model failures); only a bug-class failure is labelled by the stage it happened in.
 */
public final class EmbeddingFailureClassifier {

  private EmbeddingFailureClassifier() {}

  /** {@code stageInProgress} labels failures that do not carry their own stage. */
  public static StageFailure classify(Throwable error, FailureStage stageInProgress) {
    Throwable e = Throwables.unwrap(error);
    if (e instanceof FetchException f) {
      FailureStage stage =
          f.kind() == FetchException.Kind.UNDECODABLE ? FailureStage.IMAGE : FailureStage.FETCH;
      return new StageFailure(
          stage, errorClass(f.kind()), f.getMessage(), Math.max(1, f.attempts()));
    }
    if (e instanceof ImageException i) {
      return new StageFailure(FailureStage.IMAGE, errorClass(i.kind()), i.getMessage(), 1);
    }
    if (e instanceof ModelInputException m) {
      return new StageFailure(
          FailureStage.TOKENIZE, ErrorClass.valueOf(m.errorClass()), m.getMessage(), 1);
    }
    if (e instanceof ModelException) {
      return new StageFailure(FailureStage.MODEL, ErrorClass.MODEL_ERROR, e.getMessage(), 1);
    }
    if (e instanceof OutOfMemoryError) {
      return new StageFailure(
          stageInProgress, ErrorClass.MODEL_ERROR, "out of memory: " + e.getMessage(), 1);
    }
    ErrorClass errorClass =
        stageInProgress == FailureStage.MODEL ? ErrorClass.MODEL_ERROR : ErrorClass.UNKNOWN;
    return new StageFailure(stageInProgress, errorClass, Throwables.describe(e), 1);
  }

  /** The dead-letter class of a fetch failure (the fetch module knows nothing of dead letters). */
  static ErrorClass errorClass(FetchException.Kind kind) {
    return switch (kind) {
      case FORBIDDEN -> ErrorClass.FETCH_FORBIDDEN;
      case FAILED -> ErrorClass.FETCH_FAILED;
      case TOO_LARGE -> ErrorClass.IMAGE_TOO_LARGE;
      case UNDECODABLE -> ErrorClass.UNDECODABLE_IMAGE;
      case INVALID_REFERENCE -> ErrorClass.INVALID_REQUEST;
    };
  }

  /** The dead-letter class of a decode or preprocessing failure. */
  static ErrorClass errorClass(ImageException.Kind kind) {
    return switch (kind) {
      case UNDECODABLE_IMAGE -> ErrorClass.UNDECODABLE_IMAGE;
      case IMAGE_TOO_LARGE -> ErrorClass.IMAGE_TOO_LARGE;
      case UNSUPPORTED_IMAGE_SHAPE -> ErrorClass.UNSUPPORTED_IMAGE_SHAPE;
    };
  }
}
