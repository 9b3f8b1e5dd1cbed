package io.abcstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions;
import io.abcstream.jobs.config.JobOptions;
import io.abcstream.jobs.dlq.DeadLetterFilter;
import io.abcstream.jobs.dlq.DeadLetterReplayer;
import io.abcstream.operators.batching.BatchingOptions;
import io.abcstream.operators.document.DocumentIds;
import io.abcstream.operators.embed.EmbeddingOptions;
import io.abcstream.schemas.EmbeddingFailure;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.RecordCodec;
import io.abcstream.schemas.codec.SingleObjectCodec;
import io.abcstream.testkit.LocalStack;
import io.abcstream.testkit.LocalStackExtension;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A 5 MB request with several failing instructions once made dead letters above the producer's
 * max.request.size, and the Kafka sink failed the task: now each letter is cut to the dead-letter
 * record size, all are written, the job keeps running and later requests are indexed.
 */
@ExtendWith(LocalStackExtension.class)
class DeadLetterSizeITCase {

  private static final int IMAGE_BYTES = 5 << 20;

  @ParameterizedTest
  @EnumSource(RecordCodec.Format.class)
  void aFiveMegabyteRequestsDeadLettersAreAllWrittenAndTheJobKeepsRunning(
      RecordCodec.Format dlqFormat, LocalStack stack) throws Exception {
    String topic = LocalStack.uniqueName("big-requests");
    String dlq = topic + "-dlq";
    String prefix = LocalStack.uniqueName("it-dlq-size");
    // The input topic takes 5 MB records (its producers allow it); the dead-letter topic keeps the
    // broker's default, about 1 MiB, like a production one.
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers()))) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(topic, 1, (short) 1)
                      .configs(Map.of("max.message.bytes", String.valueOf(16 << 20)))))
          .all()
          .get();
    }

    Configuration conf = new Configuration();
    conf.set(JobOptions.KAFKA_BOOTSTRAP, stack.kafkaBootstrapServers());
    conf.set(JobOptions.INPUT_TOPIC, topic);
    conf.set(JobOptions.DLQ_TOPIC, dlq);
    conf.set(JobOptions.GROUP_ID, topic);
    conf.set(JobOptions.STARTING_OFFSETS, "earliest");
    conf.setString("kafka.output-format", dlqFormat.name().toLowerCase());
    conf.set(BatchingOptions.BUNDLE, LocalStack.repoRoot().resolve("bundles/tiny").toString());
    conf.set(ElasticsearchSinkOptions.INDEX_PREFIX, prefix);
    conf.set(EmbeddingOptions.CPU_THREADS, 2);
    conf.set(BatchingOptions.BATCH_MAX_WAIT, Duration.ofMillis(50));
    conf.setString("elasticsearch.hosts", stack.elasticsearchUrl());
    conf.setString("elasticsearch.sink.batch.max-time", "200ms");
    conf.setString("execution.checkpointing.interval", "2s");
    conf.setString("parallelism.default", "1");
    // A failed task fails the job instead of restarting it: a restart would hide the defect.
    conf.setString("restart-strategy.type", "none");
    conf = JobEnvironment.withDefaults(conf);

    byte[] junk = new byte[IMAGE_BYTES];
    new Random(3).nextBytes(junk);
    byte[] odd =
        Files.readAllBytes(LocalStack.repoRoot().resolve("bundles/tiny/goldens/odd_333x217.png"));
    SingleObjectCodec<ImageEmbeddingRequest> codec =
        SingleObjectCodec.forClass(ImageEmbeddingRequest.class);
    // Three instructions rejected at VALIDATE, one that reaches IMAGE: four letters, each of which
    // carried the whole 5 MB request before.
    ImageEmbeddingRequest big =
        request("r-big", junk, "a <|im_end|>", "b <|im_end|>", "c <|im_end|>", "what is this?");
    byte[] bigValue = codec.encode(big);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
    EmbeddingJob.Plan plan = EmbeddingJob.build(env, conf);
    JobClient job = env.executeAsync("it-dead-letter-size");
    try {
      Properties props = new Properties();
      props.put("bootstrap.servers", stack.kafkaBootstrapServers());
      props.put("acks", "all");
      props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(16 << 20));
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
        producer.send(new ProducerRecord<>(topic, bytes("r-big"), bigValue)).get();
        // Too much metadata for one document: rejected before any work, the job unharmed.
        Map<String, String> metadata = new LinkedHashMap<>();
        for (int i = 0; i < 200; i++) {
          metadata.put("key" + i, "value");
        }
        ImageEmbeddingRequest meta =
            ImageEmbeddingRequest.newBuilder(request("r-meta", odd, "x"))
                .setMetadata(metadata)
                .build();
        producer.send(new ProducerRecord<>(topic, bytes("r-meta"), codec.encode(meta))).get();
        ImageEmbeddingRequest after = request("r-after", odd, "describe it");
        producer.send(new ProducerRecord<>(topic, bytes("r-after"), codec.encode(after))).get();
      }

      RecordCodec<EmbeddingFailure> letters = RecordCodec.of(dlqFormat, EmbeddingFailure.class);
      List<EmbeddingFailure> all = new ArrayList<>();
      for (ConsumerRecord<byte[], byte[]> r : KafkaTestTopics.read(stack, dlq, 5)) {
        assertThat(r.serializedValueSize() + r.serializedKeySize()).isLessThanOrEqualTo(1 << 20);
        all.add(letters.decode(r.value()));
      }
      assertThat(all)
          .filteredOn(f -> "r-meta".equals(f.getRequestId()))
          .singleElement()
          .satisfies(
              f -> {
                assertThat(f.getStage()).isEqualTo(FailureStage.VALIDATE);
                assertThat(f.getErrorClass()).isEqualTo(ErrorClass.INVALID_REQUEST);
                assertThat(f.getMessage()).contains("metadata has 200 entries, the limit is 128");
                assertThat(f.getOriginalValueTruncated()).isFalse();
              });
      List<EmbeddingFailure> failures =
          all.stream().filter(f -> "r-big".equals(f.getRequestId())).toList();
      // VALIDATE's letters carry the request as it came, the later stages' the accepted one.
      byte[] acceptedValue = codec.encode(request("r-big", junk, "what is this?"));
      assertThat(failures)
          .extracting(f -> f.getStage() + "/" + f.getErrorClass() + " " + f.getInstruction())
          .containsExactlyInAnyOrder(
              FailureStage.VALIDATE + "/" + ErrorClass.INVALID_REQUEST + " a <|im_end|>",
              FailureStage.VALIDATE + "/" + ErrorClass.INVALID_REQUEST + " b <|im_end|>",
              FailureStage.VALIDATE + "/" + ErrorClass.INVALID_REQUEST + " c <|im_end|>",
              FailureStage.IMAGE + "/" + ErrorClass.UNDECODABLE_IMAGE + " null");
      for (EmbeddingFailure f : failures) {
        byte[] whole = f.getStage() == FailureStage.VALIDATE ? bigValue : acceptedValue;
        assertThat(f.getRequestId()).isEqualTo("r-big");
        assertThat(f.getOriginalValueTruncated()).isTrue();
        assertThat(f.getOriginalValueLength()).isEqualTo(whole.length);
        assertThat(f.getOriginalValueSha256()).isEqualTo(sha256(whole));
        int kept = f.getOriginalValue().remaining();
        assertThat(kept).isBetween(600 << 10, 1 << 20);
        assertThat(f.getOriginalValue()).isEqualTo(ByteBuffer.wrap(whole, 0, kept));
      }

      // The job went on: the request behind the big one is indexed, and nothing failed.
      Map<String, ?> docs = EmbeddingJobITCase.waitForDocuments(stack, plan.index(), 1);
      assertThat(docs).containsOnlyKeys(DocumentIds.of("r-after", "describe it"));
      assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);

      // A truncated original is not replayed half.
      DeadLetterReplayer.Summary replay =
          new DeadLetterReplayer(props, dlqFormat).replay(dlq, topic, DeadLetterFilter.all(), true);
      assertThat(replay).isEqualTo(new DeadLetterReplayer.Summary(5, 5, 1, 4, 0, 4));
    } finally {
      job.cancel().get();
      stack.deleteIndex(plan.index());
    }
  }

  private static ImageEmbeddingRequest request(String id, byte[] image, String... instructions) {
    return ImageEmbeddingRequest.newBuilder()
        .setId(id)
        .setImage(ByteBuffer.wrap(image))
        .setInstructions(List.of(instructions))
        .setMetadata(Map.of("suite", "it"))
        .build();
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
