package io.abcstream.schemas.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Plain JSON with the schema's field names (not Avro's JSON encoding): nullable fields are plain
 * values or null, bytes are base64, and a union of string and bytes takes a JSON string for the
 * string branch or {"bytes": "base64"} for the bytes branch. Unknown fields are ignored, missing
 * fields take their schema default.
 */
public final class JsonCodec<T extends SpecificRecord> implements RecordCodec<T> {

  /** Deepest nesting of arrays and objects; the schemas nest a few levels. */
  static final int MAX_NESTING_DEPTH = 64;

  /** Longest string value: inline image bytes as base64 are the longest legitimate one. */
  static final int MAX_STRING_LENGTH = 64 << 20;

  /** Longest document: the longest string plus room for the rest of a request. */
  static final long MAX_DOCUMENT_LENGTH = MAX_STRING_LENGTH + (16L << 20);

  /** Longest field name (a metadata key is one). */
  static final int MAX_NAME_LENGTH = 50_000;

  /**
   * Longest number: an epoch-millisecond long is 20 characters, a double's shortest form about 25;
   * longer digit strings only cost big-number parsing time.
   */
  static final int MAX_NUMBER_LENGTH = 100;

  /**
   * Most tokens in one document: each becomes a tree node of tens of bytes, so this bounds the tree
   * a small document of tiny values (e.g. {@code [0,0,0,...]}) can build.
   */
  static final long MAX_TOKEN_COUNT = 100_000;

  private static final ObjectMapper MAPPER =
      new ObjectMapper(
          JsonFactory.builder()
              .streamReadConstraints(
                  StreamReadConstraints.builder()
                      .maxNestingDepth(MAX_NESTING_DEPTH)
                      .maxStringLength(MAX_STRING_LENGTH)
                      .maxDocumentLength(MAX_DOCUMENT_LENGTH)
                      .maxNameLength(MAX_NAME_LENGTH)
                      .maxNumberLength(MAX_NUMBER_LENGTH)
                      .maxTokenCount(MAX_TOKEN_COUNT)
                      .build())
              // Two values for one key: which one wins is up to the parser, so refuse the record.
              .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
              .build());

  private final Class<T> type;
  private final Schema schema;
  private final SpecificData model;

  private JsonCodec(Class<T> type) {
    this.type = type;
    this.model = SpecificData.getForClass(type);
    this.schema = model.getSchema(type);
  }

  public static <T extends SpecificRecord> JsonCodec<T> forClass(Class<T> type) {
    return new JsonCodec<>(type);
  }

  @Override
  public byte[] encode(T record) {
    try {
      return MAPPER.writeValueAsBytes(toJson(schema, record));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON for " + type.getSimpleName(), e);
    }
  }

  @Override
  public T decode(byte[] bytes) throws CodecException {
    if (bytes == null || bytes.length == 0) {
      throw new CodecException(CodecException.Kind.EMPTY, "empty record: no bytes to decode");
    }
    // Jackson decodes overlong forms ("C0 AF" is "/"), CESU-8 surrogates and code points past
    // U+10FFFF without complaint; JSON text must be UTF-8, so anything else is refused first.
    int badByte = new StrictUtf8().firstError(bytes, 0, bytes.length);
    if (badByte >= 0) {
      throw new CodecException(
          CodecException.Kind.INVALID_JSON,
          type.getSimpleName() + ": not valid JSON: not UTF-8 at byte " + badByte);
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw new CodecException(
          CodecException.Kind.INVALID_JSON,
          type.getSimpleName() + ": not valid JSON: " + e.getOriginalMessage(),
          e);
    } catch (IOException e) {
      throw new CodecException(
          CodecException.Kind.INVALID_JSON, type.getSimpleName() + ": not valid JSON: " + e, e);
    }
    if (root == null || root.isMissingNode()) {
      throw new CodecException(CodecException.Kind.INVALID_JSON, "no JSON value in the record");
    }
    Object generic = fromJson(schema, root, "$");
    @SuppressWarnings("unchecked")
    T record = (T) model.deepCopy(schema, generic);
    return record;
  }

  private static Object fromJson(Schema schema, JsonNode node, String path) throws CodecException {
    switch (schema.getType()) {
      case RECORD:
        return recordFromJson(schema, node, path);
      case UNION:
        return unionFromJson(schema, node, path);
      case NULL:
        if (!node.isNull()) {
          throw mismatch(path, "null", node);
        }
        return null;
      case STRING:
        if (!node.isTextual()) {
          throw mismatch(path, "a string", node);
        }
        return text(node.textValue(), path);
      case BYTES:
        if (!node.isTextual()) {
          throw mismatch(path, "base64 text", node);
        }
        try {
          return ByteBuffer.wrap(Base64.getDecoder().decode(node.textValue()));
        } catch (IllegalArgumentException e) {
          throw new CodecException(
              CodecException.Kind.SCHEMA_MISMATCH, path + ": invalid base64: " + e.getMessage());
        }
      case BOOLEAN:
        if (!node.isBoolean()) {
          throw mismatch(path, "true or false", node);
        }
        return node.booleanValue();
      case INT:
        if (!node.canConvertToInt() || !node.isIntegralNumber()) {
          throw mismatch(path, "a 32-bit integer", node);
        }
        return node.intValue();
      case LONG:
        return longFromJson(schema, node, path);
      case FLOAT:
        if (!node.isNumber()) {
          throw mismatch(path, "a number", node);
        }
        return node.floatValue();
      case DOUBLE:
        if (!node.isNumber()) {
          throw mismatch(path, "a number", node);
        }
        return node.doubleValue();
      case ENUM:
        if (!node.isTextual() || !schema.getEnumSymbols().contains(node.textValue())) {
          throw mismatch(path, "one of " + schema.getEnumSymbols(), node);
        }
        return new GenericData.EnumSymbol(schema, node.textValue());
      case ARRAY:
        {
          if (!node.isArray()) {
            throw mismatch(path, "an array", node);
          }
          List<Object> items = new ArrayList<>(node.size());
          for (int i = 0; i < node.size(); i++) {
            items.add(fromJson(schema.getElementType(), node.get(i), path + "[" + i + "]"));
          }
          return new GenericData.Array<>(schema, items);
        }
      case MAP:
        {
          if (!node.isObject()) {
            throw mismatch(path, "an object", node);
          }
          Map<String, Object> map = new LinkedHashMap<>();
          for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = text(e.getKey(), path);
            map.put(key, fromJson(schema.getValueType(), e.getValue(), path + "." + key));
          }
          return map;
        }
      default:
        throw new CodecException(
            CodecException.Kind.SCHEMA_MISMATCH,
            path + ": schema type " + schema.getType() + " is not supported in JSON");
    }
  }

  /**
   * {@code text} itself, unless it has an unpaired surrogate: a "\\uD800" escape is valid JSON
   * syntax but no Unicode text, and UTF-8 (Avro, document ids) cannot encode it.
   */
  private static String text(String text, String path) throws CodecException {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new CodecException(
            CodecException.Kind.INVALID_JSON,
            String.format(
                "%s: not valid JSON text: unpaired surrogate \\u%04X at character %d",
                path, (int) c, i));
      }
    }
    return text;
  }

  private static Object longFromJson(Schema schema, JsonNode node, String path)
      throws CodecException {
    LogicalType logical = schema.getLogicalType();
    if (node.isTextual() && logical instanceof LogicalTypes.TimestampMillis) {
      try {
        return Instant.parse(node.textValue());
      } catch (DateTimeParseException e) {
        throw mismatch(path, "epoch milliseconds or an ISO-8601 instant", node);
      }
    }
    if (!node.isIntegralNumber() || !node.canConvertToLong()) {
      throw mismatch(path, "a 64-bit integer", node);
    }
    return logical instanceof LogicalTypes.TimestampMillis
        ? Instant.ofEpochMilli(node.longValue())
        : (Object) node.longValue();
  }

  private static GenericRecord recordFromJson(Schema schema, JsonNode node, String path)
      throws CodecException {
    if (!node.isObject()) {
      throw mismatch(path, "an object", node);
    }
    GenericData.Record record = new GenericData.Record(schema);
    for (Schema.Field field : schema.getFields()) {
      JsonNode value = node.get(field.name());
      String fieldPath = path + "." + field.name();
      if (value == null) {
        if (!field.hasDefaultValue()) {
          throw new CodecException(
              CodecException.Kind.SCHEMA_MISMATCH, fieldPath + ": required field is missing");
        }
        record.put(field.pos(), GenericData.get().getDefaultValue(field));
      } else {
        record.put(field.pos(), fromJson(field.schema(), value, fieldPath));
      }
    }
    return record;
  }

  private static Object unionFromJson(Schema union, JsonNode node, String path)
      throws CodecException {
    List<Schema> branches = union.getTypes();
    if (node.isNull()) {
      for (Schema branch : branches) {
        if (branch.getType() == Schema.Type.NULL) {
          return null;
        }
      }
      throw mismatch(path, "a value (the field is not nullable)", node);
    }
    // {"bytes": "..."} or {"string": "..."} picks a branch explicitly, as Avro's JSON encoding
    // does.
    if (node.isObject() && node.size() == 1) {
      String key = node.fieldNames().next();
      for (Schema branch : branches) {
        if (branchName(branch).equals(key)
            && branch.getType() != Schema.Type.RECORD
            && branch.getType() != Schema.Type.MAP) {
          return fromJson(branch, node.get(key), path + "." + key);
        }
      }
    }
    for (Schema branch : branches) {
      if (branch.getType() != Schema.Type.NULL && matchesJsonType(branch, node)) {
        return fromJson(branch, node, path);
      }
    }
    List<String> names = new ArrayList<>();
    for (Schema branch : branches) {
      names.add(branchName(branch));
    }
    throw mismatch(path, "one of " + names, node);
  }

  private static String branchName(Schema branch) {
    return branch.getType() == Schema.Type.RECORD || branch.getType() == Schema.Type.ENUM
        ? branch.getFullName()
        : branch.getType().getName();
  }

  private static boolean matchesJsonType(Schema schema, JsonNode node) {
    switch (schema.getType()) {
      case STRING:
      case ENUM:
        return node.isTextual();
      case BYTES:
        return false; // bytes must be chosen explicitly: a JSON string means the string branch.
      case INT:
      case LONG:
        return node.isIntegralNumber()
            || (node.isTextual()
                && schema.getLogicalType() instanceof LogicalTypes.TimestampMillis);
      case FLOAT:
      case DOUBLE:
        return node.isNumber();
      case BOOLEAN:
        return node.isBoolean();
      case ARRAY:
        return node.isArray();
      case MAP:
      case RECORD:
        return node.isObject();
      default:
        return false;
    }
  }

  private static CodecException mismatch(String path, String expected, JsonNode actual) {
    return new CodecException(
        CodecException.Kind.SCHEMA_MISMATCH,
        path + ": expected " + expected + ", got " + describe(actual));
  }

  private static String describe(JsonNode node) {
    String text = node.toString();
    return node.getNodeType().name().toLowerCase(Locale.ROOT)
        + " "
        + (text.length() > 40 ? text.substring(0, 40) + "…" : text);
  }

  private JsonNode toJson(Schema schema, Object value) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (value == null) {
      return f.nullNode();
    }
    switch (schema.getType()) {
      case RECORD:
        {
          ObjectNode obj = f.objectNode();
          GenericRecord record = (GenericRecord) value;
          for (Schema.Field field : schema.getFields()) {
            obj.set(field.name(), toJson(field.schema(), record.get(field.pos())));
          }
          return obj;
        }
      case UNION:
        {
          int index = model.resolveUnion(schema, value);
          Schema branch = schema.getTypes().get(index);
          JsonNode inner = toJson(branch, value);
          if (branch.getType() == Schema.Type.BYTES) {
            return f.objectNode().set("bytes", inner);
          }
          return inner;
        }
      case STRING:
      case ENUM:
        return f.textNode(value.toString());
      case BYTES:
        {
          ByteBuffer buf = ((ByteBuffer) value).duplicate();
          byte[] bytes = new byte[buf.remaining()];
          buf.get(bytes);
          return f.textNode(Base64.getEncoder().encodeToString(bytes));
        }
      case BOOLEAN:
        return f.booleanNode((Boolean) value);
      case INT:
        return f.numberNode((Integer) value);
      case LONG:
        return f.numberNode(
            value instanceof Instant ? ((Instant) value).toEpochMilli() : (Long) value);
      case FLOAT:
        return f.numberNode((Float) value);
      case DOUBLE:
        return f.numberNode((Double) value);
      case ARRAY:
        {
          ArrayNode arr = f.arrayNode();
          for (Object item : (Collection<?>) value) {
            arr.add(toJson(schema.getElementType(), item));
          }
          return arr;
        }
      case MAP:
        {
          ObjectNode obj = f.objectNode();
          for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
            obj.set(e.getKey().toString(), toJson(schema.getValueType(), e.getValue()));
          }
          return obj;
        }
      default:
        throw new IllegalArgumentException("unsupported schema type " + schema.getType());
    }
  }
}
