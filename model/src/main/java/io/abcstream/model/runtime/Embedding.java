package io.abcstream.model.runtime;

import io.abcstream.model.text.InputMode;

/**
 * One output vector.
 *
 * @param mode image+instruction, image or text
 * @param text the instruction (image+instruction), the query text (text) or null (image)
 * @param vector float32 unit vector of the bundle's dims
 */
public record Embedding(InputMode mode, String text, float[] vector) {

  public int dims() {
    return vector.length;
  }

  /** The instruction, or null unless mode is image+instruction. */
  public String instruction() {
    return mode == InputMode.IMAGE_INSTRUCTION ? text : null;
  }
}
