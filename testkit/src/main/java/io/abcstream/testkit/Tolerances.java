package io.abcstream.testkit;

import java.util.List;

/**
 * Bounds for vectors of one bundle computed with different rounding (bf16 vs fp32, another libtorch
 * build, another CPU), derived from the number format instead of tuned to one machine.
 *
 * <p>Model of the error: every tensor op whose result is stored in the working dtype rounds with a
 * relative error of at most the unit roundoff {@code u} (bf16: 8-bit significand, {@code u = 2^-8};
 * fp32: 24-bit, {@code u = 2^-24}); a weight stored in that dtype is one more rounding per linear.
 * Along the longest chain of {@code n} sequential roundings that reaches the output, first-order
 * analysis gives the worst case {@code ||v - v_exact|| / ||v_exact|| <= n u}. For the tiny model
 * with the instruct adapter on that is {@code 139 u = 0.54} in bf16: looser than the distance of a
 * vector with the adapter switched off (about 0.5), so the worst case cannot tell a defect from
 * rounding. The roundings are independent and of mean zero, so this class uses the probabilistic
 * bound of Higham and Mary (SIAM J. Sci. Comput. 41(5), 2019, Theorem 2.4): {@code lambda sqrt(n)
 * u}, which holds with probability at least {@code 1 - 2 exp(-lambda^2 (1 - u)^2 / 2)}; {@code
 * lambda = 5} makes a false alarm a 1-in-100,000 event per vector. Two computations that each
 * satisfy the bound differ by at most twice it. A relative distance {@code r} means an angle with
 * {@code sin <= r}, so the cosine is at least {@code sqrt(1 - r^2)}.
 */
public final class Tolerances {
  public static final double BF16_UNIT_ROUNDOFF = 0x1p-8;
  public static final double FP32_UNIT_ROUNDOFF = 0x1p-24;
  public static final double LAMBDA = 5.0;

  private Tolerances() {}

  /**
   * The tiny model as export/make_tiny_checkpoint.py builds it with these sizes (the flags a test
   * passes plus the script's defaults: intermediate 48, vision embed 32 with 2 heads and mlp ratio
   * 2, mlp head 48, instruct LoRA rank 2).
   */
  public record TinyModel(
      int layers,
      int visionDepth,
      int hidden,
      int heads,
      int intermediate,
      int visionEmbed,
      int visionHeads,
      int visionMlp,
      int mlpHead,
      int instructRank) {
    public static final int PATCH_DIM = 3 * 2 * 14 * 14;
    public static final int MERGE = 4;

    /**
     * bundles/tiny: export/make_tiny_bundle.sh runs make_tiny_checkpoint.py with its defaults
     * (hidden 32, 2 heads, 2 layers, vision depth 2; the manifest's dims, hidden_size,
     * vision_embed_dim, mlp_head_hidden, num_layers and vision_depth say the same).
     */
    public static final TinyModel COMMITTED = new TinyModel(2, 2, 32, 2, 48, 32, 2, 64, 48, 2);

    public TinyModel {
      if (layers < 1 || visionDepth < 1 || hidden % heads != 0 || visionEmbed % visionHeads != 0) {
        throw new IllegalArgumentException("not a tiny model shape: " + layers + "/" + visionDepth);
      }
    }

    /**
     * bf16 roundings on the longest chain to the output, counted where export/abc_export/modules.py
     * keeps a bf16 tensor; its softmax, RMS-norm statistics, rotary tables, pooling sum and final
     * normalisation run in fp32 and add none.
     */
    public int bf16Roundings(boolean image, boolean instruct) {
      // linear: its weight (and bias) stored in bf16 + its output
      int linear = 2;
      // the instruct LoRA runs beside a switched linear: x A^T (weight, output), then B (weight,
      // output), * scale, y + d; the longer branch is the LoRA one (switch is 0 or 1: exact)
      int switched = instruct ? 2 + 2 + 1 + 1 : linear;
      // VisionBlock: layer_norm1, qkv, rope cast back to bf16, q k^T, (/ sqrt(16) is exact),
      // softmax cast to bf16, w v, proj, + x, layer_norm2, fc1, quick_gelu (1.702 x, sigmoid, x s),
      // fc2, + x
      int visionBlock = 1 + linear + 1 + 1 + 1 + 1 + linear + 1 + 1 + linear + 3 + linear + 1;
      // patch embed: pixels cast to bf16, weight, output; merger: ln_q, mlp.0, gelu, mlp.2
      int vision = 3 + visionDepth * visionBlock + 1 + linear + 1 + linear;
      // _rms: fp32 statistics cast to bf16, weight, product
      int rms = 3;
      // DecoderLayer: rms, q_proj, rope (cos table cast, q cos, + rotate_half(q) sin), q k^T,
      // / sqrt(12), softmax cast, w v, o_proj, + x, rms, gate_proj, silu, * up_proj, down_proj, + x
      int layer =
          rms + switched + 3 + 1 + 1 + 1 + 1 + switched + 1 + rms + switched + 1 + 1 + switched + 1;
      // final rms, pooled mean cast to bf16, h1, selu, h2, pooled + y (normalize runs in fp32)
      int head = rms + 1 + linear + 1 + linear + 1;
      // an image row starts from the vision features, a text row from one embedding rounding
      return (image ? vision : 1) + layers * layer + head;
    }

    /**
     * fp32 roundings on the same chain, where a dot product of length k counts k (recursive
     * summation, the order a libtorch build or an ISA picks) and an elementwise op counts 1.
     */
    public int fp32Roundings(boolean image, boolean instruct, int seqLen, int patches) {
      int vhd = visionEmbed / visionHeads;
      int hd = hidden / heads;
      int visionBlock =
          visionEmbed
              + visionEmbed
              + 2
              + vhd
              + 1
              + patches
              + patches
              + visionEmbed
              + 1
              + visionEmbed
              + visionEmbed
              + 3
              + visionMlp
              + 1;
      int merged = MERGE * visionEmbed;
      int vision = PATCH_DIM + visionDepth * visionBlock + visionEmbed + merged + 1 + merged;
      int lora = instruct ? instructRank + 2 : 0;
      int rms = hidden + 2;
      int layer =
          rms
              + hidden
              + lora
              + 3
              + hd
              + 1
              + seqLen
              + seqLen
              + hidden
              + lora
              + 1
              + rms
              + hidden
              + lora
              + 1
              + 1
              + intermediate
              + lora
              + 1;
      int head = rms + seqLen + 1 + hidden + 1 + mlpHead + 1 + hidden;
      return (image ? vision : 1) + layers * layer + head;
    }
  }

  /** Relative distance from exact arithmetic of a result with n roundings of unit roundoff u. */
  public static double relativeBound(int roundings, double unitRoundoff) {
    return LAMBDA * Math.sqrt(roundings) * unitRoundoff;
  }

  /**
   * Bound on {@code ||a - b|| / ||b||} for two fp32 computations of one row (other batch shape,
   * libtorch build or CPU) with {@code roundingsA} and {@code roundingsB} roundings: each is within
   * its bound of exact arithmetic.
   */
  public static double fp32Apart(int roundingsA, int roundingsB) {
    return relativeBound(roundingsA, FP32_UNIT_ROUNDOFF)
        + relativeBound(roundingsB, FP32_UNIT_ROUNDOFF);
  }

  /** The smallest cosine two vectors at relative distance at most r can have. */
  public static double cosineFloor(double r) {
    if (r >= 1) {
      return -1;
    }
    return Math.sqrt(1 - r * r);
  }

  /** ||v - ref|| / ||ref|| of a vector as Avro or JSON lists hold it. */
  public static double relativeError(List<Float> v, float[] ref) {
    float[] f = new float[v.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = v.get(i);
    }
    return relativeError(f, ref);
  }

  /** ||v - ref|| / ||ref||. */
  public static double relativeError(float[] v, float[] ref) {
    if (v.length != ref.length) {
      throw new AssertionError("vectors differ in length: " + v.length + " vs " + ref.length);
    }
    double d = 0;
    double n = 0;
    for (int i = 0; i < v.length; i++) {
      double e = (double) v[i] - ref[i];
      d += e * e;
      n += (double) ref[i] * ref[i];
    }
    return Math.sqrt(d / n);
  }
}
