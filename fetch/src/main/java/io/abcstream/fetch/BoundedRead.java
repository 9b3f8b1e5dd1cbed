package io.abcstream.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads a stream into memory, failing as soon as it grows past the byte limit (never reads the
 * rest).
 */
final class BoundedRead {

  private BoundedRead() {}

  static byte[] readAll(InputStream in, long maxBytes, long sizeHint, String what)
      throws IOException, FetchException {
    int cap = (int) Math.max(8192, Math.min(sizeHint > 0 ? sizeHint : 65536, maxBytes));
    byte[] buf = new byte[cap];
    int n = 0;
    while (true) {
      if (n == buf.length) {
        if (n >= maxBytes) {
          // Full at the limit: one more byte means too large.
          if (in.read() >= 0) {
            throw FetchException.tooLarge(what + " exceeds the limit of " + maxBytes + " bytes");
          }
          return buf;
        }
        buf = Arrays.copyOf(buf, (int) Math.min(maxBytes, (long) buf.length * 2));
      }
      int r = in.read(buf, n, buf.length - n);
      if (r < 0) {
        return n == buf.length ? buf : Arrays.copyOf(buf, n);
      }
      n += r;
    }
  }
}
