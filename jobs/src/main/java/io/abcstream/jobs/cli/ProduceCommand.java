package io.abcstream.jobs.cli;

import io.abcstream.jobs.config.JobOptions;
import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.RecordCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Produces one ImageEmbeddingRequest, the way an upstream producer would. */
@Command(
    name = "produce",
    mixinStandardHelpOptions = true,
    description = {
      "Send one image request to the input topic.",
      "A local file is sent inline (bytes); a URI (https, http, data:, file:, s3: ...) is sent as a",
      "reference for the job to fetch."
    })
final class ProduceCommand implements Callable<Integer> {

  @Option(names = "--image", required = true, description = "local file (sent inline) or image URI")
  String image;

  @Option(
      names = "--instruction",
      description = "instruction (repeatable); none = one image-only embedding")
  List<String> instructions = new ArrayList<>();

  @Option(names = "--id", description = "request id (default: a random UUID); the idempotency key")
  String id;

  @Option(names = "--meta", description = "metadata key=value (repeatable)")
  Map<String, String> metadata = new HashMap<>();

  @Option(
      names = "--topic",
      defaultValue = JobOptions.DEFAULT_INPUT_TOPIC,
      description = "input topic (default ${DEFAULT-VALUE})")
  String topic;

  @Mixin KafkaArgs kafka;

  @Override
  public Integer call() throws Exception {
    Object imageValue;
    Path local = image.contains("://") || image.startsWith("data:") ? null : Paths.get(image);
    if (local != null) {
      imageValue = ByteBuffer.wrap(Files.readAllBytes(local));
    } else {
      imageValue = image;
    }
    ImageEmbeddingRequest request =
        ImageEmbeddingRequest.newBuilder()
            .setId(id != null ? id : UUID.randomUUID().toString())
            .setImage(imageValue)
            .setInstructions(instructions)
            .setMetadata(metadata)
            .setEventTime(Instant.now())
            .build();
    byte[] value =
        RecordCodec.of(kafka.recordFormat(), ImageEmbeddingRequest.class).encode(request);
    Properties props = kafka.clientProperties();
    props.put("acks", "all");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      RecordMetadata sent =
          producer
              .send(
                  new ProducerRecord<>(
                      topic, request.getId().getBytes(StandardCharsets.UTF_8), value))
              .get();
      System.out.println(
          "sent "
              + request.getId()
              + " to "
              + sent.topic()
              + "/"
              + sent.partition()
              + "@"
              + sent.offset()
              + " ("
              + (instructions.isEmpty() ? "image-only" : instructions.size() + " instructions")
              + ")");
    }
    return 0;
  }
}
