package io.abcstream.model.text;

/**
 * One model input row before collation: the prompt and its token ids with {@code <|image_pad|>}
 * already expanded to {@code imageTokens} ids.
 *
 * @param mode the embedding mode (decides the adapter switch)
 * @param userText the instruction or query text, null for image-only
 * @param prompt the prompt string with one {@code <|image_pad|>} (as the chat template writes it)
 * @param inputIds token ids, image pads expanded
 * @param imageTokens number of image pad ids ({@code grid_h*grid_w/4}), 0 without an image
 * @param userTokens token count of the user text alone (what the length limit applies to)
 */
public record TokenizedPrompt(
    InputMode mode,
    String userText,
    String prompt,
    long[] inputIds,
    int imageTokens,
    int userTokens) {

  public int length() {
    return inputIds.length;
  }

  /** Whether the instruct adapter is on for this row. */
  public boolean instruct() {
    return mode.instruct();
  }
}
