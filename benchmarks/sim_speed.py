"""Simulator speed: the same firmware run four ways — raw Unicorn with no hooks, full
accounting with the native (C) block hook, the same with the per-function profile on
(profile=True), full accounting in pure Python — reported as simulated instructions per
second and as a ratio to raw. Prints figures; never fails.

    python benchmarks/sim_speed.py [ELF] [--core cortex-m4f] [--repeat 5]

Default firmware: /work/shared/firmware/tflm_cmsis_nn_m4f/kws_ref_model.elf (flash
2 MiB, SRAM 640 KiB). Times are process CPU time (time.process_time), best of --repeat
runs, of Machine.run() only (decoding and setup excluded, reported separately).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mcusim import machine as machine_mod  # noqa: E402
from mcusim.cores import get_core  # noqa: E402
from mcusim.costmodel import Accounting  # noqa: E402
from mcusim.elfimage import ElfImage  # noqa: E402

DEFAULT_ELF = Path(__file__).resolve().parent.parent.parent / "shared/firmware/tflm_cmsis_nn_m4f/kws_ref_model.elf"


class _NoHooks(Accounting):
    """Accounting that registers nothing: the machine runs on bare Unicorn (plus its
    semihosting interrupt hook, which fires a handful of times)."""

    def attach(self, uc, precise_pc=None):
        self._uc = uc


MODES = ("raw", "native", "profile", "python")


def _run(core, image, mode):
    if mode == "raw":
        machine_mod.Accounting = _NoHooks
    try:
        t0 = time.process_time()
        engine = {"raw": None, "profile": "native"}.get(mode, mode)
        m = machine_mod.Machine(core, image, accounting=engine, profile=mode == "profile")
        t1 = time.process_time()
        result = m.run()
        t2 = time.process_time()
    finally:
        machine_mod.Accounting = Accounting
    return t2 - t1, t1 - t0, result


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("elf", nargs="?", default=str(DEFAULT_ELF))
    ap.add_argument("--core", default="cortex-m4f")
    ap.add_argument("--flash", default="2MiB")
    ap.add_argument("--sram", default="640KiB")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    core = get_core(args.core, flash=args.flash, sram=args.sram)
    image = ElfImage(args.elf)
    _run(core, image, "native")    # build the native hook and fill the decode cache
    best, setup, instructions, cycles = {}, {}, None, None
    for mode in MODES:
        reps = args.repeat if mode != "python" else max(1, min(args.repeat, 2))
        runs = [_run(core, image, mode) for _ in range(reps)]
        best[mode] = min(r[0] for r in runs)
        setup[mode] = min(r[1] for r in runs)
        if mode == "native":
            instructions, cycles = runs[0][2].instructions, runs[0][2].cycles
    print(f"firmware  {Path(args.elf).name} on {core.name}: {instructions:,} instructions, {cycles:,} cycles")
    print(f"host      {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"{'mode':<8} {'run s':>8} {'M instr/s':>10} {'x raw':>7} {'setup s':>8}")
    for mode in MODES:
        rate = instructions / best[mode] / 1e6
        print(f"{mode:<8} {best[mode]:8.3f} {rate:10.1f} {best[mode] / best['raw']:7.2f} {setup[mode]:8.2f}")
    print(f"profile / native accounting: {best['profile'] / best['native']:.2f}x")


if __name__ == "__main__":
    main()
