package io.abcstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions;
import io.abcstream.jobs.config.JobOptions;
import io.abcstream.operators.batching.BatchingOptions;
import io.abcstream.operators.document.DocumentIds;
import io.abcstream.operators.embed.EmbeddingOptions;
import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.SingleObjectCodec;
import io.abcstream.testkit.LocalStack;
import io.abcstream.testkit.LocalStackExtension;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stop the job with a savepoint while requests are in flight, restart from it: the index ends with
 * exactly one document per (request, instruction), none missing.
 */
@ExtendWith(LocalStackExtension.class)
class EmbeddingJobRestartITCase {

  @TempDir Path savepoints;

  @Test
  void restartFromASavepointMidStreamLosesAndDuplicatesNothing(LocalStack stack) throws Exception {
    String topic = LocalStack.uniqueName("restart");
    String prefix = LocalStack.uniqueName("it-restart");
    Path bundle = LocalStack.repoRoot().resolve("bundles/tiny");
    byte[] png =
        Files.readAllBytes(LocalStack.repoRoot().resolve("bundles/tiny/goldens/odd_333x217.png"));
    int requests = 40;
    // A slow image server (one request at a time, 300 ms each) keeps the job busy for >= 12 s, so
    // the
    // savepoint is taken mid-stream with requests in flight however fast the model is.
    HttpServer slow =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    slow.createContext(
        "/",
        exchange -> {
          try {
            Thread.sleep(300);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          exchange.sendResponseHeaders(200, png.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(png);
          }
          exchange.close();
        });
    slow.start();
    String imageUrl = "http://127.0.0.1:" + slow.getAddress().getPort() + "/img.png";
    List<String> instructions = List.of("left?", "right?");

    Set<String> expectedIds = new HashSet<>();
    SingleObjectCodec<ImageEmbeddingRequest> codec =
        SingleObjectCodec.forClass(ImageEmbeddingRequest.class);
    try (KafkaProducer<byte[], byte[]> producer = KafkaTestTopics.producer(stack)) {
      for (int i = 0; i < requests; i++) {
        String id = "req-" + i;
        ImageEmbeddingRequest r =
            ImageEmbeddingRequest.newBuilder()
                .setId(id)
                .setImage(imageUrl)
                .setInstructions(instructions)
                .build();
        producer
            .send(new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8), codec.encode(r)))
            .get();
        for (String instruction : instructions) {
          expectedIds.add(DocumentIds.of(id, instruction));
        }
      }
    }

    Configuration conf = new Configuration();
    conf.set(JobOptions.KAFKA_BOOTSTRAP, stack.kafkaBootstrapServers());
    conf.set(JobOptions.INPUT_TOPIC, topic);
    conf.set(JobOptions.DLQ_TOPIC, topic + "-dlq");
    conf.set(JobOptions.GROUP_ID, topic);
    conf.set(JobOptions.STARTING_OFFSETS, "committed");
    conf.set(BatchingOptions.BUNDLE, bundle.toString());
    conf.set(ElasticsearchSinkOptions.INDEX_PREFIX, prefix);
    // Small batches and capacity keep requests in flight across the savepoint.
    conf.set(BatchingOptions.BATCH_MAX_ITEMS, 2);
    conf.set(EmbeddingOptions.CAPACITY, 8);
    conf.set(EmbeddingOptions.CPU_THREADS, 1);
    conf.setString("elasticsearch.hosts", stack.elasticsearchUrl());
    conf.setString("elasticsearch.sink.batch.max-time", "5s");
    conf.setString("fetch.policy.allowed-cidrs", "127.0.0.0/8");
    conf.setString("execution.checkpointing.interval", "1s");
    conf.setString("parallelism.default", "1");
    conf = JobEnvironment.withDefaults(conf);

    EmbeddingJob.Plan plan;
    String savepoint;
    {
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
      plan = EmbeddingJob.build(env, conf);
      JobClient job = env.executeAsync("restart-it-1");
      long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
      while (EmbeddingJobITCase.documents(stack, plan.index()).size() < 6
          && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      savepoint =
          job.stopWithSavepoint(false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
              .get();
    }
    int beforeRestart = EmbeddingJobITCase.documents(stack, plan.index()).size();
    assertThat(beforeRestart).as("stopped mid-stream").isLessThan(expectedIds.size());

    Configuration restored = new Configuration(conf);
    restored.setString("execution.state-recovery.path", savepoint);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(restored);
    EmbeddingJob.build(env, restored);
    JobClient job = env.executeAsync("restart-it-2");
    try {
      var docs = EmbeddingJobITCase.waitForDocuments(stack, plan.index(), expectedIds.size());
      assertThat(docs.keySet()).containsExactlyInAnyOrderElementsOf(expectedIds);
    } finally {
      job.cancel().get();
      stack.deleteIndex(plan.index());
      slow.stop(0);
    }
  }
}
