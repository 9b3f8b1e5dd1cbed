#!/usr/bin/env bash
# Preprocessing benchmark: Java vs the reference path (Pillow + HF processor math in numpy), single thread each,
# on the same JPEGs in the same run; writes bench/RESULTS.md.
#   bench/run-preprocess.sh            # defaults: 3 alternating rounds of reference and Java CPU time, 6 s per image
#                                      # and round; then the portable Java fallback; then JMH (wall time)
#   ROUNDS=2 SECONDS_PER_IMAGE=4 JMH_ARGS="-wi 2 -i 3" bench/run-preprocess.sh
# The machine is shared: alternating the two sides in short rounds exposes both to the same drifting load.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
SECS=${SECONDS_PER_IMAGE:-6}
CMD="bench/run-preprocess.sh (ROUNDS=$ROUNDS SECONDS_PER_IMAGE=$SECS${JMH_ARGS:+ JMH_ARGS=$JMH_ARGS})"
IMG=bench/target/preprocess-images
PY=/usr/bin/python3
OUT=bench/target
mkdir -p "$OUT"
mvn -q -B -pl model -am install -DskipTests
mvn -q -B -f bench/pom.xml package
rm -f "$OUT"/reference-*.json "$OUT"/java-cpu-*.json
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq 1 "$ROUNDS"); do
  echo "== round $round/$ROUNDS: reference, then Java"
  $PY bench/preprocess/reference_preprocess.py "$IMG" --seconds "$SECS" --json "$OUT/reference-$round.json"
  # The production path: Vector API resampler, native libjpeg-turbo rows streamed into the resizes.
  java -Xms2g -Xmx2g --add-modules jdk.incubator.vector -cp "$OUT/benchmarks.jar" io.abcstream.bench.CpuTime \
    "$IMG" "$SECS" > "$OUT/java-cpu-$round.json"
done
# The portable fallback: no Vector API (scalar resampler), JDK ImageIO JPEG decoder.
java -Xms2g -Xmx2g -Dabc.jpeg.native=false -cp "$OUT/benchmarks.jar" io.abcstream.bench.CpuTime \
  "$IMG" "$SECS" > "$OUT/java-cpu-portable.json"
# shellcheck disable=SC2086
java -jar "$OUT/benchmarks.jar" PreprocessBenchmark -f 1 -wi 3 -w 2 -i 5 -r 2 ${JMH_ARGS:-} \
  -jvmArgsAppend "-Xms2g -Xmx2g --add-modules jdk.incubator.vector -Dabc.bench.images=$IMG" \
  -rf json -rff "$OUT/jmh.json" | tee "$OUT/jmh.txt"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
$PY bench/preprocess/write_results.py --cmd "$CMD" --load "$load_before -> $load_after" --jmh "$OUT/jmh.json" \
  --java-cpu "$OUT"/java-cpu-[0-9]*.json --java-cpu-portable "$OUT/java-cpu-portable.json" \
  --reference "$OUT"/reference-*.json > bench/RESULTS.md
cat bench/RESULTS.md
