package io.abcstream.schemas.codec;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * Walks a binary Avro body against its writer schema without allocating for what it reads, so that
 * no declared length or count can make the real decode allocate more than the body could hold.
 */
final class AvroBodyCheck {

  /**
   * Most items of zero-byte types (null, a record of nulls) one body may declare: nothing in the
   * bytes bounds them, and Avro allocates a slot per item.
   */
  static final int MAX_ZERO_BYTE_ITEMS = 10_000;

  /**
   * Deepest nesting a body may have; only a recursive schema can nest deeper than its own depth.
   */
  static final int MAX_DEPTH = 256;

  private final String typeName;
  private final byte[] buf;
  private final int end;
  private int pos;
  private long zeroByteItems;
  private final Map<Schema, Integer> minBytes = new IdentityHashMap<>();
  private StrictUtf8 utf8;

  private AvroBodyCheck(String typeName, byte[] buf, int offset, int length) {
    this.typeName = typeName;
    this.buf = buf;
    this.pos = offset;
    this.end = offset + length;
  }

  /**
   * Throws unless {@code buf[offset, offset+length)} is exactly one well-formed value of {@code
   * writer}: every length and count fits in the bytes that remain, every string is valid UTF-8,
   * every union branch and enum ordinal exists, and no byte is left over.
   */
  static void check(String typeName, Schema writer, byte[] buf, int offset, int length)
      throws CodecException {
    AvroBodyCheck check = new AvroBodyCheck(typeName, buf, offset, length);
    check.value(writer, 0);
    if (check.pos != check.end) {
      throw check.malformed("trailing bytes after the record");
    }
  }

  private void value(Schema schema, int depth) throws CodecException {
    if (depth > MAX_DEPTH) {
      throw malformed("nested deeper than " + MAX_DEPTH + " levels");
    }
    switch (schema.getType()) {
      case NULL:
        return;
      case BOOLEAN:
        {
          need(1, "a boolean");
          int b = buf[pos++];
          if (b != 0 && b != 1) {
            throw malformed("a boolean byte is " + b + ", not 0 or 1");
          }
          return;
        }
      case INT:
        readInt("an int");
        return;
      case LONG:
        readLong("a long");
        return;
      case FLOAT:
        skip(4, "a float");
        return;
      case DOUBLE:
        skip(8, "a double");
        return;
      case FIXED:
        skip(schema.getFixedSize(), "fixed " + schema.getFullName());
        return;
      case ENUM:
        {
          int ordinal = readInt("an enum ordinal");
          if (ordinal < 0 || ordinal >= schema.getEnumSymbols().size()) {
            throw malformed(
                "enum "
                    + schema.getFullName()
                    + " has no ordinal "
                    + ordinal
                    + " (it has "
                    + schema.getEnumSymbols().size()
                    + ")");
          }
          return;
        }
      case STRING:
        string();
        return;
      case BYTES:
        skip(length("bytes"), "bytes");
        return;
      case RECORD:
        for (Schema.Field field : schema.getFields()) {
          value(field.schema(), depth + 1);
        }
        return;
      case UNION:
        {
          List<Schema> branches = schema.getTypes();
          int index = readInt("a union index");
          if (index < 0 || index >= branches.size()) {
            throw malformed(
                "union index " + index + " out of range (" + branches.size() + " branches)");
          }
          value(branches.get(index), depth + 1);
          return;
        }
      case ARRAY:
        items(schema.getElementType(), false, depth);
        return;
      case MAP:
        items(schema.getValueType(), true, depth);
        return;
      default:
        throw malformed("schema type " + schema.getType() + " is not supported");
    }
  }

  /** The blocks of an array or map: a count, then that many items, until a zero count. */
  private void items(Schema element, boolean map, int depth) throws CodecException {
    String what = map ? "map" : "array";
    // A map entry is a string key (at least its length byte) and a value.
    int itemBytes = map ? 1 + minBytes(element) : minBytes(element);
    while (true) {
      long count = readLong(what + " block count");
      // Readers that skip this value jump over a sized block, so its items must fill it exactly.
      int blockEnd = -1;
      if (count == 0) {
        return;
      }
      if (count < 0) {
        // A negative count is followed by the block's size in bytes (so readers can skip it).
        if (count == Long.MIN_VALUE) {
          throw malformed(what + " block count " + count + " is out of range");
        }
        count = -count;
        long size = readLong(what + " block size");
        if (size < 0) {
          throw malformed(what + " block size " + size + " is negative");
        }
        if (size > remaining()) {
          throw truncated(what + " block declares " + size + " bytes");
        }
        blockEnd = pos + (int) size;
      }
      if (itemBytes > 0) {
        if (count > remaining() / itemBytes) {
          throw truncated(
              what + " block declares " + count + " items of at least " + itemBytes + " bytes");
        }
      } else {
        zeroByteItems += count;
        if (zeroByteItems > MAX_ZERO_BYTE_ITEMS) {
          throw malformed(
              what
                  + " declares "
                  + zeroByteItems
                  + " items of a zero-byte type, more than "
                  + MAX_ZERO_BYTE_ITEMS);
        }
      }
      for (long i = 0; i < count; i++) {
        if (map) {
          string();
        }
        value(element, depth + 1);
      }
      if (blockEnd >= 0 && pos != blockEnd) {
        throw malformed(what + " block size does not match its items");
      }
    }
  }

  private void string() throws CodecException {
    int length = length("string");
    if (utf8 == null) {
      utf8 = new StrictUtf8();
    }
    int error = utf8.firstError(buf, pos, length);
    if (error >= 0) {
      throw malformed("a string is not valid UTF-8 (at byte " + error + " of " + length + ")");
    }
    pos += length;
  }

  private int length(String what) throws CodecException {
    int length = readInt(what + " length");
    if (length < 0) {
      throw malformed(what + " length " + length + " is negative");
    }
    if (length > remaining()) {
      throw truncated(what + " declares " + length + " bytes");
    }
    return length;
  }

  /** The fewest bytes a value of {@code schema} can take (a recursive reference counts as 0). */
  private int minBytes(Schema schema) {
    Integer known = minBytes.get(schema);
    if (known != null) {
      return known;
    }
    minBytes.put(schema, 0); // a recursive schema meets itself: 0 is a safe lower bound
    int n;
    switch (schema.getType()) {
      case NULL:
        n = 0;
        break;
      case FLOAT:
        n = 4;
        break;
      case DOUBLE:
        n = 8;
        break;
      case FIXED:
        n = schema.getFixedSize();
        break;
      case RECORD:
        long sum = 0;
        for (Schema.Field field : schema.getFields()) {
          sum += minBytes(field.schema());
        }
        n = (int) Math.min(sum, Integer.MAX_VALUE);
        break;
      default:
        // boolean, int, long, enum, string, bytes, union index, array/map terminator: one byte.
        n = 1;
    }
    minBytes.put(schema, n);
    return n;
  }

  private int readInt(String what) throws CodecException {
    int value = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      need(1, what);
      int b = buf[pos++] & 0xFF;
      value |= (b & 0x7F) << shift;
      if (b < 0x80) {
        return (value >>> 1) ^ -(value & 1);
      }
    }
    throw malformed(what + " is not a valid varint (more than 5 bytes)");
  }

  private long readLong(String what) throws CodecException {
    long value = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      need(1, what);
      long b = buf[pos++] & 0xFF;
      value |= (b & 0x7F) << shift;
      if (b < 0x80) {
        return (value >>> 1) ^ -(value & 1);
      }
    }
    throw malformed(what + " is not a valid varint (more than 10 bytes)");
  }

  private void skip(int n, String what) throws CodecException {
    need(n, what);
    pos += n;
  }

  private void need(int n, String what) throws CodecException {
    if (n > remaining()) {
      throw new CodecException(
          CodecException.Kind.TRUNCATED,
          typeName
              + ": record ends early: "
              + what
              + " needs "
              + n
              + " bytes, "
              + remaining()
              + " remain");
    }
  }

  private int remaining() {
    return end - pos;
  }

  private CodecException truncated(String what) {
    return new CodecException(
        CodecException.Kind.TRUNCATED,
        typeName + ": " + what + " but only " + remaining() + " bytes remain");
  }

  private CodecException malformed(String what) {
    return new CodecException(
        CodecException.Kind.MALFORMED,
        typeName + ": payload does not match its writer schema: " + what);
  }
}
