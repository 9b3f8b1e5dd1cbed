package io.abcstream.jobs.dlq;

import static org.assertj.core.api.Assertions.assertThat;

import io.abcstream.schemas.EmbeddingFailure;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DeadLetterFilterTest {

  private static EmbeddingFailure failure(
      String id, FailureStage stage, ErrorClass errorClass, Instant at) {
    return EmbeddingFailure.newBuilder()
        .setRequestId(id)
        .setStage(stage)
        .setErrorClass(errorClass)
        .setMessage("m")
        .setFailedAt(at)
        .build();
  }

  @Test
  void emptyFilterMatchesEverything() {
    assertThat(
            DeadLetterFilter.all()
                .matches(
                    failure(null, FailureStage.DECODE, ErrorClass.MALFORMED_EVENT, Instant.EPOCH)))
        .isTrue();
  }

  @Test
  void everyCriterionMustHold() {
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    DeadLetterFilter filter =
        new DeadLetterFilter(
            Set.of(ErrorClass.FETCH_FAILED), Set.of(FailureStage.FETCH), Set.of("r1"), t);

    assertThat(filter.matches(failure("r1", FailureStage.FETCH, ErrorClass.FETCH_FAILED, t)))
        .isTrue();
    assertThat(filter.matches(failure("r2", FailureStage.FETCH, ErrorClass.FETCH_FAILED, t)))
        .isFalse();
    assertThat(filter.matches(failure("r1", FailureStage.IMAGE, ErrorClass.FETCH_FAILED, t)))
        .isFalse();
    assertThat(filter.matches(failure("r1", FailureStage.FETCH, ErrorClass.FETCH_FORBIDDEN, t)))
        .isFalse();
    assertThat(
            filter.matches(
                failure("r1", FailureStage.FETCH, ErrorClass.FETCH_FAILED, t.minusSeconds(1))))
        .isFalse();
    assertThat(filter.matches(failure(null, FailureStage.FETCH, ErrorClass.FETCH_FAILED, t)))
        .isFalse();
  }

  @Test
  void undecodableRecordsAndMissingValuesAreNotReplayable() {
    EmbeddingFailure malformed =
        failure(null, FailureStage.DECODE, ErrorClass.MALFORMED_EVENT, Instant.EPOCH);
    malformed.setOriginalValue(ByteBuffer.wrap(new byte[] {1}));
    EmbeddingFailure noValue =
        failure("r", FailureStage.FETCH, ErrorClass.FETCH_FAILED, Instant.EPOCH);
    EmbeddingFailure fetch =
        failure("r", FailureStage.FETCH, ErrorClass.FETCH_FAILED, Instant.EPOCH);
    fetch.setOriginalValue(ByteBuffer.wrap(new byte[] {1}));

    assertThat(DeadLetterFilter.replayable(malformed)).isFalse();
    assertThat(DeadLetterFilter.replayable(noValue)).isFalse();
    assertThat(DeadLetterFilter.replayable(fetch)).isTrue();
  }
}
