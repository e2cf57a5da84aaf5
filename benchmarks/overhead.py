"""Interpreter overhead, TFLM-paper style: total invoke cycles, the cycles inside operator
kernels, and the share the interpreter adds, for the MLPerf Tiny int8 models on
cortex-m4 (reference kernels; optionally --kernels optimized). Each operator is also
timed in the bare-kernel harness, so the overhead is measured, not inferred.

    python benchmarks/overhead.py [--core cortex-m4] [--kernels reference]
"""

import argparse
import sys
from pathlib import Path

from mcusim.runner import run_model

SHARED = Path(__file__).resolve().parents[2] / "shared" / "models" / "mlperf_tiny"
MODELS = ["kws_ref_model", "vww_96_int8", "pretrainedResnet_quant", "ad01_int8", "str_ww_ref_model"]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--core", default="cortex-m4")
    ap.add_argument("--kernels", default="reference")
    args = ap.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"{SHARED} not found: put ../shared beside the repo")
    print(f"{'model':<24} {'core':<10} {'total cycles':>14} {'kernel cycles':>14} {'overhead':>9} "
          f"{'overhead %':>10} {'bare sum':>14} {'total - bare':>12}")
    for name in MODELS:
        r = run_model(SHARED / f"{name}.tflite", args.core, kernels=args.kernels, bare=True, sram="1MiB", flash="2MiB")
        bare = sum(op.bare_cycles for op in r.ops)
        c = r.cycles
        print(f"{name:<24} {args.core:<10} {c.invoke:>14,} {c.kernels:>14,} {c.interpreter_overhead:>9,} "
              f"{c.overhead_pct:>9.4f}% {bare:>14,} {c.invoke - bare:>12,}")


if __name__ == "__main__":
    main()
