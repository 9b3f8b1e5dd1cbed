package io.abcstream.operators.validate;

import static org.assertj.core.api.Assertions.assertThat;

import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.internal.SourcedRequest;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RequestValidatorTest {

  private final RequestValidator validator =
      RequestValidator.builder()
          .maxInstructions(3)
          .maxInstructionChars(20)
          .maxInlineBytes(10)
          .reservedTokens(Set.of("<|im_end|>", "<|image_pad|>"))
          .build();

  static Stream<Arguments> wholeRequestRejections() {
    return Stream.of(
        Arguments.of(
            "blank id",
            request(" ", "https://x/a.png"),
            ErrorClass.INVALID_REQUEST,
            "id is missing"),
        Arguments.of(
            "no scheme", request("r", "just-a-path.png"), ErrorClass.INVALID_REQUEST, "no scheme"),
        Arguments.of(
            "bad scheme",
            request("r", "ftp://x/a.png"),
            ErrorClass.INVALID_REQUEST,
            "'ftp' is not allowed"),
        Arguments.of(
            "javascript",
            request("r", "javascript:alert(1)"),
            ErrorClass.INVALID_REQUEST,
            "not allowed"),
        Arguments.of(
            "unparseable",
            request("r", "http://exa mple.com/a b"),
            ErrorClass.INVALID_REQUEST,
            "does not parse"),
        Arguments.of("blank uri", request("r", "  "), ErrorClass.INVALID_REQUEST, "blank"),
        Arguments.of(
            "empty bytes",
            request("r", ByteBuffer.allocate(0)),
            ErrorClass.INVALID_REQUEST,
            "empty"),
        Arguments.of(
            "big bytes",
            request("r", ByteBuffer.allocate(11)),
            ErrorClass.IMAGE_TOO_LARGE,
            "11 bytes"),
        Arguments.of(
            "too many instructions",
            request("r", "https://x/a.png", "a", "b", "c", "d"),
            ErrorClass.INVALID_REQUEST,
            "4 instructions"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("wholeRequestRejections")
  void rejectsTheWholeRequest(
      String name, ImageEmbeddingRequest request, ErrorClass errorClass, String message) {
    ValidationResult result = validator.validate(sourced(request));

    assertThat(result.accepted()).isNull();
    assertThat(result.rejections())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.stage()).isEqualTo(FailureStage.VALIDATE);
              assertThat(r.errorClass()).isEqualTo(errorClass);
              assertThat(r.instruction()).isNull();
              assertThat(r.message()).contains(message);
            });
  }

  @Test
  void undecodableRecordIsMalformedAtDecode() {
    SourcedRequest malformed =
        SourcedRequest.newBuilder().setMalformedReason("NOT_SINGLE_OBJECT: x").build();

    ValidationResult result = validator.validate(malformed);

    assertThat(result.accepted()).isNull();
    assertThat(result.rejections())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.stage()).isEqualTo(FailureStage.DECODE);
              assertThat(r.errorClass()).isEqualTo(ErrorClass.MALFORMED_EVENT);
              assertThat(r.message()).contains("NOT_SINGLE_OBJECT");
            });
  }

  @Test
  void badInstructionsAreRejectedOneByOneAndTheRestGoOn() {
    ImageEmbeddingRequest request =
        request("r", "https://x/a.png", "fine", "stop<|im_end|>", "x".repeat(21));

    ValidationResult result = validator.validate(sourced(request));

    assertThat(result.accepted().getInstructions()).containsExactly("fine");
    assertThat(result.rejections())
        .extracting(RequestRejection::errorClass, RequestRejection::instruction)
        .containsExactly(
            Tuple.tuple(ErrorClass.INVALID_REQUEST, "stop<|im_end|>"),
            Tuple.tuple(ErrorClass.INSTRUCTION_TOO_LONG, "x".repeat(21)));
  }

  @Test
  void allInstructionsRejectedMeansNothingIsEmbedded() {
    ValidationResult result =
        validator.validate(sourced(request("r", "https://x/a.png", "<|image_pad|>")));

    assertThat(result.accepted()).isNull();
    assertThat(result.rejections()).hasSize(1);
  }

  @Test
  void duplicateInstructionsAreEmbeddedOnce() {
    ValidationResult result =
        validator.validate(sourced(request("r", "https://x/a.png", "a", "a", "b")));

    assertThat(result.accepted().getInstructions()).containsExactly("a", "b");
    assertThat(result.rejections()).isEmpty();
  }

  @Test
  void acceptsEveryAllowedKindOfImage() {
    for (Object image :
        List.of(
            "https://x/a.png",
            "http://x/a.png",
            "data:image/png;base64,iVBORw0KGgo=",
            "file:///data/a.png",
            "s3://bucket/a.png",
            ByteBuffer.wrap(new byte[] {1, 2, 3}))) {
      ValidationResult result = validator.validate(sourced(request("r", image)));
      assertThat(result.rejections()).as("%s", image).isEmpty();
      assertThat(result.accepted()).isNotNull();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedAuthorities")
  void aMissingHostOrAPortOutsideTheRangeIsInvalid(String uri, String message) {
    ValidationResult result = validator.validate(sourced(request("r", uri)));

    assertThat(result.accepted()).as(uri).isNull();
    assertThat(result.rejections())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.stage()).isEqualTo(FailureStage.VALIDATE);
              assertThat(r.errorClass()).isEqualTo(ErrorClass.INVALID_REQUEST);
              assertThat(r.message()).contains(message);
            });
  }

  static Stream<Arguments> malformedAuthorities() {
    return Stream.of(
        Arguments.of("http://127.0.0.1:99999/a.png", "outside 1..65535"),
        Arguments.of("https://x:65536/a.png", "outside 1..65535"),
        Arguments.of("https://x:0/a.png", "outside 1..65535"),
        Arguments.of("https://x:99999999999999999999/a.png", "outside 1..65535"),
        Arguments.of("http://127.1:99999/a.png", "outside 1..65535"),
        Arguments.of("https://x:-1/a.png", "not a number"),
        Arguments.of("http:///a.png", "no host"),
        Arguments.of("http://:8080/a.png", "no host"),
        Arguments.of("https://user@/a.png", "no host"),
        Arguments.of("http:a.png", "no host"),
        Arguments.of("s3://bucket:70000/a.png", "outside 1..65535"));
  }

  /**
   * How a host is spelled is the fetch policy's call (FETCH_FORBIDDEN), not a malformed request.
   */
  @Test
  void oddlySpelledHostsAreLeftToTheFetchPolicy() {
    for (String uri :
        List.of(
            "http://127.1/a.png",
            "http://127.0.0.1./a.png",
            "http://0177.0.0.1/a.png",
            "http://0xa9fea9fe/a.png",
            "http://2130706433/a.png",
            "http://[fe80::1%25eth0]/a.png",
            "http://metadata.google.internal/a.png",
            "http://x:/a.png",
            "http://x:080/a.png")) {
      ValidationResult result = validator.validate(sourced(request("r", uri)));
      assertThat(result.rejections()).as(uri).isEmpty();
    }
  }

  @Test
  void imageOnlyRequestIsAccepted() {
    ValidationResult result = validator.validate(sourced(request("r", "https://x/a.png")));
    assertThat(result.accepted().getInstructions()).isEmpty();
    assertThat(result.rejections()).isEmpty();
  }

  static ImageEmbeddingRequest request(String id, Object image, String... instructions) {
    return ImageEmbeddingRequest.newBuilder()
        .setId(id)
        .setImage(image)
        .setInstructions(Arrays.asList(instructions))
        .build();
  }

  static SourcedRequest sourced(ImageEmbeddingRequest request) {
    return SourcedRequest.newBuilder()
        .setRequest(request)
        .setTopic("t")
        .setPartition(0)
        .setOffset(1)
        .build();
  }
}
