package io.abcstream.operators.document;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Deterministic document ids: a replay of the same (request, instruction) overwrites its document
 * instead of adding one. The index is per model version, so the version is not part of the id.
 */
public final class DocumentIds {

  // One digest and one encoder per thread: getInstance walks the security providers each time.
  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(DocumentIds::newDigest);
  // Strict: String.getBytes(UTF_8) turns an unpaired surrogate into '?', so two distinct ids would
  // share one document.
  private static final ThreadLocal<CharsetEncoder> UTF8 =
      ThreadLocal.withInitial(
          () ->
              StandardCharsets.UTF_8
                  .newEncoder()
                  .onMalformedInput(CodingErrorAction.REPORT)
                  .onUnmappableCharacter(CodingErrorAction.REPORT));

  private DocumentIds() {}

  /**
   * URL-safe base64 of SHA-256 over the request id and the instruction (absent ≠ empty).
   *
   * @throws IllegalArgumentException if either text has an unpaired surrogate, which has no UTF-8
   *     encoding (the codecs refuse such text, so this only guards against a caller that did not)
   */
  public static String of(String requestId, String instruction) {
    MessageDigest sha = SHA256.get();
    sha.reset();
    ByteBuffer id = utf8(requestId, "request id");
    // Length-prefix the parts so ("ab","c") and ("a","bc") cannot collide.
    sha.update(lengthPrefix(id.remaining()));
    sha.update(id);
    if (instruction == null) {
      sha.update((byte) 0);
    } else {
      ByteBuffer text = utf8(instruction, "instruction");
      sha.update((byte) 1);
      sha.update(lengthPrefix(text.remaining()));
      sha.update(text);
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(sha.digest());
  }

  private static ByteBuffer utf8(String text, String what) {
    try {
      return UTF8.get().reset().encode(CharBuffer.wrap(text));
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(
          what + " is not valid Unicode text (an unpaired surrogate has no UTF-8 encoding)", e);
    }
  }

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every JVM", e);
    }
  }

  private static byte[] lengthPrefix(int length) {
    return new byte[] {
      (byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length
    };
  }
}
