package io.abcstream.model.runtime;

import io.abcstream.model.image.PreprocessedImage;
import io.abcstream.model.text.TokenizedPrompt;
import java.util.Objects;

/**
 * An input ready for collation: tokenized prompt (image pads expanded) plus the image it refers to.
 * Made by {@link AbcModel#prepare} (CPU work, any thread); cheap to hold: the image stays uint8.
 */
public record PreparedInput(TokenizedPrompt prompt, PreprocessedImage image) {

  public PreparedInput {
    Objects.requireNonNull(prompt, "prompt");
    if (prompt.mode().hasImage()) {
      Objects.requireNonNull(image, "image");
      if (image.numImageTokens() != prompt.imageTokens()) {
        throw new IllegalArgumentException(
            "prompt has "
                + prompt.imageTokens()
                + " image tokens but the image has "
                + image.numImageTokens());
      }
    } else if (image != null) {
      throw new IllegalArgumentException("text-only prompt with an image");
    }
  }

  /** Sequence length of this row. */
  public int length() {
    return prompt.length();
  }
}
