package io.abcstream.schemas.codec;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro single-object encoding (marker C3 01, 8-byte CRC-64-AVRO fingerprint, binary body) with
 * schema resolution against every writer schema registered with the codec.
 */
public final class SingleObjectCodec<T extends SpecificRecord> implements RecordCodec<T> {

  static final byte MARKER_0 = (byte) 0xC3;
  static final byte MARKER_1 = (byte) 0x01;
  static final int HEADER_LENGTH = 10;

  private final Class<T> type;
  private final Schema readerSchema;
  private final SpecificData model;
  private final long readerFingerprint;
  private final Map<Long, Schema> writerSchemas;
  // Readers are cached per writer: building a resolving reader is far costlier than a decode.
  private final Map<Long, SpecificDatumReader<T>> readers = new HashMap<>();
  private final SpecificDatumWriter<T> writer;

  private SingleObjectCodec(Class<T> type, Map<Long, Schema> extraWriterSchemas) {
    this.type = type;
    this.model = SpecificData.getForClass(type);
    this.readerSchema = model.getSchema(type);
    this.readerFingerprint = fingerprint(readerSchema);
    this.writerSchemas = new HashMap<>(extraWriterSchemas);
    this.writerSchemas.put(readerFingerprint, readerSchema);
    this.writer = new SpecificDatumWriter<>(readerSchema, model);
  }

  /** A codec that reads and writes {@code type}'s own schema. */
  public static <T extends SpecificRecord> SingleObjectCodec<T> forClass(Class<T> type) {
    return new SingleObjectCodec<>(type, Map.of());
  }

  /** A codec that also decodes records written with {@code writerSchemas} (older or newer). */
  public static <T extends SpecificRecord> SingleObjectCodec<T> forClass(
      Class<T> type, Iterable<Schema> writerSchemas) {
    Map<Long, Schema> known = new HashMap<>();
    for (Schema schema : writerSchemas) {
      known.put(fingerprint(Objects.requireNonNull(schema)), schema);
    }
    return new SingleObjectCodec<>(type, known);
  }

  public static long fingerprint(Schema schema) {
    return SchemaNormalization.parsingFingerprint64(schema);
  }

  public Schema schema() {
    return readerSchema;
  }

  @Override
  public byte[] encode(T record) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    out.write(MARKER_0);
    out.write(MARKER_1);
    long fp = readerFingerprint;
    for (int i = 0; i < 8; i++) {
      out.write((int) (fp >>> (8 * i)) & 0xFF);
    }
    try {
      BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
      synchronized (writer) {
        writer.write(record, encoder);
      }
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  @Override
  public T decode(byte[] bytes) throws CodecException {
    if (bytes == null || bytes.length == 0) {
      throw new CodecException(CodecException.Kind.EMPTY, "empty record: no bytes to decode");
    }
    if (bytes.length < 2 || bytes[0] != MARKER_0 || bytes[1] != MARKER_1) {
      throw new CodecException(
          CodecException.Kind.NOT_SINGLE_OBJECT,
          "not Avro single-object encoding: expected marker C3 01, got " + hexPrefix(bytes));
    }
    if (bytes.length < HEADER_LENGTH) {
      throw new CodecException(
          CodecException.Kind.TRUNCATED,
          "truncated header: " + bytes.length + " bytes, the fingerprint needs " + HEADER_LENGTH);
    }
    long fp = 0;
    for (int i = 0; i < 8; i++) {
      fp |= (bytes[2 + i] & 0xFFL) << (8 * i);
    }
    SpecificDatumReader<T> reader = readerFor(fp);
    // Avro allocates what a length or count declares before it reads: a 14-byte record declaring
    // a 2 GB string is an OutOfMemoryError, not an exception. The body is checked against its
    // writer schema first, so the decode below only ever meets lengths its bytes can hold.
    AvroBodyCheck.check(
        type.getSimpleName(),
        writerSchemas.get(fp),
        bytes,
        HEADER_LENGTH,
        bytes.length - HEADER_LENGTH);
    BinaryDecoder decoder =
        DecoderFactory.get()
            .binaryDecoder(bytes, HEADER_LENGTH, bytes.length - HEADER_LENGTH, null);
    T record;
    try {
      synchronized (reader) {
        record = reader.read(null, decoder);
      }
      if (!decoder.isEnd()) {
        throw new CodecException(
            CodecException.Kind.MALFORMED,
            type.getSimpleName() + ": trailing bytes after the record");
      }
    } catch (EOFException e) {
      throw new CodecException(
          CodecException.Kind.TRUNCATED,
          type.getSimpleName() + ": record ends early (" + bytes.length + " bytes)",
          e);
    } catch (IOException | RuntimeException e) {
      // Avro reports corrupt lengths, union indexes and enum ordinals as assorted runtime
      // exceptions; all of them mean the body does not match its writer schema.
      throw new CodecException(
          CodecException.Kind.MALFORMED,
          type.getSimpleName() + ": payload does not match its writer schema: " + e,
          e);
    }
    return record;
  }

  private SpecificDatumReader<T> readerFor(long fp) throws CodecException {
    synchronized (readers) {
      SpecificDatumReader<T> reader = readers.get(fp);
      if (reader == null) {
        Schema writerSchema = writerSchemas.get(fp);
        if (writerSchema == null) {
          throw new CodecException(
              CodecException.Kind.UNKNOWN_SCHEMA,
              String.format(
                  "%s: unknown writer schema fingerprint %016x (known: %s); register the producer's"
                      + " schema with this reader",
                  type.getSimpleName(), fp, knownFingerprints()));
        }
        reader = new SpecificDatumReader<>(writerSchema, readerSchema, model);
        readers.put(fp, reader);
      }
      return reader;
    }
  }

  private String knownFingerprints() {
    StringBuilder sb = new StringBuilder();
    for (Long known : writerSchemas.keySet()) {
      if (sb.length() > 0) {
        sb.append(", ");
      }
      sb.append(String.format("%016x", known));
    }
    return sb.toString();
  }

  private static String hexPrefix(byte[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(4, bytes.length); i++) {
      sb.append(String.format("%02X ", bytes[i]));
    }
    return sb.toString().trim();
  }
}
