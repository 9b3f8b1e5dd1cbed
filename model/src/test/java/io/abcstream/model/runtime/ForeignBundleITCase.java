package io.abcstream.model.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.abcstream.model.image.ImageDecoder;
import io.abcstream.model.text.TestTokenizer;
import io.abcstream.testkit.Tolerances;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bundles exported here from another tiny checkpoint (other seed; fp32 and bf16, sequential and
 * mrope) run in Java and give the vectors Python's TorchScript gives for the inputs Java dumped
 * (--dump-inputs), so the runtime does not depend on the committed bundle and the dumps load in
 * numpy. fp32 is the reference: Java fp32 equals Python fp32 within fp32 rounding, and each bf16
 * vector (Java's, Python's) is within bf16 rounding of the fp32 vector of the same checkpoint and
 * inputs ({@link Tolerances}), so the check holds whatever ISA and libtorch build run the bf16 ops.
 * Needs Debian's /usr/bin/python3 with torch + numpy (skipped otherwise).
 */
class ForeignBundleITCase {
  private static final Path PY = Path.of(System.getProperty("abc.python", "/usr/bin/python3"));

  /** The checkpoint's shape; make_tiny_checkpoint.py gets the flags, Tolerances the whole shape. */
  private static final Tolerances.TinyModel TINY =
      new Tolerances.TinyModel(2, 2, 48, 4, 48, 32, 2, 64, 48, 2);

  /**
   * Per dump: the vector, the vector with the instruct switch flipped, sequence length, patches.
   */
  private static final String CHECK_PY =
      """
            import json, os, sys
            import numpy as np, torch
            bundle, dump = sys.argv[1], sys.argv[2]
            man = json.load(open(os.path.join(bundle, "manifest.json")))
            vis = torch.jit.load(os.path.join(bundle, man["modules"]["vision"]))
            lang = torch.jit.load(os.path.join(bundle, man["modules"]["language"]))
            out = []
            for name in sorted(os.listdir(dump), key=int):
                d = os.path.join(dump, name)
                meta = json.load(open(os.path.join(d, "meta.json")))
                ids = torch.from_numpy(np.load(os.path.join(d, "input_ids.npy")))
                mask = torch.from_numpy(np.load(os.path.join(d, "attention_mask.npy")))
                with torch.no_grad():
                    if os.path.exists(os.path.join(d, "pixel_values.npy")):
                        pv = torch.from_numpy(np.load(os.path.join(d, "pixel_values.npy")))
                        g = torch.from_numpy(np.load(os.path.join(d, "image_grid_thw.npy")))
                        f, ri = vis(pv, g), torch.tensor([0])
                    else:
                        g, f, ri = torch.zeros((0, 3), dtype=torch.int64), torch.zeros((0, man["hidden_size"])), torch.tensor([-1])
                    v = lang(ids, mask, f, g, ri, torch.tensor([meta["instruct"]]))[0]
                    flipped = lang(ids, mask, f, g, ri, torch.tensor([1.0 - meta["instruct"]]))[0]
                patches = int(g[:, 0].max() * g[:, 1].max() * g[:, 2].max()) if g.shape[0] else 0
                out.append({"vector": [float(x) for x in v], "flipped": [float(x) for x in flipped],
                            "seq_len": int(ids.shape[1]), "patches": patches})
            print(json.dumps(out))
            """;

  @TempDir static Path work;

  private static Path checkpoint;
  private static final Map<String, Vectors> RUNS = new HashMap<>();

  /** Java's and Python's vectors of one bundle for the same four inputs. */
  private record Vectors(
      List<float[]> java,
      List<float[]> python,
      List<float[]> pythonFlipped,
      List<Boolean> image,
      List<Boolean> instruct,
      List<Integer> seqLen,
      List<Integer> patches) {}

  private static String run(Path dir, List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(false).start();
    byte[] out = p.getInputStream().readAllBytes();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s failed: %s", cmd, err).isZero();
    return new String(out, StandardCharsets.UTF_8);
  }

  private static boolean pythonHasTorch() {
    if (!Files.isExecutable(PY)) {
      return false;
    }
    try {
      Process p = new ProcessBuilder(PY.toString(), "-c", "import torch, numpy").start();
      return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  /**
   * Exports (once) and runs the bundle of this dtype and positions on the same inputs in Java and
   * Python.
   */
  private static synchronized Vectors vectors(String dtype, String positions) throws Exception {
    String key = dtype + "-" + positions;
    if (RUNS.containsKey(key)) {
      return RUNS.get(key);
    }
    Path export = TestTokenizer.repoRoot().resolve("export");
    if (checkpoint == null) {
      checkpoint = work.resolve("ck");
      run(
          export,
          List.of(
              PY.toString(),
              "make_tiny_checkpoint.py",
              "--out",
              checkpoint.toString(),
              "--seed",
              "7",
              "--hidden",
              Integer.toString(TINY.hidden()),
              "--heads",
              Integer.toString(TINY.heads()),
              "--kv-heads",
              "2",
              "--mrope-section",
              "2,2,2",
              "--layers",
              Integer.toString(TINY.layers()),
              "--vision-depth",
              Integer.toString(TINY.visionDepth()),
              "--intermediate",
              Integer.toString(TINY.intermediate()),
              "--vision-embed",
              Integer.toString(TINY.visionEmbed()),
              "--vision-heads",
              Integer.toString(TINY.visionHeads()),
              "--mlp-head-hidden",
              Integer.toString(TINY.mlpHead()),
              "--instruct-r",
              Integer.toString(TINY.instructRank())));
    }
    Path tmp = Files.createDirectories(work.resolve(key));
    Path bundle = tmp.resolve("bundle");
    run(
        export,
        List.of(
            PY.toString(),
            "export.py",
            "--base",
            checkpoint.resolve("base").toString(),
            "--pretrain-adapter",
            checkpoint.resolve("pretrain").toString(),
            "--instruct-adapter",
            checkpoint.resolve("instruct").toString(),
            "--out",
            bundle.toString(),
            "--tokenizer",
            TestTokenizer.tokenizerJson().toString(),
            "--dtype",
            dtype,
            "--positions",
            positions));

    Path dump = tmp.resolve("dump");
    List<float[]> java = new ArrayList<>();
    List<Boolean> image = new ArrayList<>();
    List<Boolean> instruct = new ArrayList<>();
    AbcModel model = AbcModel.builder().bundle(bundle).cpuThreads(1).build();
    try (Embedder e =
        new Embedder(model, ImageDecoder.defaults(), Embedder.preprocessorFor(model.manifest()))) {
      assertThat(model.dims()).isEqualTo(TINY.hidden());
      byte[] png = Files.readAllBytes(Goldens.dir().resolve("odd_333x217.png"));
      int k = 0;
      for (List<String> instr :
          List.of(List.of("What is in the image?", "左边的动物是什么？"), List.<String>of())) {
        e.dumpInputs(tmp.resolve("d" + k));
        for (Embedding v : e.embedImage(png, instr)) {
          java.add(v.vector());
          image.add(true);
          instruct.add(!instr.isEmpty());
        }
        k++;
      }
      e.dumpInputs(tmp.resolve("d" + k));
      java.add(e.embedText("a photo of a cat 🐱").vector());
      image.add(false);
      instruct.add(false);
      // one folder per vector for the Python side
      List<Path> dirs =
          List.of(tmp.resolve("d0/0"), tmp.resolve("d0/1"), tmp.resolve("d1"), tmp.resolve("d2"));
      for (int i = 0; i < dirs.size(); i++) {
        Path to = dump.resolve(Integer.toString(i));
        Files.createDirectories(to.getParent());
        Files.move(dirs.get(i), to);
        Files.writeString(
            to.resolve("meta.json"), "{\"instruct\": " + (instruct.get(i) ? "1.0" : "0.0") + "}");
      }
    } finally {
      model.close();
    }
    Path script = tmp.resolve("check.py");
    Files.writeString(script, CHECK_PY);
    JsonNode py =
        new ObjectMapper()
            .readTree(
                run(
                    tmp,
                    List.of(PY.toString(), script.toString(), bundle.toString(), dump.toString())));
    assertThat(py.size()).isEqualTo(java.size());
    List<float[]> python = new ArrayList<>();
    List<float[]> flipped = new ArrayList<>();
    List<Integer> seqLen = new ArrayList<>();
    List<Integer> patches = new ArrayList<>();
    for (JsonNode r : py) {
      python.add(Goldens.floats(r.get("vector")));
      flipped.add(Goldens.floats(r.get("flipped")));
      seqLen.add(r.get("seq_len").asInt());
      patches.add(r.get("patches").asInt());
    }
    Vectors v = new Vectors(java, python, flipped, image, instruct, seqLen, patches);
    RUNS.put(key, v);
    return v;
  }

  private static double bf16Bound(Vectors v, int i) {
    return Tolerances.relativeBound(
        TINY.bf16Roundings(v.image().get(i), v.instruct().get(i)), Tolerances.BF16_UNIT_ROUNDOFF);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sequential", "mrope"})
  void javaEqualsTorchScriptOnJavasInputs(String positions) throws Exception {
    assumeTrue(pythonHasTorch(), PY + " with torch and numpy is needed");
    Vectors fp32 = vectors("fp32", positions);
    Vectors bf16 = vectors("bf16", positions);
    for (int i = 0; i < fp32.java().size(); i++) {
      String what = positions + " vector " + i;
      // fp32: two libtorch builds (DJL's and Debian's), each within fp32 rounding of exact
      // arithmetic
      double fp32Bound =
          2
              * Tolerances.relativeBound(
                  TINY.fp32Roundings(
                      fp32.image().get(i),
                      fp32.instruct().get(i),
                      fp32.seqLen().get(i),
                      fp32.patches().get(i)),
                  Tolerances.FP32_UNIT_ROUNDOFF);
      double fp32Rel = Tolerances.relativeError(fp32.java().get(i), fp32.python().get(i));
      System.out.printf(
          "%s: fp32 Java vs Python rel %.3g (bound %.3g)%n", what, fp32Rel, fp32Bound);
      assertThat(fp32Rel).as("fp32 Java vs Python, %s", what).isLessThanOrEqualTo(fp32Bound);
      assertThat(Goldens.cosine(fp32.java().get(i), fp32.python().get(i)))
          .as("fp32 cosine, %s", what)
          .isGreaterThanOrEqualTo(Tolerances.cosineFloor(fp32Bound));

      // bf16: both paths against the fp32 vector of the same checkpoint and inputs
      float[] ref = fp32.java().get(i);
      double bound = bf16Bound(bf16, i);
      double javaRel = Tolerances.relativeError(bf16.java().get(i), ref);
      double pyRel = Tolerances.relativeError(bf16.python().get(i), ref);
      double between = Tolerances.relativeError(bf16.java().get(i), bf16.python().get(i));
      System.out.printf(
          "%s: bf16 vs fp32 rel Java %.4f (cos %.6f), Python %.4f (cos %.6f);"
              + " Java vs Python bf16 rel %.4f (cos %.6f); bound %.4f (cos >= %.6f)%n",
          what,
          javaRel,
          Goldens.cosine(bf16.java().get(i), ref),
          pyRel,
          Goldens.cosine(bf16.python().get(i), ref),
          between,
          Goldens.cosine(bf16.java().get(i), bf16.python().get(i)),
          bound,
          Tolerances.cosineFloor(bound));
      assertThat(javaRel).as("Java bf16 vs fp32, %s", what).isLessThanOrEqualTo(bound);
      assertThat(pyRel).as("Python bf16 vs fp32, %s", what).isLessThanOrEqualTo(bound);
      assertThat(Goldens.cosine(bf16.java().get(i), ref))
          .as("Java bf16 cosine, %s", what)
          .isGreaterThanOrEqualTo(Tolerances.cosineFloor(bound));
      assertThat(Goldens.cosine(bf16.python().get(i), ref))
          .as("Python bf16 cosine, %s", what)
          .isGreaterThanOrEqualTo(Tolerances.cosineFloor(bound));
    }
  }

  /** The bf16 bound is not so loose that a wrong adapter or wrong positions would pass it. */
  @Test
  void bf16BoundRejectsWrongVectors() throws Exception {
    assumeTrue(pythonHasTorch(), PY + " with torch and numpy is needed");
    Vectors seq = vectors("fp32", "sequential");
    Vectors mrope = vectors("fp32", "mrope");
    for (int i = 0; i < seq.java().size(); i++) {
      if (!seq.image().get(i)) {
        continue; // a text row has the same positions in both modes and no adapter switched on
      }
      double bound = bf16Bound(seq, i);
      double flipped = Tolerances.relativeError(seq.pythonFlipped().get(i), seq.java().get(i));
      double otherMode = Tolerances.relativeError(mrope.java().get(i), seq.java().get(i));
      System.out.printf(
          "image vector %d: instruct switch flipped rel %.4f, other positions mode rel %.4f;"
              + " bf16 bound %.4f%n",
          i, flipped, otherMode, bound);
      assertThat(flipped).as("instruct switch flipped, vector %d", i).isGreaterThan(bound);
      assertThat(otherMode).as("mrope instead of sequential, vector %d", i).isGreaterThan(bound);
    }
  }
}
