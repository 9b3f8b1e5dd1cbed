package io.abcstream.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
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

  @Test
  void hostKeysIgnoreCaseAndTrailingDotsAndAddressKeysAreTheirOwnSpace() throws Exception {
    assertThat(HostLimiter.hostKey("Images.Test.", 80))
        .isEqualTo(HostLimiter.hostKey("images.test", 80));
    InetAddress a = InetAddress.getByAddress(new byte[] {10, 0, 0, 1});
    assertThat(HostLimiter.addressKey(a, 80)).isNotEqualTo(HostLimiter.hostKey("10.0.0.1", 80));
  }

  @Test
  void acquireAllTakesEveryKeyAndCancellingFreesWhatItHeld() {
    HostLimiter l = new HostLimiter(1);
    HostLimiter.Permit p = l.acquireAll(List.of("a:80", "@x:80")).join();
    assertThat(l.active("a:80")).isEqualTo(1);
    assertThat(l.active("@x:80")).isEqualTo(1);
    // Another name on the same address gets its host slot and waits for the address slot.
    CompletableFuture<HostLimiter.Permit> b = l.acquireAll(List.of("b:80", "@x:80"));
    assertThat(b).isNotDone();
    assertThat(l.active("b:80")).isEqualTo(1);
    b.cancel(false);
    assertThat(l.active("b:80")).isZero();
    CompletableFuture<HostLimiter.Permit> c = l.acquireAll(List.of("c:80", "@x:80"));
    p.release();
    assertThat(c).isDone();
    c.join().release();
    assertThat(l.active("a:80") + l.active("c:80") + l.active("@x:80")).isZero();
  }
}
