package io.abcstream.fetch;

import java.util.Arrays;

/** Byte fixtures that sniff as images (the fetcher never decodes, so a valid header is enough). */
final class TestImages {

  private TestImages() {}

  static byte[] png(int size) {
    byte[] b = new byte[Math.max(size, 16)];
    byte[] sig = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    System.arraycopy(sig, 0, b, 0, sig.length);
    for (int i = sig.length; i < b.length; i++) {
      b[i] = (byte) (i * 31);
    }
    return b;
  }

  static byte[] jpeg(int size) {
    byte[] b = new byte[Math.max(size, 4)];
    Arrays.fill(b, (byte) 7);
    b[0] = (byte) 0xFF;
    b[1] = (byte) 0xD8;
    b[2] = (byte) 0xFF;
    return b;
  }

  /** A BMP file header whose reserved words are not zero: Pillow reads such files, so must we. */
  static byte[] bmpWithReservedBytes(int size) {
    byte[] b = new byte[Math.max(size, 54)];
    b[0] = 'B';
    b[1] = 'M';
    b[6] = 0x12;
    b[7] = 0x34;
    b[8] = 0x56;
    b[9] = 0x78;
    b[10] = 54;
    b[14] = 40;
    return b;
  }
}
