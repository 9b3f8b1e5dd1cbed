package io.abcstream.schemas.codec;

import io.abcstream.schemas.EmbeddingFailure;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;

/** The dead-letter codec that also reads letters written with earlier EmbeddingFailure schemas. */
public final class DeadLetterCodec {

  /**
   * Earlier writer schemas, oldest first: a dead-letter topic keeps letters written before the
   * schema gained fields, and single-object Avro names its writer schema by fingerprint.
   */
  static final List<String> HISTORY = List.of("EmbeddingFailure-1.avsc");

  private DeadLetterCodec() {}

  public static RecordCodec<EmbeddingFailure> of(RecordCodec.Format format) {
    // JSON needs no history: a field missing from an older letter takes its schema default.
    return format == RecordCodec.Format.AVRO
        ? SingleObjectCodec.forClass(EmbeddingFailure.class, writerSchemas())
        : JsonCodec.forClass(EmbeddingFailure.class);
  }

  static List<Schema> writerSchemas() {
    List<Schema> schemas = new ArrayList<>();
    for (String name : HISTORY) {
      String path = "/io/abcstream/schemas/history/" + name;
      try (InputStream in = DeadLetterCodec.class.getResourceAsStream(path)) {
        if (in == null) {
          throw new IllegalStateException("missing schema resource " + path);
        }
        schemas.add(new Schema.Parser().parse(in));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return schemas;
  }
}
