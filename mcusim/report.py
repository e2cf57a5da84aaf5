"""Presenting a RunResult: the terminal summary, per-operator CSV, JSON file."""

from __future__ import annotations

import csv
import io
import json

from .errors import UsageError
from .result import RunResult
from .units import format_size

CSV_FIELDS = ("index", "op", "cycles", "instructions", "energy_uj", "macs", "cycles_per_mac", "share_pct",
              "bare_cycles", "kernel")


def _pct(part, whole):
    return 100.0 * part / whole if whole else 0.0


def _uj(value) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def summary(result: RunResult) -> str:
    """A readable multi-line summary: where the cycles go, and whether it fits."""
    c, m = result.cycles, result.memory
    bare = all(op.bare_cycles is not None for op in result.ops) and bool(result.ops)
    lines = [f"model    {result.model}",
             f"core     {result.core} @ {result.clock_hz / 1e6:g} MHz, {result.kernels} kernels, {result.toolchain}"]
    if result.inputs_note:
        lines.append(f"note     {result.inputs_note}")
    lines += ["",
              f"invoke   {c.invoke:>13,} cycles  {result.latency_ms:10.3f} ms  "
              f"{_uj(result.energy_uj['invoke']):>10} uJ  {result.instructions['invoke']:,} instructions",
              f"kernels  {c.kernels:>13,} cycles  ({_pct(c.kernels, c.invoke):.2f} % of invoke)",
              f"overhead {c.interpreter_overhead:>13,} cycles  ({c.overhead_pct:.2f} % interpreter overhead)",
              f"init     {c.init:>13,} cycles",
              "",
              f"{'#':>3} {'op':<20} {'cycles':>13} {'share':>7} {'MACs':>11} {'cyc/MAC':>8} {'uJ':>9}"
              + (f" {'bare cycles':>13}" if bare else "") + "  kernel"]
    for op in result.ops:
        cpm = f"{op.cycles_per_mac:8.2f}" if op.cycles_per_mac else f"{'':>8}"
        lines.append(f"{op.index:>3} {op.op:<20} {op.cycles:>13,} {_pct(op.cycles, c.invoke):6.2f}% "
                     f"{op.macs:>11,} {cpm} {_uj(op.energy_uj):>9}" + (f" {op.bare_cycles:>13,}" if bare else "")
                     + f"  {op.kernel}")
    lines += ["",
              f"flash    {format_size(m.flash_used):>10} of {format_size(m.flash_limit):>8}  "
              f"({', '.join(f'{k} {format_size(v)}' for k, v in m.flash_components.items())})",
              f"SRAM     {format_size(m.sram_used):>10} of {format_size(m.sram_limit):>8}  "
              f"(static {format_size(m.static_bytes)}, arena {format_size(m.arena_used)} "
              f"[persistent {format_size(m.arena_persistent)}, planned {format_size(m.arena_planned)}], "
              f"stack peak {format_size(m.stack_peak)})"]
    for i, out in enumerate(result.outputs):
        flat = out.reshape(-1)
        shown = " ".join(str(v) for v in flat[:12]) + (" ..." if flat.size > 12 else "")
        lines.append(f"output {i} {out.dtype.name} {'x'.join(map(str, out.shape))}: {shown}")
    return "\n".join(lines)


def ops_csv(result: RunResult) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for op in result.ops:
        writer.writerow([op.index, op.op, op.cycles, op.instructions, "" if op.energy_uj is None else f"{op.energy_uj:.6f}", op.macs,
                         f"{op.cycles_per_mac:.4f}" if op.cycles_per_mac else "",
                         f"{_pct(op.cycles, result.cycles.invoke):.4f}",
                         "" if op.bare_cycles is None else op.bare_cycles, op.kernel])
    return buf.getvalue()


def write_text(path, text: str):
    try:
        with open(path, "w") as f:
            f.write(text)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None


def write_json(path, data):
    write_text(path, json.dumps(data, indent=2) + "\n")
