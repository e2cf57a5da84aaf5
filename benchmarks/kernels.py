"""Our int8 kernels against TFLite Micro + CMSIS-NN on the same simulated core.

For each MLPerf Tiny int8 model (kws, vww, resnet, ad01) on cortex-m4f: Invoke() cycles
and instructions of our runtime with the reference kernels, with the optimized kernels,
and of the unmodified TFLM + CMSIS-NN firmware in ../shared/firmware/tflm_cmsis_nn_m4f
(its DWT-measured INVOKE_CYCLES); the ratio ours / TFLM; cycles per operator type side by
side; arena bytes and code size. Then, on cortex-m7 and cortex-m33, our two kernel sets
against the TFLM + CMSIS-NN firmware built for that core (../shared/firmware/tflm_cmsis_nn_m7,
_m33; the M33 build has an FPU, so it runs on cortex-m33f, which times like cortex-m33).
Prints figures; never fails on a number.

    python benchmarks/kernels.py [--models kws,vww,resnet,ad01] [--cores cortex-m7,cortex-m33]

Where the figures come from:
* ours: run_model(); cycles and instructions of the Invoke() window and of each operator
  from the firmware's trace events (exact under mcusim's cost model).
* TFLM + CMSIS-NN: INVOKE_CYCLES printed by the firmware (DWT_CYCCNT around Invoke(), so
  the same cost model). Its instruction count is the README's (counted on Unicorn
  independently of mcusim). Per operator type there is no trace, so the breakdown is a
  per-function profile of the whole run: executed count x static cost of every
  instruction, summed over the CMSIS-NN functions of each operator type (arm_convolve*,
  arm_nn_mat_mult*, ...). It is approximate: it leaves out taken-branch refills and IT
  and divide extras (a few percent), and the TFLM glue, interpreter and shared helpers
  (memcpy, memset) are not attributed to an operator. Arena: the firmware's ARENA_USED.
  Code size: the flash image minus the embedded model.
* ours, code size: the firmware image (one image serves every model and holds all the
  operators; the TFLM images hold what their op resolver registered).
"""

from __future__ import annotations

import argparse
import bisect
import collections
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mcusim.cores import get_core  # noqa: E402
from mcusim.elfimage import ElfImage  # noqa: E402
from mcusim.machine import Machine  # noqa: E402
from mcusim.model import random_inputs, read_model  # noqa: E402
from mcusim.runner import run_model  # noqa: E402

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
MODELS = {"kws": "kws_ref_model", "vww": "vww_96_int8", "resnet": "pretrainedResnet_quant",
          "ad01": "ad01_int8"}
# Instructions per Invoke() of the TFLM images (firmware README, counted independently)
TFLM_INVOKE_INSTRUCTIONS = {"kws": 7_700_871, "vww": 24_103_086, "resnet": 29_861_578,
                            "ad01": 583_349}
MEM = {"flash": "2MiB", "sram": "640KiB"}
# the TFLM + CMSIS-NN build for a core, and the core preset it runs on
TFLM_BUILDS = {"cortex-m4f": ("tflm_cmsis_nn_m4f", "cortex-m4f"), "cortex-m7": ("tflm_cmsis_nn_m7", "cortex-m7"),
               "cortex-m33": ("tflm_cmsis_nn_m33", "cortex-m33f")}
OP_TYPES = {"CONV_2D": "conv", "DEPTHWISE_CONV_2D": "depthwise", "FULLY_CONNECTED": "fc",
            "AVERAGE_POOL_2D": "pool", "MAX_POOL_2D": "pool", "ADD": "add", "SOFTMAX": "softmax"}
COLUMNS = ["conv", "depthwise", "fc", "pool", "add", "softmax", "other"]
# CMSIS-NN function name -> operator type (checked in order)
CMSIS_TYPES = [
    (re.compile(r"^arm_depthwise"), "depthwise"),
    (re.compile(r"^arm_(convolve|nn_mat_mult_kernel|nn_mat_mult_nt_t|s8_to_s16|q7_to_q15|nn_mat_mul_core)"),
     "conv"),
    (re.compile(r"^arm_(fully_connected|nn_vec_mat_mult)"), "fc"),
    (re.compile(r"^arm_(avgpool|max_pool)"), "pool"),
    (re.compile(r"^arm_elementwise_add"), "add"),
    (re.compile(r"^arm_(nn_)?softmax"), "softmax"),
]


def ours(name, core, kernels):
    path = SHARED / "models" / "mlperf_tiny" / f"{MODELS[name]}.tflite"
    inputs = random_inputs(read_model(path)[1], 0)
    r = run_model(path, core, inputs, kernels=kernels, **MEM)
    per = collections.Counter()
    for op in r.ops:
        per[OP_TYPES.get(op.op, "other")] += op.cycles
    return {"cycles": r.cycles.invoke, "instructions": r.instructions["invoke"], "per": per,
            "arena": r.memory.arena_used, "code": r.memory.firmware_bytes}


def _function_profile(machine, image):
    """{function: cycles}: executed count x static cost per instruction (approximate)."""
    import numpy as np
    acc = machine.accounting
    tables = acc.tables
    count = np.cumsum(acc.cnt_start.astype(np.int64) - acc.cnt_end.astype(np.int64))
    n = min(len(count), len(tables.cost))
    cycles = count[:n] * tables.cost[:n].astype(np.int64)
    starts = [f[0] for f in image.functions]
    per = collections.Counter()
    for i in np.nonzero(cycles)[0]:
        j = bisect.bisect_right(starts, tables.base + 2 * int(i)) - 1
        per[image.functions[j][2] if j >= 0 else "?"] += int(cycles[i])
    return per


def tflm(name, core="cortex-m4f"):
    build, preset = TFLM_BUILDS[core]
    image = ElfImage(SHARED / "firmware" / build / f"{MODELS[name]}.elf")
    machine = Machine(get_core(preset, **MEM), image)
    run = machine.run()
    out = run.output
    res = {"cycles": int(re.search(r"INVOKE_CYCLES (\d+)", out).group(1)),
           "instructions": TFLM_INVOKE_INSTRUCTIONS[name] if core == "cortex-m4f" else None,
           "arena": int(re.search(r"ARENA_USED (\d+)", out).group(1))}
    model_bytes = (SHARED / "models" / "mlperf_tiny" / f"{MODELS[name]}.tflite").stat().st_size
    flash = sum(len(s.data) for s in image.segments if 0x0800_0000 <= s.paddr < 0x1000_0000)
    res["code"] = flash - model_bytes
    try:
        per = collections.Counter()
        for fn, c in _function_profile(machine, image).items():
            kind = next((k for rx, k in CMSIS_TYPES if rx.search(fn)), None)
            if kind:
                per[kind] += c
        res["per"] = per
    except AttributeError:  # the accounting's counters are internal: they may move
        res["per"] = None
    return res


def _fmt(n):
    return f"{n:,}" if n else "-"


def report_model(name):
    ref, opt, tf = ours(name, "cortex-m4f", "reference"), ours(name, "cortex-m4f", "optimized"), tflm(name)
    print(f"\n{name} ({MODELS[name]}) on cortex-m4f")
    print(f"  {'':24}{'invoke cycles':>14}{'instructions':>14}{'vs TFLM':>9}{'arena B':>10}{'code B':>10}")
    for label, r in (("ours, reference", ref), ("ours, optimized", opt), ("TFLM + CMSIS-NN", tf)):
        print(f"  {label:24}{r['cycles']:>14,}{r['instructions']:>14,}{r['cycles'] / tf['cycles']:>8.2f}x"
              f"{r['arena']:>10,}{r['code']:>10,}")
    print(f"  cycles per operator type{'':4}" + "".join(f"{c:>12}" for c in COLUMNS))
    print(f"  {'ours, optimized':28}" + "".join(f"{_fmt(opt['per'][c]):>12}" for c in COLUMNS))
    if tf["per"] is None:
        print("  TFLM + CMSIS-NN: no per-function profile available (totals only)")
    else:
        print(f"  {'TFLM + CMSIS-NN (approx.)':28}" + "".join(f"{_fmt(tf['per'][c]):>12}" for c in COLUMNS[:-1]))
        ratios = []
        for c in COLUMNS[:-1]:
            ratios.append(f"{opt['per'][c] / tf['per'][c]:>11.2f}x" if tf["per"][c] else f"{'':>12}")
        print(f"  {'ours / TFLM':28}" + "".join(ratios))
    return ref, opt, tf


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--cores", default="cortex-m7,cortex-m33")
    args = ap.parse_args()
    names = [m for m in args.models.split(",") if m]
    print("Invoke() cycles under mcusim's cost model (cores/*.toml timing tables); inputs: seed 0 "
          "for ours, the firmware's fixed pattern for TFLM (data-independent kernels).")
    summary = []
    for name in names:
        ref, opt, tf = report_model(name)
        summary.append((name, ref, opt, tf))
    print("\nsummary, cortex-m4f: optimized / TFLM + CMSIS-NN invoke cycles; arena ours / TFLM")
    for name, ref, opt, tf in summary:
        print(f"  {name:8}{opt['cycles'] / tf['cycles']:>7.3f}x cycles ({opt['cycles'] - tf['cycles']:+,})"
              f"   arena {opt['arena']:,} / {tf['arena']:,} B")
    cores = [c for c in args.cores.split(",") if c]
    if cores:
        print("\nother cores: invoke cycles of ours (reference, optimized) and of TFLM + CMSIS-NN built for "
              "that core")
        print(f"  {'':20}{'reference':>13}{'optimized':>13}{'TFLM':>13}{'opt / TFLM':>12}{'ref / opt':>11}")
        for core in cores:
            for name in names:
                r, o = ours(name, core, "reference"), ours(name, core, "optimized")
                t = tflm(name, core)["cycles"] if core in TFLM_BUILDS else None
                versus = f"{o['cycles'] / t:>11.2f}x" if t else f"{'-':>12}"
                print(f"  {core:12}{name:8}{r['cycles']:>13,}{o['cycles']:>13,}{_fmt(t):>13}{versus}"
                      f"{r['cycles'] / o['cycles']:>10.2f}x")


if __name__ == "__main__":
    main()
