package io.abcstream.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class HostLimiterTest {

  @Test
  void queuesFifoSkipsCancelledWaitersAndReleasesIdempotently() {
    HostLimiter l = new HostLimiter(2);
    HostLimiter.Permit a = l.acquire("h:80").join();
    HostLimiter.Permit b = l.acquire("h:80").join();
    CompletableFuture<HostLimiter.Permit> c = l.acquire("h:80");
    CompletableFuture<HostLimiter.Permit> d = l.acquire("h:80");
    CompletableFuture<HostLimiter.Permit> other = l.acquire("other:80");
    assertThat(other).isDone();
    assertThat(c).isNotDone();
    assertThat(l.queued("h:80")).isEqualTo(2);
    c.cancel(false);
    a.release();
    a.release(); // idempotent: must not free a second slot
    assertThat(d).isDone();
    assertThat(l.active("h:80")).isEqualTo(2);
    b.release();
    d.join().release();
    assertThat(l.active("h:80")).isZero();
    other.join().release();
    assertThat(l.active("other:80")).isZero();
  }
}
