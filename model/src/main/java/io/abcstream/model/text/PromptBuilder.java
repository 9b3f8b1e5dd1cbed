package io.abcstream.model.text;

import java.util.Arrays;
import java.util.Objects;

/**
 * Builds and tokenizes ABC prompts for the three modes, as the ABC reference builds them (its
 * get_embed_function; the prompt pieces travel in the bundle manifest).
 *
 * <p>The whole prompt is tokenized as one string with a single {@code <|image_pad|>}, exactly like
 * the reference's text (pre-tokenisation may merge the user text with the template's {@code \n}, so
 * tokenizing pieces separately would not be equal); the one pad id is then expanded to the image's
 * token count at the id level. User text may not contain any of the tokenizer's added-token strings
 * ({@link ModelInputException.Kind#INVALID_REQUEST}) and may have at most {@code maxUserTokens}
 * tokens on its own ({@link ModelInputException.Kind#INSTRUCTION_TOO_LONG}). Empty and
 * whitespace-only text is accepted and embedded as the reference would.
 *
 * <p>Thread-safe (immutable; the tokenizer is thread-safe). Does not own the tokenizer.
 */
public final class PromptBuilder {
  /** Default limit on the tokens of an instruction or query text. */
  public static final int DEFAULT_MAX_USER_TOKENS = 512;

  private final QwenTokenizer tokenizer;
  private final PromptTemplate template;
  private final long imagePadId;
  private final int maxUserTokens;

  /** Number of added-token ids in each mode's template (image pad counted once). */
  private final int[] templateReservedCount = new int[InputMode.values().length];

  public PromptBuilder(QwenTokenizer tokenizer, PromptTemplate template, int maxUserTokens) {
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    this.template = Objects.requireNonNull(template, "template");
    if (maxUserTokens < 1) {
      throw new IllegalArgumentException("maxUserTokens must be >= 1, got " + maxUserTokens);
    }
    this.maxUserTokens = maxUserTokens;
    this.imagePadId = tokenizer.addedTokenId(template.imagePad());
    for (InputMode m : InputMode.values()) {
      long[] ids = tokenizer.encode(template.render(m, ""));
      templateReservedCount[m.ordinal()] = countReserved(ids);
      if (m.hasImage() && count(ids, imagePadId) != 1) {
        throw new IllegalArgumentException(
            "template does not tokenize " + template.imagePad() + " to a single id " + imagePadId);
      }
    }
  }

  public PromptBuilder(QwenTokenizer tokenizer, PromptTemplate template) {
    this(tokenizer, template, DEFAULT_MAX_USER_TOKENS);
  }

  public PromptTemplate template() {
    return template;
  }

  public int maxUserTokens() {
    return maxUserTokens;
  }

  public long imagePadId() {
    return imagePadId;
  }

  /** Image+instruction ("query", instruct adapter on). */
  public TokenizedPrompt query(String instruction, int imageTokens) {
    return build(InputMode.IMAGE_INSTRUCTION, instruction, imageTokens);
  }

  /** Image only ("candidate"). */
  public TokenizedPrompt image(int imageTokens) {
    return build(InputMode.IMAGE, null, imageTokens);
  }

  /** Text only ("candidate"). */
  public TokenizedPrompt text(String text) {
    return build(InputMode.TEXT, text, 0);
  }

  /**
   * Builds one prompt.
   *
   * @param userText instruction (image+instruction) or raw text (text); must be null or is ignored
   *     for image
   * @param imageTokens image pad count ({@code grid_h*grid_w/4}); 0 for text
   * @throws ModelInputException INVALID_REQUEST or INSTRUCTION_TOO_LONG
   */
  public TokenizedPrompt build(InputMode mode, String userText, int imageTokens) {
    Objects.requireNonNull(mode, "mode");
    if (mode.hasImage() && imageTokens < 1) {
      throw new IllegalArgumentException(
          "mode " + mode.wireName() + " needs imageTokens >= 1, got " + imageTokens);
    }
    if (!mode.hasImage() && imageTokens != 0) {
      throw new IllegalArgumentException("text mode takes no image tokens, got " + imageTokens);
    }
    int userTokens = 0;
    String text = mode == InputMode.IMAGE ? null : userText;
    if (mode != InputMode.IMAGE) {
      String what = mode == InputMode.TEXT ? "text" : "instruction";
      if (text == null) {
        throw new ModelInputException(
            ModelInputException.Kind.INVALID_REQUEST, what + " is missing (null)");
      }
      checkWellFormed(text, what);
      String reserved = tokenizer.findReserved(text);
      if (reserved != null) {
        throw new ModelInputException(
            ModelInputException.Kind.INVALID_REQUEST,
            what + " contains the reserved token string " + reserved);
      }
      userTokens = text.isEmpty() ? 0 : tokenizer.encode(text).length;
      if (userTokens > maxUserTokens) {
        throw new ModelInputException(
            ModelInputException.Kind.INSTRUCTION_TOO_LONG,
            what + " has " + userTokens + " tokens, the limit is " + maxUserTokens);
      }
    }
    String prompt = template.render(mode, text == null ? "" : text);
    long[] ids = tokenizer.encode(prompt);
    if (countReserved(ids) != templateReservedCount[mode.ordinal()]) {
      // user text combined with the template into a reserved token: never feed that to the model
      throw new ModelInputException(
          ModelInputException.Kind.INVALID_REQUEST,
          "text forms a reserved token together with the prompt template");
    }
    long[] expanded = mode.hasImage() ? expand(ids, imageTokens) : ids;
    return new TokenizedPrompt(
        mode, text, prompt, expanded, mode.hasImage() ? imageTokens : 0, userTokens);
  }

  private long[] expand(long[] ids, int imageTokens) {
    int at = -1;
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] == imagePadId) {
        at = i;
        break;
      }
    }
    if (at < 0) {
      throw new IllegalStateException("prompt lost its image pad token");
    }
    long[] out = new long[ids.length - 1 + imageTokens];
    System.arraycopy(ids, 0, out, 0, at);
    Arrays.fill(out, at, at + imageTokens, imagePadId);
    System.arraycopy(ids, at + 1, out, at + imageTokens, ids.length - at - 1);
    return out;
  }

  private int countReserved(long[] ids) {
    int n = 0;
    for (long id : ids) {
      if (tokenizer.isAddedTokenId(id)) {
        n++;
      }
    }
    return n;
  }

  private static int count(long[] ids, long id) {
    int n = 0;
    for (long x : ids) {
      if (x == id) {
        n++;
      }
    }
    return n;
  }

  private static void checkWellFormed(String s, String what) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        throw new ModelInputException(
            ModelInputException.Kind.INVALID_REQUEST,
            what + " has an unpaired UTF-16 surrogate at index " + i);
      }
      if (Character.isLowSurrogate(c)) {
        throw new ModelInputException(
            ModelInputException.Kind.INVALID_REQUEST,
            what + " has an unpaired UTF-16 surrogate at index " + i);
      }
    }
  }
}
