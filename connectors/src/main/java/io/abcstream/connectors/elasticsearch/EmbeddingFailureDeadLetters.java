package io.abcstream.connectors.elasticsearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.abcstream.schemas.EmbeddingFailure;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.RecordCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps a {@link DeadLetter} to the DLQ contract: an {@link EmbeddingFailure} with stage INDEX and
 * class INDEX_REJECTED, whose {@code original_value} is the request rebuilt from the document so
 * that a DLQ replay re-embeds exactly that (request, instruction).
 */
public final class EmbeddingFailureDeadLetters {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_MESSAGE_CHARS = 4000;

  private EmbeddingFailureDeadLetters() {}

  /**
   * The failure record for {@code letter}; fields the document lacks stay null. The rebuilt request is
   * encoded with {@code requests}, the input topic's codec, so a replay reads it like any other record.
   */
  public static EmbeddingFailure toEmbeddingFailure(
      DeadLetter letter, Instant failedAt, RecordCodec<ImageEmbeddingRequest> requests) {
    IndexOperation op = letter.operation();
    JsonNode doc = parse(op.source());
    String requestId = text(doc, "request_id");
    String instruction = text(doc, "instruction");
    String message = "index [" + op.index() + "] id [" + op.id() + "]: " + letter.describe();
    if (message.length() > MAX_MESSAGE_CHARS) {
      message = message.substring(0, MAX_MESSAGE_CHARS) + "...";
    }
    EmbeddingFailure.Builder failure =
        EmbeddingFailure.newBuilder()
            .setRequestId(requestId)
            .setInstruction(instruction)
            .setStage(FailureStage.INDEX)
            .setErrorClass(ErrorClass.INDEX_REJECTED)
            .setMessage(message)
            .setAttempts(Math.max(1, letter.attempts()))
            .setFailedAt(failedAt)
            .setModelVersion(text(doc, "model_version"));
    byte[] request = rebuildRequest(doc, requestId, instruction, requests);
    if (request != null) {
      failure.setOriginalKey(ByteBuffer.wrap(requestId.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      failure.setOriginalValue(ByteBuffer.wrap(request));
    }
    return failure.build();
  }

  /** The encoded request that produces this document, or null when the document cannot tell. */
  static byte[] rebuildRequest(
      JsonNode doc, String requestId, String instruction, RecordCodec<ImageEmbeddingRequest> requests) {
    String image = text(doc, "image_uri");
    if (doc == null || requestId == null || image == null) {
      return null;
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    doc.path("metadata").fields().forEachRemaining(e -> metadata.put(e.getKey(), e.getValue().asText()));
    List<String> instructions = new ArrayList<>();
    if (instruction != null) {
      instructions.add(instruction);
    }
    ImageEmbeddingRequest.Builder request =
        ImageEmbeddingRequest.newBuilder().setId(requestId).setImage(image).setInstructions(instructions).setMetadata(metadata);
    JsonNode eventTime = doc.get("event_time");
    if (eventTime != null && eventTime.canConvertToLong()) {
      request.setEventTime(Instant.ofEpochMilli(eventTime.asLong()));
    } else if (eventTime != null && eventTime.isTextual()) {
      try {
        request.setEventTime(Instant.parse(eventTime.asText()));
      } catch (RuntimeException ignored) {
        // an unparsable event time is left out; the replay uses the Kafka timestamp
      }
    }
    return requests.encode(request.build());
  }

  private static JsonNode parse(byte[] source) {
    if (source == null) {
      return null;
    }
    try {
      return JSON.readTree(source);
    } catch (IOException e) {
      return null; // a source that is not even JSON is itself the reason it was rejected
    }
  }

  private static String text(JsonNode doc, String field) {
    if (doc == null) {
      return null;
    }
    JsonNode value = doc.get(field);
    return value == null || value.isNull() || !value.isValueNode() ? null : value.asText();
  }
}
