package io.abcstream.operators.failure;

import static org.assertj.core.api.Assertions.assertThat;

import io.abcstream.schemas.EmbeddingFailure;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.SingleObjectCodec;
import io.abcstream.schemas.internal.SourcedRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A dead letter's message never carries a URL's credentials (pre-signed query, userinfo); its
 * original value still holds the request exactly, so a replay fetches the same URL.
 */
class FailureMessageRedactionTest {

  private static final String URL =
      "https://bucket.s3.amazonaws.com/cat.jpg?X-Amz-Credential=AKIAEXAMPLE&X-Amz-Signature=f00d";

  @Test
  void theMessageHidesTheQueryAndTheOriginalValueKeepsIt() throws Exception {
    ImageEmbeddingRequest request =
        ImageEmbeddingRequest.newBuilder()
            .setId("r1")
            .setImage(URL)
            .setInstructions(List.of())
            .setMetadata(Map.of())
            .build();
    SingleObjectCodec<ImageEmbeddingRequest> codec =
        SingleObjectCodec.forClass(ImageEmbeddingRequest.class);
    EmbeddingFailure failure =
        Failures.of(
            SourcedRequest.newBuilder().setRequest(request).build(),
            null,
            FailureStage.FETCH,
            ErrorClass.FETCH_FAILED,
            "HTTP 403 from " + URL + " and https://user:pw@h/x",
            1,
            codec,
            "m");

    assertThat(failure.getMessage().toString())
        .isEqualTo(
            "HTTP 403 from https://bucket.s3.amazonaws.com/cat.jpg?<redacted>"
                + " and https://<redacted>@h/x");
    assertThat(codec.decode(failure.getOriginalValue().array()).getImage().toString())
        .isEqualTo(URL);
    assertThat(StandardCharsets.UTF_8.decode(failure.getOriginalValue()).toString())
        .contains("X-Amz-Signature=f00d");
  }
}
