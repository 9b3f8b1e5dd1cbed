package io.abcstream.model.runtime;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes NumPy {@code .npy} files (format 1.0, little endian, C order) so model inputs can be
 * compared with the Python reference ({@code numpy.load}).
 */
public final class NpyWriter {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};

  private NpyWriter() {}

  /** The header (magic, version, length, dict padded so the data starts at a multiple of 64). */
  static byte[] header(String descr, long[] shape) {
    StringBuilder s =
        new StringBuilder("{'descr': '")
            .append(descr)
            .append("', 'fortran_order': False, 'shape': (");
    for (int i = 0; i < shape.length; i++) {
      s.append(shape[i]);
      if (shape.length == 1 || i < shape.length - 1) {
        s.append(shape.length == 1 ? "," : ", ");
      }
    }
    s.append("), }");
    int unpadded = MAGIC.length + 2 + s.length() + 1;
    int pad = (64 - unpadded % 64) % 64;
    s.append(" ".repeat(pad)).append('\n');
    byte[] dict = s.toString().getBytes(StandardCharsets.US_ASCII);
    if (dict.length > 0xFFFF) {
      throw new IllegalArgumentException("npy header too long");
    }
    ByteBuffer b =
        ByteBuffer.allocate(MAGIC.length + 2 + dict.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put(MAGIC).putShort((short) dict.length).put(dict);
    return b.array();
  }

  private static long product(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  public static void writeInt64(Path file, long[] data, long... shape) throws IOException {
    if (product(shape) != data.length) {
      throw new IllegalArgumentException("shape does not match " + data.length + " values");
    }
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
      out.write(header("<i8", shape));
      ByteBuffer b = ByteBuffer.allocate(8 * 1024).order(ByteOrder.LITTLE_ENDIAN);
      for (long v : data) {
        if (!b.hasRemaining()) {
          out.write(b.array(), 0, b.position());
          b.clear();
        }
        b.putLong(v);
      }
      out.write(b.array(), 0, b.position());
    }
  }

  public static void writeFloat32(Path file, float[] data, long... shape) throws IOException {
    writeFloat32(file, FloatBuffer.wrap(data), shape);
  }

  /** Writes the buffer's remaining floats (position unchanged). */
  public static void writeFloat32(Path file, FloatBuffer data, long... shape) throws IOException {
    FloatBuffer src = data.duplicate();
    if (product(shape) != src.remaining()) {
      throw new IllegalArgumentException("shape does not match " + src.remaining() + " values");
    }
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
      out.write(header("<f4", shape));
      ByteBuffer b = ByteBuffer.allocate(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
      FloatBuffer fb = b.asFloatBuffer();
      while (src.hasRemaining()) {
        fb.clear();
        int n = Math.min(fb.capacity(), src.remaining());
        FloatBuffer chunk = src.slice(src.position(), n);
        fb.put(chunk);
        src.position(src.position() + n);
        out.write(b.array(), 0, n * 4);
      }
    }
  }
}
