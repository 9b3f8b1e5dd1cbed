package io.abcstream.operators.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.abcstream.model.runtime.AbcModel;
import io.abcstream.model.runtime.EmbeddingInput;
import io.abcstream.model.runtime.ModelException;
import io.abcstream.model.runtime.PreparedInput;
import io.abcstream.model.text.InputMode;
import io.abcstream.model.text.TokenizedPrompt;
import io.abcstream.operators.TestBundles;
import io.abcstream.testkit.Tolerances;
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
    BatchingConfig fromGraph =
        InstantiationUtil.clone(config(7), BatchingConfig.class.getClassLoader());
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
      List<float[]> singles = new ArrayList<>();
      for (String text : TEXTS) {
        singles.add(alone.embed(EmbeddingInput.text(text)));
      }
      for (int i = 0; i < TEXTS.size(); i++) {
        float[] batched = futures.get(i).get(60, TimeUnit.SECONDS);
        double bound = fp32Bound(prepared.get(i).length(), prepared);
        assertThat(Tolerances.relativeError(batched, singles.get(i)))
            .as(TEXTS.get(i))
            .isLessThanOrEqualTo(bound);
        // the bound still tells the texts apart
        assertThat(Tolerances.relativeError(batched, singles.get((i + 1) % TEXTS.size())))
            .as(TEXTS.get(i))
            .isGreaterThan(bound);
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
      List<PreparedInput> prepared =
          TEXTS.stream().map(t -> service.prepare(EmbeddingInput.text(t))).toList();
      for (int i = 0; i < good.size(); i++) {
        float[] single = alone.embed(EmbeddingInput.text(TEXTS.get(i)));
        double bound = fp32Bound(prepared.get(i).length(), prepared);
        assertThat(Tolerances.relativeError(good.get(i).get(60, TimeUnit.SECONDS), single))
            .isLessThanOrEqualTo(bound);
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

  /**
   * Bound between a text row of {@code length} tokens run alone and run in any batch of these rows
   * (padded at most to the longest): the tiny model's fp32 roundings ({@link Tolerances}).
   */
  static double fp32Bound(int length, List<PreparedInput> rows) {
    int padded = rows.stream().mapToInt(PreparedInput::length).max().orElseThrow();
    Tolerances.TinyModel tiny = Tolerances.TinyModel.COMMITTED;
    return Tolerances.fp32Apart(
        tiny.fp32Roundings(false, false, padded, 0), tiny.fp32Roundings(false, false, length, 0));
  }
}
