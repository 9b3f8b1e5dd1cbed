#!/usr/bin/env python3
"""Export Hugging Face snapshot folders (Qwen2-VL base + ABC pretrain/instruct PEFT LoRA adapters) to an
ABC model bundle (manifest.json, vision.pt, language.pt, tokenizer.json). See export/README.md."""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from abc_export import ExportError  # noqa: E402
from abc_export.exporter import export  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--base", required=True, help="base model snapshot (config.json + *.safetensors)")
    ap.add_argument("--pretrain-adapter", required=True, help="ABC pretrain PEFT adapter folder (merged)")
    ap.add_argument("--instruct-adapter", required=True, help="ABC instruct PEFT adapter folder (runtime switch)")
    ap.add_argument("--out", required=True, help="bundle directory to write")
    ap.add_argument("--dtype", choices=["fp32", "bf16"], default="fp32", help="fp32 for CPU, bf16 for GPU")
    ap.add_argument("--positions", choices=["sequential", "mrope"], default="sequential")
    ap.add_argument("--tokenizer", help="tokenizer.json to use when the base snapshot has none")
    ap.add_argument("--attention", choices=["sdpa", "matmul"], default=None,
                    help="attention kernel (default: sdpa when this torch has it, else matmul)")
    ap.add_argument("--skip-check", action="store_true", help="skip the post-export load-and-run check")
    a = ap.parse_args(argv)
    try:
        m = export(a.base, a.pretrain_adapter, a.instruct_adapter, a.out, dtype=a.dtype, positions=a.positions,
                   tokenizer=a.tokenizer, attention=a.attention, check=not a.skip_check)
    except ExportError as e:
        print(f"export failed: {e}", file=sys.stderr)
        return 2
    print(f"wrote bundle {a.out} (model_version {m['model_version'][:16]}..., dims {m['dims']}, {m['dtype']}, "
          f"positions {m['positions']}, attention {m['attention']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
