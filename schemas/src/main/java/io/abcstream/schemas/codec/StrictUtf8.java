package io.abcstream.schemas.codec;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Checks bytes are well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF)
 * into one small buffer, so a check costs no allocation proportional to its input; not thread-safe.
 */
final class StrictUtf8 {

  private final CharsetDecoder decoder =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
  private final CharBuffer chars = CharBuffer.allocate(512);

  /** The offset (from {@code offset}) of the first byte that is not UTF-8, or -1 if all are. */
  int firstError(byte[] buf, int offset, int length) {
    ByteBuffer in = ByteBuffer.wrap(buf, offset, length);
    decoder.reset();
    while (true) {
      chars.clear();
      CoderResult result = decoder.decode(in, chars, true);
      if (result.isError()) {
        return in.position() - offset;
      }
      if (result.isUnderflow()) {
        break;
      }
    }
    chars.clear();
    return decoder.flush(chars).isError() ? length : -1;
  }
}
