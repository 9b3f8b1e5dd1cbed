package io.abcstream.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.management.ThreadMXBean;
import io.abcstream.schemas.ImageEmbeddingRequest;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile single-object bodies: every declared length and count is checked against the bytes that
 * remain before Avro allocates, and every string is strict UTF-8.
 */
class SingleObjectCodecHostileTest {

  /**
   * What one rejected decode may allocate on the calling thread. A rejection allocates the
   * exception, its stack trace and message, and the check's small buffers: tens of kB. The bombs
   * declare 100 MB and 2 GB, so an allocation driven by the declared size shows up as at least 100
   * MB; 4 MiB separates the two by a factor of 25 either way, which keeps the bound deterministic
   * despite JIT and TLAB noise.
   */
  static final long MAX_ALLOCATED_BYTES = 4L << 20;

  static final int TWO_GB = 2_000_000_000;
  static final int HUNDRED_MB = 100_000_000;

  private static final SingleObjectCodec<ImageEmbeddingRequest> CODEC =
      SingleObjectCodec.forClass(ImageEmbeddingRequest.class);

  /**
   * Bodies of ImageEmbeddingRequest: id string, image union [string, bytes], instructions
   * array&lt;string&gt;, metadata map&lt;string,string&gt;, event_time union [null, long].
   */
  static Stream<Arguments> hostileBodies() {
    return Stream.of(
        // Declared lengths and counts beyond the body.
        bomb("id string declares 2e9 bytes", b -> b.varint(TWO_GB).raw('a', 'b'), "2000000000"),
        bomb("id string declares 100 MB", b -> b.varint(HUNDRED_MB).raw('a'), "100000000"),
        bomb("image bytes declare 2e9", b -> b.str("r").varint(1).varint(TWO_GB), "2000000000"),
        bomb("image bytes declare 100 MB", b -> b.str("r").varint(1).varint(HUNDRED_MB), "bytes"),
        bomb(
            "image string declares 2e9",
            b -> b.str("r").varint(0).varint(TWO_GB),
            "string declares 2000000000"),
        bomb(
            "array block count 2e9",
            b -> b.str("r").varint(0).str("u").varint(TWO_GB).str("x"),
            "array block declares 2000000000 items"),
        bomb(
            "array block count 100M",
            b -> b.str("r").varint(0).str("u").varint(HUNDRED_MB),
            "array block declares 100000000 items"),
        bomb(
            "array block count 2^40",
            b -> b.str("r").varint(0).str("u").varint(1L << 40),
            "array block declares 1099511627776 items"),
        bomb(
            "array sized block declares 2e9 bytes",
            b -> b.str("r").varint(0).str("u").varint(-1).varint(TWO_GB).str("x"),
            "array block declares 2000000000 bytes"),
        bomb(
            "second array block count 2e9",
            b -> b.str("r").varint(0).str("u").varint(1).str("i").varint(TWO_GB).str("x"),
            "array block declares 2000000000 items"),
        bomb(
            "map block count 2e9",
            b -> b.str("r").varint(0).str("u").varint(0).varint(TWO_GB).str("k").str("v"),
            "map block declares 2000000000 items"),
        bomb(
            "map block count 100M",
            b -> b.str("r").varint(0).str("u").varint(0).varint(HUNDRED_MB),
            "map block declares 100000000 items"),
        bomb(
            "map sized block declares 100 MB",
            b -> b.str("r").varint(0).str("u").varint(0).varint(-1).varint(HUNDRED_MB),
            "map block declares 100000000 bytes"),
        bomb(
            "nested: instruction string declares 2e9",
            b -> b.str("r").varint(0).str("u").varint(1).varint(TWO_GB).raw('x'),
            "string declares 2000000000"),
        bomb(
            "nested: map key declares 2e9",
            b -> b.str("r").varint(0).str("u").varint(0).varint(1).varint(TWO_GB),
            "string declares 2000000000"),
        bomb(
            "nested: map value declares 100 MB",
            b -> b.str("r").varint(0).str("u").varint(0).varint(1).str("k").varint(HUNDRED_MB),
            "string declares 100000000"),
        // Negative and out-of-range numbers.
        malformed("id length negative", b -> b.varint(-1).raw('a'), "length -1 is negative"),
        malformed(
            "image bytes length negative",
            b -> b.str("r").varint(1).varint(-5),
            "bytes length -5 is negative"),
        malformed(
            "array sized block with negative size",
            b -> b.str("r").varint(0).str("u").varint(-1).varint(-7),
            "array block size -7 is negative"),
        malformed(
            "array block count Long.MIN_VALUE",
            b -> b.str("r").varint(0).str("u").varint(Long.MIN_VALUE),
            "out of range"),
        malformed(
            "map sized block whose items overrun its size",
            b -> b.str("r").varint(0).str("u").varint(0).varint(-1).varint(1).str("k").str("v"),
            "block size does not match its items"),
        malformed("union index 5", b -> b.str("r").varint(5), "union index 5 out of range"),
        malformed("union index -1", b -> b.str("r").varint(-1), "union index -1 out of range"),
        malformed(
            "int varint of 6 bytes",
            b -> b.raw(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01),
            "more than 5 bytes"),
        malformed(
            "long varint of 11 bytes",
            b ->
                b.str("r")
                    .varint(0)
                    .str("u")
                    .varint(0)
                    .varint(0)
                    .varint(1)
                    .raw(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01),
            "more than 10 bytes"),
        // Text that is not UTF-8.
        malformed("id has byte FF", b -> b.text(0x61, 0xFF).rest(), "not valid UTF-8"),
        malformed("id has overlong slash C0 AF", b -> b.text(0xC0, 0xAF).rest(), "UTF-8"),
        malformed(
            "id has a CESU-8 surrogate ED A0 80", b -> b.text(0xED, 0xA0, 0x80).rest(), "UTF-8"),
        malformed(
            "id ends inside a character E4 B8", b -> b.text(0x61, 0xE4, 0xB8).rest(), "UTF-8"),
        malformed(
            "id has a code point above U+10FFFF",
            b -> b.text(0xF4, 0x90, 0x80, 0x80).rest(),
            "UTF-8"),
        malformed(
            "instruction has a stray continuation byte",
            b -> b.str("r").varint(0).str("u").varint(1).text(0x80).varint(0).varint(0).varint(0),
            "UTF-8"),
        malformed(
            "metadata key is not UTF-8",
            b -> b.str("r").varint(0).str("u").varint(0).varint(1).text(0xFE).str("v").varint(0),
            "UTF-8"),
        // Truncations and leftovers.
        truncated("body ends inside a varint", b -> b.raw(0x80), "ends early"),
        truncated("body ends before image", b -> b.str("r"), "ends early"),
        malformed(
            "trailing byte after event_time",
            b -> b.str("r").varint(0).str("u").varint(0).varint(0).varint(0).raw(0),
            "trailing bytes"));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("hostileBodies")
  void hostileBodyIsATypedErrorThatAllocatesLittle(
      String name, CodecException.Kind kind, byte[] record, String message) {
    // Warm up the code path (class loading and initialisation allocate once per JVM).
    for (int i = 0; i < 3; i++) {
      decodeQuietly(record);
    }
    long before = allocatedBytes();
    Throwable thrown = catchThrowable(record);
    long allocated = allocatedBytes() - before;
    // One row of the hostile-kinds table in RELIABILITY.md.
    System.out.printf(
        "hostile avro | %s | DECODE/MALFORMED_EVENT (%s) | %,d bytes%n",
        name, thrown instanceof CodecException c ? c.kind() : thrown, allocated);

    assertThat(thrown)
        .as(name)
        .isInstanceOfSatisfying(CodecException.class, e -> assertThat(e.kind()).isEqualTo(kind))
        .hasMessageContaining(message);
    // The check rejects before Avro reads anything; an error Avro raised would carry a cause.
    assertThat(thrown.getCause()).as("%s: rejected by the check, not by Avro", name).isNull();
    assertThat(allocated)
        .as("%s: bytes allocated by one decode", name)
        .isLessThan(MAX_ALLOCATED_BYTES);
  }

  @Test
  void aFourteenByteRecordDeclaringTwoGigabytesIsRejectedQuicklyAndSmall() {
    // Header (10 bytes), then the id's length as a 5-byte varint, then nothing.
    byte[] record = record(new Body().varint(TWO_GB));
    assertThat(record).hasSize(15);
    decodeQuietly(record);
    long before = allocatedBytes();
    long start = System.nanoTime();
    for (int i = 0; i < 1_000; i++) {
      assertThat(catchThrowable(record)).isInstanceOf(CodecException.class);
    }
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    long perDecode = (allocatedBytes() - before) / 1_000;
    assertThat(perDecode).as("bytes allocated per rejected decode").isLessThan(64 << 10);
    assertThat(elapsedMs).as("1,000 rejections (ms)").isLessThan(5_000);
  }

  @Test
  void validBodiesStillDecodeAndLargeButHonestLengthsPass() throws Exception {
    String big = "x".repeat(200_000);
    ImageEmbeddingRequest request =
        ImageEmbeddingRequest.newBuilder()
            .setId("ok")
            .setImage("data:," + big)
            .setInstructions(List.of("", "a", "左边的动物是什么？", "emoji 🐈"))
            .setMetadata(Map.of("", "", "k", big))
            .build();
    assertThat(CODEC.decode(CODEC.encode(request))).isEqualTo(request);
  }

  @Test
  void arraysOfZeroByteItemsAreCappedByCountNotByBytes() throws Exception {
    Schema nulls =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"N\",\"fields\":[{\"name\":\"a\",\"type\":"
                    + "{\"type\":\"array\",\"items\":\"null\"}}]}");
    Schema empties =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"E\",\"fields\":[{\"name\":\"a\",\"type\":"
                    + "{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"Z\","
                    + "\"fields\":[]}}}]}");
    for (Schema schema : List.of(nulls, empties)) {
      byte[] ok = new Body().varint(AvroBodyCheck.MAX_ZERO_BYTE_ITEMS).varint(0).bytes();
      AvroBodyCheck.check("N", schema, ok, 0, ok.length);
      byte[] bomb = new Body().varint(TWO_GB).varint(0).bytes();
      assertThatThrownBy(() -> AvroBodyCheck.check("N", schema, bomb, 0, bomb.length))
          .isInstanceOfSatisfying(
              CodecException.class,
              e -> assertThat(e.kind()).isEqualTo(CodecException.Kind.MALFORMED))
          .hasMessageContaining("zero-byte");
      // Split over many blocks, the count is still the total.
      Body blocks = new Body();
      for (int i = 0; i < 3; i++) {
        blocks.varint(AvroBodyCheck.MAX_ZERO_BYTE_ITEMS / 2);
      }
      byte[] split = blocks.varint(0).bytes();
      assertThatThrownBy(() -> AvroBodyCheck.check("N", schema, split, 0, split.length))
          .hasMessageContaining("zero-byte");
    }
  }

  @Test
  void aRecursiveSchemaCannotNestPastTheDepthLimit() {
    Schema list =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"L\",\"fields\":[{\"name\":\"next\",\"type\":"
                    + "[\"null\",\"L\"]}]}");
    Body deep = new Body();
    for (int i = 0; i < 10_000; i++) {
      deep.varint(1);
    }
    byte[] bytes = deep.varint(0).bytes();
    assertThatThrownBy(() -> AvroBodyCheck.check("L", list, bytes, 0, bytes.length))
        .isInstanceOfSatisfying(
            CodecException.class,
            e -> assertThat(e.kind()).isEqualTo(CodecException.Kind.MALFORMED))
        .hasMessageContaining("nested deeper");
  }

  @Test
  void mutatedRecordsAreRejectedByTheCheckOrDecodeCleanly() {
    // If the check accepts a body, Avro must decode it: every rejection comes from the check
    // (no cause), never from Avro tripping over something the check let through.
    byte[] full = CODEC.encode(SingleObjectCodecTest.sampleRequest());
    Random random = new Random(42);
    int accepted = 0;
    for (int i = 0; i < 20_000; i++) {
      byte[] bytes = full.clone();
      int flips = 1 + random.nextInt(3);
      for (int f = 0; f < flips; f++) {
        int at = SingleObjectCodec.HEADER_LENGTH + random.nextInt(full.length - 10);
        bytes[at] = (byte) random.nextInt(256);
      }
      if (random.nextInt(4) == 0) {
        bytes = Arrays.copyOf(bytes, SingleObjectCodec.HEADER_LENGTH + random.nextInt(full.length));
      }
      try {
        CODEC.decode(bytes);
        accepted++;
      } catch (CodecException e) {
        assertThat(e.getCause()).as("rejected by Avro, not the check: %s", e).isNull();
      }
    }
    assertThat(accepted).isPositive();
  }

  @Test
  void everyStringDocumentIdsWouldRefuseIsRejectedByTheAvroCodec() {
    // DocumentIds refuses text with an unpaired surrogate; strict UTF-8 has no encoding for one,
    // so every byte sequence that would decode to one (CESU-8 halves, in any position) is refused.
    for (int unit = 0xD800; unit <= 0xDFFF; unit += 0x7F) {
      byte[] cesu = {
        (byte) (0xE0 | (unit >> 12)),
        (byte) (0x80 | ((unit >> 6) & 0x3F)),
        (byte) (0x80 | (unit & 0x3F))
      };
      for (String prefix : List.of("", "a", "é")) {
        byte[] p = prefix.getBytes(StandardCharsets.UTF_8);
        byte[] text = new byte[p.length + cesu.length];
        System.arraycopy(p, 0, text, 0, p.length);
        System.arraycopy(cesu, 0, text, p.length, cesu.length);
        byte[] record = record(new Body().varint(text.length).raw(text).rest());
        assertThatThrownBy(() -> CODEC.decode(record))
            .isInstanceOfSatisfying(
                CodecException.class,
                e -> assertThat(e.kind()).isEqualTo(CodecException.Kind.MALFORMED))
            .hasMessageContaining("UTF-8");
      }
    }
  }

  private static Arguments bomb(String name, UnaryOperator<Body> body, String m) {
    return Arguments.of(name, CodecException.Kind.TRUNCATED, record(body.apply(new Body())), m);
  }

  private static Arguments truncated(String name, UnaryOperator<Body> body, String m) {
    return bomb(name, body, m);
  }

  private static Arguments malformed(String name, UnaryOperator<Body> body, String m) {
    return Arguments.of(name, CodecException.Kind.MALFORMED, record(body.apply(new Body())), m);
  }

  static byte[] record(Body body) {
    byte[] header = Arrays.copyOf(CODEC.encode(SingleObjectCodecTest.sampleRequest()), 10);
    byte[] b = body.bytes();
    byte[] out = Arrays.copyOf(header, header.length + b.length);
    System.arraycopy(b, 0, out, header.length, b.length);
    return out;
  }

  private static Throwable catchThrowable(byte[] record) {
    try {
      CODEC.decode(record);
      return null;
    } catch (Throwable t) {
      return t;
    }
  }

  private static void decodeQuietly(byte[] record) {
    catchThrowable(record);
  }

  static long allocatedBytes() {
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    return threads.getThreadAllocatedBytes(Thread.currentThread().getId());
  }

  /** Writes Avro binary by hand, including what no encoder would write. */
  static final class Body {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Body varint(long value) {
      long n = (value << 1) ^ (value >> 63);
      while ((n & ~0x7FL) != 0) {
        out.write((int) ((n & 0x7F) | 0x80));
        n >>>= 7;
      }
      out.write((int) n);
      return this;
    }

    Body raw(int... bytes) {
      for (int b : bytes) {
        out.write(b);
      }
      return this;
    }

    Body raw(byte[] bytes) {
      out.write(bytes, 0, bytes.length);
      return this;
    }

    Body str(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      varint(b.length);
      return raw(b);
    }

    /** A string of these raw bytes, with its true length. */
    Body text(int... bytes) {
      varint(bytes.length);
      return raw(bytes);
    }

    /** The fields after id, all valid: image "u", no instructions, no metadata, no event_time. */
    Body rest() {
      return varint(0).str("u").varint(0).varint(0).varint(0);
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }
}
