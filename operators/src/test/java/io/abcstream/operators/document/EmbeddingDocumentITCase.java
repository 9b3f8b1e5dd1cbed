package io.abcstream.operators.document;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.abcstream.connectors.elasticsearch.DenseVectorOptions;
import io.abcstream.connectors.elasticsearch.ElasticsearchConnectionConfig;
import io.abcstream.connectors.elasticsearch.ElasticsearchSink;
import io.abcstream.connectors.elasticsearch.ElasticsearchSinkConfig;
import io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions;
import io.abcstream.connectors.elasticsearch.IndexManager;
import io.abcstream.connectors.kafka.KafkaClientConfig;
import io.abcstream.operators.failure.DeadLetterLimits;
import io.abcstream.operators.failure.KafkaDeadLetterHandlerFactory;
import io.abcstream.schemas.EmbeddingFailure;
import io.abcstream.schemas.EmbeddingMode;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import io.abcstream.schemas.ImageEmbedding;
import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.RecordCodec;
import io.abcstream.schemas.codec.SingleObjectCodec;
import io.abcstream.testkit.LocalStack;
import io.abcstream.testkit.LocalStackExtension;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.http.HttpHost;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.RestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The ABC document against a real Elasticsearch: its mapping, and a rejected document's dead letter
 * on Kafka.
 */
@ExtendWith(LocalStackExtension.class)
class EmbeddingDocumentITCase {

  private static final int DIMS = 8;
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static final MiniClusterExtension FLINK =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(1)
              .build());

  private LocalStack stack;
  private RestClient rest;
  private IndexManager.EnsureResult index;

  @BeforeEach
  void setUp(LocalStack stack) {
    this.stack = stack;
    this.rest = RestClient.builder(HttpHost.create(stack.elasticsearchUrl())).build();
    try (IndexManager manager = new IndexManager(rest)) {
      index =
          manager.ensureIndex(
              IndexManager.IndexSpec.of(
                      LocalStack.uniqueName("doc-it"),
                      "m1",
                      EmbeddingDocument.mappings(
                          new DenseVectorOptions(DIMS, "dot_product", "int8_hnsw")))
                  .withNumberOfReplicas(0));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    stack.deleteIndex(index.index());
    rest.close();
  }

  private JsonNode call(String method, String path, String body) throws Exception {
    Request request = new Request(method, path);
    if (body != null) {
      request.setJsonEntity(body);
    }
    try (InputStream in = rest.performRequest(request).getEntity().getContent()) {
      return JSON.readTree(in);
    }
  }

  @Test
  void theIndexHasTheDocumentMapping() throws Exception {
    try (IndexManager manager = new IndexManager(rest)) {
      assertThat(manager.denseVectorMapping(index.index(), EmbeddingDocument.EMBEDDING))
          .contains(
              new IndexManager.DenseVectorMapping(
                  "dense_vector", DIMS, "dot_product", "int8_hnsw"));
    }
    JsonNode props =
        call("GET", "/" + index.index() + "/_mapping", null)
            .path(index.index())
            .path("mappings")
            .path("properties");
    assertThat(props.path("request_id").path("type").asText()).isEqualTo("keyword");
    assertThat(props.path("instruction").path("type").asText()).isEqualTo("text");
    assertThat(props.path("instruction").path("fields").path("keyword").path("type").asText())
        .isEqualTo("keyword");
    assertThat(props.path("pixels").path("properties").path("height").path("type").asText())
        .isEqualTo("integer");
    assertThat(props.path("event_time").path("type").asText()).isEqualTo("date");
    assertThat(props.path("indexed_at").path("type").asText()).isEqualTo("date");

    // metadata is one flattened field: its keys are searchable as metadata.<key>, keyword-exact.
    assertThat(props.path("metadata").path("type").asText()).isEqualTo("flattened");
    call(
        "PUT",
        "/" + index.index() + "/_doc/x?refresh=true",
        "{\"metadata\":{\"team\":\"vision\"}}");
    JsonNode hits =
        call(
            "POST",
            "/" + index.index() + "/_search",
            "{\"query\":{\"term\":{\"metadata.team\":\"vision\"}}}");
    assertThat(hits.at("/hits/total/value").asInt()).isEqualTo(1);
  }

  /**
   * With the earlier dynamic object mapping every new key became a field: past the index's field
   * limit (1,000) every later document with a new key was rejected. Flattened, 1,500 distinct keys
   * are all indexed, and so is what comes after.
   */
  @Test
  void fifteenHundredDistinctMetadataKeysCannotPoisonTheMapping() throws Exception {
    StringBuilder bulk = new StringBuilder();
    for (int doc = 0; doc < 15; doc++) {
      Map<String, String> metadata = new LinkedHashMap<>();
      for (int k = 0; k < 100; k++) {
        metadata.put("tenant" + doc + ".key" + k, "value-" + k);
      }
      bulk.append("{\"index\":{\"_id\":\"d").append(doc).append("\"}}\n");
      bulk.append(new String(EmbeddingDocument.toJson(embedding(doc, metadata), Instant.EPOCH)))
          .append('\n');
    }
    JsonNode result = bulkCall(bulk.toString());
    assertThat(result.path("errors").asBoolean()).as(result.toString()).isFalse();

    String later =
        "{\"index\":{\"_id\":\"later\"}}\n"
            + new String(
                EmbeddingDocument.toJson(
                    embedding(99, Map.of("brand.new", "key", "team", "vision")), Instant.EPOCH))
            + "\n";
    JsonNode laterResult = bulkCall(later);
    assertThat(laterResult.path("errors").asBoolean()).as(laterResult.toString()).isFalse();

    call("POST", "/" + index.index() + "/_refresh", null);
    assertThat(call("GET", "/" + index.index() + "/_count", null).path("count").asInt())
        .isEqualTo(16);
    JsonNode found =
        call(
            "POST",
            "/" + index.index() + "/_search",
            "{\"query\":{\"term\":{\"metadata.tenant14.key99\":\"value-99\"}}}");
    assertThat(found.at("/hits/total/value").asInt()).isEqualTo(1);
    JsonNode metadataMapping =
        call("GET", "/" + index.index() + "/_mapping", null)
            .path(index.index())
            .at("/mappings/properties/metadata");
    assertThat(metadataMapping.path("type").asText()).isEqualTo("flattened");
    assertThat(metadataMapping.path("properties").isMissingNode()).isTrue();
  }

  private JsonNode bulkCall(String ndjson) throws Exception {
    return call("POST", "/" + index.index() + "/_bulk", ndjson);
  }

  private static ImageEmbedding embedding(int n, Map<String, String> metadata) {
    List<Float> vector = new ArrayList<>();
    for (int i = 0; i < DIMS; i++) {
      vector.add(i == 0 ? 1f : 0f);
    }
    return ImageEmbedding.newBuilder()
        .setDocId("d" + n)
        .setRequestId("req-" + n)
        .setImageUri("https://images.example.com/" + n + ".jpg")
        .setInstruction("describe")
        .setMode(EmbeddingMode.IMAGE_INSTRUCTION)
        .setModelVersion("m1")
        .setEmbedding(vector)
        .setMetadata(metadata)
        .setEmbeddedAt(Instant.EPOCH)
        .build();
  }

  private static ImageEmbeddingRequest request(int n) {
    return ImageEmbeddingRequest.newBuilder()
        .setId("req-" + n)
        .setImage("https://images.example.com/" + n + ".jpg")
        .setInstructions(List.of("describe item " + n))
        .setMetadata(Map.of("n", Integer.toString(n)))
        .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L + n))
        .build();
  }

  /** What the pipeline makes of {@link #request(int)}; request 3 gets a vector one too long. */
  private static ImageEmbedding embedding(int n) {
    List<Float> vector = new ArrayList<>();
    for (int k = 0; k < (n == 3 ? DIMS + 1 : DIMS); k++) {
      vector.add(k == n % DIMS ? 1f : 0f);
    }
    ImageEmbeddingRequest request = request(n);
    return ImageEmbedding.newBuilder()
        .setDocId(DocumentIds.of(request.getId(), request.getInstructions().get(0)))
        .setRequestId(request.getId())
        .setImageUri(request.getImage().toString())
        .setInstruction(request.getInstructions().get(0))
        .setMode(EmbeddingMode.IMAGE_INSTRUCTION)
        .setModelVersion("m1")
        .setEmbedding(vector)
        .setMetadata(request.getMetadata())
        .setEventTime(request.getEventTime())
        .setEmbeddedAt(Instant.now())
        .build();
  }

  @Test
  void aRejectedDocumentLandsOnTheKafkaDlqWithTheOriginalRequest() throws Exception {
    String topic = LocalStack.uniqueName("es-dlq");
    ElasticsearchSink<ImageEmbedding> sink =
        ElasticsearchSink.<ImageEmbedding>builder()
            .setConnection(ElasticsearchConnectionConfig.forHosts(stack.elasticsearchUrl()))
            .setElementConverter(new DocumentConverter(index.index(), RecordCodec.Format.AVRO))
            .setDeadLetterHandlerFactory(
                new KafkaDeadLetterHandlerFactory(
                    KafkaClientConfig.of(stack.kafkaBootstrapServers()),
                    topic,
                    DeadLetterLimits.defaults(RecordCodec.Format.AVRO)))
            .setConfig(
                ElasticsearchSinkConfig.fromConfiguration(
                    new Configuration()
                        .set(ElasticsearchSinkOptions.MAX_TIME_IN_BUFFER, Duration.ofMillis(200))))
            .build();
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    env.fromData(
            IntStream.range(0, 10)
                .mapToObj(EmbeddingDocumentITCase::embedding)
                .collect(Collectors.toList()),
            new AvroTypeInfo<>(ImageEmbedding.class))
        .sinkTo(sink);
    env.execute("embedding-document-it");

    call("POST", "/" + index.index() + "/_refresh", null);
    assertThat(call("GET", "/" + index.index() + "/_count", null).get("count").asLong())
        .isEqualTo(9);
    List<EmbeddingFailure> failures = new ArrayList<>();
    Properties props = new Properties();
    props.put("bootstrap.servers", stack.kafkaBootstrapServers());
    props.put("group.id", LocalStack.uniqueName("dlq-it"));
    props.put("auto.offset.reset", "earliest");
    SingleObjectCodec<EmbeddingFailure> codec = SingleObjectCodec.forClass(EmbeddingFailure.class);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (failures.isEmpty() && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          failures.add(codec.decode(r.value()));
        }
      }
    }
    byte[] input =
        RecordCodec.of(RecordCodec.Format.AVRO, ImageEmbeddingRequest.class).encode(request(3));
    assertThat(failures)
        .singleElement()
        .satisfies(
            failure -> {
              assertThat(failure.getStage()).isEqualTo(FailureStage.INDEX);
              assertThat(failure.getErrorClass()).isEqualTo(ErrorClass.INDEX_REJECTED);
              assertThat(failure.getRequestId().toString()).isEqualTo("req-3");
              assertThat(failure.getMessage().toString())
                  .contains(embedding(3).getDocId())
                  .contains("dimensions");
              assertThat(bytes(failure.getOriginalValue()))
                  .as("the input request's bytes")
                  .isEqualTo(input);
            });
  }

  private static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer b = buffer.duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }
}
