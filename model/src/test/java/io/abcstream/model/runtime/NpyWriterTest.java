package io.abcstream.model.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyWriterTest {

  private static String headerDict(byte[] file) {
    ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    int len = b.getShort(8) & 0xFFFF;
    return new String(file, 10, len, StandardCharsets.US_ASCII);
  }

  @Test
  void int64Matrix(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("a.npy");
    NpyWriter.writeInt64(f, new long[] {1, 2, 3, -4, 151655, 6}, 2, 3);
    byte[] bytes = Files.readAllBytes(f);
    assertThat(bytes[0]).isEqualTo((byte) 0x93);
    assertThat(new String(bytes, 1, 5, StandardCharsets.US_ASCII)).isEqualTo("NUMPY");
    assertThat(bytes[6]).isEqualTo((byte) 1);
    String dict = headerDict(bytes);
    assertThat(dict)
        .startsWith("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }")
        .endsWith("\n");
    int data = 10 + dict.length();
    assertThat(data % 64).isZero();
    ByteBuffer b = ByteBuffer.wrap(bytes, data, bytes.length - data).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(bytes.length - data).isEqualTo(48);
    assertThat(b.getLong(data + 8 * 3)).isEqualTo(-4);
    assertThat(b.getLong(data + 8 * 4)).isEqualTo(151655);
  }

  @Test
  void float32VectorAndEmpty(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("v.npy");
    NpyWriter.writeFloat32(f, new float[] {0.5f, -1.25f, 3f}, 3);
    byte[] bytes = Files.readAllBytes(f);
    String dict = headerDict(bytes);
    assertThat(dict).startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }");
    int data = 10 + dict.length();
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(b.getFloat(data + 4)).isEqualTo(-1.25f);
    Path e = dir.resolve("e.npy");
    NpyWriter.writeFloat32(e, new float[0], 0, 1176);
    assertThat(headerDict(Files.readAllBytes(e))).contains("'shape': (0, 1176)");
  }
}
