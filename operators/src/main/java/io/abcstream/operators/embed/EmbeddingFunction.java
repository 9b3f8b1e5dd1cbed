package io.abcstream.operators.embed;

import io.abcstream.common.DaemonThreads;
import io.abcstream.fetch.ImageFetcher;
import io.abcstream.model.image.ImageDecoder;
import io.abcstream.model.runtime.Embedder;
import io.abcstream.operators.batching.AvailableCores;
import io.abcstream.operators.batching.BatchingService;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.RecordCodec;
import io.abcstream.schemas.internal.EmbeddingOutcome;
import io.abcstream.schemas.internal.SourcedRequest;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * The async embedding operator: fetch, decode, preprocess and tokenize on a bounded CPU pool, then
 * the shared batching service. Flink holds only the small request in flight; a timeout becomes a
 * dead letter, never a task failure, and cancels the request's fetch and the stages it has not
 * started. The CPU pool's queue is bounded: a request that finds it full is dead-lettered.
 */
public final class EmbeddingFunction extends RichAsyncFunction<SourcedRequest, EmbeddingOutcome> {

  private static final long serialVersionUID = 1L;

  private final EmbeddingOperatorConfig config;
  private final AvailableCores cores;

  private transient ImageFetcher fetcher;
  private transient BatchingService.Lease lease;
  private transient ExecutorService cpu;
  private transient EmbeddingPipeline pipeline;
  private transient RecordCodec<ImageEmbeddingRequest> inputCodec;
  private transient Map<ResultFuture<EmbeddingOutcome>, CompletionGuard<EmbeddingOutcome>> inFlight;
  private transient Counter embeddingsOut;
  private transient Map<ErrorClass, Counter> deadLettered;

  public EmbeddingFunction(EmbeddingOperatorConfig config) {
    this(config, AvailableCores.RUNTIME);
  }

  /** {@code cores} is asked in open(), on the TaskManager, for the thread counts left unset. */
  public EmbeddingFunction(EmbeddingOperatorConfig config, AvailableCores cores) {
    this.config = Objects.requireNonNull(config, "config");
    this.cores = Objects.requireNonNull(cores, "cores");
  }

  @Override
  public void open(OpenContext openContext) {
    inputCodec = RecordCodec.of(config.inputFormat(), ImageEmbeddingRequest.class);
    inFlight = new ConcurrentHashMap<>();
    lease = BatchingService.acquire(config.batching(), cores);
    fetcher = ImageFetcher.create(config.fetch());
    int cpuThreads = config.cpuThreads(cores);
    cpu =
        new ThreadPoolExecutor(
            cpuThreads,
            cpuThreads,
            60,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(cpuQueueSize(config.capacity())),
            DaemonThreads.factory("abc-preprocess"));
    ImageDecoder decoder =
        ImageDecoder.builder()
            .maxPixels(config.maxImagePixels())
            // One byte limit for fetching and decoding: the fetch config's.
            .maxBytes(config.fetch().maxBytes())
            .maxDecodeBytes(config.maxDecodeMemory())
            .build();
    MetricGroup metrics = getRuntimeContext().getMetricGroup();
    pipeline =
        new EmbeddingPipeline(
            fetcher,
            decoder,
            Embedder.preprocessorFor(lease.service().model().manifest()),
            lease.service(),
            cpu,
            inputCodec,
            flinkMetrics(metrics),
            config.decodeMemoryBudget());
    registerMetrics(metrics);
  }

  /**
   * A request's stages run one after the other, so each of the {@code capacity} requests in flight
   * has at most one task queued; a timed-out request's task may still wait there (it is skipped
   * when it starts) while its replacement queues one. Twice the capacity never fills in normal
   * operation; past it, the pool rejects and the request is dead-lettered.
   */
  static int cpuQueueSize(int capacity) {
    return Math.max(16, 2 * capacity);
  }

  @Override
  public void asyncInvoke(SourcedRequest input, ResultFuture<EmbeddingOutcome> resultFuture) {
    CompletionGuard<EmbeddingOutcome> guard = new CompletionGuard<>(resultFuture::complete);
    inFlight.put(resultFuture, guard);
    try {
      CompletableFuture<List<EmbeddingOutcome>> work = pipeline.embed(input, guard);
      guard.attach(work);
      work.whenComplete(
          (outcomes, error) ->
              finish(
                  resultFuture,
                  guard,
                  error == null
                      ? outcomes
                      : List.of(
                          failureOutcome(
                              input, EmbeddingFailureClassifier.classify(error, guard.stage())))));
    } catch (RuntimeException e) {
      finish(
          resultFuture,
          guard,
          List.of(failureOutcome(input, EmbeddingFailureClassifier.classify(e, guard.stage()))));
    }
  }

  @Override
  public void timeout(SourcedRequest input, ResultFuture<EmbeddingOutcome> resultFuture) {
    CompletionGuard<EmbeddingOutcome> guard = inFlight.get(resultFuture);
    if (guard == null) {
      return; // already completed: the guard leaves the map only after its result went out
    }
    StageFailure f =
        new StageFailure(
            guard.stage(),
            ErrorClass.TIMEOUT,
            "no result within the operator timeout (stuck in stage " + guard.stage() + ")",
            1);
    finish(resultFuture, guard, List.of(failureOutcome(input, f)));
    // Nobody waits for the result any more: stop the fetch and skip the stages not started.
    guard.cancelWork();
  }

  /** Completes once (the guard decides who wins), then forgets the request. */
  private void finish(
      ResultFuture<EmbeddingOutcome> resultFuture,
      CompletionGuard<EmbeddingOutcome> guard,
      List<EmbeddingOutcome> results) {
    if (guard.complete(results)) {
      count(results);
    }
    inFlight.remove(resultFuture);
  }

  @Override
  public void close() throws Exception {
    if (cpu != null) {
      cpu.shutdownNow();
    }
    if (fetcher != null) {
      fetcher.close();
    }
    if (lease != null) {
      lease.close();
    }
  }

  private EmbeddingOutcome failureOutcome(SourcedRequest input, StageFailure f) {
    return f.toOutcome(input, null, inputCodec, pipeline == null ? null : pipeline.modelVersion());
  }

  private void count(List<EmbeddingOutcome> results) {
    for (EmbeddingOutcome o : results) {
      if (o.getEmbedding() != null) {
        embeddingsOut.inc();
      } else if (o.getFailure() != null) {
        deadLettered.get(o.getFailure().getErrorClass()).inc();
      }
    }
  }

  private void registerMetrics(MetricGroup metrics) {
    embeddingsOut = metrics.counter("embeddingsOut");
    deadLettered = new EnumMap<>(ErrorClass.class);
    MetricGroup dlq = metrics.addGroup("deadLettered");
    for (ErrorClass c : ErrorClass.values()) {
      deadLettered.put(c, dlq.counter(c.name()));
    }
    BatchingService.BatchingStats stats = lease.service().stats();
    metrics.gauge("batchSize", stats::lastBatchSize);
    metrics.gauge("paddingRatio", stats::paddingRatio);
    metrics.gauge("deviceBusyRatio", stats::deviceBusyRatio);
    metrics.gauge("queueLatencyMeanMs", stats::meanQueueMillis);
    metrics.gauge("inFlight", () -> inFlight.size());
  }

  private static PipelineMetrics flinkMetrics(MetricGroup metrics) {
    Histogram fetch =
        metrics.histogram("fetchLatencyMs", new DescriptiveStatisticsHistogram(1_000));
    Histogram decode =
        metrics.histogram("decodeLatencyMs", new DescriptiveStatisticsHistogram(1_000));
    Histogram model =
        metrics.histogram("modelLatencyMs", new DescriptiveStatisticsHistogram(1_000));
    return new PipelineMetrics() {
      @Override
      public void fetchNanos(long nanos) {
        fetch.update(nanos / 1_000_000);
      }

      @Override
      public void decodeNanos(long nanos) {
        decode.update(nanos / 1_000_000);
      }

      @Override
      public void modelNanos(long nanos) {
        model.update(nanos / 1_000_000);
      }
    };
  }
}
