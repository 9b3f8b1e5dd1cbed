package io.abcstream.model.runtime;

import io.abcstream.model.image.AbcPreprocessor;
import io.abcstream.model.image.ImageDecoder;
import io.abcstream.model.image.ImageException;
import io.abcstream.model.image.PreprocessedImage;
import io.abcstream.model.image.RgbImage;
import io.abcstream.model.text.InputMode;
import io.abcstream.model.text.ModelInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The whole ABC path for callers that hold an image and its instructions, or a text: decode
 * (Pillow-equivalent), two-stage preprocessing with the bundle's numbers, prompt + tokens, one
 * batch through {@link AbcModel}. Used by {@code abc embed} and as the reference path for the
 * streaming operator, which instead batches {@link AbcModel#prepare prepared} inputs across
 * requests.
 *
 * <p>An image with K instructions gives K image+instruction vectors in the given order, computed in
 * one batch with one vision pass; with no instructions it gives one image-only vector.
 *
 * <p>With {@link #dumpInputs(Path)} set, every call also writes the model inputs of each vector as
 * the reference would see them alone ({@code input_ids.npy}, {@code attention_mask.npy}, {@code
 * pixel_values.npy}, {@code image_grid_thw.npy}, {@code prompt.txt}); when a call gives several
 * vectors each gets a numbered subfolder ({@code 0/}, {@code 1/}, ...).
 *
 * <p>Thread-safety follows {@link AbcModel}: calls are serialized on the model.
 */
public final class Embedder implements AutoCloseable {
  private final AbcModel model;
  private final ImageDecoder decoder;
  private final AbcPreprocessor preprocessor;
  private final boolean ownsModel;
  private volatile Path dumpDir;

  public Embedder(AbcModel model, ImageDecoder decoder, AbcPreprocessor preprocessor) {
    this(model, decoder, preprocessor, false);
  }

  private Embedder(
      AbcModel model, ImageDecoder decoder, AbcPreprocessor preprocessor, boolean owns) {
    this.model = Objects.requireNonNull(model, "model");
    this.decoder = Objects.requireNonNull(decoder, "decoder");
    this.preprocessor = Objects.requireNonNull(preprocessor, "preprocessor");
    this.ownsModel = owns;
  }

  /** Loads the bundle on {@code device} (cpu, cuda:N); the embedder owns and closes the model. */
  public static Embedder open(Path bundleDir, String device) throws IOException {
    AbcModel m = AbcModel.builder().bundle(bundleDir).device(device).build();
    try {
      return new Embedder(m, ImageDecoder.defaults(), preprocessorFor(m.manifest()), true);
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
  }

  /** An {@link AbcPreprocessor} with the manifest's preprocessing numbers. */
  public static AbcPreprocessor preprocessorFor(Manifest manifest) {
    Manifest.Preprocessing p = manifest.preprocessing();
    return AbcPreprocessor.builder()
        .stage1Factor(p.factor())
        .stage1Pixels(p.stage1MinPixels(), p.stage1MaxPixels())
        .pixels(p.stage2MinPixels(), p.stage2MaxPixels())
        .maxAspectRatio(p.maxAspectRatio())
        .patchSize(p.patchSize())
        .mergeSize(p.mergeSize())
        .temporalPatchSize(p.temporalPatchSize())
        .rescaleFactor(p.rescaleFactor())
        .mean(p.imageMean())
        .std(p.imageStd())
        .build();
  }

  public AbcModel model() {
    return model;
  }

  public AbcPreprocessor preprocessor() {
    return preprocessor;
  }

  public ImageDecoder decoder() {
    return decoder;
  }

  /** Writes model inputs under {@code dir} on every call (null turns it off). */
  public Embedder dumpInputs(Path dir) {
    this.dumpDir = dir;
    return this;
  }

  /**
   * Image bytes (any supported format) with instructions; empty list = one image-only vector.
   *
   * @throws ImageException undecodable / too large / unsupported shape
   * @throws ModelInputException invalid or too long instruction
   */
  public List<Embedding> embedImage(byte[] imageBytes, List<String> instructions)
      throws IOException {
    return embedImage(decoder.decode(imageBytes), instructions);
  }

  public List<Embedding> embedImage(RgbImage image, List<String> instructions) throws IOException {
    return embedImage(preprocessor.preprocess(image), instructions);
  }

  public List<Embedding> embedImage(PreprocessedImage image, List<String> instructions)
      throws IOException {
    List<EmbeddingInput> in = new ArrayList<>();
    if (instructions == null || instructions.isEmpty()) {
      in.add(EmbeddingInput.image(image));
    } else {
      for (String s : instructions) {
        in.add(EmbeddingInput.query(image, s));
      }
    }
    return embed(in);
  }

  /** A text-only ("candidate") vector, e.g. a search query. */
  public Embedding embedText(String text) throws IOException {
    return embed(List.of(EmbeddingInput.text(text))).get(0);
  }

  /** Any mix of inputs in one batch. */
  public List<Embedding> embed(List<EmbeddingInput> inputs) throws IOException {
    List<PreparedInput> prepared = new ArrayList<>(inputs.size());
    for (EmbeddingInput in : inputs) {
      prepared.add(model.prepare(in));
    }
    Path dump = dumpDir;
    if (dump != null) {
      for (int i = 0; i < prepared.size(); i++) {
        writeInputs(
            prepared.size() == 1 ? dump : dump.resolve(Integer.toString(i)), prepared.get(i));
      }
    }
    List<float[]> vectors = model.run(prepared);
    List<Embedding> out = new ArrayList<>(vectors.size());
    for (int i = 0; i < vectors.size(); i++) {
      EmbeddingInput in = inputs.get(i);
      out.add(
          new Embedding(
              in.mode(), in.mode() == InputMode.IMAGE ? null : in.text(), vectors.get(i)));
    }
    return out;
  }

  /**
   * Writes one input's model tensors as the reference would feed it alone (batch of one):
   * input_ids/attention_mask [1, L] int64, pixel_values [N, 1176] float32 and image_grid_thw [1, 3]
   * int64 when there is an image, prompt.txt (the chat-template text, one image pad).
   */
  public void writeInputs(Path dir, PreparedInput p) throws IOException {
    Files.createDirectories(dir);
    CollatedBatch b = model.collator().collate(List.of(p));
    NpyWriter.writeInt64(dir.resolve("input_ids.npy"), b.inputIds(), 1, b.seqLen());
    NpyWriter.writeInt64(dir.resolve("attention_mask.npy"), b.attentionMask(), 1, b.seqLen());
    if (b.imageCount() > 0) {
      NpyWriter.writeFloat32(
          dir.resolve("pixel_values.npy"), b.pixels(), b.pixelRows(), b.rowLength());
      NpyWriter.writeInt64(dir.resolve("image_grid_thw.npy"), b.gridThw(), b.imageCount(), 3);
    }
    Files.writeString(dir.resolve("prompt.txt"), p.prompt().prompt(), StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    if (ownsModel) {
      model.close();
    }
  }
}
