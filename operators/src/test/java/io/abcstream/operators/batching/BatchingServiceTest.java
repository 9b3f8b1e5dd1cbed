package io.abcstream.operators.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.abcstream.model.runtime.AbcModel;
import io.abcstream.operators.TestBundles;
import io.abcstream.model.runtime.EmbeddingInput;
import io.abcstream.model.runtime.ModelException;
import io.abcstream.model.runtime.PreparedInput;
import io.abcstream.model.text.InputMode;
import io.abcstream.model.text.TokenizedPrompt;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

/** The batching service on the real tiny bundle through DJL's libtorch. */
class BatchingServiceTest {

  private static BatchingConfig config(int maxItems) {
    Configuration conf = new Configuration();
    conf.set(BatchingOptions.BUNDLE, TestBundles.tiny().toString());
    conf.set(BatchingOptions.BATCH_MAX_ITEMS, maxItems);
    conf.set(BatchingOptions.BATCH_MAX_WAIT, Duration.ofMillis(30));
    return BatchingConfig.fromConfiguration(conf);
  }

  private static final List<String> TEXTS =
      List.of(
          "a cat",
          "what is the animal on the left?",
          "!",
          "左边的动物是什么？",
          "a much longer query text that makes this row longer than the others in the batch",
          "dog");

  @Test
  void unsetCpuInferenceThreadsAreCountedOnTheTaskManagerWhenTheServiceStarts() throws Exception {
    // The config came from the job graph with no thread count; this "TaskManager" has 6 cores.
    BatchingConfig fromGraph = InstantiationUtil.clone(config(7), BatchingConfig.class.getClassLoader());
    try (BatchingService.Lease lease = BatchingService.acquire(fromGraph, () -> 6)) {
      assertThat(lease.service().cpuInferenceThreads()).isEqualTo(3);
    }
  }

  @Test
  void batchedVectorsEqualEachItemAlone() throws Exception {
    try (BatchingService.Lease lease = BatchingService.acquire(config(4));
        AbcModel alone = AbcModel.builder().bundle(TestBundles.tiny()).build()) {
      BatchingService service = lease.service();
      // Tokenize first, then submit back to back, so the batch window sees them together however
      // slow tokenization is on a loaded machine.
      List<PreparedInput> prepared = new ArrayList<>();
      for (String text : TEXTS) {
        prepared.add(service.prepare(EmbeddingInput.text(text)));
      }
      List<CompletableFuture<float[]>> futures = new ArrayList<>();
      for (PreparedInput input : prepared) {
        futures.add(service.submit(input));
      }
      for (int i = 0; i < TEXTS.size(); i++) {
        float[] batched = futures.get(i).get(60, TimeUnit.SECONDS);
        float[] single = alone.embed(EmbeddingInput.text(TEXTS.get(i)));
        assertThat(cosine(batched, single)).as(TEXTS.get(i)).isGreaterThan(0.99999);
      }
      assertThat(service.stats().batches()).isLessThan(TEXTS.size()).isGreaterThan(0);
      assertThat(service.stats().items()).isEqualTo(TEXTS.size());
    }
  }

  @Test
  void aPoisonedItemFailsAloneAndTheOthersSucceed() throws Exception {
    try (BatchingService.Lease lease = BatchingService.acquire(config(8));
        AbcModel alone = AbcModel.builder().bundle(TestBundles.tiny()).build()) {
      BatchingService service = lease.service();
      List<CompletableFuture<float[]>> good = new ArrayList<>();
      for (String text : TEXTS.subList(0, 3)) {
        good.add(service.submit(service.prepare(EmbeddingInput.text(text))));
      }
      // A token id far beyond the vocabulary makes the embedding lookup fail inside TorchScript.
      TokenizedPrompt poisoned =
          new TokenizedPrompt(InputMode.TEXT, "x", "x", new long[] {1, 2, 999_999_999L}, 0, 1);
      CompletableFuture<float[]> bad = service.submit(new PreparedInput(poisoned, null));
      for (String text : TEXTS.subList(3, 6)) {
        good.add(service.submit(service.prepare(EmbeddingInput.text(text))));
      }

      assertThatThrownBy(() -> bad.get(60, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(ModelException.class);
      for (int i = 0; i < good.size(); i++) {
        float[] single = alone.embed(EmbeddingInput.text(TEXTS.get(i)));
        assertThat(cosine(good.get(i).get(60, TimeUnit.SECONDS), single)).isGreaterThan(0.99999);
      }
      assertThat(service.stats().failedBatches()).isGreaterThanOrEqualTo(1);
      // Queue time is sampled once per item, not again for each half of a split batch.
      assertThat(service.stats().queuedItems.sum()).isEqualTo(good.size() + 1);
    }
  }

  @Test
  void usersOfOneConfigShareOneServiceUntilTheLastCloses() {
    BatchingConfig config = config(2);
    BatchingService first;
    PreparedInput prepared;
    try (BatchingService.Lease a = BatchingService.acquire(config);
        BatchingService.Lease b = BatchingService.acquire(config)) {
      first = a.service();
      prepared = first.prepare(EmbeddingInput.text("after close"));
      assertThat(b.service()).isSameAs(first);
    }
    try (BatchingService.Lease c = BatchingService.acquire(config)) {
      assertThat(c.service()).isNotSameAs(first);
    }
    assertThatThrownBy(() -> first.submit(prepared).get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(IllegalStateException.class);
  }

  static double cosine(float[] a, float[] b) {
    double dot = 0, na = 0, nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }
}
