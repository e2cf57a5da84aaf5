"""Cycles per inference of the MLPerf Tiny int8 models with our reference kernels on
cortex-m4 and cortex-m7, and the arena our planner needs next to the tflite-micro
reference interpreter's own figure (print_allocations, a 64-bit host build).

    python benchmarks/models.py

Prints measured figures; passes or fails nothing."""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # host_runtime.reference_arena: the reference's arena figure

from host_runtime import reference_arena  # noqa: E402

from mcusim.model import read_model  # noqa: E402
from mcusim.runner import run_model  # noqa: E402

SHARED = REPO.parent / "shared" / "models" / "mlperf_tiny"
MODELS = ["kws_ref_model", "vww_96_int8", "pretrainedResnet_quant", "ad01_int8", "str_ww_ref_model"]
CORES = ["cortex-m4", "cortex-m7"]


def main():
    if not SHARED.is_dir():
        sys.exit(f"{SHARED} not found: put ../shared beside the repo")
    print(f"{'model':<24} {'core':<10} {'invoke cycles':>14} {'instructions':>13} {'MACs':>11} {'cyc/MAC':>8} "
          f"{'ms':>8} {'overhead':>9} {'arena':>8} {'ref arena':>9} {'ratio':>6}")
    for name in MODELS:
        path = SHARED / f"{name}.tflite"
        macs = sum(op.macs for op in read_model(path)[1].ops)
        ref = reference_arena(path)
        for core in CORES:
            r = run_model(path, core, kernels="reference", sram="1MiB", flash="2MiB")
            ref_total = ref.total if ref else None
            print(f"{name:<24} {core:<10} {r.cycles.invoke:>14,} {r.instructions['invoke']:>13,} {macs:>11,} "
                  f"{r.cycles.invoke / macs:>8.2f} {r.latency_ms:>8.2f} {r.cycles.overhead_pct:>8.3f}% "
                  f"{r.memory.arena_used:>8,} {ref_total or 0:>9,} "
                  f"{r.memory.arena_used / ref_total if ref_total else float('nan'):>6.3f}")


if __name__ == "__main__":
    main()
