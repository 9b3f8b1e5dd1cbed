package io.abcstream.operators.failure;

import static org.assertj.core.api.Assertions.assertThat;

import io.abcstream.connectors.elasticsearch.DeadLetter;
import io.abcstream.connectors.elasticsearch.IndexOperation;
import io.abcstream.schemas.EmbeddingFailure;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import io.abcstream.schemas.internal.SourcedRequest;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Every stage's dead letter is cut by the same rule. */
class FailuresTest {

  private static final String LONG = "x".repeat(5_000);

  @Test
  void aLongMessageIsCutTheSameWayForEveryStage() {
    EmbeddingFailure validate =
        Failures.of(
            SourcedRequest.newBuilder().build(),
            null,
            FailureStage.VALIDATE,
            ErrorClass.INVALID_REQUEST,
            LONG,
            1,
            null,
            "m");
    // Before one builder, an index rejection was cut at 4,000 characters with "...".
    EmbeddingFailure index =
        Failures.indexRejected(
            new DeadLetter(IndexOperation.index("i", "d", "{}"), LONG, "t", 400, 1), Instant.EPOCH);

    for (EmbeddingFailure failure : new EmbeddingFailure[] {validate, index}) {
      String message = failure.getMessage().toString();
      assertThat(message).hasSize(Failures.MAX_MESSAGE_CHARS + 1).endsWith("…");
      assertThat(message.substring(0, Failures.MAX_MESSAGE_CHARS)).doesNotContain("…");
    }
  }

  @Test
  void aShortMessageIsKeptAsIs() {
    assertThat(Failures.truncate("short")).isEqualTo("short");
    assertThat(Failures.truncate("y".repeat(Failures.MAX_MESSAGE_CHARS)))
        .hasSize(Failures.MAX_MESSAGE_CHARS);
  }
}
