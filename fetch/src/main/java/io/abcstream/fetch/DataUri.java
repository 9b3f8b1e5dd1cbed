package io.abcstream.fetch;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * Decodes RFC 2397 {@code data:} URIs (base64 or percent-encoded), checking the size limit before
 * decoding.
 */
public final class DataUri {

  private DataUri() {}

  /**
   * The decoded bytes; TOO_LARGE when the size computed from the length exceeds {@code maxBytes}.
   */
  public static byte[] decode(String uri, long maxBytes) throws FetchException {
    if (uri == null || !uri.regionMatches(true, 0, "data:", 0, 5)) {
      throw FetchException.invalid("not a data: URI", null);
    }
    int comma = uri.indexOf(',');
    if (comma < 0) {
      throw FetchException.invalid("data: URI without ','", null);
    }
    String meta = uri.substring(5, comma).toLowerCase(Locale.ROOT);
    boolean base64 = meta.endsWith(";base64");
    String data = uri.substring(comma + 1);
    if (base64) {
      if (data.indexOf('%') >= 0) {
        // Some producers percent-encode '=' or '/'; the percent-decoded text is no longer than
        // this.
        data = new String(percentDecode(data, Long.MAX_VALUE), StandardCharsets.US_ASCII);
      }
      return decodeBase64(data, maxBytes);
    }
    return percentDecode(data, maxBytes);
  }

  private static byte[] decodeBase64(String data, long maxBytes) throws FetchException {
    int chars = 0;
    int padding = 0;
    boolean urlSafe = false;
    for (int i = 0; i < data.length(); i++) {
      char c = data.charAt(i);
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
        continue;
      }
      chars++;
      if (c == '=') {
        padding++;
      } else if (c == '-' || c == '_') {
        urlSafe = true;
      }
    }
    long estimate = (long) (chars - padding) * 3 / 4;
    if (estimate > maxBytes) {
      throw FetchException.tooLarge(
          "data: URI decodes to ~" + estimate + " bytes, limit " + maxBytes);
    }
    String compact = chars == data.length() ? data : data.replaceAll("[ \\n\\r\\t]", "");
    try {
      return (urlSafe ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(compact);
    } catch (IllegalArgumentException e) {
      throw FetchException.invalid("data: URI has invalid base64: " + e.getMessage(), e);
    }
  }

  private static byte[] percentDecode(String data, long maxBytes) throws FetchException {
    int escapes = 0;
    for (int i = 0; i < data.length(); i++) {
      if (data.charAt(i) == '%') {
        escapes++;
      }
    }
    long size = data.length() - 2L * escapes;
    if (size > maxBytes) {
      throw FetchException.tooLarge("data: URI decodes to " + size + " bytes, limit " + maxBytes);
    }
    if (size < 0) {
      throw FetchException.invalid("data: URI has a truncated %-escape", null);
    }
    byte[] out = new byte[(int) size];
    int o = 0;
    for (int i = 0; i < data.length(); i++) {
      char c = data.charAt(i);
      if (c == '%') {
        if (i + 2 >= data.length()) {
          throw FetchException.invalid("data: URI has a truncated %-escape", null);
        }
        int hi = Character.digit(data.charAt(i + 1), 16);
        int lo = Character.digit(data.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw FetchException.invalid("data: URI has a bad %-escape at " + i, null);
        }
        out[o++] = (byte) ((hi << 4) | lo);
        i += 2;
      } else if (c > 0x7E || c < 0x20) {
        throw FetchException.invalid(
            "data: URI has a non-ASCII or control character at " + i, null);
      } else {
        out[o++] = (byte) c;
      }
    }
    return out;
  }
}
