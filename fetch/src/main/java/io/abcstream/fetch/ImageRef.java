package io.abcstream.fetch;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * What to fetch: a URI string or inline encoded bytes (the two branches of the request's {@code
 * image} union).
 */
public final class ImageRef {

  private final String uri;
  private final byte[] bytes;

  private ImageRef(String uri, byte[] bytes) {
    this.uri = uri;
    this.bytes = bytes;
  }

  public static ImageRef ofUri(String uri) {
    return new ImageRef(Objects.requireNonNull(uri, "uri"), null);
  }

  public static ImageRef ofBytes(byte[] bytes) {
    return new ImageRef(null, Objects.requireNonNull(bytes, "bytes"));
  }

  /** From the Avro union value: a CharSequence (URI) or a ByteBuffer/byte[] (inline bytes). */
  public static ImageRef fromAvro(Object image) {
    if (image instanceof CharSequence cs) {
      return ofUri(cs.toString());
    }
    if (image instanceof ByteBuffer bb) {
      ByteBuffer dup = bb.duplicate();
      byte[] copy = new byte[dup.remaining()];
      dup.get(copy);
      return ofBytes(copy);
    }
    if (image instanceof byte[] b) {
      return ofBytes(b);
    }
    throw new IllegalArgumentException(
        "image must be a string or bytes, got "
            + (image == null ? "null" : image.getClass().getName()));
  }

  public boolean isInline() {
    return bytes != null;
  }

  /** The URI; null for inline bytes. */
  public String uri() {
    return uri;
  }

  /** The inline bytes; null for a URI reference. */
  public byte[] bytes() {
    return bytes;
  }

  /** A short, log-safe description (data: URIs and inline bytes are not echoed in full). */
  public String describe() {
    if (bytes != null) {
      return "inline:" + bytes.length + " bytes";
    }
    if (uri.regionMatches(true, 0, "data:", 0, 5)) {
      int comma = uri.indexOf(',');
      return (comma > 0 && comma < 80
              ? uri.substring(0, comma)
              : uri.substring(0, Math.min(40, uri.length())))
          + ",...("
          + uri.length()
          + " chars)";
    }
    return uri.length() > 300 ? uri.substring(0, 300) + "..." : uri;
  }

  @Override
  public String toString() {
    return "ImageRef[" + describe() + "]";
  }
}
