package io.abcstream.model.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} loaded through DJL's tokenizers binding, configured as the
 * reference uses it: no truncation (DJL's default truncates silently at 512 tokens), no padding, no
 * special tokens added (the chat template writes them). Also knows the tokenizer's added tokens
 * (special and reserved strings such as {@code <|im_end|>}), which user text may not contain.
 *
 * <p>Thread-safe: encoding goes to the Rust tokenizer, which may be shared across threads. Closing
 * releases the native tokenizer.
 */
public final class QwenTokenizer implements AutoCloseable {
  private final HuggingFaceTokenizer tokenizer;
  private final Map<String, Long> addedTokens;
  private final long[] addedIds;

  /** Whether every added-token string starts with '<' (true for Qwen): enables a fast path. */
  private final boolean allBracketed;

  private QwenTokenizer(HuggingFaceTokenizer tokenizer, Map<String, Long> addedTokens) {
    this.tokenizer = tokenizer;
    this.addedTokens = addedTokens;
    this.addedIds = addedTokens.values().stream().mapToLong(Long::longValue).sorted().toArray();
    this.allBracketed =
        addedTokens.keySet().stream().allMatch(s -> s.isEmpty() || s.charAt(0) == '<');
  }

  /** Loads {@code tokenizer.json} (a file, or a directory holding one). */
  public static QwenTokenizer load(Path tokenizerJson) throws IOException {
    Path file =
        Files.isDirectory(tokenizerJson) ? tokenizerJson.resolve("tokenizer.json") : tokenizerJson;
    if (!Files.isRegularFile(file)) {
      throw new IOException("tokenizer file not found: " + file);
    }
    Map<String, Long> added = readAddedTokens(file);
    HuggingFaceTokenizer tok =
        HuggingFaceTokenizer.builder()
            .optTokenizerPath(file)
            .optAddSpecialTokens(false)
            .optTruncation(false)
            .optPadding(false)
            .optWithOverflowingTokens(false)
            .build();
    if (!"DO_NOT_TRUNCATE".equalsIgnoreCase(tok.getTruncation())) {
      tok.close();
      throw new IllegalStateException(
          "tokenizer truncation could not be disabled: " + tok.getTruncation());
    }
    return new QwenTokenizer(tok, Collections.unmodifiableMap(added));
  }

  private static Map<String, Long> readAddedTokens(Path file) throws IOException {
    Map<String, Long> out = new LinkedHashMap<>();
    ObjectMapper om = new ObjectMapper();
    try (InputStream in = Files.newInputStream(file);
        JsonParser p = new JsonFactory(om).createParser(in)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException(file + ": not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        if ("added_tokens".equals(name)) {
          JsonNode arr = p.readValueAsTree();
          for (JsonNode t : arr) {
            out.put(t.path("content").asText(), t.path("id").asLong());
          }
        } else {
          p.skipChildren();
        }
      }
    }
    return out;
  }

  /** Token ids of {@code text}, no special tokens added, never truncated. */
  public long[] encode(String text) {
    Encoding e = tokenizer.encode(text, false, false);
    return e.getIds();
  }

  /** Token strings of {@code text} (debugging). */
  public String[] tokens(String text) {
    return tokenizer.encode(text, false, false).getTokens();
  }

  public String decode(long[] ids) {
    return tokenizer.decode(ids, false);
  }

  /** All added-token strings (special and not) with their ids, in file order. */
  public Map<String, Long> addedTokens() {
    return addedTokens;
  }

  /** The id of an added token such as {@code <|image_pad|>}; fails when the tokenizer lacks it. */
  public long addedTokenId(String content) {
    Long id = addedTokens.get(content);
    if (id == null) {
      throw new IllegalArgumentException("tokenizer has no added token " + content);
    }
    return id;
  }

  /** Whether {@code id} is one of the added (special or reserved) tokens. */
  public boolean isAddedTokenId(long id) {
    return Arrays.binarySearch(addedIds, id) >= 0;
  }

  /** The first added-token string that occurs in {@code text}, or null. */
  public String findReserved(String text) {
    if (allBracketed && text.indexOf('<') < 0) {
      return null;
    }
    for (String s : addedTokens.keySet()) {
      if (!s.isEmpty() && text.contains(s)) {
        return s;
      }
    }
    return null;
  }

  /** The tokenizer's truncation setting as DJL reports it ({@code DO_NOT_TRUNCATE}). */
  public String truncation() {
    return tokenizer.getTruncation();
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
