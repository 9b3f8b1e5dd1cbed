package io.abcstream.model.runtime;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import io.abcstream.model.text.InputMode;
import io.abcstream.model.text.ModelInputException;
import io.abcstream.model.text.PromptBuilder;
import io.abcstream.model.text.QwenTokenizer;
import io.abcstream.model.text.TokenizedPrompt;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ABC model of one bundle on one device: tokenizer + prompt builder, batch collation, and the
 * bundle's vision and language TorchScript modules run through DJL's PyTorch engine.
 *
 * <p>Usage: {@code try (AbcModel m = AbcModel.builder().bundle(dir).device("cuda:0").build()) {
 * List<float[]> v = m.embed(inputs); }}. Vectors are float32 unit vectors of {@link #dims()}
 * entries, in input order, each equal to what the item gives alone (batch invariant).
 *
 * <p>Threads: {@link #prepare} (tokenization) is thread-safe and may run on any thread. {@link
 * #run}/{@link #embed} serialize on this instance (one native forward at a time, a reused pixel
 * staging buffer): the intended use is one instance per device driven by one worker thread (the
 * batching service's), which is also what keeps GPU memory predictable. All native memory of a
 * batch lives in an NDManager sub-scope that is closed before {@code run} returns, on success and
 * on failure. {@link #close} frees the modules and the tokenizer.
 */
public final class AbcModel implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AbcModel.class);

  private final ModelBundle bundle;
  private final Device device;
  private final QwenTokenizer tokenizer;
  private final PromptBuilder prompts;
  private final BatchCollator collator;
  private final Model visionModel;
  private final Model languageModel;
  private final Block vision;
  private final Block language;
  private final NDManager root;
  private final boolean optimizeGraph;
  private final int cpuThreads;
  private final int dims;
  private final int hidden;
  private ByteBuffer staging;
  private float[] scratch;
  private long batches;
  private volatile boolean closed;

  private AbcModel(Builder b) throws IOException {
    this.bundle = ModelBundle.open(b.bundleDir);
    Manifest m = bundle.manifest();
    this.device = b.device;
    this.optimizeGraph = b.optimizeGraph;
    this.cpuThreads = b.cpuThreads;
    this.dims = m.dims();
    this.hidden = m.hiddenSize();
    QwenTokenizer tok = null;
    Model vm = null;
    Model lm = null;
    try {
      tok = bundle.openTokenizer();
      this.prompts = bundle.promptBuilder(tok, b.maxUserTokens);
      this.collator = new BatchCollator(m.padId(), m.preprocessing().patchRowSize());
      vm = loadModule("abc-vision", bundle.visionPath());
      lm = loadModule("abc-language", bundle.languagePath());
    } catch (IOException | RuntimeException e) {
      if (vm != null) {
        vm.close();
      }
      if (tok != null) {
        tok.close();
      }
      throw e;
    }
    this.tokenizer = tok;
    this.visionModel = vm;
    this.languageModel = lm;
    this.vision = vm.getBlock();
    this.language = lm.getBlock();
    this.root = lm.getNDManager().newSubManager(device);
    LOG.info("loaded {} on {}", bundle, device);
  }

  private Model loadModule(String name, Path file) throws IOException {
    Model model = Model.newInstance(name, device, "PyTorch");
    try {
      String fileName = file.getFileName().toString();
      model.load(file.getParent(), fileName, Map.of("mapLocation", "true"));
      if (model.getBlock() == null) {
        throw new BundleException(file + ": DJL loaded no TorchScript module");
      }
      return model;
    } catch (MalformedModelException e) {
      model.close();
      throw new BundleException(file + ": not a loadable TorchScript module: " + e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      model.close();
      throw e;
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builder: {@code bundle} is required; {@code device} defaults to cpu. */
  public static final class Builder {
    private Path bundleDir;
    private Device device = Device.cpu();
    private int maxUserTokens = PromptBuilder.DEFAULT_MAX_USER_TOKENS;
    private boolean optimizeGraph;
    private int cpuThreads;

    private Builder() {}

    public Builder bundle(Path dir) {
      this.bundleDir = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /** {@code cpu}, {@code cuda:N} (or {@code gpu:N}). */
    public Builder device(String name) {
      return device(parseDevice(name));
    }

    public Builder device(Device d) {
      this.device = Objects.requireNonNull(d, "device");
      return this;
    }

    /** Limit on an instruction's (or query text's) own tokens; default 512. */
    public Builder maxUserTokens(int n) {
      this.maxUserTokens = n;
      return this;
    }

    /**
     * Whether TorchScript's profiling graph executor may specialize and fuse (default off: shapes
     * vary per batch, and re-specialization costs latency spikes; numerics stay the module's).
     */
    public Builder optimizeGraph(boolean on) {
      this.optimizeGraph = on;
      return this;
    }

    /**
     * libtorch intra-op threads for CPU inference, applied on the thread that runs each batch
     * (OpenMP settings are per calling thread). 0 (default) keeps libtorch's default (one per
     * core). Use 1 when several models or processes share few cores: OpenMP worker threads spin,
     * and oversubscription makes small batches tens of times slower.
     */
    public Builder cpuThreads(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("cpuThreads must be >= 0, got " + n);
      }
      this.cpuThreads = n;
      return this;
    }

    public AbcModel build() throws IOException {
      if (bundleDir == null) {
        throw new IllegalStateException("bundle directory is required");
      }
      return new AbcModel(this);
    }
  }

  /** Parses {@code cpu}, {@code cuda}, {@code cuda:N}, {@code gpu:N}. */
  public static Device parseDevice(String name) {
    String s = name.trim().toLowerCase(Locale.ROOT);
    if (s.equals("cpu")) {
      return Device.cpu();
    }
    if (s.equals("cuda") || s.equals("gpu")) {
      return Device.gpu(0);
    }
    for (String p : new String[] {"cuda:", "gpu:", "cuda", "gpu"}) {
      if (s.startsWith(p)) {
        try {
          return Device.gpu(Integer.parseInt(s.substring(p.length())));
        } catch (NumberFormatException e) {
          break;
        }
      }
    }
    throw new IllegalArgumentException("device must be cpu or cuda:N, got '" + name + "'");
  }

  public ModelBundle bundle() {
    return bundle;
  }

  public Manifest manifest() {
    return bundle.manifest();
  }

  public int dims() {
    return dims;
  }

  public String modelVersion() {
    return bundle.manifest().modelVersion();
  }

  public Device device() {
    return device;
  }

  public PromptBuilder prompts() {
    return prompts;
  }

  public QwenTokenizer tokenizer() {
    return tokenizer;
  }

  public BatchCollator collator() {
    return collator;
  }

  /**
   * Tokenizes one input (thread-safe, CPU only).
   *
   * @throws ModelInputException INVALID_REQUEST or INSTRUCTION_TOO_LONG
   */
  public PreparedInput prepare(EmbeddingInput in) {
    TokenizedPrompt p =
        in.mode() == InputMode.TEXT
            ? prompts.text(in.text())
            : in.mode() == InputMode.IMAGE
                ? prompts.image(in.image().numImageTokens())
                : prompts.query(in.text(), in.image().numImageTokens());
    return new PreparedInput(p, in.image());
  }

  /**
   * Prepares and runs a batch.
   *
   * @throws ModelInputException when an input is rejected (nothing is run then)
   * @throws ModelException when inference fails
   */
  public List<float[]> embed(List<EmbeddingInput> inputs) {
    List<PreparedInput> p = new ArrayList<>(inputs.size());
    for (EmbeddingInput in : inputs) {
      p.add(prepare(in));
    }
    return run(p);
  }

  /** One vector for one input. */
  public float[] embed(EmbeddingInput input) {
    return embed(List.of(input)).get(0);
  }

  /** Collates and runs prepared inputs; vectors in input order. */
  public synchronized List<float[]> run(List<PreparedInput> inputs) {
    ensureOpen();
    if (inputs.isEmpty()) {
      return List.of();
    }
    CollatedBatch batch = collator.collate(inputs, this::stagingBuffer, this::scratchArray);
    float[][] out = run(batch);
    List<float[]> list = new ArrayList<>(out.length);
    for (float[] v : out) {
      list.add(v);
    }
    return list;
  }

  /** Runs an already collated batch. */
  public synchronized float[][] run(CollatedBatch batch) {
    ensureOpen();
    int b = batch.batchSize();
    int l = batch.seqLen();
    int nImg = batch.imageCount();
    JniUtils.setGraphExecutorOptimize(optimizeGraph);
    if (cpuThreads > 0 && !device.isGpu()) {
      JniUtils.setNumThreads(cpuThreads);
    }
    try (NDManager scope = root.newSubManager(device)) {
      ParameterStore ps = new ParameterStore(scope, false);
      NDArray grid = scope.create(batch.gridThw(), new Shape(nImg, 3));
      NDArray features;
      if (nImg > 0) {
        NDArray pixels =
            scope.create(
                batch.pixelBytes(),
                new Shape(batch.pixelRows(), batch.rowLength()),
                DataType.FLOAT32);
        NDList vout = vision.forward(ps, new NDList(pixels, grid), false);
        features = vout.singletonOrThrow();
        if (features.getDataType() != DataType.FLOAT32) {
          features = features.toType(DataType.FLOAT32, false);
        }
      } else {
        features = scope.zeros(new Shape(0, hidden), DataType.FLOAT32);
      }
      NDArray ids = scope.create(batch.inputIds(), new Shape(b, l));
      NDArray mask = scope.create(batch.attentionMask(), new Shape(b, l));
      NDArray rowImage = scope.create(batch.rowImage(), new Shape(b));
      NDArray instruct = scope.create(batch.instruct(), new Shape(b));
      NDList lout =
          language.forward(ps, new NDList(ids, mask, features, grid, rowImage, instruct), false);
      NDArray v = lout.singletonOrThrow();
      if (v.getDataType() != DataType.FLOAT32) {
        v = v.toType(DataType.FLOAT32, false);
      }
      Shape s = v.getShape();
      if (s.dimension() != 2 || s.get(0) != b || s.get(1) != dims) {
        throw new ModelException(
            "language module returned shape " + s + ", expected (" + b + ", " + dims + ")");
      }
      float[] flat = v.toFloatArray();
      float[][] out = new float[b][];
      for (int i = 0; i < b; i++) {
        out[i] = Arrays.copyOfRange(flat, i * dims, (i + 1) * dims);
      }
      batches++;
      return out;
    } catch (ModelException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new ModelException(
          "inference failed for a batch of "
              + b
              + " rows (L="
              + l
              + ", "
              + nImg
              + " images): "
              + e.getMessage(),
          e);
    }
  }

  private ByteBuffer stagingBuffer(int bytes) {
    // On CPU the pixel tensor aliases this buffer (from_blob), on GPU it is copied; reuse is
    // safe because run() is serialized and the tensor is closed before the next batch.
    if (staging == null || staging.capacity() < bytes) {
      int cap =
          Math.max(
              bytes,
              staging == null
                  ? 0
                  : Math.min(
                      Integer.MAX_VALUE - 8,
                      (int) Math.min((long) staging.capacity() * 3 / 2, Integer.MAX_VALUE - 8L)));
      staging = ByteBuffer.allocateDirect(Math.max(cap, 64)).order(ByteOrder.nativeOrder());
    }
    return staging;
  }

  private float[] scratchArray(int floats) {
    if (scratch == null || scratch.length < floats) {
      scratch = new float[floats];
    }
    return scratch;
  }

  /** Number of batches run so far. */
  public synchronized long batchesRun() {
    return batches;
  }

  /** Native arrays currently held under this model's manager (0 between batches). */
  public int liveArrays() {
    return root.getManagedArrays().size();
  }

  /** Arrays attached to the loaded modules' own managers (constant while no batch leaks). */
  int moduleManagerArrays() {
    return visionModel.getNDManager().getManagedArrays().size()
        + languageModel.getNDManager().getManagedArrays().size();
  }

  /** Bytes of the reused pixel staging buffer (grows to the largest batch seen). */
  public synchronized long stagingBytes() {
    return staging == null ? 0 : staging.capacity();
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("AbcModel is closed");
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      root.close();
    } finally {
      try {
        languageModel.close();
      } finally {
        try {
          visionModel.close();
        } finally {
          tokenizer.close();
        }
      }
    }
  }
}
