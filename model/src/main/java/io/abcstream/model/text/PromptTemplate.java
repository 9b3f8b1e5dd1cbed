package io.abcstream.model.text;

import java.util.Objects;

/**
 * The Qwen2-VL chat template pieces the ABC reference feeds the model (its get_embed_function). A
 * prompt is {@code prefix + (image ? visionBlock : "") + text + suffix}, where text is {@code
 * instructionPrefix + instruction} for queries, empty for image-only and the raw text for
 * text-only; {@code visionBlock} holds {@code imagePad} exactly once. The strings come from the
 * bundle manifest ({@code prompt.system_prefix}, {@code vision_block}, {@code instruction_prefix},
 * {@code suffix}); {@link #qwen2vl()} holds the reference's.
 */
public record PromptTemplate(
    String prefix, String visionBlock, String imagePad, String instructionPrefix, String suffix) {

  public static final String DEFAULT_PREFIX =
      "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n";
  public static final String DEFAULT_VISION_BLOCK = "<|vision_start|><|image_pad|><|vision_end|>";
  public static final String DEFAULT_IMAGE_PAD = "<|image_pad|>";
  public static final String DEFAULT_INSTRUCTION_PREFIX = "Instruction: ";
  public static final String DEFAULT_SUFFIX = "<|im_end|>\n<|im_start|>assistant\n";

  public PromptTemplate {
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(visionBlock, "visionBlock");
    Objects.requireNonNull(imagePad, "imagePad");
    Objects.requireNonNull(instructionPrefix, "instructionPrefix");
    Objects.requireNonNull(suffix, "suffix");
    if (imagePad.isEmpty()) {
      throw new IllegalArgumentException("imagePad token string must not be empty");
    }
    int at = visionBlock.indexOf(imagePad);
    if (at < 0 || visionBlock.indexOf(imagePad, at + 1) >= 0) {
      throw new IllegalArgumentException(
          "vision block '" + visionBlock + "' must contain " + imagePad + " exactly once");
    }
  }

  /** The reference template: Qwen2-VL's default system prompt, generation prompt added. */
  public static PromptTemplate qwen2vl() {
    return new PromptTemplate(
        DEFAULT_PREFIX,
        DEFAULT_VISION_BLOCK,
        DEFAULT_IMAGE_PAD,
        DEFAULT_INSTRUCTION_PREFIX,
        DEFAULT_SUFFIX);
  }

  /**
   * The prompt string with a single {@link #imagePad()} (as {@code apply_chat_template} writes it,
   * before the processor expands it to the image's token count).
   *
   * @param userText instruction for {@link InputMode#IMAGE_INSTRUCTION}, raw text for {@link
   *     InputMode#TEXT}, ignored for {@link InputMode#IMAGE}
   */
  public String render(InputMode mode, String userText) {
    return render(mode, userText, visionBlock);
  }

  /**
   * {@link #render} with the image pad repeated {@code imageTokens} times (the reference's final
   * text).
   */
  public String renderExpanded(InputMode mode, String userText, int imageTokens) {
    return render(mode, userText, visionBlock.replace(imagePad, imagePad.repeat(imageTokens)));
  }

  private String render(InputMode mode, String userText, String vision) {
    String text = userText == null ? "" : userText;
    StringBuilder sb =
        new StringBuilder(
            prefix.length()
                + suffix.length()
                + vision.length()
                + instructionPrefix.length()
                + text.length());
    sb.append(prefix);
    if (mode.hasImage()) {
      sb.append(vision);
    }
    switch (mode) {
      case IMAGE_INSTRUCTION -> sb.append(instructionPrefix).append(text);
      case TEXT -> sb.append(text);
      case IMAGE -> {}
      default -> throw new IllegalStateException(mode.name());
    }
    sb.append(suffix);
    return sb.toString();
  }
}
