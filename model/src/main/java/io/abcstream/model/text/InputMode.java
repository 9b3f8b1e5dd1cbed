package io.abcstream.model.text;

/**
 * The three ABC embedding modes. Only {@link #IMAGE_INSTRUCTION} switches the instruct adapter on
 * ("query" vectors); {@link #IMAGE} and {@link #TEXT} are "candidate" vectors.
 */
public enum InputMode {
  /** Image plus instruction; instruct adapter on. */
  IMAGE_INSTRUCTION("image+instruction", true, true),
  /** Image only; instruct adapter off. */
  IMAGE("image", true, false),
  /** Text only (search queries); instruct adapter off. */
  TEXT("text", false, false);

  private final String wireName;
  private final boolean hasImage;
  private final boolean instruct;

  InputMode(String wireName, boolean hasImage, boolean instruct) {
    this.wireName = wireName;
    this.hasImage = hasImage;
    this.instruct = instruct;
  }

  /**
   * The name used in documents, goldens and CLI output: {@code image+instruction}, {@code image},
   * {@code text}.
   */
  public String wireName() {
    return wireName;
  }

  public boolean hasImage() {
    return hasImage;
  }

  /** Whether the instruct adapter is on for this mode. */
  public boolean instruct() {
    return instruct;
  }

  public static InputMode fromWireName(String s) {
    for (InputMode m : values()) {
      if (m.wireName.equals(s) || m.name().equalsIgnoreCase(s)) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        "unknown mode '" + s + "' (expected image+instruction, image or text)");
  }
}
