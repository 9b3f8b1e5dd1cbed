package io.abcstream.operators.batching;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BatchQueueTest {

  record Item(String name, int length, long enqueuedNanos) implements BatchQueue.Sized {}

  private final AtomicLong now = new AtomicLong(1_000);

  private BatchQueue<Item> queue(int maxItems, int maxTokens, long maxWait) {
    return new BatchQueue<>(maxItems, maxTokens, maxWait, now::get);
  }

  private Item item(String name, int length) {
    return new Item(name, length, now.get());
  }

  @Test
  void waitsForMoreItemsUntilTheOldestHasWaitedMaxWait() {
    BatchQueue<Item> q = queue(4, 1_000, 50);
    q.add(item("a", 10));
    now.addAndGet(49);
    assertThat(q.poll()).isEmpty();
    now.addAndGet(1);
    assertThat(q.poll()).extracting(Item::name).containsExactly("a");
  }

  @Test
  void aFullBatchLeavesAtOnce() {
    BatchQueue<Item> q = queue(2, 1_000, 1_000_000);
    q.add(item("a", 10));
    q.add(item("b", 10));
    q.add(item("c", 10));
    assertThat(q.poll()).extracting(Item::name).containsExactly("a", "b");
    assertThat(q.size()).isEqualTo(1);
  }

  @Test
  void oldestGoesFirstWithTheItemsClosestInLength() {
    BatchQueue<Item> q = queue(3, 10_000, 0);
    q.add(item("old-100", 100));
    q.add(item("500", 500));
    q.add(item("95", 95));
    q.add(item("1000", 1000));
    q.add(item("101", 101));

    assertThat(q.poll()).extracting(Item::name).containsExactly("old-100", "101", "95");
    assertThat(q.poll()).extracting(Item::name).containsExactly("500", "1000");
  }

  @Test
  void paddedTokenCapSkipsLongItemsButTakesShorterOnes() {
    BatchQueue<Item> q = queue(10, 300, 0);
    q.add(item("a", 100));
    q.add(item("long", 250));
    q.add(item("b", 90));
    q.add(item("c", 80));

    // 100 × 3 rows = 300 fits; the 250-token item would make 250 × 4 = 1000.
    assertThat(q.poll()).extracting(Item::name).containsExactly("a", "b", "c");
    assertThat(q.poll()).extracting(Item::name).containsExactly("long");
  }

  @Test
  void anItemLongerThanTheCapStillRunsAlone() {
    BatchQueue<Item> q = queue(10, 50, 0);
    q.add(item("huge", 500));
    q.add(item("small", 10));
    assertThat(q.poll()).extracting(Item::name).containsExactly("huge");
    assertThat(q.poll()).extracting(Item::name).containsExactly("small");
  }

  @Test
  void closeDrainsPendingThenEnds() throws Exception {
    BatchQueue<Item> q = queue(10, 1_000, 1_000_000_000L);
    q.add(item("a", 1));
    q.close();
    assertThat(q.add(item("late", 1))).isFalse();
    assertThat(q.take()).extracting(Item::name).containsExactly("a");
    assertThat(q.take()).isEmpty();
  }

  @Test
  void takeBlocksUntilAnItemArrivesAndItsWaitIsOver() throws Exception {
    BatchQueue<Item> q = new BatchQueue<>(10, 1_000, 5_000_000L, System::nanoTime);
    Thread producer =
        new Thread(
            () -> {
              try {
                Thread.sleep(50);
              } catch (InterruptedException e) {
                return;
              }
              q.add(new Item("x", 3, System.nanoTime()));
            });
    producer.start();
    List<Item> batch = q.take();
    long waited = System.nanoTime() - batch.get(0).enqueuedNanos();
    assertThat(batch).extracting(Item::name).containsExactly("x");
    assertThat(waited).isGreaterThanOrEqualTo(5_000_000L);
    producer.join();
  }
}
