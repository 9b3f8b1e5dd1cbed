#!/usr/bin/env bash
# Preprocessing benchmark: Java (JMH, single thread) vs the reference path (Pillow + HF processor math in numpy,
# single thread) on the same JPEGs in the same run; writes bench/RESULTS.md.
#   bench/run-preprocess.sh            # defaults: JMH 3x2s warm-up, 5x2s measurement; Python 10 s per image, twice
#   PY_SECONDS=5 JMH_ARGS="-wi 2 -i 3" bench/run-preprocess.sh
set -euo pipefail
cd "$(dirname "$0")/.."
CMD="bench/run-preprocess.sh${PY_SECONDS:+ (PY_SECONDS=$PY_SECONDS)}${JMH_ARGS:+ (JMH_ARGS=$JMH_ARGS)}"
IMG=bench/target/preprocess-images
PY=/usr/bin/python3
mkdir -p bench/target
mvn -q -B -pl model -am install -DskipTests
mvn -q -B -f bench/pom.xml package
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# Reference before and after the Java run, so drifting machine load shows up in the table.
$PY bench/preprocess/reference_preprocess.py "$IMG" --seconds "${PY_SECONDS:-10}" --json bench/target/reference-1.json
# shellcheck disable=SC2086
java -jar bench/target/benchmarks.jar PreprocessBenchmark -f 1 -wi 3 -w 2 -i 5 -r 2 ${JMH_ARGS:-} \
  -jvmArgsAppend "-Xms2g -Xmx2g --add-modules jdk.incubator.vector -Dabc.bench.images=$IMG" -rf json -rff bench/target/jmh.json | tee bench/target/jmh.txt
# The production path (Vector API resampler, native libjpeg-turbo), then the portable fallback (scalar, ImageIO).
java -Xms2g -Xmx2g --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar io.abcstream.bench.CpuTime \
  "$IMG" "${PY_SECONDS:-10}" > bench/target/java-cpu.json
java -Xms2g -Xmx2g -Dabc.jpeg.native=false -cp bench/target/benchmarks.jar io.abcstream.bench.CpuTime \
  "$IMG" "${PY_SECONDS:-10}" > bench/target/java-cpu-portable.json
$PY bench/preprocess/reference_preprocess.py "$IMG" --seconds "${PY_SECONDS:-10}" --json bench/target/reference-2.json
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
$PY bench/preprocess/write_results.py --cmd "$CMD" --load "$load_before -> $load_after" \
  --jmh bench/target/jmh.json --java-cpu bench/target/java-cpu.json \
  --java-cpu-portable bench/target/java-cpu-portable.json bench/target/reference-1.json bench/target/reference-2.json > bench/RESULTS.md
cat bench/RESULTS.md
