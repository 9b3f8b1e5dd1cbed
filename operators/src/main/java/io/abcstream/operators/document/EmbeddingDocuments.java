package io.abcstream.operators.document;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.abcstream.model.text.InputMode;
import io.abcstream.schemas.EmbeddingMode;
import io.abcstream.schemas.ImageEmbedding;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The Elasticsearch document for an embedding (DESIGN §2), written straight to JSON bytes. */
public final class EmbeddingDocuments {

  private static final JsonFactory JSON = new JsonFactory();

  private EmbeddingDocuments() {}

  /** The document's {@code mode} field: the model's wire name of the mode ({@link InputMode#wireName()}). */
  public static String modeName(EmbeddingMode mode) {
    try {
      return InputMode.valueOf(mode.name()).wireName();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("no document mode for " + mode, e);
    }
  }

  public static byte[] toJson(ImageEmbedding embedding, Instant indexedAt) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + embedding.getEmbedding().size() * 12);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("request_id", embedding.getRequestId());
      writeNullable(g, "image_uri", embedding.getImageUri());
      writeNullable(g, "instruction", embedding.getInstruction());
      g.writeStringField("mode", modeName(embedding.getMode()));
      g.writeArrayFieldStart("embedding");
      List<Float> vector = embedding.getEmbedding();
      for (int i = 0; i < vector.size(); i++) {
        g.writeNumber(vector.get(i));
      }
      g.writeEndArray();
      g.writeStringField("model_version", embedding.getModelVersion());
      if (embedding.getPixelsHeight() != null && embedding.getPixelsWidth() != null) {
        g.writeObjectFieldStart("pixels");
        g.writeNumberField("height", embedding.getPixelsHeight());
        g.writeNumberField("width", embedding.getPixelsWidth());
        g.writeEndObject();
      }
      g.writeObjectFieldStart("metadata");
      for (Map.Entry<String, String> e : embedding.getMetadata().entrySet()) {
        g.writeStringField(e.getKey(), e.getValue());
      }
      g.writeEndObject();
      if (embedding.getEventTime() != null) {
        g.writeNumberField("event_time", embedding.getEventTime().toEpochMilli());
      }
      g.writeNumberField("indexed_at", indexedAt.toEpochMilli());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void writeNullable(JsonGenerator g, String name, String value) throws IOException {
    if (value == null) {
      g.writeNullField(name);
    } else {
      g.writeStringField(name, value);
    }
  }
}
