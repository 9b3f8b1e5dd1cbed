package io.abcstream.operators.validate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import io.abcstream.schemas.ImageEmbeddingRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What a request may carry into its documents: metadata and URI bounds, at VALIDATE. */
class RequestSizeValidationTest {

  private final RequestValidator validator = RequestValidator.builder().build();

  private static ImageEmbeddingRequest withMetadata(Map<String, String> metadata) {
    return ImageEmbeddingRequest.newBuilder()
        .setId("r")
        .setImage("https://x/a.png")
        .setInstructions(List.of("a"))
        .setMetadata(metadata)
        .build();
  }

  private static Map<String, String> entries(int count, int valueChars) {
    Map<String, String> metadata = new LinkedHashMap<>();
    for (int i = 0; i < count; i++) {
      metadata.put("k" + i, "v".repeat(valueChars));
    }
    return metadata;
  }

  static Stream<Arguments> rejected() {
    return Stream.of(
        Arguments.of("too many entries", entries(129, 1), "129 entries, the limit is 128"),
        Arguments.of("empty key", Map.of("", "v"), "a metadata key is empty"),
        Arguments.of("dot", Map.of(".", "v"), "empty path segment"),
        Arguments.of("double dot", Map.of("a..b", "v"), "empty path segment"),
        Arguments.of("leading dot", Map.of(".a", "v"), "empty path segment"),
        Arguments.of("trailing dot", Map.of("a.", "v"), "empty path segment"),
        Arguments.of("control character", Map.of("a\u0000b", "v"), "control character"),
        Arguments.of(
            "key also a parent",
            new LinkedHashMap<>(Map.of("a", "1", "a.b.c", "2")),
            "'a' is also the parent of 'a.b.c'"),
        Arguments.of(
            "long key", Map.of("k".repeat(257), "v"), "257 bytes (UTF-8), the limit is 256"),
        Arguments.of(
            "long value (UTF-8 bytes)",
            Map.of("k", "é".repeat(4_097)),
            "8194 bytes (UTF-8), the limit is 8192"),
        Arguments.of("total size", entries(100, 8_000), "the limit is 65536"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rejected")
  void metadataThatCouldNotBeIndexedIsRejectedAtValidate(
      String name, Map<String, String> metadata, String message) {
    ValidationResult result =
        validator.validate(RequestValidatorTest.sourced(withMetadata(metadata)));
    assertThat(result.accepted()).isNull();
    assertThat(result.rejections())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.stage()).isEqualTo(FailureStage.VALIDATE);
              assertThat(r.errorClass()).isEqualTo(ErrorClass.INVALID_REQUEST);
              assertThat(r.message()).contains(message);
            });
  }

  @Test
  void metadataWithinTheLimitsIsAccepted() {
    Map<String, String> metadata = entries(126, 400);
    metadata.put("a.b", "dotted keys name nested fields");
    metadata.put("a.c", "siblings are fine");
    ValidationResult result =
        validator.validate(RequestValidatorTest.sourced(withMetadata(metadata)));
    assertThat(result.rejections()).isEmpty();
    assertThat(result.accepted()).isNotNull();
  }

  @Test
  void aUriAboveTheLimitIsRejectedButADataUriIsLeftToTheByteLimit() {
    RequestValidator small = RequestValidator.builder().maxUriChars(100).build();
    ValidationResult longUri =
        small.validate(
            RequestValidatorTest.sourced(
                RequestValidatorTest.request("r", "https://x/" + "a".repeat(100), "a")));
    assertThat(longUri.rejections())
        .singleElement()
        .satisfies(r -> assertThat(r.message()).contains("the limit is 100"));
    ValidationResult data =
        small.validate(
            RequestValidatorTest.sourced(
                RequestValidatorTest.request(
                    "r", "data:image/png;base64," + "A".repeat(200), "a")));
    assertThat(data.rejections()).isEmpty();
  }

  @Test
  void keyAndValueLimitsMustFitOneLuceneTerm() {
    assertThatThrownBy(
            () ->
                RequestValidator.builder()
                    .maxMetadataKeyBytes(1_000)
                    .maxMetadataValueBytes(32_000)
                    .build())
        .hasMessageContaining("32766");
  }
}
