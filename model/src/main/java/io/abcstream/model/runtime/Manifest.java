package io.abcstream.model.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.abcstream.model.text.PromptTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bundle's {@code manifest.json} as written by {@code export/abc_export/exporter.py} (format
 * version {@value #SUPPORTED_FORMAT_VERSION}). Parsing validates what the runtime relies on and
 * fails with a {@link BundleException} naming the field.
 */
public final class Manifest {
  public static final int SUPPORTED_FORMAT_VERSION = 1;
  public static final String FILE_NAME = "manifest.json";

  /** Preprocessing numbers recorded by the export. */
  public record Preprocessing(
      int patchSize,
      int temporalPatchSize,
      int mergeSize,
      int factor,
      int patchRowSize,
      long stage1MinPixels,
      long stage1MaxPixels,
      long stage2MinPixels,
      long stage2MaxPixels,
      double maxAspectRatio,
      String resample,
      double rescaleFactor,
      double[] imageMean,
      double[] imageStd) {}

  private final JsonNode raw;
  private final int formatVersion;
  private final String modelVersion;
  private final String model;
  private final int dims;
  private final int hiddenSize;
  private final String dtype;
  private final String positions;
  private final String attention;
  private final String exportedWithTorch;
  private final String visionFile;
  private final String languageFile;
  private final String tokenizerFile;
  private final String tokenizerSha256;
  private final Preprocessing preprocessing;
  private final PromptTemplate prompt;
  private final Map<String, Long> tokenIds;
  private final List<String> reservedTokens;
  private final long poolIgnoreTokenId;

  private Manifest(JsonNode m, String where) {
    this.raw = m;
    this.formatVersion = reqInt(m, "format_version", where);
    if (formatVersion != SUPPORTED_FORMAT_VERSION) {
      throw new BundleException(
          where
              + ": bundle format_version "
              + formatVersion
              + " is not supported by this runtime (it reads format "
              + SUPPORTED_FORMAT_VERSION
              + "); re-export the bundle with this project's export/export.py");
    }
    this.modelVersion = reqText(m, "model_version", where);
    this.model = m.path("model").asText("ABC-Qwen2VL");
    this.dims = reqInt(m, "dims", where);
    if (dims < 1) {
      throw new BundleException(where + ": dims must be positive, got " + dims);
    }
    this.hiddenSize = m.has("hidden_size") ? reqInt(m, "hidden_size", where) : dims;
    this.dtype = reqText(m, "dtype", where);
    if (!dtype.equals("float32") && !dtype.equals("bfloat16")) {
      throw new BundleException(where + ": dtype must be float32 or bfloat16, got " + dtype);
    }
    this.positions = m.path("positions").asText("sequential");
    this.attention = m.path("attention").asText("");
    this.exportedWithTorch = m.path("exported_with_torch").asText("");
    JsonNode mods = req(m, "modules", where);
    this.visionFile = reqText(mods, "vision", where + ": modules");
    this.languageFile = reqText(mods, "language", where + ": modules");
    this.tokenizerFile = m.path("tokenizer").asText("tokenizer.json");
    this.tokenizerSha256 =
        m.hasNonNull("tokenizer_sha256") ? m.get("tokenizer_sha256").asText() : null;

    JsonNode p = req(m, "preprocessing", where);
    String pw = where + ": preprocessing";
    this.preprocessing =
        new Preprocessing(
            reqInt(p, "patch_size", pw),
            reqInt(p, "temporal_patch_size", pw),
            reqInt(p, "merge_size", pw),
            p.path("factor").asInt(reqInt(p, "patch_size", pw) * reqInt(p, "merge_size", pw)),
            reqInt(p, "patch_row_size", pw),
            reqLong(p, "stage1_min_pixels", pw),
            reqLong(p, "stage1_max_pixels", pw),
            reqLong(p, "stage2_min_pixels", pw),
            reqLong(p, "stage2_max_pixels", pw),
            p.path("max_aspect_ratio").asDouble(200),
            p.path("resample").asText("bicubic"),
            p.path("rescale_factor").asDouble(1.0 / 255.0),
            doubles(req(p, "image_mean", pw), 3, pw + ".image_mean"),
            doubles(req(p, "image_std", pw), 3, pw + ".image_std"));

    JsonNode tid = req(m, "token_ids", where);
    Map<String, Long> ids = new LinkedHashMap<>();
    tid.fields().forEachRemaining(e -> ids.put(e.getKey(), e.getValue().asLong()));
    for (String k : new String[] {"image_pad", "pad"}) {
      if (!ids.containsKey(k)) {
        throw new BundleException(where + ": token_ids." + k + " is missing");
      }
    }
    this.tokenIds = Collections.unmodifiableMap(ids);

    JsonNode pr = req(m, "prompt", where);
    String ppw = where + ": prompt";
    this.prompt =
        new PromptTemplate(
            reqText(pr, "system_prefix", ppw),
            reqText(pr, "vision_block", ppw),
            pr.path("image_pad").asText(PromptTemplate.DEFAULT_IMAGE_PAD),
            reqText(pr, "instruction_prefix", ppw),
            reqText(pr, "suffix", ppw));

    List<String> res = new ArrayList<>();
    m.path("reserved_tokens").forEach(n -> res.add(n.asText()));
    this.reservedTokens = Collections.unmodifiableList(res);
    this.poolIgnoreTokenId = m.path("pool_ignore_token_id").asLong(0);
  }

  /** Reads and validates {@code dir/manifest.json}. */
  public static Manifest read(Path dir) {
    Path f = dir.resolve(FILE_NAME);
    JsonNode n;
    try {
      n = new ObjectMapper().readTree(f.toFile());
    } catch (NoSuchFileException e) {
      throw new BundleException(f + " not found: " + dir + " is not a model bundle");
    } catch (IOException e) {
      if (!Files.exists(f)) {
        throw new BundleException(f + " not found: " + dir + " is not a model bundle");
      }
      throw new BundleException(f + ": cannot parse: " + e.getMessage(), e);
    }
    if (n == null || !n.isObject()) {
      throw new BundleException(f + ": not a JSON object");
    }
    return new Manifest(n, f.toString());
  }

  /** Parses manifest JSON text (tests, tools). */
  public static Manifest parse(String json) {
    try {
      JsonNode n = new ObjectMapper().readTree(json);
      if (n == null || !n.isObject()) {
        throw new BundleException("manifest: not a JSON object");
      }
      return new Manifest(n, "manifest");
    } catch (IOException e) {
      throw new BundleException("manifest: cannot parse: " + e.getMessage(), e);
    }
  }

  private static JsonNode req(JsonNode n, String field, String where) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      throw new BundleException(where + ": required field '" + field + "' is missing");
    }
    return v;
  }

  private static String reqText(JsonNode n, String field, String where) {
    JsonNode v = req(n, field, where);
    if (!v.isTextual()) {
      throw new BundleException(where + ": field '" + field + "' must be a string");
    }
    return v.asText();
  }

  private static int reqInt(JsonNode n, String field, String where) {
    JsonNode v = req(n, field, where);
    if (!v.canConvertToInt() || !v.isIntegralNumber()) {
      throw new BundleException(where + ": field '" + field + "' must be an integer");
    }
    return v.asInt();
  }

  private static long reqLong(JsonNode n, String field, String where) {
    JsonNode v = req(n, field, where);
    if (!v.isIntegralNumber()) {
      throw new BundleException(where + ": field '" + field + "' must be an integer");
    }
    return v.asLong();
  }

  private static double[] doubles(JsonNode n, int len, String where) {
    if (!n.isArray() || n.size() != len) {
      throw new BundleException(where + " must be an array of " + len + " numbers");
    }
    double[] d = new double[len];
    for (int i = 0; i < len; i++) {
      d[i] = n.get(i).asDouble();
    }
    return d;
  }

  public JsonNode raw() {
    return raw;
  }

  public int formatVersion() {
    return formatVersion;
  }

  /** Hash of the source weights, adapters, tokenizer and export options (index names carry it). */
  public String modelVersion() {
    return modelVersion;
  }

  public String model() {
    return model;
  }

  /** Embedding dimensions. */
  public int dims() {
    return dims;
  }

  public int hiddenSize() {
    return hiddenSize;
  }

  /** {@code float32} or {@code bfloat16} (the module weights; inputs and outputs are float32). */
  public String dtype() {
    return dtype;
  }

  /** {@code sequential} or {@code mrope}. */
  public String positions() {
    return positions;
  }

  public String attention() {
    return attention;
  }

  public String exportedWithTorch() {
    return exportedWithTorch;
  }

  public String visionFile() {
    return visionFile;
  }

  public String languageFile() {
    return languageFile;
  }

  public String tokenizerFile() {
    return tokenizerFile;
  }

  /** sha256 of the tokenizer.json the export used, or null when not recorded. */
  public String tokenizerSha256() {
    return tokenizerSha256;
  }

  public Preprocessing preprocessing() {
    return preprocessing;
  }

  public PromptTemplate prompt() {
    return prompt;
  }

  /** Named special token ids ({@code image_pad}, {@code vision_start}, {@code pad}, ...). */
  public Map<String, Long> tokenIds() {
    return tokenIds;
  }

  public long tokenId(String name) {
    Long v = tokenIds.get(name);
    if (v == null) {
      throw new BundleException("manifest has no token_ids." + name);
    }
    return v;
  }

  /** The id right-padded rows are filled with (masked out; never attended to or pooled). */
  public long padId() {
    return tokenId("pad");
  }

  public long imagePadId() {
    return tokenId("image_pad");
  }

  public List<String> reservedTokens() {
    return reservedTokens;
  }

  public long poolIgnoreTokenId() {
    return poolIgnoreTokenId;
  }
}
