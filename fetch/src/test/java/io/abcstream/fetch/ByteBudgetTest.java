package io.abcstream.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ByteBudgetTest {

  @Test
  void aWaiterRunsOnceAfterTheNextReleaseAndCanBeCancelled() {
    ByteBudget b = new ByteBudget(100);
    assertThat(b.tryAcquire(80)).isTrue();
    AtomicInteger woken = new AtomicInteger();
    Runnable retry = woken::incrementAndGet;
    assertThat(b.acquireOrWait(30, retry)).isFalse();
    assertThat(b.waiting()).isEqualTo(1);
    b.release(10);
    assertThat(woken).hasValue(1);
    assertThat(b.waiting()).isZero();
    assertThat(b.acquireOrWait(30, retry)).isTrue();
    assertThat(b.used()).isEqualTo(100);
    Runnable other = woken::incrementAndGet;
    assertThat(b.acquireOrWait(1, other)).isFalse();
    b.cancelWait(other);
    b.release(100);
    assertThat(woken).hasValue(1);
    b.forceAcquire(150); // bytes already read are counted even over the limit
    assertThat(b.used()).isEqualTo(150);
    assertThat(b.tryAcquire(1)).isFalse();
  }
}
