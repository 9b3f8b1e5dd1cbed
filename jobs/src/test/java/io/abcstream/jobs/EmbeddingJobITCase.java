package io.abcstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions;
import io.abcstream.jobs.config.JobOptions;
import io.abcstream.jobs.search.KnnSearch;
import io.abcstream.model.image.PreprocessedImage;
import io.abcstream.model.runtime.Embedder;
import io.abcstream.model.runtime.Embedding;
import io.abcstream.model.runtime.EmbeddingInput;
import io.abcstream.model.runtime.PreparedInput;
import io.abcstream.operators.batching.BatchingOptions;
import io.abcstream.operators.document.DocumentIds;
import io.abcstream.operators.embed.EmbeddingOptions;
import io.abcstream.schemas.EmbeddingFailure;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.SingleObjectCodec;
import io.abcstream.testkit.LocalStack;
import io.abcstream.testkit.LocalStackExtension;
import io.abcstream.testkit.Tolerances;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole job against real Kafka, real Elasticsearch and the real tiny model: good requests of
 * every image kind become exactly the expected documents with the vectors `abc embed` gives, and
 * every kind of bad input lands in the dead-letter topic with its stage and class.
 */
@ExtendWith(LocalStackExtension.class)
class EmbeddingJobITCase {

  static Path goldens;
  static byte[] photo; // 640x480: over this test's pixel limit
  static byte[] odd; // 333x217
  static byte[] gray; // 50x61
  static HttpServer http;

  /** The model input of each expected document, for its rounding bound. */
  static final Map<String, PreparedInput> PREPARED = new HashMap<>();

  static String base;
  @TempDir static Path root;

  @BeforeAll
  static void serveImages() throws Exception {
    goldens = LocalStack.repoRoot().resolve("bundles/tiny/goldens");
    photo = Files.readAllBytes(goldens.resolve("photo_640x480.png"));
    odd = Files.readAllBytes(goldens.resolve("odd_333x217.png"));
    gray = Files.readAllBytes(goldens.resolve("gray_50x61.png"));
    Files.write(root.resolve("odd.png"), odd);
    Map<String, byte[]> files =
        Map.of(
            "/odd.png",
            odd,
            "/gray.png",
            gray,
            "/page.html",
            "<html><body>not an image</body></html>".getBytes(StandardCharsets.UTF_8));
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext(
        "/",
        exchange -> {
          byte[] body = files.get(exchange.getRequestURI().getPath());
          if (body == null) {
            exchange.sendResponseHeaders(404, -1);
          } else {
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          }
          exchange.close();
        });
    http.start();
    base = "http://127.0.0.1:" + http.getAddress().getPort();
  }

  @AfterAll
  static void stopServer() {
    http.stop(0);
  }

  @Test
  void goodRequestsAreIndexedWithReferenceVectorsAndBadOnesAreDeadLettered(LocalStack stack)
      throws Exception {
    String topic = LocalStack.uniqueName("requests");
    String dlq = topic + "-dlq";
    String prefix = LocalStack.uniqueName("it-embeddings");
    Path bundle = LocalStack.repoRoot().resolve("bundles/tiny");

    Configuration conf = new Configuration();
    conf.set(JobOptions.KAFKA_BOOTSTRAP, stack.kafkaBootstrapServers());
    conf.set(JobOptions.INPUT_TOPIC, topic);
    conf.set(JobOptions.DLQ_TOPIC, dlq);
    conf.set(JobOptions.GROUP_ID, topic);
    conf.set(JobOptions.STARTING_OFFSETS, "earliest");
    conf.set(BatchingOptions.BUNDLE, bundle.toString());
    conf.set(ElasticsearchSinkOptions.INDEX_PREFIX, prefix);
    conf.set(EmbeddingOptions.MAX_IMAGE_PIXELS, 100_000L);
    conf.set(EmbeddingOptions.CPU_THREADS, 2);
    conf.set(BatchingOptions.BATCH_MAX_WAIT, Duration.ofMillis(50));
    conf.setString("elasticsearch.hosts", stack.elasticsearchUrl());
    conf.setString("elasticsearch.sink.batch.max-time", "200ms");
    conf.setString("fetch.policy.allowed-cidrs", "127.0.0.0/8");
    conf.setString("fetch.file.roots", root.toString());
    conf.setString("fetch.retry.max-attempts", "2");
    conf.setString("execution.checkpointing.interval", "2s");
    conf.setString("parallelism.default", "1");
    conf = JobEnvironment.withDefaults(conf);

    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
    EmbeddingJob.Plan plan = EmbeddingJob.build(env, conf);
    JobClient job = env.executeAsync("it-embedding-job");
    try {
      List<ImageEmbeddingRequest> good =
          List.of(
              request("r-multi", base + "/odd.png", "what is on the left?", "左边的动物是什么？", "!"),
              request("r-image-only", base + "/gray.png"),
              request("r-inline", ByteBuffer.wrap(odd), "describe it"),
              request(
                  "r-data", "data:image/png;base64," + Base64.getEncoder().encodeToString(gray)),
              request("r-file", root.resolve("odd.png").toUri().toString(), "the colour"));
      List<ImageEmbeddingRequest> bad =
          List.of(
              request("", base + "/odd.png", "no id"),
              request("r-404", base + "/missing.png", "x"),
              request("r-forbidden", "http://169.254.169.254/latest/meta-data", "x"),
              request("r-html", base + "/page.html", "x"),
              request("r-too-large", ByteBuffer.wrap(photo), "x"),
              request("r-reserved", base + "/odd.png", "stop <|im_end|> here"));
      SingleObjectCodec<ImageEmbeddingRequest> codec =
          SingleObjectCodec.forClass(ImageEmbeddingRequest.class);
      try (KafkaProducer<byte[], byte[]> producer = KafkaTestTopics.producer(stack)) {
        for (ImageEmbeddingRequest r : good) {
          producer
              .send(
                  new ProducerRecord<>(
                      topic, r.getId().getBytes(StandardCharsets.UTF_8), codec.encode(r)))
              .get();
        }
        producer
            .send(
                new ProducerRecord<>(
                    topic,
                    "junk".getBytes(StandardCharsets.UTF_8),
                    "definitely not avro".getBytes(StandardCharsets.UTF_8)))
            .get();
        for (ImageEmbeddingRequest r : bad) {
          producer.send(new ProducerRecord<>(topic, null, codec.encode(r))).get();
        }
      }

      // Expected documents and their vectors, computed the way `abc embed` computes them.
      Map<String, float[]> expected = new HashMap<>();
      try (Embedder embedder = Embedder.open(bundle, "cpu")) {
        expect(expected, embedder, "r-multi", odd, "what is on the left?", "左边的动物是什么？", "!");
        expect(expected, embedder, "r-image-only", gray);
        expect(expected, embedder, "r-inline", odd, "describe it");
        expect(expected, embedder, "r-data", gray);
        expect(expected, embedder, "r-file", odd, "the colour");
      }

      List<EmbeddingFailure> failures = readDeadLetters(stack, dlq, 7);
      Map<String, JsonNode> docs = waitForDocuments(stack, plan.index(), expected.size());

      assertThat(docs.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
      // The job batches rows of any requests together, the reference those of one request: both
      // padded
      // at most to the longest prompt here. _source holds the JSON the sink wrote (Jackson prints a
      // float's
      // shortest round-trip decimal), so the stored vector is the job's float vector exactly.
      int padded = PREPARED.values().stream().mapToInt(PreparedInput::length).max().orElseThrow();
      for (Map.Entry<String, float[]> e : expected.entrySet()) {
        JsonNode doc = docs.get(e.getKey());
        float[] stored = floats(doc.get("embedding"));
        double bound = fp32Bound(PREPARED.get(e.getKey()), padded);
        assertThat(Tolerances.relativeError(stored, e.getValue()))
            .as("doc %s (%s)", e.getKey(), doc.get("instruction"))
            .isLessThanOrEqualTo(bound);
        for (Map.Entry<String, float[]> other : expected.entrySet()) {
          if (!Arrays.equals(
              other.getValue(), e.getValue())) { // r-image-only and r-data are one vector
            assertThat(Tolerances.relativeError(stored, other.getValue()))
                .as("doc %s vs %s", e.getKey(), other.getKey())
                .isGreaterThan(bound);
          }
        }
        assertThat(doc.get("model_version").asText()).isEqualTo(plan.modelVersion());
      }
      JsonNode multi = docs.get(DocumentIds.of("r-multi", "!"));
      assertThat(multi.get("mode").asText()).isEqualTo("image+instruction");
      assertThat(multi.get("image_uri").asText()).isEqualTo(base + "/odd.png");
      assertThat(multi.get("pixels").get("height").asInt()).isPositive();
      assertThat(docs.get(DocumentIds.of("r-image-only", null)).get("mode").asText())
          .isEqualTo("image");

      assertThat(failures)
          .extracting(f -> f.getRequestId() + " " + f.getStage() + "/" + f.getErrorClass())
          .containsExactlyInAnyOrder(
              "null " + FailureStage.DECODE + "/" + ErrorClass.MALFORMED_EVENT,
              " " + FailureStage.VALIDATE + "/" + ErrorClass.INVALID_REQUEST,
              "r-404 " + FailureStage.FETCH + "/" + ErrorClass.FETCH_FAILED,
              "r-forbidden " + FailureStage.FETCH + "/" + ErrorClass.FETCH_FORBIDDEN,
              "r-html " + FailureStage.IMAGE + "/" + ErrorClass.UNDECODABLE_IMAGE,
              "r-too-large " + FailureStage.IMAGE + "/" + ErrorClass.IMAGE_TOO_LARGE,
              "r-reserved " + FailureStage.VALIDATE + "/" + ErrorClass.INVALID_REQUEST);
      EmbeddingFailure malformed =
          failures.stream()
              .filter(f -> f.getStage() == FailureStage.DECODE)
              .findFirst()
              .orElseThrow();
      assertThat(StandardCharsets.UTF_8.decode(malformed.getOriginalValue()).toString())
          .isEqualTo("definitely not avro");
      assertThat(malformed.getSourceTopic()).isEqualTo(topic);
      assertThat(malformed.getSourceOffset()).isNotNull();

      // The text-free check of kNN: r-inline's own vector finds r-inline's document first.
      String inlineId = DocumentIds.of("r-inline", "describe it");
      try (KnnSearch search = new KnnSearch(stack.elasticsearchUrl())) {
        List<KnnSearch.Hit> hits = search.search(plan.alias(), expected.get(inlineId), 3, null);
        assertThat(hits.get(0).id()).isEqualTo(inlineId);
        assertThat(hits.get(0).requestId()).isEqualTo("r-inline");
      }
    } finally {
      job.cancel().get();
      stack.deleteIndex(plan.index());
    }
  }

  static ImageEmbeddingRequest request(String id, Object image, String... instructions) {
    return ImageEmbeddingRequest.newBuilder()
        .setId(id)
        .setImage(image)
        .setInstructions(List.of(instructions))
        .setMetadata(Map.of("suite", "it"))
        .build();
  }

  static void expect(
      Map<String, float[]> expected,
      Embedder embedder,
      String id,
      byte[] image,
      String... instructions)
      throws Exception {
    List<Embedding> vectors = embedder.embedImage(image, List.of(instructions));
    PreprocessedImage pre = embedder.preprocessor().decodeAndPreprocess(embedder.decoder(), image);
    for (Embedding v : vectors) {
      expected.put(DocumentIds.of(id, v.instruction()), v.vector());
      EmbeddingInput in =
          v.instruction() == null
              ? EmbeddingInput.image(pre)
              : EmbeddingInput.query(pre, v.instruction());
      PREPARED.put(DocumentIds.of(id, v.instruction()), embedder.model().prepare(in));
    }
  }

  static List<EmbeddingFailure> readDeadLetters(LocalStack stack, String topic, int count)
      throws Exception {
    SingleObjectCodec<EmbeddingFailure> codec = SingleObjectCodec.forClass(EmbeddingFailure.class);
    List<EmbeddingFailure> failures = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : KafkaTestTopics.read(stack, topic, count)) {
      failures.add(codec.decode(r.value()));
    }
    return failures;
  }

  static Map<String, JsonNode> waitForDocuments(LocalStack stack, String index, int count)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
    Map<String, JsonNode> docs = documents(stack, index);
    while (docs.size() < count && System.nanoTime() < deadline) {
      Thread.sleep(1000);
      docs = documents(stack, index);
    }
    Thread.sleep(2000); // a late duplicate or extra document would show up now
    return documents(stack, index);
  }

  static Map<String, JsonNode> documents(LocalStack stack, String index) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    client.send(
        HttpRequest.newBuilder(URI.create(stack.elasticsearchUrl() + "/" + index + "/_refresh"))
            .POST(HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.discarding());
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(
                    URI.create(stack.elasticsearchUrl() + "/" + index + "/_search?size=100"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    Map<String, JsonNode> docs = new HashMap<>();
    for (JsonNode hit : new ObjectMapper().readTree(response.body()).path("hits").path("hits")) {
      docs.put(hit.get("_id").asText(), hit.get("_source"));
    }
    return docs;
  }

  /**
   * Bound between two fp32 runs of a row of the tiny model, each batched with rows up to {@code
   * padded} tokens: its roundings over that length and its image's t*h*w patches ({@link
   * Tolerances}).
   */
  static double fp32Bound(PreparedInput row, int padded) {
    long[] g = row.image().gridThw();
    int n =
        Tolerances.TinyModel.COMMITTED.fp32Roundings(
            true, row.prompt().instruct(), padded, (int) (g[0] * g[1] * g[2]));
    return Tolerances.fp32Apart(n, n);
  }

  static float[] floats(JsonNode vector) {
    float[] v = new float[vector.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = vector.get(i).floatValue();
    }
    return v;
  }
}
