package io.abcstream.jobs.dlq;

import io.abcstream.schemas.EmbeddingFailure;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import java.time.Instant;
import java.util.Set;

/** Which dead letters a list or replay takes: by class, stage, request id and time. */
public record DeadLetterFilter(
    Set<ErrorClass> classes, Set<FailureStage> stages, Set<String> requestIds, Instant since) {

  public DeadLetterFilter {
    classes = Set.copyOf(classes);
    stages = Set.copyOf(stages);
    requestIds = Set.copyOf(requestIds);
  }

  public static DeadLetterFilter all() {
    return new DeadLetterFilter(Set.of(), Set.of(), Set.of(), null);
  }

  public boolean matches(EmbeddingFailure f) {
    return (classes.isEmpty() || classes.contains(f.getErrorClass()))
        && (stages.isEmpty() || stages.contains(f.getStage()))
        && (requestIds.isEmpty()
            || (f.getRequestId() != null && requestIds.contains(f.getRequestId())))
        && (since == null || !f.getFailedAt().isBefore(since));
  }

  /**
   * Whether replaying can help: an undecodable record will not decode the second time, a failure
   * without its original value has nothing to replay, and a truncated original (cut to fit the
   * dead-letter record size) would be replayed half.
   */
  public static boolean replayable(EmbeddingFailure f) {
    return f.getOriginalValue() != null
        && f.getStage() != FailureStage.DECODE
        && !f.getOriginalValueTruncated();
  }
}
