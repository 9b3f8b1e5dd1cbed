package io.abcstream.model.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.abcstream.model.image.ImageDecoder;
import io.abcstream.model.text.TestTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bundles exported here from another tiny checkpoint (other seed; fp32, bf16, mrope) run in Java
 * and give the vectors Python's TorchScript gives for the inputs Java dumped (--dump-inputs), so
 * the runtime does not depend on the committed bundle and the dumps load in numpy. Needs Debian's
 * /usr/bin/python3 with torch + numpy (skipped otherwise).
 */
class ForeignBundleITCase {
    private static final Path PY = Path.of(System.getProperty("abc.python", "/usr/bin/python3"));

    private static final String CHECK_PY = """
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
                out.append([float(x) for x in v])
            print(json.dumps(out))
            """;

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

    @ParameterizedTest
    @CsvSource({"fp32,sequential,1e-5", "bf16,sequential,3e-2", "fp32,mrope,1e-5"})
    void javaEqualsTorchScriptOnJavasInputs(String dtype, String positions, double tol, @TempDir Path tmp)
            throws Exception {
        assumeTrue(pythonHasTorch(), PY + " with torch and numpy is needed");
        Path export = TestTokenizer.repoRoot().resolve("export");
        Path ck = tmp.resolve("ck");
        Path bundle = tmp.resolve("bundle");
        run(export, List.of(PY.toString(), "make_tiny_checkpoint.py", "--out", ck.toString(), "--seed", "7",
                "--hidden", "48", "--heads", "4", "--kv-heads", "2", "--mrope-section", "2,2,2"));
        run(export, List.of(PY.toString(), "export.py", "--base", ck.resolve("base").toString(),
                "--pretrain-adapter", ck.resolve("pretrain").toString(), "--instruct-adapter",
                ck.resolve("instruct").toString(), "--out", bundle.toString(), "--tokenizer",
                TestTokenizer.tokenizerJson().toString(), "--dtype", dtype, "--positions", positions));

        Path dump = tmp.resolve("dump");
        List<float[]> java = new ArrayList<>();
        AbcModel model = AbcModel.builder().bundle(bundle).cpuThreads(1).build();
        try (Embedder e = new Embedder(model, ImageDecoder.defaults(), Embedder.preprocessorFor(model.manifest()))) {
            assertThat(model.dims()).isEqualTo(48);
            byte[] png = Files.readAllBytes(Goldens.dir().resolve("odd_333x217.png"));
            int k = 0;
            List<Boolean> instruct = new ArrayList<>();
            for (List<String> instr : List.of(List.of("What is in the image?", "左边的动物是什么？"), List.<String>of())) {
                e.dumpInputs(tmp.resolve("d" + k));
                for (Embedding v : e.embedImage(png, instr)) {
                    java.add(v.vector());
                    instruct.add(!instr.isEmpty());
                }
                k++;
            }
            e.dumpInputs(tmp.resolve("d" + k));
            java.add(e.embedText("a photo of a cat 🐱").vector());
            instruct.add(false);
            // one folder per vector for the Python side
            List<Path> dirs = List.of(tmp.resolve("d0/0"), tmp.resolve("d0/1"), tmp.resolve("d1"), tmp.resolve("d2"));
            for (int i = 0; i < dirs.size(); i++) {
                Path to = dump.resolve(Integer.toString(i));
                Files.createDirectories(to.getParent());
                Files.move(dirs.get(i), to);
                Files.writeString(to.resolve("meta.json"), "{\"instruct\": " + (instruct.get(i) ? "1.0" : "0.0") + "}");
            }
        } finally {
            model.close();
        }
        Path script = tmp.resolve("check.py");
        Files.writeString(script, CHECK_PY);
        JsonNode py = new ObjectMapper().readTree(run(tmp, List.of(PY.toString(), script.toString(), bundle.toString(),
                dump.toString())));
        assertThat(py.size()).isEqualTo(java.size());
        for (int i = 0; i < java.size(); i++) {
            float[] ref = Goldens.floats(py.get(i));
            assertThat(Goldens.maxAbsDiff(java.get(i), ref)).as("%s/%s vector %d", dtype, positions, i)
                    .isLessThanOrEqualTo(tol);
            assertThat(Goldens.cosine(java.get(i), ref)).isGreaterThan(dtype.equals("bf16") ? 0.999 : 0.99999);
        }
    }
}
