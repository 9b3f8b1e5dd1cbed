package io.abcstream.jobs.cli;

import io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions;
import io.abcstream.jobs.EmbeddingJob;
import io.abcstream.jobs.JobEnvironment;
import io.abcstream.jobs.config.JobOptions;
import io.abcstream.jobs.demo.DemoImages;
import io.abcstream.jobs.search.KnnSearch;
import io.abcstream.model.runtime.Embedder;
import io.abcstream.operators.batching.BatchingOptions;
import io.abcstream.schemas.EmbeddingFailure;
import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.SingleObjectCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The end-to-end demo: local stack, the job on a MiniCluster, generated requests, a kNN query. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Run the pipeline end to end on the local stack and print the nearest hits of a query.",
      "Starts the local Kafka + Elasticsearch, runs the job with the tiny bundled model (or --bundle),",
      "produces generated image requests served from a local HTTP server, waits until they are",
      "indexed, then prints the kNN hits and the dead letters (progress goes to stderr). Ctrl-C stops the job."
    })
final class DemoCommand implements Callable<Integer> {

  static final String TOPIC = "abc-demo-requests";
  static final String DLQ = "abc-demo-dlq";
  static final String INDEX = "abc-demo";
  static final String[] INSTRUCTIONS = {
    "what is the shape on the left?", "what colour is the right shape?"
  };

  @Mixin ModelArgs model;

  @Option(names = "--once", description = "exit after printing the hits (the stack keeps running)")
  boolean once;

  @Option(
      names = "--query",
      defaultValue = "a red circle",
      description = "the kNN query text (default '${DEFAULT-VALUE}')")
  String query;

  @Option(
      names = "--web-port",
      defaultValue = "8081",
      description = "Flink Web UI port (default ${DEFAULT-VALUE})")
  int webPort;

  @Override
  public Integer call() throws Exception {
    System.err.println("== starting the local stack (./abc stack up)");
    if (ProcessRunner.runForProgress(
            List.of("bash", RepoLayout.script("dev/stack.sh").toString(), "up"))
        != 0) {
      System.err.println("abc demo: the local stack did not start; see ./abc stack logs");
      return 1;
    }
    Path bundleDir = model.bundleDir();
    String kafka = "127.0.0.1:" + env("ABC_KAFKA_PORT", "9092");
    String es = "http://127.0.0.1:" + env("ABC_ES_PORT", "9200");
    long start = System.currentTimeMillis();

    try (DemoImages images = new DemoImages()) {
      Configuration conf = new Configuration();
      conf.set(JobOptions.JOB_NAME, "abc-demo");
      conf.set(JobOptions.KAFKA_BOOTSTRAP, kafka);
      conf.set(JobOptions.INPUT_TOPIC, TOPIC);
      conf.set(JobOptions.DLQ_TOPIC, DLQ);
      conf.set(JobOptions.GROUP_ID, "abc-demo");
      conf.set(JobOptions.STARTING_OFFSETS, "timestamp:" + start);
      conf.set(BatchingOptions.BUNDLE, bundleDir.toString());
      conf.set(BatchingOptions.DEVICES, List.of(model.device));
      conf.set(ElasticsearchSinkOptions.INDEX_PREFIX, INDEX);
      conf.set(BatchingOptions.BATCH_MAX_WAIT, Duration.ofMillis(50));
      conf.setString("elasticsearch.hosts", es);
      // The demo serves its images from this machine; production keeps loopback denied.
      conf.setString("fetch.policy.allowed-cidrs", "127.0.0.0/8");
      conf.setString("execution.checkpointing.interval", "5s");
      conf.setString("parallelism.default", "1");
      conf = JobEnvironment.withDefaults(conf);
      conf.set(RestOptions.PORT, webPort);

      createTopics(kafka);
      StreamExecutionEnvironment env =
          StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
      EmbeddingJob.Plan plan = EmbeddingJob.build(env, conf);
      JobClient job = env.executeAsync("abc-demo");
      System.err.println(
          "== job " + job.getJobID() + " running; Flink Web UI: http://localhost:" + webPort);
      System.err.println(
          "   index "
              + plan.index()
              + " (alias "
              + plan.alias()
              + "), model "
              + plan.modelVersion());

      int expected = produce(kafka, images);
      System.err.println(
          "== produced "
              + (DemoImages.SCENES.length + 2)
              + " requests ("
              + expected
              + " embeddings expected, 1 request meant for the dead-letter topic)");

      try (KnnSearch search = new KnnSearch(es)) {
        long deadline = System.currentTimeMillis() + Duration.ofMinutes(5).toMillis();
        long indexed = 0;
        while (System.currentTimeMillis() < deadline) {
          indexed = search.countSince(plan.alias(), start);
          if (indexed >= expected) {
            break;
          }
          Thread.sleep(1000);
        }
        System.err.println("== " + indexed + " documents indexed");
        if (indexed < expected) {
          System.err.println(
              "abc demo: only " + indexed + " of " + expected + " documents arrived in 5 minutes");
          job.cancel().get();
          return 1;
        }
        float[] vector;
        try (Embedder embedder = Embedder.open(bundleDir, model.device)) {
          vector = embedder.embedText(query).vector();
        }
        System.out.println("== kNN for \"" + query + "\" over " + plan.alias() + ":");
        for (KnnSearch.Hit hit : search.search(plan.alias(), vector, 5, null)) {
          System.out.printf(
              "   %.4f  %-32s %-18s %s%n",
              hit.score(),
              hit.requestId(),
              hit.mode(),
              hit.instruction() == null ? "" : hit.instruction());
        }
      }
      printDeadLetters(kafka, start);
      System.err.println(
          "== try: ./abc search --index "
              + INDEX
              + " --text \"a blue square\"; stop the stack with ./abc stack down");
      if (once) {
        job.cancel().get();
        return 0;
      }
      System.err.println("== the job keeps running; Ctrl-C to stop it");
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      job.cancel().get();
                    } catch (Exception e) {
                      // exiting anyway
                    }
                  }));
      job.getJobExecutionResult().get();
      return 0;
    }
  }

  /** The source would otherwise start before its topic exists and log retries until it does. */
  private static void createTopics(String kafka) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", kafka);
    try (Admin admin = Admin.create(props)) {
      Set<String> existing = admin.listTopics().names().get();
      List<NewTopic> missing = new ArrayList<>();
      for (String topic : List.of(TOPIC, DLQ)) {
        if (!existing.contains(topic)) {
          missing.add(new NewTopic(topic, 1, (short) 1));
        }
      }
      if (!missing.isEmpty()) {
        admin.createTopics(missing).all().get();
      }
    }
  }

  private static int produce(String kafka, DemoImages images) throws Exception {
    SingleObjectCodec<ImageEmbeddingRequest> codec =
        SingleObjectCodec.forClass(ImageEmbeddingRequest.class);
    List<ImageEmbeddingRequest> requests = new ArrayList<>();
    for (DemoImages.Scene scene : DemoImages.SCENES) {
      requests.add(
          ImageEmbeddingRequest.newBuilder()
              .setId("demo-" + scene.name())
              .setImage(images.url(scene))
              .setInstructions(List.of(INSTRUCTIONS))
              .setMetadata(Map.of("scene", scene.name()))
              .build());
    }
    requests.add(
        ImageEmbeddingRequest.newBuilder()
            .setId("demo-inline-image-only")
            .setImage(ByteBuffer.wrap(images.png(DemoImages.SCENES[0])))
            .build());
    requests.add(
        ImageEmbeddingRequest.newBuilder()
            .setId("demo-missing-image")
            .setImage(images.missingUrl())
            .setInstructions(List.of("anything?"))
            .build());
    Properties props = new Properties();
    props.put("bootstrap.servers", kafka);
    props.put("acks", "all");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (ImageEmbeddingRequest r : requests) {
        producer
            .send(
                new ProducerRecord<>(
                    TOPIC, r.getId().getBytes(StandardCharsets.UTF_8), codec.encode(r)))
            .get();
      }
    }
    return DemoImages.SCENES.length * INSTRUCTIONS.length + 1;
  }

  private static void printDeadLetters(String kafka, long since) {
    Properties props = new Properties();
    props.put("bootstrap.servers", kafka);
    props.put("group.id", "abc-demo-dlq-reader-" + since);
    props.put("auto.offset.reset", "earliest");
    SingleObjectCodec<EmbeddingFailure> codec = SingleObjectCodec.forClass(EmbeddingFailure.class);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(DLQ));
      long deadline = System.currentTimeMillis() + 15_000;
      System.out.println("== dead letters (" + DLQ + "):");
      boolean any = false;
      while (System.currentTimeMillis() < deadline && !any) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          if (record.timestamp() < since) {
            continue;
          }
          try {
            EmbeddingFailure f = codec.decode(record.value());
            System.out.println(
                "   "
                    + f.getRequestId()
                    + "  "
                    + f.getStage()
                    + "/"
                    + f.getErrorClass()
                    + "  "
                    + f.getMessage());
            any = true;
          } catch (Exception e) {
            System.out.println("   (undecodable dead letter: " + e.getMessage() + ")");
          }
        }
      }
      if (!any) {
        System.out.println("   none yet");
      }
    }
  }

  private static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : v;
  }
}
