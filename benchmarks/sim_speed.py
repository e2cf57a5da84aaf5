"""Simulator speed: the same firmware run several ways — raw Unicorn with no hooks, full
accounting with the native (C) block hook, the same with the per-function profile on
(profile=True), the same with the memory-hook way of finding the PC of MMIO accesses
(mmio_pc="hooks": Unicorn reports the PC, every load and store takes its slow path),
full accounting in pure Python — reported as
simulated instructions per second and as a ratio to raw. Prints figures; never fails.

    python benchmarks/sim_speed.py [--core cortex-m4f] [--repeat 5] [--elf FIRMWARE.elf]

Workloads (one kws inference each, flash 2 MiB, SRAM 640 KiB):
  tflm-kws        ../shared/firmware/tflm_cmsis_nn_m4f/kws_ref_model.elf (TFLM + CMSIS-NN)
  ours-optimized  our interpreter firmware, optimized kernels, kws_ref_model.tflite
  ours-reference  the same with the reference kernels
(--elf replaces the list by one ELF of your own.) Times are process CPU time
(time.process_time), best of --repeat runs, of Machine.run() only (decoding and setup
excluded, reported separately).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mcusim import firmware  # noqa: E402
from mcusim import machine as machine_mod  # noqa: E402
from mcusim.cores import get_core  # noqa: E402
from mcusim.costmodel import Accounting  # noqa: E402
from mcusim.elfimage import ElfImage, load_image  # noqa: E402
from mcusim.model import random_inputs, read_model  # noqa: E402
from mcusim.runner import HOST_IO  # noqa: E402

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
TFLM_ELF = SHARED / "firmware/tflm_cmsis_nn_m4f/kws_ref_model.elf"
KWS = SHARED / "models/mlperf_tiny/kws_ref_model.tflite"


class _NoHooks(Accounting):
    """Accounting that registers nothing: the machine runs on bare Unicorn (plus its
    semihosting interrupt hook, which fires a handful of times)."""

    def attach(self, uc, precise_pc=None):
        self._uc = uc


MODES = ("raw", "native", "profile", "mmio-hooks", "python")


def _workload(name, core):
    """(image, Machine keyword arguments) for one workload."""
    if name not in ("ours-optimized", "ours-reference"):
        return ElfImage(name), {}
    image = load_image(firmware.build_firmware(core, kernels=name.split("-")[1]).elf)
    data, info = read_model(KWS)
    inputs = b"".join(a.tobytes() for a in random_inputs(info, 0))
    slot = firmware.model_slot(data, HOST_IO, len(inputs))
    return image, {"flash_extra": {image.symbols["__model_slot"]: slot}, "host_io": inputs}


def _run(core, image, extra, mode):
    if mode == "raw":
        machine_mod.Accounting = _NoHooks
    try:
        t0 = time.process_time()
        engine = {"raw": None, "profile": "native", "mmio-hooks": "native"}.get(mode, mode)
        m = machine_mod.Machine(core, image, accounting=engine, profile=mode == "profile",
                                mmio_pc="hooks" if mode == "mmio-hooks" else "registers", **extra)
        t1 = time.process_time()
        result = m.run()
        t2 = time.process_time()
    finally:
        machine_mod.Accounting = Accounting
    return t2 - t1, t1 - t0, result


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--elf", help="one firmware ELF instead of the three workloads")
    ap.add_argument("--core", default="cortex-m4f")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    core = get_core(args.core, flash="2MiB", sram="640KiB")
    workloads = [args.elf] if args.elf else [str(TFLM_ELF), "ours-optimized", "ours-reference"]
    print(f"host      {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"core {core.name}")
    print(f"{'workload':<16} {'mode':<11} {'run s':>8} {'M instr/s':>10} {'x raw':>7} {'setup s':>8}")
    for name in workloads:
        image, extra = _workload(name, core)
        _run(core, image, extra, "native")    # build the native hook and fill the decode cache
        best, setup, instructions = {}, {}, None
        for mode in MODES:
            reps = args.repeat if mode != "python" else max(1, min(args.repeat, 2))
            runs = [_run(core, image, extra, mode) for _ in range(reps)]
            best[mode] = min(r[0] for r in runs)
            setup[mode] = min(r[1] for r in runs)
            if mode == "native":
                instructions = runs[0][2].instructions
        label = Path(name).stem if name.endswith(".elf") else name
        for mode in MODES:
            rate = instructions / best[mode] / 1e6
            print(f"{label:<16} {mode:<11} {best[mode]:8.3f} {rate:10.1f} {best[mode] / best['raw']:7.2f} "
                  f"{setup[mode]:8.2f}")
        print(f"{label:<16} {instructions:,} instructions; profile / native {best['profile'] / best['native']:.2f}x")


if __name__ == "__main__":
    main()
