package io.abcstream.schemas.codec;

import java.util.Locale;
import org.apache.avro.specific.SpecificRecord;

/** Encodes records of one type to bytes and decodes them back, with typed failures. */
public interface RecordCodec<T> {

  byte[] encode(T record);

  /**
   * Decodes {@code bytes}; never returns null and never throws anything but {@link CodecException}.
   */
  T decode(byte[] bytes) throws CodecException;

  /** Which wire format a codec speaks. */
  enum Format {
    AVRO,
    JSON;

    public static Format parse(String text) {
      switch (text.trim().toLowerCase(Locale.ROOT)) {
        case "avro":
          return AVRO;
        case "json":
          return JSON;
        default:
          throw new IllegalArgumentException("unknown format '" + text + "': use avro or json");
      }
    }
  }

  static <T extends SpecificRecord> RecordCodec<T> of(Format format, Class<T> type) {
    return format == Format.AVRO ? SingleObjectCodec.forClass(type) : JsonCodec.forClass(type);
  }
}
