"""The same model on several cores and/or kernel sets, side by side."""

from __future__ import annotations

import dataclasses

from .errors import DoesNotFitError
from .firmware import DEFAULT_KERNELS
from .model import random_inputs, read_model
from .runner import run_model
from .units import format_size


@dataclasses.dataclass
class Entry:
    core: str
    kernels: str
    result: object = None        # RunResult, or None when it did not fit
    error: str = ""              # why it did not run (does not fit: ...)


def compare(model, cores, kernels=(DEFAULT_KERNELS,), inputs=None, seed: int = 0, **options) -> list[Entry]:
    """Run `model` once per (core, kernel set) with the same inputs. A configuration whose
    image, model or arena does not fit is kept with its reason instead of aborting."""
    data, info = read_model(model)
    if inputs is None:
        inputs = random_inputs(info, seed)
    entries = []
    for core in cores:
        for kset in kernels:
            try:
                entries.append(Entry(core, kset, run_model(data, core, inputs, kernels=kset, **options)))
            except DoesNotFitError as exc:
                entries.append(Entry(core, kset, error=f"does not fit: {exc}"))
    return entries


def comparison_table(entries: list[Entry]) -> str:
    base = next((e.result.cycles.invoke for e in entries if e.result), None)
    lines = [f"{'core':<16} {'kernels':<10} {'invoke cycles':>14} {'vs first':>8} {'latency ms':>11} "
             f"{'energy uJ':>10} {'overhead':>9} {'flash':>10} {'SRAM':>10}"]
    for e in entries:
        if e.result is None:
            lines.append(f"{e.core:<16} {e.kernels:<10} {e.error}")
            continue
        r = e.result
        energy = "n/a" if r.energy_uj["invoke"] is None else f"{r.energy_uj['invoke']:.1f}"
        lines.append(f"{e.core:<16} {e.kernels:<10} {r.cycles.invoke:>14,} {r.cycles.invoke / base:>7.2f}x "
                     f"{r.latency_ms:>11.3f} {energy:>10} {r.cycles.overhead_pct:>8.2f}% "
                     f"{format_size(r.memory.flash_used):>10} {format_size(r.memory.sram_used):>10}")
    return "\n".join(lines)
