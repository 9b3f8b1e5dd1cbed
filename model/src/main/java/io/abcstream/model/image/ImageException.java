package io.abcstream.model.image;

import java.util.Objects;

/**
 * A typed image failure. {@link #kind()} says which class of failure it is; {@link
 * Kind#errorClass()} is the name to use for the DLQ {@code error_class}.
 *
 * <p>Unchecked so that it travels through futures and lambdas; every public method of this package
 * that can reject an input documents that it throws this.
 */
public final class ImageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public enum Kind {
    /**
     * Zero bytes, truncated or corrupt data, not an image, or a format/variant we cannot decode.
     */
    UNDECODABLE_IMAGE,
    /**
     * Byte size or header pixel count over the configured limit (checked before pixels are
     * decoded).
     */
    IMAGE_TOO_LARGE,
    /**
     * The image cannot be preprocessed as the reference does: aspect ratio over 200 (the
     * reference's {@code smart_resize} raises {@code ValueError}) in stage 1 or stage 2.
     */
    UNSUPPORTED_IMAGE_SHAPE;

    /** The DLQ error class for this kind. */
    public String errorClass() {
      return name();
    }
  }

  private final Kind kind;

  public ImageException(Kind kind, String message) {
    super(message);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  public ImageException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  public Kind kind() {
    return kind;
  }

  @Override
  public String toString() {
    return "ImageException[" + kind + "]: " + getMessage();
  }
}
