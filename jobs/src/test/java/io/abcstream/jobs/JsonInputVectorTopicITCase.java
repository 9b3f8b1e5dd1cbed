package io.abcstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions;
import io.abcstream.jobs.config.JobOptions;
import io.abcstream.operators.batching.BatchingOptions;
import io.abcstream.operators.document.DocumentIds;
import io.abcstream.schemas.EmbeddingFailure;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import io.abcstream.schemas.ImageEmbedding;
import io.abcstream.schemas.codec.JsonCodec;
import io.abcstream.testkit.LocalStack;
import io.abcstream.testkit.LocalStackExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** JSON in, JSON out: requests as plain JSON, dead letters and the vector topic as JSON too. */
@ExtendWith(LocalStackExtension.class)
class JsonInputVectorTopicITCase {

  @Test
  void jsonRequestsAreEmbeddedAndPublishedToTheVectorTopic(LocalStack stack) throws Exception {
    String topic = LocalStack.uniqueName("json-requests");
    String vectors = topic + "-vectors";
    String dlq = topic + "-dlq";
    byte[] png =
        Files.readAllBytes(LocalStack.repoRoot().resolve("bundles/tiny/goldens/gray_50x61.png"));

    Configuration conf = new Configuration();
    conf.set(JobOptions.KAFKA_BOOTSTRAP, stack.kafkaBootstrapServers());
    conf.set(JobOptions.INPUT_TOPIC, topic);
    conf.set(JobOptions.INPUT_FORMAT, "json");
    conf.set(JobOptions.OUTPUT_FORMAT, "json");
    conf.set(JobOptions.DLQ_TOPIC, dlq);
    conf.set(JobOptions.VECTOR_TOPIC, vectors);
    conf.set(JobOptions.GROUP_ID, topic);
    conf.set(JobOptions.STARTING_OFFSETS, "earliest");
    conf.set(BatchingOptions.BUNDLE, LocalStack.repoRoot().resolve("bundles/tiny").toString());
    conf.set(ElasticsearchSinkOptions.INDEX_PREFIX, LocalStack.uniqueName("it-json"));
    conf.setString("elasticsearch.hosts", stack.elasticsearchUrl());
    conf.setString("parallelism.default", "1");
    conf = JobEnvironment.withDefaults(conf);

    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
    EmbeddingJob.Plan plan = EmbeddingJob.build(env, conf);
    JobClient job = env.executeAsync("json-it");
    try {
      String good =
          "{\"id\":\"j-1\",\"image\":{\"bytes\":\""
              + Base64.getEncoder().encodeToString(png)
              + "\"},\"instructions\":[\"what is it?\"],\"metadata\":{\"source\":\"json\"},"
              + "\"event_time\":\"2026-01-01T00:00:00Z\"}";
      String missingImage = "{\"id\":\"j-2\"}";
      try (KafkaProducer<byte[], byte[]> producer = KafkaTestTopics.producer(stack)) {
        producer.send(new ProducerRecord<>(topic, good.getBytes(StandardCharsets.UTF_8))).get();
        producer
            .send(new ProducerRecord<>(topic, missingImage.getBytes(StandardCharsets.UTF_8)))
            .get();
      }

      List<ConsumerRecord<byte[], byte[]>> published = KafkaTestTopics.read(stack, vectors, 1);
      JsonCodec<ImageEmbedding> embeddings = JsonCodec.forClass(ImageEmbedding.class);
      assertThat(published).hasSize(1);
      ImageEmbedding embedding = embeddings.decode(published.get(0).value());
      assertThat(embedding.getDocId()).isEqualTo(DocumentIds.of("j-1", "what is it?"));
      assertThat(embedding.getMetadata()).containsEntry("source", "json");
      assertThat(embedding.getEventTime()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
      assertThat(new String(published.get(0).key(), StandardCharsets.UTF_8))
          .isEqualTo(embedding.getDocId());

      List<ConsumerRecord<byte[], byte[]>> dead = KafkaTestTopics.read(stack, dlq, 1);
      JsonCodec<EmbeddingFailure> failures = JsonCodec.forClass(EmbeddingFailure.class);
      assertThat(
              dead.stream()
                  .map(
                      r -> {
                        try {
                          EmbeddingFailure f = failures.decode(r.value());
                          return f.getStage() + "/" + f.getErrorClass();
                        } catch (Exception e) {
                          return "undecodable";
                        }
                      })
                  .collect(Collectors.toList()))
          .containsExactly(FailureStage.DECODE + "/" + ErrorClass.MALFORMED_EVENT);

      assertThat(EmbeddingJobITCase.waitForDocuments(stack, plan.index(), 1))
          .containsOnlyKeys(embedding.getDocId());
    } finally {
      job.cancel().get();
      stack.deleteIndex(plan.index());
    }
  }
}
