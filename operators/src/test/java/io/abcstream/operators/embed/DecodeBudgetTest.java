package io.abcstream.operators.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class DecodeBudgetTest {

  @Test
  void aSecondLargeDecodeWaitsForTheFirst() throws Exception {
    DecodeBudget budget = new DecodeBudget(10 * 1024 * 1024);
    int first = budget.acquire(8 * 1024 * 1024);
    AtomicBoolean secondRunning = new AtomicBoolean();
    CountDownLatch done = new CountDownLatch(1);
    Thread second =
        new Thread(
            () -> {
              try {
                int got = budget.acquire(8 * 1024 * 1024);
                secondRunning.set(true);
                budget.release(got);
                done.countDown();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    second.start();
    Thread.sleep(200);
    assertThat(secondRunning).isFalse();
    budget.release(first);
    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(budget.available()).isEqualTo(budget.capacity());
  }

  @Test
  void smallDecodesShareTheBudget() throws Exception {
    DecodeBudget budget = new DecodeBudget(1024 * 1024);
    int a = budget.acquire(640 * 480);
    int b = budget.acquire(300 * 200);
    assertThat(budget.available()).isEqualTo(budget.capacity() - a - b);
    budget.release(a);
    budget.release(b);
    assertThat(budget.available()).isEqualTo(budget.capacity());
  }

  @Test
  void anImageLargerThanTheWholeBudgetRunsAloneInsteadOfDeadlocking() throws Exception {
    DecodeBudget budget = new DecodeBudget(1024 * 1024);
    int got = budget.acquire(50_000_000L);
    assertThat(got).isEqualTo(budget.capacity());
    assertThat(budget.available()).isZero();
    budget.release(got);
  }

  @Test
  void rejectsANonPositiveBudget() {
    assertThatThrownBy(() -> new DecodeBudget(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
