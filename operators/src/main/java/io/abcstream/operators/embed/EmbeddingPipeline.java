package io.abcstream.operators.embed;

import io.abcstream.fetch.FetchedImage;
import io.abcstream.fetch.ImageFetcher;
import io.abcstream.fetch.ImageRef;
import io.abcstream.model.image.AbcPreprocessor;
import io.abcstream.model.image.ImageDecoder;
import io.abcstream.model.image.ImageProbe;
import io.abcstream.model.image.PreprocessedImage;
import io.abcstream.model.runtime.EmbeddingInput;
import io.abcstream.model.runtime.PreparedInput;
import io.abcstream.model.text.ModelInputException;
import io.abcstream.operators.batching.BatchingService;
import io.abcstream.operators.document.DocumentIds;
import io.abcstream.operators.failure.Failures;
import io.abcstream.schemas.EmbeddingMode;
import io.abcstream.schemas.FailureStage;
import io.abcstream.schemas.ImageEmbedding;
import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.RecordCodec;
import io.abcstream.schemas.internal.EmbeddingOutcome;
import io.abcstream.schemas.internal.SourcedRequest;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * One request's way through the operator: fetch, decode + preprocess (CPU pool), tokenize each
 * instruction, hand the rows to the batching service, build the outcomes. The returned future never
 * fails: every failure becomes a dead-letter outcome, per instruction where it can. Cancelling it
 * (the operator's timeout) cancels the fetch, and a stage that has not started yet is skipped: a
 * decode waiting for its budget gives up, one already running finishes and its result is dropped.
 */
public final class EmbeddingPipeline {

  /** Tracks the stage a request is in, so a timeout can say where it stuck. */
  public interface StageListener {
    void entered(FailureStage stage);
  }

  private final ImageFetcher fetcher;
  private final ImageDecoder decoder;
  private final AbcPreprocessor preprocessor;
  private final BatchingService service;
  private final Executor cpu;
  private final RecordCodec<ImageEmbeddingRequest> inputCodec;
  private final String modelVersion;
  private final PipelineMetrics metrics;
  private final DecodeBudget decodeBudget;
  private final AtomicLong skipped = new AtomicLong();

  public EmbeddingPipeline(
      ImageFetcher fetcher,
      ImageDecoder decoder,
      AbcPreprocessor preprocessor,
      BatchingService service,
      Executor cpu,
      RecordCodec<ImageEmbeddingRequest> inputCodec,
      PipelineMetrics metrics,
      long decodeMemoryBudget) {
    this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
    this.decoder = Objects.requireNonNull(decoder, "decoder");
    this.preprocessor = Objects.requireNonNull(preprocessor, "preprocessor");
    this.service = Objects.requireNonNull(service, "service");
    this.cpu = Objects.requireNonNull(cpu, "cpu");
    this.inputCodec = Objects.requireNonNull(inputCodec, "inputCodec");
    this.modelVersion = service.model().modelVersion();
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.decodeBudget = new DecodeBudget(decodeMemoryBudget);
  }

  public String modelVersion() {
    return modelVersion;
  }

  public CompletableFuture<List<EmbeddingOutcome>> embed(
      SourcedRequest sourced, StageListener listener) {
    StageTracker stages = new StageTracker(listener);
    ImageEmbeddingRequest request = sourced.getRequest();
    long start = System.nanoTime();
    stages.entered(FailureStage.FETCH);
    CompletableFuture<List<EmbeddingOutcome>> result = new CompletableFuture<>();
    CompletableFuture<FetchedImage> fetched;
    try {
      fetched = fetcher.fetch(ImageRef.fromAvro(request.getImage()));
    } catch (RuntimeException e) {
      fetched = CompletableFuture.failedFuture(e);
    }
    // The operator's timeout cancels the result: stop the fetch too (its connection, its retries).
    // ImageFetcher.fetch's future is the one to cancel; how far that reaches is the fetcher's.
    CompletableFuture<FetchedImage> fetch = fetched;
    result.whenComplete(
        (outcomes, error) -> {
          if (result.isCancelled()) {
            fetch.cancel(true);
          }
        });
    fetched
        .thenApplyAsync(
            image -> {
              skipIfDone(result);
              metrics.fetchNanos(System.nanoTime() - start);
              stages.entered(FailureStage.IMAGE);
              long decodeStart = System.nanoTime();
              PreprocessedImage pre = decodeWithinBudget(image, result);
              metrics.decodeNanos(System.nanoTime() - decodeStart);
              return pre;
            },
            cpu)
        .thenComposeAsync(
            image -> {
              skipIfDone(result);
              return embedRows(sourced, image, stages);
            },
            cpu)
        .exceptionally(
            error -> {
              // A failure without a stage of its own (a bug) is labelled by the stage it happened
              // in.
              StageFailure f = EmbeddingFailureClassifier.classify(error, stages.current);
              return List.of(failure(sourced, null, f));
            })
        .whenComplete(
            (outcomes, error) -> {
              if (error != null) {
                result.completeExceptionally(error);
              } else {
                result.complete(outcomes);
              }
            });
    return result;
  }

  /** Work for a request whose result is out already (timed out, cancelled) is not started. */
  private void skipIfDone(CompletableFuture<?> result) {
    if (result.isDone()) {
      skipped.incrementAndGet();
      throw new CancellationException("the request's result is already completed");
    }
  }

  /** Stages skipped because their request had completed (tests count them). */
  long skippedStages() {
    return skipped.get();
  }

  /** The byte budget decodes reserve from (tests look at what is free). */
  DecodeBudget decodeBudget() {
    return decodeBudget;
  }

  /** Passes stage changes on and remembers the latest, for failures that carry no stage. */
  private static final class StageTracker implements StageListener {
    private final StageListener listener;
    private volatile FailureStage current = FailureStage.FETCH;

    StageTracker(StageListener listener) {
      this.listener = listener;
    }

    @Override
    public void entered(FailureStage stage) {
      current = stage;
      listener.entered(stage);
    }
  }

  /**
   * Header first (cheap, and rejects bombs), then the full decode once its pixels fit the budget.
   * The fetch's sniffed format and this one header read are handed on, so the decode does neither
   * again.
   */
  private PreprocessedImage decodeWithinBudget(FetchedImage image, CompletableFuture<?> result) {
    byte[] bytes = image.bytes();
    ImageProbe probe = decoder.probe(bytes, image.format());
    int permits;
    try {
      permits = decodeBudget.acquire(preprocessor.decodeMemory(probe), result::isDone);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CancellationException("interrupted while waiting for decode memory");
    }
    if (permits == 0) {
      skipped.incrementAndGet();
      throw new CancellationException("the request completed while its decode waited for memory");
    }
    try {
      return preprocessor.decodeAndPreprocess(decoder, bytes, probe);
    } finally {
      decodeBudget.release(permits);
    }
  }

  private CompletableFuture<List<EmbeddingOutcome>> embedRows(
      SourcedRequest sourced, PreprocessedImage image, StageListener stages) {
    stages.entered(FailureStage.TOKENIZE);
    ImageEmbeddingRequest request = sourced.getRequest();
    List<String> instructions = request.getInstructions();
    List<String> rows = instructions.isEmpty() ? Collections.singletonList(null) : instructions;
    Supplier<ByteBuffer> original = Failures.originalValueOnce(sourced, inputCodec);
    List<EmbeddingOutcome> failed = new ArrayList<>();
    List<String> submittedTexts = new ArrayList<>();
    List<CompletableFuture<float[]>> vectors = new ArrayList<>();
    for (String instruction : rows) {
      try {
        EmbeddingInput input =
            instruction == null
                ? EmbeddingInput.image(image)
                : EmbeddingInput.query(image, instruction);
        PreparedInput prepared = service.prepare(input);
        vectors.add(service.submit(prepared));
        submittedTexts.add(instruction);
      } catch (ModelInputException e) {
        failed.add(
            failure(
                sourced,
                instruction,
                EmbeddingFailureClassifier.classify(e, FailureStage.TOKENIZE),
                original));
      }
    }
    stages.entered(FailureStage.MODEL);
    long modelStart = System.nanoTime();
    List<CompletableFuture<EmbeddingOutcome>> outcomes = new ArrayList<>(vectors.size());
    for (int i = 0; i < vectors.size(); i++) {
      String instruction = submittedTexts.get(i);
      outcomes.add(
          vectors
              .get(i)
              .handle(
                  (vector, error) ->
                      error == null
                          ? embedding(sourced, instruction, image, vector)
                          : failure(
                              sourced,
                              instruction,
                              EmbeddingFailureClassifier.classify(error, FailureStage.MODEL),
                              original)));
    }
    return CompletableFuture.allOf(outcomes.toArray(new CompletableFuture<?>[0]))
        .thenApply(
            done -> {
              metrics.modelNanos(System.nanoTime() - modelStart);
              List<EmbeddingOutcome> all = new ArrayList<>(failed);
              for (CompletableFuture<EmbeddingOutcome> o : outcomes) {
                all.add(o.join());
              }
              return all;
            });
  }

  private EmbeddingOutcome embedding(
      SourcedRequest sourced, String instruction, PreprocessedImage image, float[] vector) {
    ImageEmbeddingRequest request = sourced.getRequest();
    List<Float> values = new ArrayList<>(vector.length);
    for (float v : vector) {
      values.add(v);
    }
    Instant eventTime =
        request.getEventTime() != null
            ? request.getEventTime()
            : sourced.getKafkaTimestamp() >= 0
                ? Instant.ofEpochMilli(sourced.getKafkaTimestamp())
                : null;
    ImageEmbedding embedding =
        ImageEmbedding.newBuilder()
            .setDocId(DocumentIds.of(request.getId(), instruction))
            .setRequestId(request.getId())
            .setImageUri(documentUri(request.getImage()))
            .setInstruction(instruction)
            .setMode(instruction == null ? EmbeddingMode.IMAGE : EmbeddingMode.IMAGE_INSTRUCTION)
            .setModelVersion(modelVersion)
            .setEmbedding(values)
            .setPixelsHeight(image.height())
            .setPixelsWidth(image.width())
            .setMetadata(request.getMetadata())
            .setEventTime(eventTime)
            .setEmbeddedAt(Instant.now())
            .build();
    return EmbeddingOutcome.newBuilder().setEmbedding(embedding).build();
  }

  private EmbeddingOutcome failure(SourcedRequest sourced, String instruction, StageFailure f) {
    return f.toOutcome(sourced, instruction, inputCodec, modelVersion);
  }

  /** An instruction's failure, with the request's original value encoded once for all of them. */
  private EmbeddingOutcome failure(
      SourcedRequest sourced, String instruction, StageFailure f, Supplier<ByteBuffer> original) {
    return f.toOutcome(sourced, instruction, original, modelVersion);
  }

  /** What the document records as its image: the URI, but not inline bytes or data: payloads. */
  static String documentUri(Object image) {
    if (!(image instanceof CharSequence)) {
      return null;
    }
    String uri = image.toString();
    if (uri.regionMatches(true, 0, "data:", 0, 5)) {
      int comma = uri.indexOf(',');
      return comma > 0 && comma < 100 ? uri.substring(0, comma + 1) : "data:";
    }
    return uri;
  }
}
