#!/usr/bin/python3
"""Combines JMH JSON and reference_preprocess.py JSON files into the markdown table of bench/RESULTS.md."""
import argparse
import json
import os
import platform
import statistics

ap = argparse.ArgumentParser()
ap.add_argument("--cmd", required=True)
ap.add_argument("--load", default="?")
ap.add_argument("--jmh", required=True)
ap.add_argument("--java-cpu", default=None)
ap.add_argument("reference", nargs="+")
a = ap.parse_args()

jmh = {}
for r in json.load(open(a.jmh)):
    name = r["benchmark"].rsplit(".", 1)[1]
    size = r["params"]["size"]
    jmh[(name, size)] = (r["primaryMetric"]["score"], r["primaryMetric"]["scoreError"])
refs = [json.load(open(p)) for p in a.reference]
sizes = list(refs[0]["images"].keys())

cpu = "?"
try:
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
except OSError:
    pass

print("# Benchmarks\n")
print("## Image decode + ABC preprocessing (per image, one core)\n")
print(f"Produced by `{a.cmd}` (see the script for the exact JMH and Python invocations).\n")
print(f"Machine: {cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}; "
      f"load average (1/5/15 min) before -> after: {a.load}. The machine is shared with other builds, so absolute "
      f"times are inflated and noisy; both sides ran in the same window (reference before and after Java).\n")
print(f"Reference: Pillow {refs[0]['pillow']} (libjpeg-turbo) + numpy {refs[0]['numpy']}: "
      "`Image.open().convert('RGB')`, qwen_vl_utils smart_resize + `resize`, then the Qwen2-VL slow image "
      "processor's math (smart_resize, PIL BICUBIC, rescale float64->float32, normalize float32, temporal "
      "duplication, patchify). Java: `ImageDecoder.decode` + `AbcPreprocessor.preprocess` + "
      "`PreprocessedImage.writePixelRows` (JMH avgt, 1 thread); its setup checks the float32 rows are "
      "bit-identical (sha256) to the reference's before measuring.\n")
print("| image | JPEG bytes | grid_thw | reference ms (mean of runs, before / after) | Java ms (JMH ± 99.9% CI) "
      "| speed-up (reference / Java) | Java decode only ms | Java resize+rows only ms | reference decode ms (1 run) |")
print("|---|---|---|---|---|---|---|---|---|")
for s in sizes:
    ref_means = [r["images"][s]["mean_ms"] for r in refs]
    ref = statistics.fmean(ref_means)
    j, je = jmh[("decodeAndPreprocess", s)]
    d, _ = jmh.get(("decodeOnly", s), (float("nan"), 0))
    p, _ = jmh.get(("preprocessOnly", s), (float("nan"), 0))
    info = refs[0]["images"][s]
    print(f"| {s} | {info['bytes']} | {tuple(info['grid_thw'])} | {ref:.1f} ({' / '.join(f'{m:.1f}' for m in ref_means)}) "
          f"| {j:.1f} ± {je:.1f} | **{ref / j:.2f}×** | {d:.1f} | {p:.1f} | "
          f"{statistics.fmean(r['images'][s]['decode_ms_one_run'] for r in refs):.1f} |")
print()
if a.java_cpu:
    jc = json.load(open(a.java_cpu))
    print("Cross-check with thread CPU time instead of wall time (less sensitive to other processes on the "
          "machine; min and median over repeated runs, same images, same single thread):\n")
    print("| image | reference CPU ms (min / median) | Java CPU ms (min / median) | speed-up on min | on median |")
    print("|---|---|---|---|---|")
    for s in sizes:
        rmin = min(r["images"][s]["min_cpu_ms"] for r in refs)
        rmed = statistics.fmean(r["images"][s]["median_cpu_ms"] for r in refs)
        jmin, jmed = jc[s]["min_cpu_ms"], jc[s]["median_cpu_ms"]
        print(f"| {s} | {rmin:.1f} / {rmed:.1f} | {jmin:.1f} / {jmed:.1f} | **{rmin / jmin:.2f}×** | {rmed / jmed:.2f}× |")
    print()
print("Pixel exactness: the stage-1 and stage-2 uint8 images are bit-identical to Pillow and the float rows to the "
      "numpy path (tests in model/, and the benchmark's own sha256 check on these JPEGs).")
print()
print("Notes (why the 3× per-core target is not met, measured by the breakdown columns):\n")
print("- Decode: the JDK's built-in libjpeg (6b, no SIMD) is what gives Pillow-identical JPEG pixels from Java; "
      "Pillow uses libjpeg-turbo with SIMD, so decode alone is ~1.4-2× slower on the Java side.")
print("- Resampling (both stages) dominates large images on both sides. The Java port runs the same fixed-point "
      "arithmetic in scalar int code (vertical pass vectorised by C2, horizontal pass scalar) and is roughly on par "
      "with Pillow's scalar C. Vectorising the horizontal pass needs gathers or a transposed layout (a transposed-strip "
      "variant was tried and measured slower under C2), and JDK 17 has no stable SIMD API (jdk.incubator.vector "
      "would need --add-modules on every TaskManager).")
print("- Rescale/normalise/patchify: a 3×256 float lookup table writes the rows directly (~4× faster than numpy).")
print("- Options that would move the ratio, not done here: libjpeg-turbo through JNI for decode; the incubator "
      "Vector API for the horizontal pass; streaming stage-1 rows straight into stage 2 to avoid the stage-1 image.")
