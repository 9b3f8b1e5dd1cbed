package io.abcstream.model.runtime;

import io.abcstream.model.image.PreprocessedImage;
import io.abcstream.model.text.InputMode;
import java.util.Objects;

/**
 * One vector to compute: image+instruction ("query", instruct adapter on), image only or text only
 * ("candidate"). Inputs holding the same {@link PreprocessedImage} instance share one vision pass
 * when they are in the same batch, so give all instructions of a request the same instance.
 *
 * @param mode the embedding mode
 * @param text the instruction (image+instruction) or query text (text); null for image-only
 * @param image the preprocessed image; null for text-only
 */
public record EmbeddingInput(InputMode mode, String text, PreprocessedImage image) {

  public EmbeddingInput {
    Objects.requireNonNull(mode, "mode");
    if (mode.hasImage()) {
      Objects.requireNonNull(image, "image is required for mode " + mode.wireName());
    } else if (image != null) {
      throw new IllegalArgumentException("text-only input must not carry an image");
    }
    if (mode == InputMode.IMAGE && text != null) {
      throw new IllegalArgumentException("image-only input must not carry text");
    }
  }

  /** Image+instruction: the instruct adapter is on. */
  public static EmbeddingInput query(PreprocessedImage image, String instruction) {
    return new EmbeddingInput(InputMode.IMAGE_INSTRUCTION, instruction, image);
  }

  /** Image only. */
  public static EmbeddingInput image(PreprocessedImage image) {
    return new EmbeddingInput(InputMode.IMAGE, null, image);
  }

  /** Text only (search queries). */
  public static EmbeddingInput text(String text) {
    return new EmbeddingInput(InputMode.TEXT, text, null);
  }
}
