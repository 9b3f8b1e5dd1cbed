package io.abcstream.model.image;

/** The image containers the decoder reads, recognised from their leading bytes as Pillow does. */
public enum ImageFormat {
  JPEG,
  PNG,
  GIF,
  WEBP,
  TIFF,
  BMP;

  /**
   * The container {@code data} starts with, or {@code null} when it is none of these (or null).
   * Headers such as Content-Type are never consulted. BMP is "BM" alone: Pillow does not look at
   * the reserved header words, so neither do we.
   */
  public static ImageFormat sniff(byte[] data) {
    ReadCounters.SNIFFS.increment();
    if (data == null) {
      return null;
    }
    byte[] d = data;
    if (d.length >= 3 && (d[0] & 0xFF) == 0xFF && (d[1] & 0xFF) == 0xD8 && (d[2] & 0xFF) == 0xFF) {
      return JPEG;
    }
    if (d.length >= 8
        && (d[0] & 0xFF) == 0x89
        && d[1] == 'P'
        && d[2] == 'N'
        && d[3] == 'G'
        && d[4] == 0x0D
        && d[5] == 0x0A
        && d[6] == 0x1A
        && d[7] == 0x0A) {
      return PNG;
    }
    if (d.length >= 6
        && d[0] == 'G'
        && d[1] == 'I'
        && d[2] == 'F'
        && d[3] == '8'
        && (d[4] == '7' || d[4] == '9')
        && d[5] == 'a') {
      return GIF;
    }
    if (d.length >= 12
        && d[0] == 'R'
        && d[1] == 'I'
        && d[2] == 'F'
        && d[3] == 'F'
        && d[8] == 'W'
        && d[9] == 'E'
        && d[10] == 'B'
        && d[11] == 'P') {
      return WEBP;
    }
    if (d.length >= 4
        && ((d[0] == 'I' && d[1] == 'I' && d[2] == 42 && d[3] == 0)
            || (d[0] == 'M' && d[1] == 'M' && d[2] == 0 && d[3] == 42))) {
      return TIFF;
    }
    if (d.length >= 14 && d[0] == 'B' && d[1] == 'M') {
      return BMP;
    }
    return null;
  }
}
