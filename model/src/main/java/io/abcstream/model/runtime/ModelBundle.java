package io.abcstream.model.runtime;

import io.abcstream.model.text.PromptBuilder;
import io.abcstream.model.text.QwenTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A validated model bundle directory (docs/ARCHITECTURE.md, "Bundle"): {@code manifest.json}, the
 * vision and language TorchScript modules it names, and {@code tokenizer.json}. {@link #open}
 * checks the manifest, that every file is present and that the tokenizer is the one the bundle was
 * exported with. Immutable; opening loads nothing native.
 */
public final class ModelBundle {
  private final Path dir;
  private final Manifest manifest;

  private ModelBundle(Path dir, Manifest manifest) {
    this.dir = dir;
    this.manifest = manifest;
  }

  /**
   * Opens and validates a bundle directory.
   *
   * @throws BundleException with a message saying what is wrong and how to fix it
   */
  public static ModelBundle open(Path dir) {
    Path d = dir.toAbsolutePath().normalize();
    if (!Files.isDirectory(d)) {
      throw new BundleException(
          "model bundle directory " + d + " does not exist (pass --bundle DIR)");
    }
    Manifest m = Manifest.read(d);
    for (String f : new String[] {m.visionFile(), m.languageFile()}) {
      Path p = d.resolve(f);
      if (!Files.isRegularFile(p)) {
        throw new BundleException(
            "model bundle " + d + " is incomplete: " + f + " (named in manifest.json) is missing");
      }
    }
    Path tok = d.resolve(m.tokenizerFile());
    if (!Files.isRegularFile(tok)) {
      throw new BundleException(
          "model bundle "
              + d
              + " has no "
              + m.tokenizerFile()
              + " (it is not committed): run dev/fetch-tokenizer.sh "
              + tok
              + " or pass --bundle DIR with a complete bundle");
    }
    if (m.tokenizerSha256() != null) {
      String got = sha256(tok);
      if (!got.equalsIgnoreCase(m.tokenizerSha256())) {
        throw new BundleException(
            tok
                + " (sha256 "
                + got
                + ") is not the tokenizer the bundle was exported"
                + " with (sha256 "
                + m.tokenizerSha256()
                + "): run dev/fetch-tokenizer.sh "
                + tok
                + " or re-export the bundle");
      }
    }
    return new ModelBundle(d, m);
  }

  public Path dir() {
    return dir;
  }

  public Manifest manifest() {
    return manifest;
  }

  public Path visionPath() {
    return dir.resolve(manifest.visionFile());
  }

  public Path languagePath() {
    return dir.resolve(manifest.languageFile());
  }

  public Path tokenizerPath() {
    return dir.resolve(manifest.tokenizerFile());
  }

  /** Loads the bundle's tokenizer (native; close it) and checks it against the manifest's ids. */
  public QwenTokenizer openTokenizer() throws IOException {
    QwenTokenizer t = QwenTokenizer.load(tokenizerPath());
    try {
      Long pad = t.addedTokens().get(manifest.prompt().imagePad());
      if (pad == null || pad != manifest.imagePadId()) {
        throw new BundleException(
            "tokenizer id of "
                + manifest.prompt().imagePad()
                + " is "
                + pad
                + " but manifest token_ids.image_pad is "
                + manifest.imagePadId());
      }
      for (String r : manifest.reservedTokens()) {
        if (!t.addedTokens().containsKey(r)) {
          throw new BundleException(
              "manifest reserved token " + r + " is not in " + tokenizerPath());
        }
      }
      return t;
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
  }

  /** A prompt builder over this bundle's template and the given tokenizer. */
  public PromptBuilder promptBuilder(QwenTokenizer tokenizer, int maxUserTokens) {
    return new PromptBuilder(tokenizer, manifest.prompt(), maxUserTokens);
  }

  static String sha256(Path p) {
    try (InputStream in = Files.newInputStream(p)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new BundleException("cannot read " + p + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return "ModelBundle["
        + dir
        + ", "
        + manifest.model()
        + " "
        + manifest.modelVersion().substring(0, Math.min(12, manifest.modelVersion().length()))
        + ", dims "
        + manifest.dims()
        + ", "
        + manifest.dtype()
        + "]";
  }
}
