package io.abcstream.operators.document;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.abcstream.common.UriRedaction;
import io.abcstream.connectors.elasticsearch.DenseVectorOptions;
import io.abcstream.model.text.InputMode;
import io.abcstream.schemas.EmbeddingMode;
import io.abcstream.schemas.ImageEmbedding;
import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.RecordCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one owner of the Elasticsearch document for an embedding: its field names, the index mapping,
 * the JSON written per embedding, and what a dead letter needs when Elasticsearch rejects it.
 */
public final class EmbeddingDocument {

  public static final String REQUEST_ID = "request_id";
  public static final String IMAGE_URI = "image_uri";
  public static final String INSTRUCTION = "instruction";
  public static final String MODE = "mode";
  public static final String EMBEDDING = "embedding";
  public static final String MODEL_VERSION = "model_version";
  public static final String PIXELS = "pixels";
  public static final String PIXELS_HEIGHT = "height";
  public static final String PIXELS_WIDTH = "width";
  public static final String METADATA = "metadata";
  public static final String EVENT_TIME = "event_time";
  public static final String INDEXED_AT = "indexed_at";

  private static final JsonFactory JSON = new JsonFactory();

  private EmbeddingDocument() {}

  /**
   * The document's {@code mode} field: the model's wire name of the mode ({@link
   * InputMode#wireName()}).
   */
  public static String modeName(EmbeddingMode mode) {
    try {
      return InputMode.valueOf(mode.name()).wireName();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("no document mode for " + mode, e);
    }
  }

  /** The index mappings for these documents with {@code vector} as the {@code embedding} field. */
  public static ObjectNode mappings(DenseVectorOptions vector) {
    ObjectNode mappings = JsonNodeFactory.instance.objectNode();
    ObjectNode props = mappings.putObject("properties");
    props.putObject(REQUEST_ID).put("type", "keyword");
    props.putObject(IMAGE_URI).put("type", "keyword");
    ObjectNode instruction = props.putObject(INSTRUCTION);
    instruction.put("type", "text");
    instruction
        .putObject("fields")
        .putObject("keyword")
        .put("type", "keyword")
        .put("ignore_above", 1024);
    props.putObject(MODE).put("type", "keyword");
    props.set(EMBEDDING, vector.toMapping());
    props.putObject(MODEL_VERSION).put("type", "keyword");
    ObjectNode pixels = props.putObject(PIXELS);
    pixels.put("type", "object");
    ObjectNode pixelProps = pixels.putObject("properties");
    pixelProps.putObject(PIXELS_HEIGHT).put("type", "integer");
    pixelProps.putObject(PIXELS_WIDTH).put("type", "integer");
    // Free-form keys from requests: one flattened field (its values keywords, `metadata.<key>`
    // filters exactly) whatever the keys, so no stream of new keys can exhaust the index's field
    // limit and make later documents fail. Indices created with the earlier object mapping keep
    // it: IndexManager checks only the vector field, and a new index picks this one up.
    props.putObject(METADATA).put("type", "flattened");
    props.putObject(EVENT_TIME).put("type", "date");
    props.putObject(INDEXED_AT).put("type", "date");
    return mappings;
  }

  /** The document as JSON bytes, written straight from the embedding. */
  public static byte[] toJson(ImageEmbedding embedding, Instant indexedAt) {
    return toJson(embedding, indexedAt, true);
  }

  /**
   * The document as JSON bytes; with {@code storeUriQuery} false the image URI's query and userinfo
   * are stored redacted ({@link DocumentOptions#STORE_URI_QUERY}).
   */
  public static byte[] toJson(ImageEmbedding embedding, Instant indexedAt, boolean storeUriQuery) {
    ByteArrayOutputStream out =
        new ByteArrayOutputStream(64 + embedding.getEmbedding().size() * 12);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField(REQUEST_ID, embedding.getRequestId());
      String uri = embedding.getImageUri();
      writeNullable(g, IMAGE_URI, storeUriQuery ? uri : UriRedaction.redact(uri));
      writeNullable(g, INSTRUCTION, embedding.getInstruction());
      g.writeStringField(MODE, modeName(embedding.getMode()));
      g.writeArrayFieldStart(EMBEDDING);
      List<Float> vector = embedding.getEmbedding();
      for (int i = 0; i < vector.size(); i++) {
        g.writeNumber(vector.get(i));
      }
      g.writeEndArray();
      g.writeStringField(MODEL_VERSION, embedding.getModelVersion());
      if (embedding.getPixelsHeight() != null && embedding.getPixelsWidth() != null) {
        g.writeObjectFieldStart(PIXELS);
        g.writeNumberField(PIXELS_HEIGHT, embedding.getPixelsHeight());
        g.writeNumberField(PIXELS_WIDTH, embedding.getPixelsWidth());
        g.writeEndObject();
      }
      g.writeObjectFieldStart(METADATA);
      for (Map.Entry<String, String> e : embedding.getMetadata().entrySet()) {
        g.writeStringField(e.getKey(), e.getValue());
      }
      g.writeEndObject();
      if (embedding.getEventTime() != null) {
        g.writeNumberField(EVENT_TIME, embedding.getEventTime().toEpochMilli());
      }
      g.writeNumberField(INDEXED_AT, indexedAt.toEpochMilli());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * What the dead letter of this embedding's document needs if Elasticsearch rejects it, taken from
   * the embedding itself: the request that makes exactly this document (its one instruction),
   * encoded with {@code requests}, the input topic's codec, so a replay reads it like any other
   * record. A request with inline image bytes cannot be rebuilt (the embedding keeps no bytes).
   */
  public static Rejection rejection(
      ImageEmbedding embedding, RecordCodec<ImageEmbeddingRequest> requests) {
    String requestId = embedding.getRequestId();
    String instruction = embedding.getInstruction();
    byte[] request = null;
    if (embedding.getImageUri() != null) {
      List<String> instructions = new ArrayList<>(1);
      if (instruction != null) {
        instructions.add(instruction);
      }
      request =
          requests.encode(
              ImageEmbeddingRequest.newBuilder()
                  .setId(requestId)
                  .setImage(embedding.getImageUri())
                  .setInstructions(instructions)
                  .setMetadata(new LinkedHashMap<>(embedding.getMetadata()))
                  .setEventTime(embedding.getEventTime())
                  .build());
    }
    return new Rejection(requestId, instruction, embedding.getModelVersion(), request);
  }

  /**
   * What a rejected document's dead letter carries, as the opaque bytes the sink's operation holds.
   * {@code request} is the encoded request, or null when it cannot be rebuilt.
   */
  public record Rejection(
      String requestId, String instruction, String modelVersion, byte[] request) {

    private static final int FORMAT = 1;

    /**
     * {@code byte format | nullable requestId | nullable instruction | nullable modelVersion | int
     * len (-1 none) + request}.
     */
    public byte[] toBytes() {
      ByteArrayOutputStream bytes =
          new ByteArrayOutputStream(64 + (request == null ? 0 : request.length));
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeByte(FORMAT);
        writeNullable(out, requestId == null ? null : requestId.getBytes(StandardCharsets.UTF_8));
        writeNullable(
            out, instruction == null ? null : instruction.getBytes(StandardCharsets.UTF_8));
        writeNullable(
            out, modelVersion == null ? null : modelVersion.getBytes(StandardCharsets.UTF_8));
        writeNullable(out, request);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return bytes.toByteArray();
    }

    /** Reads {@link #toBytes()}. */
    public static Rejection fromBytes(byte[] bytes) {
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
        int format = in.readByte();
        if (format != FORMAT) {
          throw new IllegalArgumentException("unknown rejected-document context format " + format);
        }
        String requestId = text(readNullable(in));
        String instruction = text(readNullable(in));
        String modelVersion = text(readNullable(in));
        return new Rejection(requestId, instruction, modelVersion, readNullable(in));
      } catch (IOException e) {
        throw new IllegalArgumentException("corrupt rejected-document context: " + e, e);
      }
    }

    private static void writeNullable(DataOutputStream out, byte[] value) throws IOException {
      if (value == null) {
        out.writeInt(-1);
      } else {
        out.writeInt(value.length);
        out.write(value);
      }
    }

    private static byte[] readNullable(DataInputStream in) throws IOException {
      int length = in.readInt();
      if (length == -1) {
        return null;
      }
      if (length < 0 || length > in.available()) {
        throw new IOException("length " + length);
      }
      byte[] value = new byte[length];
      in.readFully(value);
      return value;
    }

    private static String text(byte[] bytes) {
      return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
  }

  private static void writeNullable(JsonGenerator g, String name, String value) throws IOException {
    if (value == null) {
      g.writeNullField(name);
    } else {
      g.writeStringField(name, value);
    }
  }
}
