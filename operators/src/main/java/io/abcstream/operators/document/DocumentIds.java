package io.abcstream.operators.document;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Deterministic document ids: a replay of the same (request, instruction) overwrites its document
 * instead of adding one. The index is per model version, so the version is not part of the id.
 */
public final class DocumentIds {

  private DocumentIds() {}

  /** URL-safe base64 of SHA-256 over the request id and the instruction (absent ≠ empty). */
  public static String of(String requestId, String instruction) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] id = requestId.getBytes(StandardCharsets.UTF_8);
      // Length-prefix the parts so ("ab","c") and ("a","bc") cannot collide.
      sha.update(lengthPrefix(id.length));
      sha.update(id);
      if (instruction == null) {
        sha.update((byte) 0);
      } else {
        byte[] text = instruction.getBytes(StandardCharsets.UTF_8);
        sha.update((byte) 1);
        sha.update(lengthPrefix(text.length));
        sha.update(text);
      }
      return Base64.getUrlEncoder().withoutPadding().encodeToString(sha.digest());
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
