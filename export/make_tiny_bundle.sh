#!/usr/bin/env bash
# Regenerate the committed tiny bundle (bundles/tiny) and its goldens reproducibly:
# tiny random checkpoint (fixed seed) -> export.py (fp32, sequential, matmul attention) -> make_goldens.py.
# Needs /usr/bin/python3 with torch, numpy, PIL; node + npm (tokenizer fetch and golden tokenization).
# Golden PNGs are only created when missing (they are committed).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
py="${PYTHON:-/usr/bin/python3}"
out="$root/bundles/tiny"
seed="${TINY_SEED:-20250101}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$out/goldens"
"$root/dev/fetch-tokenizer.sh" "$out/tokenizer.json"
"$py" "$root/export/make_tiny_checkpoint.py" --out "$tmp/ck" --seed "$seed"
"$py" "$root/export/export.py" --base "$tmp/ck/base" --pretrain-adapter "$tmp/ck/pretrain" \
  --instruct-adapter "$tmp/ck/instruct" --out "$out" --tokenizer "$out/tokenizer.json" \
  --dtype fp32 --positions sequential --attention matmul
"$py" "$root/export/make_goldens.py" --checkpoint "$tmp/ck" --bundle "$out" --out "$out/goldens" \
  ${NODE_MODULES:+--node-modules "$NODE_MODULES"}
