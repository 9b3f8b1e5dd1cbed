package io.abcstream.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.abcstream.schemas.ImageEmbeddingRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Hostile JSON: bombs stop at explicit parser limits, and text must be valid Unicode in UTF-8. */
class JsonCodecHostileTest {

  private static final JsonCodec<ImageEmbeddingRequest> CODEC =
      JsonCodec.forClass(ImageEmbeddingRequest.class);

  static Stream<Arguments> hostileDocuments() {
    return Stream.of(
        json("duplicate id", "{\"id\":\"a\",\"id\":\"b\",\"image\":\"u\"}", "Duplicate field 'id'"),
        json(
            "duplicate metadata key",
            "{\"id\":\"r\",\"image\":\"u\",\"metadata\":{\"k\":\"1\",\"k\":\"2\"}}",
            "Duplicate field 'k'"),
        json(
            "duplicate key in an ignored field",
            "{\"id\":\"r\",\"image\":\"u\",\"x\":{\"a\":1,\"a\":2}}",
            "Duplicate field 'a'"),
        json("lone high surrogate in id", "{\"id\":\"r\\ud800\",\"image\":\"u\"}", "$.id"),
        json("lone low surrogate in id", "{\"id\":\"\\udc00r\",\"image\":\"u\"}", "\\uDC00"),
        json("reversed pair in id", "{\"id\":\"\\udc00\\ud800\",\"image\":\"u\"}", "unpaired"),
        json(
            "lone surrogate in an instruction",
            "{\"id\":\"r\",\"image\":\"u\",\"instructions\":[\"ok\",\"x\\ud83d\"]}",
            "$.instructions[1]"),
        json(
            "lone surrogate in a metadata key",
            "{\"id\":\"r\",\"image\":\"u\",\"metadata\":{\"\\ud800\":\"v\"}}",
            "$.metadata"),
        json(
            "lone surrogate in a metadata value",
            "{\"id\":\"r\",\"image\":\"u\",\"metadata\":{\"k\":\"\\udfff\"}}",
            "$.metadata.k"),
        json(
            "lone surrogate in an image URI",
            "{\"id\":\"r\",\"image\":{\"string\":\"https://x/\\ud800\"}}",
            "unpaired"),
        json(
            "nesting 100 deep",
            "{\"id\":\"r\",\"image\":\"u\",\"x\":" + nested(100) + "}",
            "depth"),
        json("nesting 100,000 deep", nested(100_000), "depth"),
        json(
            "a 1,000-digit number",
            "{\"id\":\"r\",\"image\":\"u\",\"event_time\":" + "9".repeat(1_000) + "}",
            "Number value length"),
        json(
            "a 1e999999999 exponent",
            "{\"id\":\"r\",\"image\":\"u\",\"event_time\":1" + "0".repeat(200) + "e999999999}",
            "Number value length"),
        json("200,000 tokens", "[" + "0,".repeat(200_000) + "0]", "Token count"),
        bytes("raw byte FF", '"', 0xFF, '"'),
        bytes("overlong slash C0 AF", '{', '"', 'i', 'd', '"', ':', '"', 0xC0, 0xAF, '"', '}'),
        bytes("CESU-8 surrogate ED A0 80", '"', 0xED, 0xA0, 0x80, '"'),
        bytes("code point past U+10FFFF", '"', 0xF4, 0x90, 0x80, 0x80, '"'),
        bytes("ends inside a character", '"', 'a', 0xE4, 0xB8));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileDocuments")
  void hostileDocumentIsInvalidJson(String name, byte[] document, String message) {
    long before = SingleObjectCodecHostileTest.allocatedBytes();
    Throwable thrown = decode(document);
    long allocated = SingleObjectCodecHostileTest.allocatedBytes() - before;
    // One row of the hostile-kinds table in RELIABILITY.md.
    System.out.printf(
        "hostile json | %s | DECODE/MALFORMED_EVENT (%s) | %,d bytes%n",
        name, thrown instanceof CodecException c ? c.kind() : thrown, allocated);
    assertThat(thrown)
        .as(name)
        .isInstanceOfSatisfying(
            CodecException.class,
            e -> assertThat(e.kind()).isEqualTo(CodecException.Kind.INVALID_JSON))
        .hasMessageContaining(message);
    // The largest document here is 400 kB of tokens; the parser stops at its limit, before the
    // tree grows past a small multiple of that.
    assertThat(allocated).as("%s: bytes allocated", name).isLessThan(32L << 20);
  }

  @Test
  void validTextStillDecodes() throws Exception {
    ImageEmbeddingRequest request =
        CODEC.decode(
            ("{\"id\":\"r\\ud83d\\udc08 \u00e9\u5de6\",\"image\":\"u\","
                    + "\"instructions\":[\"\",\"\ud83d\udc08\"],\"metadata\":{\"\\u00e9\":\"\"}}")
                .getBytes(StandardCharsets.UTF_8));
    assertThat(request.getId()).isEqualTo("r\uD83D\uDC08 é左");
    assertThat(request.getInstructions()).containsExactly("", "🐈");
    assertThat(request.getMetadata()).containsEntry("é", "");
    // A UTF-8 byte order mark is still skipped.
    byte[] text = "{\"id\":\"r\",\"image\":\"u\"}".getBytes(StandardCharsets.UTF_8);
    byte[] bom = new byte[text.length + 3];
    bom[0] = (byte) 0xEF;
    bom[1] = (byte) 0xBB;
    bom[2] = (byte) 0xBF;
    System.arraycopy(text, 0, bom, 3, text.length);
    assertThat(CODEC.decode(bom).getId()).isEqualTo("r");
  }

  @Test
  void everyStringDocumentIdsWouldRefuseIsRejectedByTheJsonCodec() {
    // DocumentIds refuses text with an unpaired surrogate; the codec must never hand one on, in
    // the id or an instruction, escaped or raw, alone or next to a wrong partner.
    for (int unit = 0xD800; unit <= 0xDFFF; unit += 0x3F) {
      String escape = String.format("\\u%04x", unit);
      for (String text :
          List.of(escape, "a" + escape, escape + "b", escape + escape, "\\ud83d\\ud83d")) {
        for (String document :
            List.of(
                "{\"id\":\"" + text + "\",\"image\":\"u\"}",
                "{\"id\":\"r\",\"image\":\"u\",\"instructions\":[\"" + text + "\"]}")) {
          assertThat(decode(document.getBytes(StandardCharsets.UTF_8)))
              .as(document)
              .isInstanceOfSatisfying(
                  CodecException.class,
                  e -> assertThat(e.kind()).isEqualTo(CodecException.Kind.INVALID_JSON));
        }
      }
    }
  }

  private static Arguments json(String name, String document, String message) {
    return Arguments.of(name, document.getBytes(StandardCharsets.UTF_8), message);
  }

  private static Arguments bytes(String name, int... bytes) {
    byte[] document = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      document[i] = (byte) bytes[i];
    }
    return Arguments.of(name, document, "not UTF-8");
  }

  private static String nested(int depth) {
    return "[".repeat(depth) + "]".repeat(depth);
  }

  private static Throwable decode(byte[] document) {
    try {
      CODEC.decode(document);
      return null;
    } catch (Throwable t) {
      return t;
    }
  }
}
