package io.abcstream.model.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.abcstream.model.image.PreprocessedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Thousands of small batches must not grow native memory: every batch's tensors live in a sub scope
 * closed before run() returns. A leaked pixel tensor (4.8 MB per image batch here) or a leaked
 * handle per batch would show up in RSS or in the model's managed-array count.
 */
class NativeMemoryTest {

  static long rssBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return -1;
  }

  @Test
  void manySmallBatchesDoNotGrowNativeMemory() throws Exception {
    AbcModel m = TestModels.tiny();
    PreprocessedImage img = BatchCollatorTest.image(16, 16, 7);
    Random rnd = new Random(1);
    String[] words = {"a", "cat", "photo of a dog", "red car on a street", "!", "日本", "🐱"};
    int warm = 30;
    int maxBatches = 3000;
    long budgetNanos = 35_000_000_000L;
    long rss0 = 0;
    int moduleArrays0 = 0;
    long start = 0;
    int n = 0;
    int imageBatches = 0;
    for (int i = 0; i < warm + maxBatches; i++) {
      if (i == warm) {
        System.gc();
        rss0 = rssBytes();
        moduleArrays0 = m.moduleManagerArrays();
        start = System.nanoTime();
      }
      List<EmbeddingInput> batch = new ArrayList<>();
      if (i % 25 == 0) {
        batch.add(EmbeddingInput.query(img, words[rnd.nextInt(words.length)]));
        batch.add(EmbeddingInput.image(img));
        if (i >= warm) {
          imageBatches++;
        }
      }
      int k = 1 + rnd.nextInt(4);
      for (int j = 0; j < k; j++) {
        batch.add(EmbeddingInput.text(words[rnd.nextInt(words.length)] + " " + j));
      }
      List<float[]> out = m.embed(batch);
      assertThat(out).hasSize(batch.size());
      assertThat(m.liveArrays()).isZero();
      if (i >= warm) {
        n++;
        if (System.nanoTime() - start > budgetNanos) {
          break;
        }
      }
    }
    System.gc();
    long rss1 = rssBytes();
    double secs = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        "native memory: %d batches (%d with images) in %.1f s, RSS %.1f -> %.1f MB (%+.1f MB),"
            + " staging %d KB%n",
        n,
        imageBatches,
        secs,
        rss0 / 1e6,
        rss1 / 1e6,
        (rss1 - rss0) / 1e6,
        m.stagingBytes() / 1024);
    assertThat(m.moduleManagerArrays()).isEqualTo(moduleArrays0);
    assertThat(n).as("batches run in the time budget").isGreaterThanOrEqualTo(500);
    assertThat(rss1 - rss0).as("RSS growth over %d batches", n).isLessThan(64L << 20);
  }
}
