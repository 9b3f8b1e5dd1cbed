package io.abcstream.operators.embed;

import static org.assertj.core.api.Assertions.assertThat;

import io.abcstream.fetch.FetchException;
import io.abcstream.model.image.ImageException;
import io.abcstream.model.runtime.ModelException;
import io.abcstream.model.text.ModelInputException;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class EmbeddingFailureClassifierTest {

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of(
            FetchException.forbidden("loopback"),
            FailureStage.FETCH,
            FailureStage.FETCH,
            ErrorClass.FETCH_FORBIDDEN),
        Arguments.of(
            FetchException.failed("404", false, null),
            FailureStage.FETCH,
            FailureStage.FETCH,
            ErrorClass.FETCH_FAILED),
        Arguments.of(
            FetchException.tooLarge("30 MB"),
            FailureStage.FETCH,
            FailureStage.FETCH,
            ErrorClass.IMAGE_TOO_LARGE),
        Arguments.of(
            FetchException.undecodable("text/html"),
            FailureStage.FETCH,
            FailureStage.IMAGE,
            ErrorClass.UNDECODABLE_IMAGE),
        Arguments.of(
            FetchException.invalid("bad data: uri", null),
            FailureStage.FETCH,
            FailureStage.FETCH,
            ErrorClass.INVALID_REQUEST),
        Arguments.of(
            new ImageException(ImageException.Kind.UNDECODABLE_IMAGE, "truncated"),
            FailureStage.IMAGE,
            FailureStage.IMAGE,
            ErrorClass.UNDECODABLE_IMAGE),
        Arguments.of(
            new ImageException(ImageException.Kind.IMAGE_TOO_LARGE, "bomb"),
            FailureStage.IMAGE,
            FailureStage.IMAGE,
            ErrorClass.IMAGE_TOO_LARGE),
        Arguments.of(
            new ImageException(ImageException.Kind.UNSUPPORTED_IMAGE_SHAPE, "ratio"),
            FailureStage.IMAGE,
            FailureStage.IMAGE,
            ErrorClass.UNSUPPORTED_IMAGE_SHAPE),
        Arguments.of(
            new ModelInputException(ModelInputException.Kind.INSTRUCTION_TOO_LONG, "600 tokens"),
            FailureStage.TOKENIZE,
            FailureStage.TOKENIZE,
            ErrorClass.INSTRUCTION_TOO_LONG),
        Arguments.of(
            new ModelInputException(ModelInputException.Kind.INVALID_REQUEST, "<|im_end|>"),
            FailureStage.TOKENIZE,
            FailureStage.TOKENIZE,
            ErrorClass.INVALID_REQUEST),
        Arguments.of(
            new ModelException("index out of range"),
            FailureStage.MODEL,
            FailureStage.MODEL,
            ErrorClass.MODEL_ERROR),
        Arguments.of(
            new CompletionException(new ModelException("wrapped")),
            FailureStage.FETCH,
            FailureStage.MODEL,
            ErrorClass.MODEL_ERROR),
        Arguments.of(
            new OutOfMemoryError("heap"),
            FailureStage.MODEL,
            FailureStage.MODEL,
            ErrorClass.MODEL_ERROR),
        Arguments.of(
            new IllegalStateException("bug"),
            FailureStage.IMAGE,
            FailureStage.IMAGE,
            ErrorClass.UNKNOWN),
        Arguments.of(
            new IllegalStateException("bug in model stage"),
            FailureStage.MODEL,
            FailureStage.MODEL,
            ErrorClass.MODEL_ERROR));
  }

  @ParameterizedTest(name = "{0} in {1} → {2}/{3}")
  @MethodSource("table")
  void classifies(
      Throwable error, FailureStage inProgress, FailureStage stage, ErrorClass errorClass) {
    StageFailure f = EmbeddingFailureClassifier.classify(error, inProgress);
    assertThat(f.stage()).isEqualTo(stage);
    assertThat(f.errorClass()).isEqualTo(errorClass);
    assertThat(f.message()).isNotBlank();
    assertThat(f.attempts()).isGreaterThanOrEqualTo(1);
  }

  @ParameterizedTest
  @CsvSource({
    "FORBIDDEN, FETCH_FORBIDDEN",
    "FAILED, FETCH_FAILED",
    "TOO_LARGE, IMAGE_TOO_LARGE",
    "UNDECODABLE, UNDECODABLE_IMAGE",
    "INVALID_REFERENCE, INVALID_REQUEST"
  })
  void fetchKindsMapToDlqClasses(FetchException.Kind kind, String errorClass) {
    assertThat(EmbeddingFailureClassifier.errorClass(kind).name()).isEqualTo(errorClass);
  }

  @ParameterizedTest
  @EnumSource(ImageException.Kind.class)
  void imageKindsMapToTheDlqClassOfTheirName(ImageException.Kind kind) {
    assertThat(EmbeddingFailureClassifier.errorClass(kind).name()).isEqualTo(kind.errorClass());
  }
}
