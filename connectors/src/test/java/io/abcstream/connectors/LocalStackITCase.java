package io.abcstream.connectors;

import static org.assertj.core.api.Assertions.assertThat;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.mapping.DenseVectorSimilarity;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.SingleObjectCodec;
import io.abcstream.testkit.LocalStack;
import io.abcstream.testkit.LocalStackExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.http.HttpHost;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.elasticsearch.client.RestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Proves the local stack is real: Avro requests through Kafka, vectors through ES kNN. */
@ExtendWith(LocalStackExtension.class)
class LocalStackITCase {

  @Test
  void avroRequestsRoundTripThroughKafka(LocalStack stack) throws Exception {
    String topic = LocalStack.uniqueName("requests");
    SingleObjectCodec<ImageEmbeddingRequest> codec =
        SingleObjectCodec.forClass(ImageEmbeddingRequest.class);
    List<ImageEmbeddingRequest> sent = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      sent.add(
          ImageEmbeddingRequest.newBuilder()
              .setId("req-" + i)
              .setImage("https://images.example.com/" + i + ".jpg")
              .setInstructions(List.of("instruction " + i))
              .setMetadata(Map.of("n", Integer.toString(i)))
              .build());
    }

    Properties producerProps = new Properties();
    producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers());
    producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(producerProps, new StringSerializer(), new ByteArraySerializer())) {
      for (ImageEmbeddingRequest request : sent) {
        producer.send(new ProducerRecord<>(topic, request.getId(), codec.encode(request))).get();
      }
    }

    Properties consumerProps = new Properties();
    consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers());
    consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, LocalStack.uniqueName("it"));
    consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<ImageEmbeddingRequest> received = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(consumerProps, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (received.size() < sent.size() && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          ImageEmbeddingRequest request = codec.decode(record.value());
          assertThat(record.key()).isEqualTo(request.getId());
          received.add(request);
        }
      }
    }
    assertThat(received).containsExactlyInAnyOrderElementsOf(sent);
  }

  @Test
  void denseVectorIndexAnswersKnnWithTheNearestDocument(LocalStack stack) throws Exception {
    int dims = 16;
    String index = LocalStack.uniqueName("vectors");
    RestClient rest = RestClient.builder(HttpHost.create(stack.elasticsearchUrl())).build();
    try (RestClientTransport transport = new RestClientTransport(rest, new JacksonJsonpMapper())) {
      ElasticsearchClient es = new ElasticsearchClient(transport);
      es.indices()
          .create(
              c ->
                  c.index(index)
                      .mappings(
                          m ->
                              m.properties("request_id", p -> p.keyword(k -> k))
                                  .properties(
                                      "embedding",
                                      p ->
                                          p.denseVector(
                                              d ->
                                                  d.dims(dims)
                                                      .index(true)
                                                      .similarity(DenseVectorSimilarity.DotProduct)
                                                      .indexOptions(
                                                          o ->
                                                              o.type(
                                                                  co.elastic.clients.elasticsearch
                                                                      ._types.mapping
                                                                      .DenseVectorIndexOptionsType
                                                                      .Int8Hnsw))))));

      Random random = new Random(42);
      List<float[]> vectors = new ArrayList<>();
      List<BulkOperation> ops = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        float[] v = unit(random, dims);
        vectors.add(v);
        Map<String, Object> doc = Map.of("request_id", "r" + i, "embedding", toList(v));
        String id = "doc-" + i;
        ops.add(BulkOperation.of(b -> b.index(x -> x.index(index).id(id).document(doc))));
      }
      BulkResponse bulk =
          es.bulk(
              b -> b.operations(ops).refresh(co.elastic.clients.elasticsearch._types.Refresh.True));
      assertThat(bulk.errors()).as("bulk errors").isFalse();

      // A query a little off document 17 must still find document 17 first.
      float[] query = vectors.get(17).clone();
      query[0] += 0.05f;
      normalise(query);
      SearchResponse<Map> hits =
          es.search(
              s ->
                  s.index(index)
                      .knn(
                          k ->
                              k.field("embedding")
                                  .queryVector(toList(query))
                                  .k(3)
                                  .numCandidates(50)),
              Map.class);

      assertThat(hits.hits().hits()).hasSize(3);
      assertThat(hits.hits().hits().get(0).id()).isEqualTo("doc-17");
      assertThat(hits.hits().hits().get(0).source()).containsEntry("request_id", "r17");
    } finally {
      stack.deleteIndex(index);
    }
  }

  private static float[] unit(Random random, int dims) {
    float[] v = new float[dims];
    for (int i = 0; i < dims; i++) {
      v[i] = (float) random.nextGaussian();
    }
    normalise(v);
    return v;
  }

  private static void normalise(float[] v) {
    double norm = 0;
    for (float x : v) {
      norm += x * x;
    }
    float inv = (float) (1.0 / Math.sqrt(norm));
    for (int i = 0; i < v.length; i++) {
      v[i] *= inv;
    }
  }

  private static List<Float> toList(float[] v) {
    List<Float> list = new ArrayList<>(v.length);
    for (float x : v) {
      list.add(x);
    }
    return list;
  }
}
