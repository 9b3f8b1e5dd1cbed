package io.abcstream.operators.embed;

import static org.assertj.core.api.Assertions.assertThat;

import io.abcstream.schemas.FailureStage;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CompletionGuardTest {

  @Test
  void completesOnceWhoeverComesFirst() {
    List<Collection<String>> delivered = new ArrayList<>();
    CompletionGuard<String> guard = new CompletionGuard<>(delivered::add);

    assertThat(guard.complete(List.of("result"))).isTrue();
    assertThat(guard.complete(List.of("timeout"))).isFalse();

    assertThat(delivered).containsExactly(List.of("result"));
    assertThat(guard.isDone()).isTrue();
  }

  @Test
  void racingCompletionsDeliverExactlyOnce() throws Exception {
    for (int round = 0; round < 200; round++) {
      List<Collection<String>> delivered = Collections.synchronizedList(new ArrayList<>());
      CompletionGuard<String> guard = new CompletionGuard<>(delivered::add);
      CountDownLatch start = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(2);
      Future<Boolean> pipeline =
          pool.submit(
              () -> {
                start.await();
                return guard.complete(List.of("pipeline"));
              });
      Future<Boolean> timeout =
          pool.submit(
              () -> {
                start.await();
                return guard.complete(List.of("timeout"));
              });
      start.countDown();
      pool.shutdown();
      assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
      // Exactly one caller wins, and what went out is the winner's result.
      assertThat(pipeline.get() ^ timeout.get()).isTrue();
      assertThat(delivered)
          .containsExactly(pipeline.get() ? List.of("pipeline") : List.of("timeout"));
    }
  }

  @Test
  void remembersTheStageForTimeoutMessages() {
    CompletionGuard<String> guard = new CompletionGuard<>(r -> {});
    assertThat(guard.stage()).isEqualTo(FailureStage.FETCH);
    guard.entered(FailureStage.MODEL);
    assertThat(guard.stage()).isEqualTo(FailureStage.MODEL);
  }

  @Test
  void cancelWorkCancelsTheAttachedFutureSoTheTimeoutStopsTheRequest() {
    CompletionGuard<String> guard = new CompletionGuard<>(results -> {});
    guard.cancelWork(); // nothing attached yet: a no-op
    CompletableFuture<List<String>> work = new CompletableFuture<>();
    guard.attach(work);

    guard.cancelWork();

    assertThat(work).isCancelled();
  }
}
