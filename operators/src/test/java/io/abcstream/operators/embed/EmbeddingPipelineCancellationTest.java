package io.abcstream.operators.embed;

import static io.abcstream.operators.embed.EmbeddingPipelineTest.embeddings;
import static io.abcstream.operators.embed.EmbeddingPipelineTest.failures;
import static io.abcstream.operators.embed.EmbeddingPipelineTest.sourced;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.abcstream.fetch.FetchConfig;
import io.abcstream.fetch.FetchOptions;
import io.abcstream.fetch.ImageFetcher;
import io.abcstream.model.image.ImageDecoder;
import io.abcstream.model.runtime.Embedder;
import io.abcstream.operators.TestBundles;
import io.abcstream.operators.batching.BatchingConfig;
import io.abcstream.operators.batching.BatchingOptions;
import io.abcstream.operators.batching.BatchingService;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.RecordCodec;
import io.abcstream.schemas.internal.EmbeddingOutcome;
import io.abcstream.schemas.internal.SourcedRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A request given up by the operator (its timeout cancels the pipeline's future) gives back its CPU
 * thread and decode memory, and its stages that had not started never run.
 */
@Timeout(120)
class EmbeddingPipelineCancellationTest {

  static BatchingService.Lease lease;
  static byte[] png;

  ThreadPoolExecutor cpu;
  ImageFetcher fetcher;
  AtomicInteger decodes;
  EmbeddingPipeline pipeline;

  @BeforeAll
  static void startModel() throws Exception {
    Path bundle = TestBundles.tiny();
    png = Files.readAllBytes(bundle.resolve("goldens/odd_333x217.png"));
    lease =
        BatchingService.acquire(
            BatchingConfig.fromConfiguration(
                Configuration.fromMap(
                    Map.of(
                        BatchingOptions.BUNDLE.key(),
                        bundle.toString(),
                        BatchingOptions.BATCH_MAX_WAIT.key(),
                        "10 ms"))));
  }

  @AfterAll
  static void stopModel() {
    lease.close();
  }

  @BeforeEach
  void start() {
    // One CPU thread and a short queue: whatever a cancelled request left behind would block
    // the next.
    cpu = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(4));
    fetcher =
        ImageFetcher.create(
            FetchConfig.fromConfiguration(
                new Configuration().set(FetchOptions.ALLOWED_CIDRS, List.of("127.0.0.0/8"))));
    decodes = new AtomicInteger();
    pipeline = pipeline(cpu, 64L << 20);
  }

  @AfterEach
  void stop() {
    cpu.shutdownNow();
    fetcher.close();
  }

  @Test
  void aCancelledRequestsQueuedDecodeIsNeverRun() throws Exception {
    CountDownLatch blocker = new CountDownLatch(1);
    cpu.execute(() -> await(blocker));
    CompletableFuture<List<EmbeddingOutcome>> given = pipeline.embed(request(), stage -> {});
    waitFor(() -> cpu.getQueue().size() == 1); // its decode, queued behind the blocker

    given.cancel(true); // what EmbeddingFunction.timeout does
    blocker.countDown();

    assertEmbeds(pipeline.embed(request(), stage -> {}));
    assertThat(decodes).as("decodes run").hasValue(1); // the second request's only
    assertThat(pipeline.skippedStages()).isEqualTo(1);
  }

  @Test
  void aRequestCancelledWhileItsDecodeWaitsForMemoryFreesTheThreadAndTheBudget() throws Exception {
    DecodeBudget budget = pipeline.decodeBudget();
    int held = budget.acquire(Long.MAX_VALUE); // a long decode holds the whole budget
    CountDownLatch inDecode = new CountDownLatch(1);
    CompletableFuture<List<EmbeddingOutcome>> given =
        pipeline.embed(
            request(),
            stage -> {
              if (stage == FailureStage.IMAGE) {
                inDecode.countDown();
              }
            });
    assertThat(inDecode.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(cpu.getActiveCount()).isEqualTo(1); // waiting in the budget, on the CPU thread

    given.cancel(true);

    // the thread is free while the budget is still held
    CountDownLatch ran = new CountDownLatch(1);
    cpu.execute(ran::countDown);
    assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
    budget.release(held);
    assertEmbeds(pipeline.embed(request(), stage -> {}));
    assertThat(decodes).hasValue(1);
    assertThat(budget.available()).isEqualTo(budget.capacity());
  }

  @Test
  void aRequestWhoseFetchStallsIsCancelledAndTheNextRequestsComplete() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
    server.createContext(
        "/stall.png",
        exchange -> {
          entered.countDown();
          await(release);
          exchange.sendResponseHeaders(200, png.length);
          exchange.getResponseBody().write(png);
          exchange.close();
        });
    server.start();
    try {
      String uri = "http://127.0.0.1:" + server.getAddress().getPort() + "/stall.png";
      CompletableFuture<List<EmbeddingOutcome>> given = pipeline.embed(sourced(uri), stage -> {});
      assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();

      given.cancel(true);

      for (int i = 0; i < 3; i++) {
        assertEmbeds(pipeline.embed(request(), stage -> {}));
      }
      // the server answers late: whatever the fetcher still delivers is not decoded
      release.countDown();
      Thread.sleep(500);
      waitFor(() -> cpu.getActiveCount() == 0 && cpu.getQueue().isEmpty());
      assertThat(decodes).hasValue(3);
    } finally {
      release.countDown();
      server.stop(0);
    }
  }

  @Test
  void aFullCpuQueueDeadLettersTheRequestInsteadOfThrowing() throws Exception {
    ThreadPoolExecutor tiny =
        new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1));
    try {
      CountDownLatch blocker = new CountDownLatch(1);
      tiny.execute(() -> await(blocker));
      tiny.execute(() -> {});
      List<EmbeddingOutcome> outcomes =
          pipeline(tiny, 64L << 20).embed(request(), stage -> {}).get(30, TimeUnit.SECONDS);
      blocker.countDown();
      assertThat(failures(outcomes))
          .singleElement()
          .satisfies(
              f -> {
                assertThat(f.getErrorClass()).isEqualTo(ErrorClass.UNKNOWN);
                assertThat(f.getMessage()).contains("Rejected");
              });
    } finally {
      tiny.shutdownNow();
    }
  }

  @Test
  void theQueueIsSizedForTheCapacity() {
    assertThat(EmbeddingFunction.cpuQueueSize(64)).isEqualTo(128);
    assertThat(EmbeddingFunction.cpuQueueSize(1)).isEqualTo(16);
  }

  private EmbeddingPipeline pipeline(ThreadPoolExecutor executor, long budget) {
    PipelineMetrics counting =
        new PipelineMetrics() {
          @Override
          public void fetchNanos(long nanos) {}

          @Override
          public void decodeNanos(long nanos) {
            decodes.incrementAndGet();
          }

          @Override
          public void modelNanos(long nanos) {}
        };
    return new EmbeddingPipeline(
        fetcher,
        ImageDecoder.defaults(),
        Embedder.preprocessorFor(lease.service().model().manifest()),
        lease.service(),
        executor,
        RecordCodec.of(RecordCodec.Format.AVRO, ImageEmbeddingRequest.class),
        counting,
        budget);
  }

  private static SourcedRequest request() {
    return sourced(ByteBuffer.wrap(png));
  }

  private static void assertEmbeds(CompletableFuture<List<EmbeddingOutcome>> run) throws Exception {
    List<EmbeddingOutcome> outcomes = run.get(60, TimeUnit.SECONDS);
    assertThat(failures(outcomes)).isEmpty();
    assertThat(embeddings(outcomes)).hasSize(1);
  }

  private static void waitFor(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 30 s");
      }
      Thread.sleep(10);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
