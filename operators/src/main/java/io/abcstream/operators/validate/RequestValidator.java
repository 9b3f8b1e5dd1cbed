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
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Pure checks a request must pass before any work is spent on it. Per-instruction problems reject
 * only that instruction; the others go on.
 */
public final class RequestValidator implements Serializable {

  private static final long serialVersionUID = 1L;

  public static final int DEFAULT_MAX_INSTRUCTIONS = 32;

  private final int maxIdChars;
  private final int maxInstructions;
  private final int maxInstructionChars;
  private final long maxInlineBytes;
  private final Set<String> allowedSchemes;
  private final Set<String> reservedTokens;

  private RequestValidator(Builder b) {
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
      String problem = checkUri(image.toString());
      if (problem != null) {
        return invalid(problem);
      }
    }
    if (request.getInstructions().size() > maxInstructions) {
      return invalid(
          request.getInstructions().size() + " instructions, the limit is " + maxInstructions);
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
