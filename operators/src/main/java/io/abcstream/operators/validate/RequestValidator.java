package io.abcstream.operators.validate;

import io.abcstream.fetch.UrlAuthority;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.internal.SourcedRequest;
import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Pure checks a request must pass before any work is spent on it. Per-instruction problems reject
 * only that instruction; the others go on.
 */
public final class RequestValidator implements Serializable {

  private static final long serialVersionUID = 1L;

  public static final int DEFAULT_MAX_INSTRUCTIONS = 32;
  public static final int DEFAULT_MAX_URI_CHARS = 8_192;
  public static final int DEFAULT_MAX_METADATA_ENTRIES = 128;
  public static final int DEFAULT_MAX_METADATA_KEY_BYTES = 256;
  public static final int DEFAULT_MAX_METADATA_VALUE_BYTES = 8_192;
  public static final int DEFAULT_MAX_METADATA_BYTES = 64 << 10;

  /**
   * Lucene's longest term: a keyword (and a flattened field's key + value) above it fails the
   * document.
   */
  public static final int MAX_TERM_BYTES = 32_766;

  private final int maxIdChars;
  private final int maxInstructions;
  private final int maxInstructionChars;
  private final long maxInlineBytes;
  private final Set<String> allowedSchemes;
  private final Set<String> reservedTokens;
  private final int maxUriChars;
  private final int maxMetadataEntries;
  private final int maxMetadataKeyBytes;
  private final int maxMetadataValueBytes;
  private final int maxMetadataBytes;

  private RequestValidator(Builder b) {
    this.maxUriChars = b.maxUriChars;
    this.maxMetadataEntries = b.maxMetadataEntries;
    this.maxMetadataKeyBytes = b.maxMetadataKeyBytes;
    this.maxMetadataValueBytes = b.maxMetadataValueBytes;
    this.maxMetadataBytes = b.maxMetadataBytes;
    this.maxIdChars = b.maxIdChars;
    this.maxInstructions = b.maxInstructions;
    this.maxInstructionChars = b.maxInstructionChars;
    this.maxInlineBytes = b.maxInlineBytes;
    this.allowedSchemes = Set.copyOf(b.allowedSchemes);
    this.reservedTokens = Set.copyOf(b.reservedTokens);
  }

  public static Builder builder() {
    return new Builder();
  }

  public ValidationResult validate(SourcedRequest sourced) {
    List<RequestRejection> rejections = new ArrayList<>();
    ImageEmbeddingRequest request = sourced.getRequest();
    if (request == null) {
      rejections.add(
          new RequestRejection(
              FailureStage.DECODE,
              ErrorClass.MALFORMED_EVENT,
              null,
              sourced.getMalformedReason() == null
                  ? "undecodable record"
                  : sourced.getMalformedReason()));
      return new ValidationResult(null, rejections);
    }
    RequestRejection whole = checkRequest(request);
    if (whole != null) {
      rejections.add(whole);
      return new ValidationResult(null, rejections);
    }
    // Duplicates would embed twice into the same document id: keep the first.
    LinkedHashSet<String> kept = new LinkedHashSet<>();
    for (String instruction : request.getInstructions()) {
      RequestRejection rejection = checkInstruction(instruction);
      if (rejection != null) {
        rejections.add(rejection);
      } else {
        kept.add(instruction);
      }
    }
    if (!request.getInstructions().isEmpty() && kept.isEmpty()) {
      // Every instruction was rejected: embedding image-only instead would index a vector nobody
      // asked for.
      return new ValidationResult(null, rejections);
    }
    ImageEmbeddingRequest accepted =
        kept.size() == request.getInstructions().size()
            ? request
            : ImageEmbeddingRequest.newBuilder(request)
                .setInstructions(new ArrayList<>(kept))
                .build();
    return new ValidationResult(accepted, rejections);
  }

  /** The reason the whole request is rejected, or null. */
  private RequestRejection checkRequest(ImageEmbeddingRequest request) {
    String id = request.getId();
    if (id == null || id.isBlank()) {
      return invalid("id is missing or blank");
    }
    if (id.length() > maxIdChars) {
      return invalid("id is " + id.length() + " characters, the limit is " + maxIdChars);
    }
    Object image = request.getImage();
    if (image == null) {
      return invalid("image is missing");
    }
    if (image instanceof ByteBuffer) {
      int size = ((ByteBuffer) image).remaining();
      if (size == 0) {
        return invalid("inline image bytes are empty");
      }
      if (size > maxInlineBytes) {
        return new RequestRejection(
            FailureStage.VALIDATE,
            ErrorClass.IMAGE_TOO_LARGE,
            null,
            "inline image too large: " + size + " bytes, the limit is " + maxInlineBytes);
      }
    } else {
      String problem = checkUriLength(image.toString());
      if (problem == null) {
        problem = checkUri(image.toString());
      }
      if (problem != null) {
        return invalid(problem);
      }
    }
    if (request.getInstructions().size() > maxInstructions) {
      return invalid(
          request.getInstructions().size() + " instructions, the limit is " + maxInstructions);
    }
    String metadataProblem = checkMetadata(request.getMetadata());
    if (metadataProblem != null) {
      return invalid(metadataProblem);
    }
    return null;
  }

  /**
   * A URI longer than the limit is refused before it is parsed (the document keeps it as a
   * keyword). A data: URI carries the image itself and is bounded by the byte limit when fetched.
   */
  private String checkUriLength(String text) {
    if (text.regionMatches(true, 0, "data:", 0, 5) || text.length() <= maxUriChars) {
      return null;
    }
    return "image URI is " + text.length() + " characters, the limit is " + maxUriChars;
  }

  /**
   * Metadata becomes the document's {@code metadata} object: bounded in entries, key and value
   * length and total size so that no document outgrows the sink's record limit or a Lucene term,
   * and with keys that name one field each (no empty segment, and no key that is also the parent of
   * another, which Elasticsearch would have to map as both a value and an object).
   */
  private String checkMetadata(Map<String, String> metadata) {
    if (metadata == null || metadata.isEmpty()) {
      return null;
    }
    if (metadata.size() > maxMetadataEntries) {
      return "metadata has " + metadata.size() + " entries, the limit is " + maxMetadataEntries;
    }
    long total = 0;
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      String key = e.getKey();
      String keyProblem = checkMetadataKey(key);
      if (keyProblem != null) {
        return keyProblem;
      }
      int valueBytes =
          e.getValue() == null ? 0 : e.getValue().getBytes(StandardCharsets.UTF_8).length;
      if (valueBytes > maxMetadataValueBytes) {
        return "metadata value of '"
            + abbreviate(key)
            + "' is "
            + valueBytes
            + " bytes (UTF-8), the limit is "
            + maxMetadataValueBytes;
      }
      total += key.getBytes(StandardCharsets.UTF_8).length + valueBytes;
    }
    if (total > maxMetadataBytes) {
      return "metadata is " + total + " bytes (UTF-8), the limit is " + maxMetadataBytes;
    }
    for (String key : metadata.keySet()) {
      for (int dot = key.indexOf('.'); dot > 0; dot = key.indexOf('.', dot + 1)) {
        String parent = key.substring(0, dot);
        if (metadata.containsKey(parent)) {
          return "metadata key '"
              + abbreviate(parent)
              + "' is also the parent of '"
              + abbreviate(key)
              + "'";
        }
      }
    }
    return null;
  }

  private String checkMetadataKey(String key) {
    if (key == null || key.isEmpty()) {
      return "a metadata key is empty";
    }
    int bytes = key.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > maxMetadataKeyBytes) {
      return "metadata key '"
          + abbreviate(key)
          + "' is "
          + bytes
          + " bytes (UTF-8), the limit is "
          + maxMetadataKeyBytes;
    }
    if (key.startsWith(".") || key.endsWith(".") || key.contains("..")) {
      return "metadata key '" + abbreviate(key) + "' has an empty path segment";
    }
    for (int i = 0; i < key.length(); i++) {
      if (Character.isISOControl(key.charAt(i))) {
        return "metadata key '" + abbreviate(key) + "' contains a control character";
      }
    }
    return null;
  }

  private static RequestRejection invalid(String message) {
    return new RequestRejection(FailureStage.VALIDATE, ErrorClass.INVALID_REQUEST, null, message);
  }

  private String checkUri(String text) {
    if (text.isBlank()) {
      return "image URI is blank";
    }
    String scheme;
    URI uri = null;
    if (text.regionMatches(true, 0, "data:", 0, 5)) {
      scheme =
          "data"; // data: URIs may be too long or unescaped for java.net.URI; the fetcher parses
      // them.
    } else {
      try {
        uri = new URI(text);
        scheme = uri.getScheme();
      } catch (URISyntaxException e) {
        return "image URI does not parse: " + e.getMessage();
      }
    }
    if (scheme == null) {
      return "image URI has no scheme: " + abbreviate(text);
    }
    if (!allowedSchemes.contains(scheme.toLowerCase(Locale.ROOT))) {
      return "image URI scheme '" + scheme + "' is not allowed (allowed: " + allowedSchemes + ")";
    }
    return uri == null ? null : checkAuthority(uri, text, scheme.toLowerCase(Locale.ROOT));
  }

  /**
   * A missing host or a port outside 1..65535 is a malformed request, caught here instead of as a
   * failed connection. How the host is spelled is the fetch policy's decision, not checked here.
   */
  private static String checkAuthority(URI uri, String text, String scheme) {
    if (scheme.equals("data") || scheme.equals("file")) {
      return null; // no host: file:// names none or localhost, which the file roots judge
    }
    boolean http = scheme.equals("http") || scheme.equals("https");
    if (uri.isOpaque() || uri.getRawAuthority() == null) {
      return http ? "image URI has no host: " + abbreviate(text) : null;
    }
    try {
      UrlAuthority.parse(uri.getRawAuthority());
    } catch (IllegalArgumentException e) {
      return "image " + e.getMessage() + ": " + abbreviate(text);
    }
    return null;
  }

  private RequestRejection checkInstruction(String instruction) {
    if (instruction == null) {
      return new RequestRejection(
          FailureStage.VALIDATE, ErrorClass.INVALID_REQUEST, null, "an instruction is null");
    }
    for (String token : reservedTokens) {
      if (instruction.contains(token)) {
        return new RequestRejection(
            FailureStage.VALIDATE,
            ErrorClass.INVALID_REQUEST,
            instruction,
            "instruction contains the reserved token " + token);
      }
    }
    if (instruction.length() > maxInstructionChars) {
      return new RequestRejection(
          FailureStage.VALIDATE,
          ErrorClass.INSTRUCTION_TOO_LONG,
          instruction,
          "instruction is "
              + instruction.length()
              + " characters, the limit is "
              + maxInstructionChars);
    }
    return null;
  }

  private static String abbreviate(String text) {
    return text.length() <= 80 ? text : text.substring(0, 80) + "…";
  }

  /** Limits, allowed schemes and the model's reserved token strings. */
  public static final class Builder {
    private int maxIdChars = 512;
    private int maxInstructions = DEFAULT_MAX_INSTRUCTIONS;
    private int maxInstructionChars = 8 * 512;
    private long maxInlineBytes = 20L << 20;
    private Set<String> allowedSchemes =
        Set.of("https", "http", "data", "file", "s3", "gs", "hdfs");
    private Set<String> reservedTokens = Set.of();
    private int maxUriChars = DEFAULT_MAX_URI_CHARS;
    private int maxMetadataEntries = DEFAULT_MAX_METADATA_ENTRIES;
    private int maxMetadataKeyBytes = DEFAULT_MAX_METADATA_KEY_BYTES;
    private int maxMetadataValueBytes = DEFAULT_MAX_METADATA_VALUE_BYTES;
    private int maxMetadataBytes = DEFAULT_MAX_METADATA_BYTES;

    public Builder maxUriChars(int value) {
      this.maxUriChars = positive(value, "maxUriChars");
      return this;
    }

    public Builder maxMetadataEntries(int value) {
      this.maxMetadataEntries = positive(value, "maxMetadataEntries");
      return this;
    }

    public Builder maxMetadataKeyBytes(int value) {
      this.maxMetadataKeyBytes = positive(value, "maxMetadataKeyBytes");
      return this;
    }

    public Builder maxMetadataValueBytes(int value) {
      this.maxMetadataValueBytes = positive(value, "maxMetadataValueBytes");
      return this;
    }

    /** The keys' and values' UTF-8 bytes together. */
    public Builder maxMetadataBytes(int value) {
      this.maxMetadataBytes = positive(value, "maxMetadataBytes");
      return this;
    }

    public Builder maxIdChars(int value) {
      this.maxIdChars = positive(value, "maxIdChars");
      return this;
    }

    public Builder maxInstructions(int value) {
      this.maxInstructions = positive(value, "maxInstructions");
      return this;
    }

    /** A cheap bound before tokenization; the token limit is enforced when tokenizing. */
    public Builder maxInstructionChars(int value) {
      this.maxInstructionChars = positive(value, "maxInstructionChars");
      return this;
    }

    public Builder maxInlineBytes(long value) {
      if (value <= 0) {
        throw new IllegalArgumentException("maxInlineBytes must be > 0, got " + value);
      }
      this.maxInlineBytes = value;
      return this;
    }

    public Builder allowedSchemes(Set<String> value) {
      Set<String> lower = new LinkedHashSet<>();
      for (String s : Objects.requireNonNull(value, "allowedSchemes")) {
        lower.add(s.toLowerCase(Locale.ROOT));
      }
      if (lower.isEmpty()) {
        throw new IllegalArgumentException("allowedSchemes must not be empty");
      }
      this.allowedSchemes = lower;
      return this;
    }

    public Builder reservedTokens(Set<String> value) {
      this.reservedTokens = Set.copyOf(Objects.requireNonNull(value, "reservedTokens"));
      return this;
    }

    public RequestValidator build() {
      // A flattened field indexes "key\0value" as one term, which Lucene caps.
      if ((long) maxMetadataKeyBytes + maxMetadataValueBytes + 1 > MAX_TERM_BYTES) {
        throw new IllegalArgumentException(
            "maxMetadataKeyBytes + maxMetadataValueBytes must stay below "
                + MAX_TERM_BYTES
                + " (Lucene's longest term), got "
                + maxMetadataKeyBytes
                + " + "
                + maxMetadataValueBytes);
      }
      return new RequestValidator(this);
    }

    private static int positive(int value, String name) {
      if (value <= 0) {
        throw new IllegalArgumentException(name + " must be > 0, got " + value);
      }
      return value;
    }
  }
}
