package io.abcstream.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.abcstream.schemas.EmbeddingFailure;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import io.abcstream.schemas.ImageEmbeddingRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonCodecTest {

  private final JsonCodec<ImageEmbeddingRequest> codec =
      JsonCodec.forClass(ImageEmbeddingRequest.class);

  @Test
  void requestRoundTrips() throws Exception {
    ImageEmbeddingRequest request = SingleObjectCodecTest.sampleRequest();
    assertThat(codec.decode(codec.encode(request))).isEqualTo(request);
  }

  @Test
  void inlineBytesRoundTripAsBase64Object() throws Exception {
    ImageEmbeddingRequest request =
        ImageEmbeddingRequest.newBuilder()
            .setId("b")
            .setImage(ByteBuffer.wrap(new byte[] {1, 2, 3}))
            .build();
    String json = new String(codec.encode(request), StandardCharsets.UTF_8);
    assertThat(json).contains("\"image\":{\"bytes\":\"AQID\"}");
    assertThat(codec.decode(json.getBytes(StandardCharsets.UTF_8))).isEqualTo(request);
  }

  @Test
  void minimalHandWrittenJsonTakesDefaults() throws Exception {
    ImageEmbeddingRequest request =
        decode("{\"id\":\"r1\",\"image\":\"https://x/a.jpg\",\"unknown_field\":[1,2]}");
    assertThat(request.getId()).isEqualTo("r1");
    assertThat(request.getImage()).isEqualTo("https://x/a.jpg");
    assertThat(request.getInstructions()).isEmpty();
    assertThat(request.getMetadata()).isEmpty();
    assertThat(request.getEventTime()).isNull();
  }

  @Test
  void eventTimeAcceptsEpochMillisAndIsoInstants() throws Exception {
    assertThat(decode("{\"id\":\"r\",\"image\":\"u\",\"event_time\":1000}").getEventTime())
        .isEqualTo(Instant.ofEpochMilli(1000));
    assertThat(
            decode("{\"id\":\"r\",\"image\":\"u\",\"event_time\":\"1970-01-01T00:00:02Z\"}")
                .getEventTime())
        .isEqualTo(Instant.ofEpochMilli(2000));
  }

  @Test
  void failureRoundTrips() throws Exception {
    JsonCodec<EmbeddingFailure> failures = JsonCodec.forClass(EmbeddingFailure.class);
    EmbeddingFailure failure =
        EmbeddingFailure.newBuilder()
            .setRequestId("r")
            .setStage(FailureStage.IMAGE)
            .setErrorClass(ErrorClass.IMAGE_TOO_LARGE)
            .setMessage("too big")
            .setFailedAt(Instant.ofEpochMilli(1))
            .build();
    assertThat(failures.decode(failures.encode(failure))).isEqualTo(failure);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "not json                  | not-json at all                                  | INVALID_JSON    | not valid JSON",
        "truncated json            | {\"id\":\"r\",\"image\":                         | INVALID_JSON    | not valid JSON",
        "missing id                | {\"image\":\"u\"}                                | SCHEMA_MISMATCH | $.id: required field is missing",
        "id is a number            | {\"id\":5,\"image\":\"u\"}                       | SCHEMA_MISMATCH | $.id: expected a string",
        "instructions not strings  | {\"id\":\"r\",\"image\":\"u\",\"instructions\":[1]} | SCHEMA_MISMATCH | $.instructions[0]",
        "bad base64                | {\"id\":\"r\",\"image\":{\"bytes\":\"***\"}}     | SCHEMA_MISMATCH | invalid base64",
        "image null                | {\"id\":\"r\",\"image\":null}                    | SCHEMA_MISMATCH | $.image",
        "top level array           | [1,2,3]                                          | SCHEMA_MISMATCH | $: expected an object",
        "bad timestamp text        | {\"id\":\"r\",\"image\":\"u\",\"event_time\":\"yesterday\"} | SCHEMA_MISMATCH | $.event_time",
      })
  void wrongJsonIsATypedError(String name, String json, CodecException.Kind kind, String message) {
    assertThatThrownBy(() -> decode(json))
        .isInstanceOfSatisfying(CodecException.class, e -> assertThat(e.kind()).isEqualTo(kind))
        .hasMessageContaining(message);
  }

  @Test
  void emptyIsATypedError() {
    assertThatThrownBy(() -> codec.decode(new byte[0]))
        .isInstanceOfSatisfying(
            CodecException.class, e -> assertThat(e.kind()).isEqualTo(CodecException.Kind.EMPTY));
  }

  private ImageEmbeddingRequest decode(String json) throws CodecException {
    return codec.decode(json.getBytes(StandardCharsets.UTF_8));
  }
}
