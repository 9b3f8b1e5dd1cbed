package io.abcstream.operators.embed;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.abcstream.fetch.FetchConfig;
import io.abcstream.fetch.FetchOptions;
import io.abcstream.fetch.ImageFetcher;
import io.abcstream.model.image.ImageDecoder;
import io.abcstream.model.image.PreprocessedImage;
import io.abcstream.model.image.RgbImage;
import io.abcstream.model.runtime.Embedder;
import io.abcstream.model.runtime.Embedding;
import io.abcstream.model.runtime.EmbeddingInput;
import io.abcstream.model.runtime.PreparedInput;
import io.abcstream.operators.TestBundles;
import io.abcstream.operators.batching.BatchingConfig;
import io.abcstream.operators.batching.BatchingOptions;
import io.abcstream.operators.batching.BatchingService;
import io.abcstream.operators.document.DocumentIds;
import io.abcstream.schemas.EmbeddingFailure;
import io.abcstream.schemas.EmbeddingMode;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import io.abcstream.schemas.ImageEmbedding;
import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.RecordCodec;
import io.abcstream.schemas.internal.EmbeddingOutcome;
import io.abcstream.schemas.internal.SourcedRequest;
import io.abcstream.testkit.Tolerances;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One request at a time through fetch, decode, tokenize and the real tiny model. */
class EmbeddingPipelineTest {

  static BatchingService.Lease lease;
  static ImageFetcher fetcher;
  static ExecutorService cpu;
  static EmbeddingPipeline pipeline;
  static Embedder reference;
  static byte[] png;
  @TempDir static Path root;

  @BeforeAll
  static void start() throws Exception {
    Path bundle = TestBundles.tiny();
    png = Files.readAllBytes(bundle.resolve("goldens/odd_333x217.png"));
    Files.write(root.resolve("cat.png"), png);
    lease =
        BatchingService.acquire(
            BatchingConfig.fromConfiguration(
                Configuration.fromMap(
                    Map.of(
                        BatchingOptions.BUNDLE.key(), bundle.toString(),
                        BatchingOptions.BATCH_MAX_WAIT.key(), "10 ms",
                        BatchingOptions.MAX_INSTRUCTION_TOKENS.key(), "16"))));
    fetcher =
        ImageFetcher.create(
            FetchConfig.fromConfiguration(
                new Configuration().set(FetchOptions.FILE_ROOTS, List.of(root.toString()))));
    cpu = Executors.newFixedThreadPool(2);
    pipeline = pipeline(PipelineMetrics.NONE);
    reference = Embedder.open(bundle, "cpu");
  }

  @AfterAll
  static void stop() throws Exception {
    reference.close();
    cpu.shutdownNow();
    fetcher.close();
    lease.close();
  }

  @Test
  void instructionsBecomeQueryVectorsEqualToTheReferenceAndTooLongOnesAreDeadLettered()
      throws Exception {
    String tooLong = "many words ".repeat(30);
    SourcedRequest request =
        sourced(ByteBuffer.wrap(png), "what is in the picture?", tooLong, "the colour on the left");

    List<EmbeddingOutcome> outcomes = run(request);

    List<ImageEmbedding> embeddings = embeddings(outcomes);
    assertThat(embeddings)
        .extracting(ImageEmbedding::getInstruction)
        .containsExactlyInAnyOrder("what is in the picture?", "the colour on the left");
    List<Embedding> expected =
        reference.embedImage(png, List.of("what is in the picture?", "the colour on the left"));
    double bound = fp32Bound("what is in the picture?", "the colour on the left");
    for (ImageEmbedding e : embeddings) {
      assertThat(e.getMode()).isEqualTo(EmbeddingMode.IMAGE_INSTRUCTION);
      assertThat(e.getDocId()).isEqualTo(DocumentIds.of("req-1", e.getInstruction()));
      assertThat(e.getImageUri()).isNull();
      float[] want =
          expected.stream()
              .filter(x -> x.instruction().equals(e.getInstruction()))
              .findFirst()
              .orElseThrow()
              .vector();
      float[] other =
          expected.stream()
              .filter(x -> !x.instruction().equals(e.getInstruction()))
              .findFirst()
              .orElseThrow()
              .vector();
      assertThat(Tolerances.relativeError(e.getEmbedding(), want)).isLessThanOrEqualTo(bound);
      // the bound still tells the two queries of one image apart
      assertThat(Tolerances.relativeError(e.getEmbedding(), other)).isGreaterThan(bound);
    }
    assertThat(failures(outcomes))
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.getStage()).isEqualTo(FailureStage.TOKENIZE);
              assertThat(f.getErrorClass()).isEqualTo(ErrorClass.INSTRUCTION_TOO_LONG);
              assertThat(f.getInstruction()).isEqualTo(tooLong);
              assertThat(f.getRequestId()).isEqualTo("req-1");
              assertThat(f.getOriginalValue()).isNotNull();
            });
  }

  @Test
  void imageOnlyFromAFileUnderTheRootAndFromADataUriAreTheSameCandidateVector() throws Exception {
    List<EmbeddingOutcome> fromFile = run(sourced(root.resolve("cat.png").toUri().toString()));
    List<EmbeddingOutcome> fromData =
        run(sourced("data:image/png;base64," + Base64.getEncoder().encodeToString(png)));

    ImageEmbedding file = embeddings(fromFile).get(0);
    ImageEmbedding data = embeddings(fromData).get(0);
    assertThat(file.getMode()).isEqualTo(EmbeddingMode.IMAGE);
    assertThat(file.getInstruction()).isNull();
    assertThat(file.getImageUri()).startsWith("file:");
    assertThat(data.getImageUri()).isEqualTo("data:image/png;base64,");
    float[] want = reference.embedImage(png, List.of()).get(0).vector();
    double bound = fp32Bound();
    assertThat(Tolerances.relativeError(file.getEmbedding(), want)).isLessThanOrEqualTo(bound);
    assertThat(Tolerances.relativeError(data.getEmbedding(), want)).isLessThanOrEqualTo(bound);
  }

  @Test
  void aBmpWithNonZeroReservedHeaderBytesFetchedOverHttpIsEmbeddedAsPillowReadsIt()
      throws Exception {
    // Pillow ignores the BMP header's reserved words; the fetch (reject-unknown-format is on by
    // default)
    // once refused such files. Same pixels as the PNG, so the same vector as the reference gives
    // for it.
    RgbImage pixels = ImageDecoder.defaults().decode(png);
    byte[] bmp = bmp24(pixels);
    bmp[6] = 0x12;
    bmp[7] = 0x34;
    bmp[8] = 0x56;
    bmp[9] = 0x78;
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
    server.createContext(
        "/cat.bmp",
        exchange -> {
          exchange.sendResponseHeaders(200, bmp.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(bmp);
          }
        });
    server.start();
    FetchConfig loopback =
        FetchConfig.fromConfiguration(
            new Configuration().set(FetchOptions.ALLOWED_CIDRS, List.of("127.0.0.0/8")));
    try (ImageFetcher http = ImageFetcher.create(loopback)) {
      EmbeddingPipeline overHttp = pipeline(http, PipelineMetrics.NONE);
      String uri = "http://127.0.0.1:" + server.getAddress().getPort() + "/cat.bmp";
      List<EmbeddingOutcome> outcomes =
          overHttp.embed(sourced(uri), stage -> {}).get(120, TimeUnit.SECONDS);

      assertThat(failures(outcomes)).isEmpty();
      ImageEmbedding e = embeddings(outcomes).get(0);
      assertThat(e.getImageUri()).isEqualTo(uri);
      assertThat(e.getPixelsWidth())
          .isEqualTo(embeddings(run(sourced(ByteBuffer.wrap(png)))).get(0).getPixelsWidth());
      float[] want = reference.embedImage(png, List.of()).get(0).vector();
      assertThat(Tolerances.relativeError(e.getEmbedding(), want)).isLessThanOrEqualTo(fp32Bound());
    } finally {
      server.stop(0);
    }
  }

  /** A bottom-up 24-bit BMP (BITMAPINFOHEADER, rows padded to 4 bytes) of these pixels. */
  static byte[] bmp24(RgbImage image) {
    int w = image.width();
    int h = image.height();
    int stride = (w * 3 + 3) & ~3;
    int size = 54 + stride * h;
    ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 'B').put((byte) 'M').putInt(size).putInt(0).putInt(54);
    b.putInt(40).putInt(w).putInt(h).putShort((short) 1).putShort((short) 24);
    b.putInt(0).putInt(stride * h).putInt(2835).putInt(2835).putInt(0).putInt(0);
    byte[] rgb = image.rgb();
    for (int y = h - 1; y >= 0; y--) {
      int row = b.position();
      for (int x = 0; x < w; x++) {
        int i = (y * w + x) * 3;
        b.put(rgb[i + 2]).put(rgb[i + 1]).put(rgb[i]);
      }
      b.position(row + stride);
    }
    return b.array();
  }

  @Test
  void undecodableBytesAreAnImageFailure() throws Exception {
    byte[] truncated = Arrays.copyOf(png, png.length / 3);
    EmbeddingFailure f = failures(run(sourced(ByteBuffer.wrap(truncated), "x"))).get(0);
    assertThat(f.getStage()).isEqualTo(FailureStage.IMAGE);
    assertThat(f.getErrorClass()).isEqualTo(ErrorClass.UNDECODABLE_IMAGE);
  }

  @Test
  void aFileOutsideTheRootsIsForbidden() throws Exception {
    EmbeddingFailure f = failures(run(sourced("file:///etc/passwd"))).get(0);
    assertThat(f.getStage()).isEqualTo(FailureStage.FETCH);
    assertThat(f.getErrorClass()).isEqualTo(ErrorClass.FETCH_FORBIDDEN);
  }

  @Test
  void loopbackHttpIsForbiddenByDefault() throws Exception {
    EmbeddingFailure f = failures(run(sourced("http://127.0.0.1:9/cat.png"))).get(0);
    assertThat(f.getStage()).isEqualTo(FailureStage.FETCH);
    assertThat(f.getErrorClass()).isEqualTo(ErrorClass.FETCH_FORBIDDEN);
  }

  @Test
  void anIdDocumentIdsRefusesIsADeadLetterNotACrash() throws Exception {
    // The codecs refuse unpaired surrogates; should one get through anyway, DocumentIds throws
    // rather than collide, and the pipeline must turn that into a dead letter.
    SourcedRequest request = sourced(ByteBuffer.wrap(png), "what is it?");
    request.getRequest().setId("req-\uD800");

    List<EmbeddingOutcome> outcomes = run(request);

    assertThat(embeddings(outcomes)).isEmpty();
    assertThat(failures(outcomes))
        .singleElement()
        .satisfies(f -> assertThat(f.getMessage()).contains("unpaired surrogate"));
  }

  @Test
  void anUnexpectedFailureIsLabelledByTheStageItHappenedIn() throws Exception {
    PipelineMetrics brokenDecodeMetric =
        new PipelineMetrics() {
          @Override
          public void fetchNanos(long nanos) {}

          @Override
          public void decodeNanos(long nanos) {
            throw new IllegalStateException("bug after the decode");
          }

          @Override
          public void modelNanos(long nanos) {}
        };
    EmbeddingPipeline broken = pipeline(brokenDecodeMetric);
    List<FailureStage> entered = Collections.synchronizedList(new ArrayList<>());

    List<EmbeddingOutcome> outcomes =
        broken.embed(sourced(ByteBuffer.wrap(png), "x"), entered::add).get(120, TimeUnit.SECONDS);

    assertThat(entered).containsExactly(FailureStage.FETCH, FailureStage.IMAGE);
    assertThat(failures(outcomes))
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.getStage()).isEqualTo(FailureStage.IMAGE);
              assertThat(f.getErrorClass()).isEqualTo(ErrorClass.UNKNOWN);
              assertThat(f.getMessage()).contains("bug after the decode");
            });
  }

  /**
   * Bound between the pipeline's and the reference's fp32 vectors of the test image with these
   * instructions (none: the image alone), each run batched with the others: the tiny model's
   * roundings over the longest prompt and the image's t*h*w patches ({@link Tolerances}).
   */
  private static double fp32Bound(String... instructions) {
    PreprocessedImage image =
        reference.preprocessor().decodeAndPreprocess(reference.decoder(), png);
    List<PreparedInput> rows =
        instructions.length == 0
            ? List.of(reference.model().prepare(EmbeddingInput.image(image)))
            : Arrays.stream(instructions)
                .map(i -> reference.model().prepare(EmbeddingInput.query(image, i)))
                .toList();
    int padded = rows.stream().mapToInt(PreparedInput::length).max().orElseThrow();
    long[] g = image.gridThw();
    int n =
        Tolerances.TinyModel.COMMITTED.fp32Roundings(
            true, instructions.length > 0, padded, (int) (g[0] * g[1] * g[2]));
    return Tolerances.fp32Apart(n, n);
  }

  private static EmbeddingPipeline pipeline(PipelineMetrics metrics) {
    return pipeline(fetcher, metrics);
  }

  private static EmbeddingPipeline pipeline(ImageFetcher fetcher, PipelineMetrics metrics) {
    return new EmbeddingPipeline(
        fetcher,
        ImageDecoder.defaults(),
        Embedder.preprocessorFor(lease.service().model().manifest()),
        lease.service(),
        cpu,
        RecordCodec.of(RecordCodec.Format.AVRO, ImageEmbeddingRequest.class),
        metrics,
        100_000_000L);
  }

  private static List<EmbeddingOutcome> run(SourcedRequest request) throws Exception {
    return pipeline.embed(request, stage -> {}).get(120, TimeUnit.SECONDS);
  }

  static SourcedRequest sourced(Object image, String... instructions) {
    return SourcedRequest.newBuilder()
        .setRequest(
            ImageEmbeddingRequest.newBuilder()
                .setId("req-1")
                .setImage(image)
                .setInstructions(List.of(instructions))
                .build())
        .setTopic("requests")
        .setPartition(0)
        .setOffset(7)
        .setKafkaTimestamp(1000)
        .build();
  }

  static List<ImageEmbedding> embeddings(List<EmbeddingOutcome> outcomes) {
    return outcomes.stream().map(EmbeddingOutcome::getEmbedding).filter(Objects::nonNull).toList();
  }

  static List<EmbeddingFailure> failures(List<EmbeddingOutcome> outcomes) {
    return outcomes.stream().map(EmbeddingOutcome::getFailure).filter(Objects::nonNull).toList();
  }
}
