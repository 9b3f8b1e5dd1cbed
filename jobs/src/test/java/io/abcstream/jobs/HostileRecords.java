package io.abcstream.jobs;

import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.SingleObjectCodec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Raw Kafka values for ImageEmbeddingRequest written byte by byte, so a record can lie about its
 * lengths and counts in ways the Avro encoder never would.
 *
 * <p>The request schema's binary layout: {@code id} string, {@code image} union (0 string, 1
 * bytes), {@code instructions} array of string, {@code metadata} map of string, {@code event_time}
 * union (0 null, 1 long).
 */
final class HostileRecords {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  private HostileRecords() {}

  /** Starts a value with the single-object header of the request schema. */
  static HostileRecords request() {
    return withFingerprint(SingleObjectCodec.fingerprint(ImageEmbeddingRequest.getClassSchema()));
  }

  /** Starts a value with the single-object marker and any fingerprint. */
  static HostileRecords withFingerprint(long fingerprint) {
    HostileRecords r = new HostileRecords();
    r.out.write(0xC3);
    r.out.write(0x01);
    for (int i = 0; i < 8; i++) {
      r.out.write((int) (fingerprint >>> (8 * i)) & 0xFF);
    }
    return r;
  }

  /** Avro's zig-zag varint long. */
  HostileRecords varint(long value) {
    long n = (value << 1) ^ (value >> 63);
    while ((n & ~0x7FL) != 0) {
      out.write((int) ((n & 0x7F) | 0x80));
      n >>>= 7;
    }
    out.write((int) n);
    return this;
  }

  HostileRecords raw(byte... bytes) {
    out.write(bytes, 0, bytes.length);
    return this;
  }

  HostileRecords string(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return varint(b.length).raw(b);
  }

  /**
   * A string field whose length prefix is {@code declared} but only {@code actual} bytes follow.
   */
  HostileRecords lyingString(long declared, int actual) {
    varint(declared);
    return raw(new byte[actual]);
  }

  /** {@code image} as its URI branch. */
  HostileRecords uri(String uri) {
    return varint(0).string(uri);
  }

  /** Empty instructions, empty metadata, null event time. */
  HostileRecords emptyTail() {
    return varint(0).varint(0).varint(0);
  }

  byte[] bytes() {
    return out.toByteArray();
  }
}
