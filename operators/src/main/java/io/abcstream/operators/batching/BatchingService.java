package io.abcstream.operators.batching;

import io.abcstream.common.DaemonThreads;
import io.abcstream.model.runtime.AbcModel;
import io.abcstream.model.runtime.EmbeddingInput;
import io.abcstream.model.runtime.ModelException;
import io.abcstream.model.runtime.PreparedInput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per TaskManager and config: loads the model once per device, runs one inference worker per
 * device, and turns submitted inputs into batches. Operators share it through {@link #acquire} and
 * the last {@link Lease#close()} shuts it down.
 */
public final class BatchingService {

  private static final Logger LOG = LoggerFactory.getLogger(BatchingService.class);
  private static final Map<BatchingConfig, BatchingService> SHARED = new HashMap<>();

  private final BatchingConfig config;
  private final List<AbcModel> models = new ArrayList<>();
  private final List<Thread> workers = new ArrayList<>();
  private final BatchQueue<Pending> queue;
  private final int cpuInferenceThreads;
  private final BatchingStats stats = new BatchingStats();
  private int users;

  /** A user's handle on the shared service. */
  public static final class Lease implements AutoCloseable {
    private final BatchingService service;
    private boolean closed;

    private Lease(BatchingService service) {
      this.service = service;
    }

    public BatchingService service() {
      return service;
    }

    @Override
    public void close() {
      synchronized (SHARED) {
        if (closed) {
          return;
        }
        closed = true;
        if (--service.users == 0) {
          SHARED.remove(service.config);
          service.shutdown();
        }
      }
    }
  }

  /** The service for {@code config}, started on first use in this JVM (class loader). */
  public static Lease acquire(BatchingConfig config) {
    return acquire(config, AvailableCores.RUNTIME);
  }

  /** As {@link #acquire(BatchingConfig)}; {@code cores} sizes the CPU workers when they start. */
  public static Lease acquire(BatchingConfig config, AvailableCores cores) {
    synchronized (SHARED) {
      BatchingService service = SHARED.get(config);
      if (service == null) {
        service = new BatchingService(config, cores);
        SHARED.put(config, service);
      }
      service.users++;
      return new Lease(service);
    }
  }

  private BatchingService(BatchingConfig config, AvailableCores cores) {
    this.config = config;
    this.cpuInferenceThreads = config.inferenceThreads(cores);
    this.queue =
        new BatchQueue<>(
            config.maxItems(),
            config.maxTokens(),
            BatchQueue.nanos(config.maxWait()),
            System::nanoTime);
    try {
      for (String device : config.devices()) {
        models.add(
            AbcModel.builder()
                .bundle(Paths.get(config.bundleDir()))
                .device(device)
                .maxUserTokens(config.maxInstructionTokens())
                .cpuThreads(device.equals("cpu") ? cpuInferenceThreads : 0)
                .build());
      }
    } catch (IOException e) {
      models.forEach(AbcModel::close);
      throw new UncheckedIOException("cannot load the model bundle " + config.bundleDir(), e);
    } catch (RuntimeException e) {
      models.forEach(AbcModel::close);
      throw e;
    }
    for (int i = 0; i < models.size(); i++) {
      AbcModel model = models.get(i);
      Thread worker =
          DaemonThreads.newThread(() -> work(model), "abc-inference-" + config.devices().get(i));
      worker.start();
      workers.add(worker);
    }
    LOG.info("batching service started: {} model {}", config, models.get(0).modelVersion());
  }

  /**
   * libtorch threads of each CPU worker, counted on this TaskManager when the config left it unset.
   */
  public int cpuInferenceThreads() {
    return cpuInferenceThreads;
  }

  /**
   * The model of the first device: for tokenization and manifest facts (thread-safe parts only).
   */
  public AbcModel model() {
    return models.get(0);
  }

  public BatchingStats stats() {
    return stats;
  }

  /** Tokenizes on the caller's thread (CPU pool), so the inference worker only runs the model. */
  public PreparedInput prepare(EmbeddingInput input) {
    return model().prepare(input);
  }

  /** Queues a prepared input; the future completes exactly once with its vector or the error. */
  public CompletableFuture<float[]> submit(PreparedInput input) {
    Pending pending = new Pending(input, System.nanoTime());
    if (!queue.add(pending)) {
      pending.future.completeExceptionally(new IllegalStateException("batching service is closed"));
    }
    return pending.future;
  }

  private void work(AbcModel model) {
    try {
      while (true) {
        List<Pending> batch = queue.take();
        if (batch.isEmpty()) {
          return;
        }
        long taken = System.nanoTime();
        for (Pending p : batch) {
          stats.recordQueued(taken - p.enqueuedNanos);
        }
        runIsolating(model, batch);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable t) {
      LOG.error("inference worker stopped", t);
    }
  }

  /** Runs a batch; on failure splits it in halves until the failing items are alone. */
  private void runIsolating(AbcModel model, List<Pending> batch) {
    long start = System.nanoTime();
    List<PreparedInput> inputs = new ArrayList<>(batch.size());
    int longest = 0;
    long real = 0;
    for (Pending p : batch) {
      inputs.add(p.input);
      longest = Math.max(longest, p.length());
      real += p.length();
    }
    List<float[]> vectors;
    try {
      vectors = model.run(inputs);
    } catch (RuntimeException | OutOfMemoryError e) {
      stats.failedBatches.incrementAndGet();
      if (batch.size() == 1) {
        Pending only = batch.get(0);
        only.future.completeExceptionally(
            e instanceof ModelException ? e : new ModelException("inference failed: " + e, e));
        return;
      }
      LOG.warn(
          "batch of {} failed ({}); splitting to isolate the bad item", batch.size(), e.toString());
      int half = batch.size() / 2;
      runIsolating(model, new ArrayList<>(batch.subList(0, half)));
      runIsolating(model, new ArrayList<>(batch.subList(half, batch.size())));
      return;
    }
    long elapsed = System.nanoTime() - start;
    stats.recordBatch(batch.size(), real, (long) longest * batch.size(), elapsed);
    for (int i = 0; i < batch.size(); i++) {
      batch.get(i).future.complete(vectors.get(i));
    }
  }

  private void shutdown() {
    queue.close();
    for (Thread worker : workers) {
      try {
        worker.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (Pending p : queue.drainAll()) {
      p.future.completeExceptionally(new IllegalStateException("batching service closed"));
    }
    models.forEach(AbcModel::close);
    LOG.info("batching service stopped: {}", config);
  }

  /** A queued input and the future its submitter waits on. */
  static final class Pending implements BatchQueue.Sized {
    final PreparedInput input;
    final long enqueuedNanos;
    final CompletableFuture<float[]> future = new CompletableFuture<>();

    Pending(PreparedInput input, long enqueuedNanos) {
      this.input = input;
      this.enqueuedNanos = enqueuedNanos;
    }

    @Override
    public int length() {
      return input.length();
    }

    @Override
    public long enqueuedNanos() {
      return enqueuedNanos;
    }
  }

  /** Counters the operators expose as Flink metrics. */
  public static final class BatchingStats {
    final AtomicLong batches = new AtomicLong();
    final AtomicLong items = new AtomicLong();
    final AtomicLong realTokens = new AtomicLong();
    final AtomicLong paddedTokens = new AtomicLong();
    final AtomicLong busyNanos = new AtomicLong();
    final AtomicLong failedBatches = new AtomicLong();
    final LongAdder queueNanos = new LongAdder();
    final LongAdder queuedItems = new LongAdder();
    private final long createdNanos = System.nanoTime();
    private volatile int lastBatchSize;

    void recordBatch(int size, long real, long padded, long nanos) {
      batches.incrementAndGet();
      items.addAndGet(size);
      realTokens.addAndGet(real);
      paddedTokens.addAndGet(padded);
      busyNanos.addAndGet(nanos);
      lastBatchSize = size;
    }

    /**
     * Once per item, when a worker takes it: the split-and-retry of a failed batch is not queueing.
     */
    void recordQueued(long nanos) {
      queueNanos.add(nanos);
      queuedItems.increment();
    }

    public long batches() {
      return batches.get();
    }

    public long items() {
      return items.get();
    }

    public int lastBatchSize() {
      return lastBatchSize;
    }

    /** Share of computed tokens that were padding, over the service's life. */
    public double paddingRatio() {
      long padded = paddedTokens.get();
      return padded == 0 ? 0.0 : 1.0 - (double) realTokens.get() / padded;
    }

    /** Share of wall time the inference workers spent running batches. */
    public double deviceBusyRatio() {
      long alive = System.nanoTime() - createdNanos;
      return alive <= 0 ? 0.0 : Math.min(1.0, (double) busyNanos.get() / alive);
    }

    public long failedBatches() {
      return failedBatches.get();
    }

    /** Mean time items waited in the queue, in milliseconds. */
    public double meanQueueMillis() {
      long n = queuedItems.sum();
      return n == 0 ? 0.0 : queueNanos.sum() / 1e6 / n;
    }
  }
}
