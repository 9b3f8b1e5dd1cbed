package io.abcstream.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions;
import io.abcstream.jobs.EmbeddingJob;
import io.abcstream.jobs.JobEnvironment;
import io.abcstream.jobs.config.JobOptions;
import io.abcstream.operators.batching.BatchingOptions;
import io.abcstream.operators.embed.EmbeddingOptions;
import io.abcstream.schemas.EmbeddingFailure;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.SingleObjectCodec;
import io.abcstream.testkit.LocalStack;
import io.abcstream.testkit.LogCapture;
import io.abcstream.testkit.SecureStack;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole job against the secured pair ({@link SecureStack}): it consumes from Kafka over
 * SASL_SSL (SCRAM-SHA-512), publishes vectors and dead letters there, and indexes into
 * Elasticsearch over HTTPS with basic auth, every secret by file reference; then {@code abc search}
 * finds the document with the same credentials and fails with what to fix on a wrong password. No
 * password reaches the logs, and the dead letter's message hides the pre-signed query.
 */
class SecureStackITCase {

  static SecureStack stack;
  static HttpServer http;
  static String base;
  @TempDir static Path tmp;

  @BeforeAll
  static void start() throws Exception {
    stack = SecureStack.get();
    byte[] gray =
        Files.readAllBytes(LocalStack.repoRoot().resolve("bundles/tiny/goldens/gray_50x61.png"));
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext(
        "/",
        exchange -> {
          boolean found = exchange.getRequestURI().getPath().equals("/gray.png");
          exchange.sendResponseHeaders(found ? 200 : 404, found ? gray.length : -1);
          if (found) {
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(gray);
            }
          }
          exchange.close();
        });
    http.start();
    base = "http://127.0.0.1:" + http.getAddress().getPort();
  }

  @AfterAll
  static void stop() {
    http.stop(0);
  }

  @Test
  void theJobAndSearchRunOnTheSecuredPairWithSecretsByReference() throws Exception {
    String topic = LocalStack.uniqueName("secure-requests");
    String dlq = topic + "-dlq";
    String vectors = topic + "-vectors";
    String prefix = LocalStack.uniqueName("secure-embeddings");
    Path bundle = LocalStack.repoRoot().resolve("bundles/tiny");
    String signed = base + "/missing.png?X-Amz-Credential=AKIAEXAMPLE&X-Amz-Signature=f00dfeed";

    Configuration conf = new Configuration();
    conf.set(JobOptions.KAFKA_BOOTSTRAP, stack.kafkaBootstrapServers());
    conf.set(JobOptions.INPUT_TOPIC, topic);
    conf.set(JobOptions.DLQ_TOPIC, dlq);
    conf.set(JobOptions.VECTOR_TOPIC, vectors);
    conf.set(JobOptions.GROUP_ID, topic);
    conf.set(JobOptions.STARTING_OFFSETS, "earliest");
    conf.setString("kafka.properties.security.protocol", "SASL_SSL");
    conf.setString("kafka.properties.sasl.mechanism", "SCRAM-SHA-512");
    conf.setString("kafka.properties.ssl.truststore.type", "PKCS12");
    conf.setString("kafka.properties.ssl.truststore.location", stack.truststore().toString());
    conf.setString("kafka.secret-file.sasl.jaas.config", stack.kafkaJaasFile().toString());
    conf.setString(
        "kafka.secret-file.ssl.truststore.password", stack.truststorePasswordFile().toString());
    conf.set(BatchingOptions.BUNDLE, bundle.toString());
    conf.set(ElasticsearchSinkOptions.INDEX_PREFIX, prefix);
    conf.set(EmbeddingOptions.CPU_THREADS, 2);
    conf.set(BatchingOptions.BATCH_MAX_WAIT, Duration.ofMillis(50));
    conf.set(ElasticsearchSinkOptions.HOSTS, List.of(stack.elasticsearchUrl()));
    conf.set(ElasticsearchSinkOptions.USERNAME, stack.elasticsearchUser());
    conf.set(ElasticsearchSinkOptions.PASSWORD_FILE, stack.elasticsearchPasswordFile().toString());
    conf.set(ElasticsearchSinkOptions.CA_PEM_PATH, stack.caPem().toString());
    conf.setString("elasticsearch.sink.batch.max-time", "200ms");
    conf.setString("fetch.policy.allowed-cidrs", "127.0.0.0/8");
    conf.setString("fetch.retry.max-attempts", "1");
    conf.setString("execution.checkpointing.interval", "2s");
    conf.setString("parallelism.default", "1");
    conf = JobEnvironment.withDefaults(conf);

    SingleObjectCodec<ImageEmbeddingRequest> codec =
        SingleObjectCodec.forClass(ImageEmbeddingRequest.class);
    String index;
    try (LogCapture logs = LogCapture.start()) {
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
      EmbeddingJob.Plan plan = EmbeddingJob.build(env, conf);
      index = plan.index();
      JobClient job = env.executeAsync("it-secure-embedding-job");
      try {
        Properties producerProps = stack.kafkaClientProperties();
        producerProps.put("acks", "all");
        try (KafkaProducer<byte[], byte[]> producer =
            new KafkaProducer<>(
                producerProps, new ByteArraySerializer(), new ByteArraySerializer())) {
          for (ImageEmbeddingRequest r :
              List.of(request("s-good", base + "/gray.png"), request("s-404", signed))) {
            producer
                .send(
                    new ProducerRecord<>(
                        topic, r.getId().getBytes(StandardCharsets.UTF_8), codec.encode(r)))
                .get();
          }
        }

        List<ConsumerRecord<byte[], byte[]>> dead = read(dlq, 1);
        assertThat(dead).hasSize(1);
        EmbeddingFailure failure =
            SingleObjectCodec.forClass(EmbeddingFailure.class).decode(dead.get(0).value());
        assertThat(failure.getRequestId().toString()).isEqualTo("s-404");
        assertThat(failure.getStage()).isEqualTo(FailureStage.FETCH);
        assertThat(failure.getErrorClass()).isEqualTo(ErrorClass.FETCH_FAILED);
        assertThat(failure.getMessage().toString())
            .contains("/missing.png?<redacted>")
            .doesNotContain("f00dfeed")
            .doesNotContain("AKIAEXAMPLE");
        assertThat(codec.decode(failure.getOriginalValue().array()).getImage().toString())
            .isEqualTo(signed);

        assertThat(read(vectors, 1)).hasSize(1);
        assertThat(waitForDocument(index)).isEqualTo("s-good");
      } finally {
        job.cancel().get();
      }
      assertThat(logs.text())
          .isNotEmpty()
          .doesNotContain(stack.elasticsearchPassword())
          .doesNotContain(stack.kafkaPassword())
          .doesNotContain(Files.readString(stack.truststorePasswordFile()).strip())
          .doesNotContain("f00dfeed");
    }

    // abc search: the same credentials and CA as flags; a wrong password fails with the fix.
    String ok =
        search(
            "--es-password-file",
            stack.elasticsearchPasswordFile().toString(),
            "--index",
            prefix,
            "--bundle",
            bundle.toString());
    assertThat(ok).contains("\"request_id\":\"s-good\"");
    Path wrong = tmp.resolve("wrong");
    Files.writeString(wrong, "wrong-password-0815");
    String failed =
        search(
            "--es-password-file",
            wrong.toString(),
            "--index",
            prefix,
            "--bundle",
            bundle.toString());
    assertThat(failed).contains("HTTP 401").contains("elasticsearch.auth").doesNotContain("0815");
    stack.deleteIndex(index);
  }

  private static String search(String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "search",
                "--text",
                "a gray picture",
                "--es",
                stack.elasticsearchUrl(),
                "--es-user",
                stack.elasticsearchUser(),
                "--es-ca",
                stack.caPem().toString()));
    args.addAll(List.of(more));
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream out = System.out;
    PrintStream err = System.err;
    PrintStream both = new PrintStream(captured, true, StandardCharsets.UTF_8);
    try {
      System.setOut(both);
      System.setErr(both);
      int code = AbcCommand.newCommandLine().execute(args.toArray(new String[0]));
      both.println("exit " + code);
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }

  private static String waitForDocument(String index) throws Exception {
    ObjectMapper json = new ObjectMapper();
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (System.nanoTime() < deadline) {
      stack.get("/" + index + "/_refresh");
      JsonNode hits = json.readTree(stack.get("/" + index + "/_search").body()).path("hits");
      if (hits.path("hits").size() > 0) {
        return hits.path("hits").get(0).path("_source").path("request_id").asText();
      }
      Thread.sleep(1000);
    }
    return null;
  }

  private static List<ConsumerRecord<byte[], byte[]>> read(String topic, int expected) {
    Properties props = stack.kafkaClientProperties();
    props.put("group.id", LocalStack.uniqueName("secure-reader"));
    props.put("auto.offset.reset", "earliest");
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
      while (System.nanoTime() < deadline && records.size() < expected) {
        consumer.poll(Duration.ofMillis(300)).forEach(records::add);
      }
      consumer.poll(Duration.ofSeconds(1)).forEach(records::add);
    }
    return records;
  }

  private static ImageEmbeddingRequest request(String id, String uri) {
    return ImageEmbeddingRequest.newBuilder()
        .setId(id)
        .setImage(uri)
        .setInstructions(List.of())
        .setMetadata(Map.of())
        .build();
  }
}
