package io.abcstream.model.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.abcstream.fetch.FetchConfig;
import io.abcstream.fetch.ImageFetcher;
import io.abcstream.model.runtime.Embedder;
import io.abcstream.operators.TestBundles;
import io.abcstream.operators.batching.BatchingConfig;
import io.abcstream.operators.batching.BatchingOptions;
import io.abcstream.operators.batching.BatchingService;
import io.abcstream.operators.embed.EmbeddingPipeline;
import io.abcstream.operators.embed.PipelineMetrics;
import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.RecordCodec;
import io.abcstream.schemas.internal.EmbeddingOutcome;
import io.abcstream.schemas.internal.SourcedRequest;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/**
 * On the operator's streaming path a JPEG is sniffed once (by the fetch) and its header read once
 * (the probe for the decode budget): the decode takes both from there. In this package to read the
 * decoder's package-private counters.
 */
class StreamingPathReadsTest {

  @Test
  void aJpegIsSniffedOnceAndItsHeaderReadOnceFromFetchToVector() throws Exception {
    assumeTrue(NativeJpeg.isAvailable() && ResampleEngine.VECTOR, "needs the streaming decode");
    BufferedImage image = new BufferedImage(120, 90, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        image.setRGB(x, y, (x * 2) << 16 | (y * 2) << 8 | ((x ^ y) & 255));
      }
    }
    ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
    assertThat(ImageIO.write(image, "jpg", jpeg)).isTrue();

    ExecutorService cpu = Executors.newSingleThreadExecutor();
    try (BatchingService.Lease lease =
            BatchingService.acquire(
                BatchingConfig.fromConfiguration(
                    new Configuration()
                        .set(BatchingOptions.BUNDLE, TestBundles.tiny().toString())
                        .set(BatchingOptions.BATCH_MAX_WAIT, Duration.ofMillis(10))));
        ImageFetcher fetcher =
            ImageFetcher.create(FetchConfig.fromConfiguration(new Configuration()))) {
      EmbeddingPipeline pipeline =
          new EmbeddingPipeline(
              fetcher,
              ImageDecoder.defaults(),
              Embedder.preprocessorFor(lease.service().model().manifest()),
              lease.service(),
              cpu,
              RecordCodec.of(RecordCodec.Format.AVRO, ImageEmbeddingRequest.class),
              PipelineMetrics.NONE,
              100_000_000L);
      SourcedRequest request =
          SourcedRequest.newBuilder()
              .setRequest(
                  ImageEmbeddingRequest.newBuilder()
                      .setId("reads-1")
                      .setImage(ByteBuffer.wrap(jpeg.toByteArray()))
                      .setInstructions(List.of())
                      .build())
              .setTopic("requests")
              .setPartition(0)
              .setOffset(1)
              .setKafkaTimestamp(1)
              .build();
      long sniffs = ReadCounters.SNIFFS.sum();
      long headers = ReadCounters.HEADERS.sum();

      List<EmbeddingOutcome> outcomes =
          pipeline.embed(request, stage -> {}).get(120, TimeUnit.SECONDS);

      assertThat(outcomes).singleElement().satisfies(o -> assertThat(o.getEmbedding()).isNotNull());
      assertThat(ReadCounters.SNIFFS.sum() - sniffs).as("sniffs").isEqualTo(1);
      assertThat(ReadCounters.HEADERS.sum() - headers).as("header reads").isEqualTo(1);
    } finally {
      cpu.shutdownNow();
    }
  }
}
