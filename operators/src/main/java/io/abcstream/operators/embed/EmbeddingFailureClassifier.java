package io.abcstream.operators.embed;

import io.abcstream.fetch.FetchException;
import io.abcstream.model.image.ImageException;
import io.abcstream.model.runtime.ModelException;
import io.abcstream.model.text.ModelInputException;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one place that decides how a failure of the embedding operator is dead-lettered. Every
 * failure is dead-lettered (none is retried here: the fetcher retried already, the batching service
 * isolated model failures); only a bug-class failure is labelled by the stage it happened in.
 */
public final class EmbeddingFailureClassifier {

  private EmbeddingFailureClassifier() {}

  /** {@code stageInProgress} labels failures that do not carry their own stage. */
  public static StageFailure classify(Throwable error, FailureStage stageInProgress) {
    Throwable e = unwrap(error);
    if (e instanceof FetchException) {
      FetchException f = (FetchException) e;
      FailureStage stage =
          f.kind() == FetchException.Kind.UNDECODABLE ? FailureStage.IMAGE : FailureStage.FETCH;
      return new StageFailure(stage, f.errorClass(), f.getMessage(), Math.max(1, f.attempts()));
    }
    if (e instanceof ImageException) {
      ImageException i = (ImageException) e;
      return new StageFailure(FailureStage.IMAGE, ErrorClass.valueOf(i.kind().errorClass()), i.getMessage(), 1);
    }
    if (e instanceof ModelInputException) {
      ModelInputException m = (ModelInputException) e;
      return new StageFailure(FailureStage.TOKENIZE, ErrorClass.valueOf(m.errorClass()), m.getMessage(), 1);
    }
    if (e instanceof ModelException) {
      return new StageFailure(FailureStage.MODEL, ErrorClass.MODEL_ERROR, e.getMessage(), 1);
    }
    if (e instanceof OutOfMemoryError) {
      return new StageFailure(stageInProgress, ErrorClass.MODEL_ERROR, "out of memory: " + e.getMessage(), 1);
    }
    String message = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    ErrorClass errorClass = stageInProgress == FailureStage.MODEL ? ErrorClass.MODEL_ERROR : ErrorClass.UNKNOWN;
    return new StageFailure(stageInProgress, errorClass, message, 1);
  }

  static Throwable unwrap(Throwable error) {
    Throwable e = error;
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
