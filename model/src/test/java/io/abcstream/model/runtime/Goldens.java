package io.abcstream.model.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.abcstream.model.image.AbcPreprocessor;
import io.abcstream.model.image.PreprocessedImage;
import io.abcstream.model.image.RgbImage;
import io.abcstream.model.text.InputMode;
import io.abcstream.model.text.TestTokenizer;
import io.abcstream.testkit.Tolerances;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/** bundles/tiny/goldens/goldens.json (written by export/make_goldens.py) and its images. */
public final class Goldens {
  /** One golden case. */
  public record Case(
      String id,
      InputMode mode,
      String image,
      String userText,
      String prompt,
      long[] promptIds,
      long[] inputIds,
      long[] gridThw,
      boolean instruct,
      float[] vector) {}

  private static Goldens instance;

  private final JsonNode root;
  private final List<Case> cases = new ArrayList<>();
  private final Map<String, PreprocessedImage> images = new HashMap<>();

  private Goldens(JsonNode root) {
    this.root = root;
    for (JsonNode c : root.get("cases")) {
      InputMode mode = InputMode.fromWireName(c.get("mode").asText());
      String text =
          c.hasNonNull("instruction")
              ? c.get("instruction").asText()
              : c.hasNonNull("text") ? c.get("text").asText() : null;
      cases.add(
          new Case(
              c.get("id").asText(),
              mode,
              c.hasNonNull("image") ? c.get("image").asText() : null,
              text,
              c.get("prompt").asText(),
              longs(c.get("prompt_ids")),
              longs(c.get("input_ids")),
              c.hasNonNull("grid_thw") ? longs(c.get("grid_thw")) : null,
              c.get("instruct").asBoolean(),
              floats(c.get("vector"))));
    }
  }

  public static synchronized Goldens load() {
    if (instance == null) {
      try {
        instance = new Goldens(new ObjectMapper().readTree(dir().resolve("goldens.json").toFile()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return instance;
  }

  public static Path dir() {
    return TestTokenizer.tinyBundle().resolve("goldens");
  }

  public List<Case> cases() {
    return cases;
  }

  public Case get(String id) {
    return cases.stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow();
  }

  /**
   * fp32 roundings on the longest chain to a case's vector in a batch padded to {@code seqLen}
   * tokens (its own input_ids length when alone); its image's t*h*w patches attend to each other.
   */
  public static int fp32Roundings(Case c, int seqLen) {
    long[] g = c.gridThw();
    int patches = g == null ? 0 : (int) (g[0] * g[1] * g[2]);
    return Tolerances.TinyModel.COMMITTED.fp32Roundings(
        c.image() != null, c.instruct(), seqLen, patches);
  }

  /** The longest input_ids of these cases: the length a batch of them is padded to. */
  public static int paddedLength(List<Case> cases) {
    return cases.stream().mapToInt(c -> c.inputIds().length).max().orElseThrow();
  }

  /**
   * Bound on ||v - golden|| / ||golden|| for a case's vector from a batch padded to {@code seqLen}:
   * the golden comes from the unbatched eager reference on another libtorch build (torch 1.13 vs
   * DJL's 2.5.1).
   */
  public static double bound(Case c, int seqLen) {
    return Tolerances.fp32Apart(fp32Roundings(c, seqLen), fp32Roundings(c, c.inputIds().length));
  }

  public JsonNode image(String name) {
    return root.get("images").get(name);
  }

  public int imageTokens(String name) {
    return image(name).get("image_tokens").asInt();
  }

  /**
   * The golden image, decoded here (8-bit PNG rasters read directly: RGB, RGBA alpha dropped, L
   * replicated).
   */
  public synchronized PreprocessedImage preprocessed(String name) {
    return images.computeIfAbsent(
        name, n -> AbcPreprocessor.defaults().preprocess(readPng(dir().resolve(n))));
  }

  /** The EmbeddingInput of a case (images shared per name, so batches dedupe them). */
  public EmbeddingInput input(Case c) {
    return switch (c.mode()) {
      case IMAGE -> EmbeddingInput.image(preprocessed(c.image()));
      case IMAGE_INSTRUCTION -> EmbeddingInput.query(preprocessed(c.image()), c.userText());
      case TEXT -> EmbeddingInput.text(c.userText());
    };
  }

  public static RgbImage readPng(Path p) {
    try {
      BufferedImage bi = ImageIO.read(p.toFile());
      Raster r = bi.getRaster();
      int w = r.getWidth();
      int h = r.getHeight();
      int bands = r.getNumBands();
      byte[] rgb = new byte[w * h * 3];
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          for (int c = 0; c < 3; c++) {
            rgb[(y * w + x) * 3 + c] = (byte) r.getSample(x, y, bands >= 3 ? c : 0);
          }
        }
      }
      return new RgbImage(w, h, rgb);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static long[] longs(JsonNode a) {
    long[] out = new long[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).asLong();
    }
    return out;
  }

  static float[] floats(JsonNode a) {
    float[] out = new float[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) a.get(i).asDouble();
    }
    return out;
  }

  public static double cosine(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new AssertionError("vectors differ in length: " + a.length + " vs " + b.length);
    }
    double d = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      d += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return d / Math.sqrt(na * nb);
  }

  /**
   * Largest per-element difference; vectors of different lengths are a failure, not a partial
   * comparison.
   */
  public static double maxAbsDiff(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new AssertionError("vectors differ in length: " + a.length + " vs " + b.length);
    }
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs((double) a[i] - b[i]));
    }
    return m;
  }
}
