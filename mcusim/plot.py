"""Plots of run results: where the cycles go per operator, cores side by side, two
kernel sets (or toolchains) op by op, memory against the part's limits, energy per
operator. Every function takes RunResults or their saved JSON (`mcusim run --json`,
as dicts or file paths) and returns a matplotlib Figure drawn with the Agg canvas:
no pyplot state, no window, safe in scripts, CI and notebooks (where the returned
Figure displays inline). `mcusim plot` writes them as PNG from saved runs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .errors import UsageError
from .units import format_size, parse_size

KINDS = ("breakdown", "memory", "energy", "cores", "compare")

# colours: kernels / overhead, and memory parts
KERNEL = "#4C72B0"
OVERHEAD = "#DD8452"
SECOND = "#55A868"
MEMORY_COLOURS = {"firmware": "#4C72B0", "model": "#8172B3", "static": "#937860", "arena": "#55A868",
                  "stack peak": "#C44E52", "stack reserve (unused)": "#F0D0D0"}
FLASH_COLOURS = ("#4C72B0", "#64B5CD", "#8C8C8C", "#CCB974", "#DA8BC3", "#937860", "#8172B3", "#55A868")


# ------------------------------------------------------------------------------ inputs

def _as_dict(result) -> dict:
    """A run as its JSON dict (schema_version 1), from a RunResult, a dict or a path."""
    if isinstance(result, (str, Path)):
        found = load_results(result)
        if len(found) != 1:
            raise UsageError(f"{result} holds {len(found)} results; pass one run (or use load_results)")
        return found[0]
    if hasattr(result, "to_dict"):
        return result.to_dict()
    if isinstance(result, dict):
        _check_run(result, "the result dict")
        return result
    raise TypeError(f"expected a RunResult, a result dict or a JSON path, got {type(result).__name__}")


def _check_run(data, where) -> dict:
    if not isinstance(data, dict) or "cycles" not in data or "ops" not in data:
        raise UsageError(f"{where} is not a saved mcusim run result (write one with `mcusim run MODEL --json FILE`)")
    if data.get("schema_version") != 1:
        raise UsageError(f"{where} has schema_version {data.get('schema_version')!r}; this mcusim reads 1")
    return data


def load_results(path) -> list[dict]:
    """The run results in a JSON file: `mcusim run --json` (one), `mcusim compare --json`
    (one per core/kernel set that ran) or `mcusim check --json` (one per entry that ran)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise UsageError(f"no such result file: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path} is not a JSON result file ({exc})") from None
    if isinstance(data, dict) and "entries" in data:
        data = [e.get("result") for e in data["entries"]]
    if isinstance(data, list):
        runs = [e["result"] if isinstance(e, dict) and "result" in e else e for e in data]
        runs = [_check_run(r, f"{path} entry {i}") for i, r in enumerate(runs) if r is not None]
        if not runs:
            raise UsageError(f"{path} holds no successful run")
        return runs
    return [_check_run(data, str(path))]


def _energy(value) -> float:
    return float(value) if value is not None else 0.0


def _model_name(r: dict) -> str:
    return Path(str(r["model"])).stem


def _op_label(op: dict) -> str:
    return f"#{op['index']} {op['op']}"


# ------------------------------------------------------------------------------ figures

def new_figure(width, height):
    """A Figure on the Agg canvas (no pyplot state) with constrained layout; for your own
    charts beside mcusim's (it displays inline in a notebook like theirs)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _human(x, _pos=None) -> str:
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            return f"{x / div:.3g}{suffix}"
    return f"{x:.3g}"


def _pct(part, whole) -> str:
    """A share that stays readable when small: 41.6 %, 0.49 %, 0.003 %."""
    p = 100.0 * part / whole if whole else 0.0
    if p == 0 or p >= 1:
        return f"{p:.1f} %"
    return f"{p:.2g} %" if p >= 0.001 else "<0.001 %"


def _count_axis(axis):
    from matplotlib.ticker import FuncFormatter
    axis.set_major_formatter(FuncFormatter(_human))


def breakdown(result, *, top: int | None = None, title: str | None = None):
    """Per-operator invoke cycles, largest first, with the interpreter overhead as its own
    bar; beside it one stacked bar of the invoke: kernels vs overhead.
    top=N keeps the N largest operators and lumps the rest into one bar."""
    r = _as_dict(result)
    cyc = r["cycles"]
    ops = sorted(r["ops"], key=lambda o: o["cycles"], reverse=True)
    rows = [(_op_label(o), o["cycles"]) for o in ops]
    if top is not None and 0 < top < len(rows):
        rest = rows[top:]
        rows = rows[:top] + [(f"other ({len(rest)} ops)", sum(c for _, c in rest))]
    rows.append(("interpreter overhead", cyc["interpreter_overhead"]))
    invoke = cyc["invoke"] or 1

    fig = new_figure(9, 1.4 + 0.3 * len(rows))
    ax, ax2 = fig.subplots(1, 2, width_ratios=[5, 1])
    labels = [label for label, _ in rows]
    values = [v for _, v in rows]
    colours = [KERNEL] * (len(rows) - 1) + [OVERHEAD]
    bars = ax.barh(range(len(rows)), values, color=colours)
    bars[-1].set_hatch("//")
    ax.set_yticks(range(len(rows)), labels)
    ax.invert_yaxis()
    for bar, v in zip(bars, values):
        ax.annotate(f"{_human(v)}  {_pct(v, invoke)}", (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                    xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_xlabel("cycles (one inference)")
    _count_axis(ax.xaxis)
    ax.margins(x=0.12)
    ax.set_title(title or f"{_model_name(r)} on {r['core']} ({r['kernels']} kernels): "
                          f"{cyc['invoke']:,} cycles, {r['latency_ms']:.2f} ms", loc="left", fontsize=10)

    ax2.bar([0], [cyc["kernels"]], color=KERNEL, label="kernels")
    ax2.bar([0], [cyc["interpreter_overhead"]], bottom=[cyc["kernels"]], color=OVERHEAD, hatch="//",
            label="overhead")
    ax2.set_xticks([0], ["invoke"])
    ax2.set_xlim(-0.6, 0.6)
    _count_axis(ax2.yaxis)
    ax2.set_title(f"overhead {_pct(cyc['interpreter_overhead'], invoke)}", fontsize=9)
    ax2.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), fontsize=8, frameon=False)
    return fig


def across_cores(results, *, labels=None, metric: str = "cycles", log: bool | None = None,
                 title: str | None = None):
    """Several runs side by side, one bar each (label: the core, or `labels`).
    One model: each bar stacks kernels and interpreter overhead. Several models: one
    bar series per model, grouped by label. metric: cycles | latency_ms | energy_uj.
    log: logarithmic axis (default: when the bars differ by more than 30 times)."""
    runs = [_as_dict(r) for r in results]
    if not runs:
        raise UsageError("across_cores needs at least one result")
    if metric not in ("cycles", "latency_ms", "energy_uj"):
        raise UsageError(f"metric must be cycles, latency_ms or energy_uj, not {metric!r}")
    labels = list(labels) if labels is not None else [r["core"] for r in runs]
    if len(labels) != len(runs):
        raise UsageError(f"{len(labels)} labels for {len(runs)} results")
    unit = {"cycles": "cycles", "latency_ms": "ms", "energy_uj": "uJ"}[metric]

    def total(r):
        return {"cycles": r["cycles"]["invoke"], "latency_ms": r["latency_ms"],
                "energy_uj": _energy(r["energy_uj"]["invoke"])}[metric]

    models = list(dict.fromkeys(_model_name(r) for r in runs))
    fig = new_figure(max(5.0, 1.2 + 0.9 * len(set(labels)) * max(1, len(models) * 0.6)), 4.2)
    ax = fig.subplots()
    if len(models) == 1:
        x = range(len(runs))
        if metric == "cycles":
            kern = [r["cycles"]["kernels"] for r in runs]
            over = [r["cycles"]["interpreter_overhead"] for r in runs]
        else:       # split the metric in the same proportion as the cycles
            share = [r["cycles"]["kernels"] / r["cycles"]["invoke"] if r["cycles"]["invoke"] else 1 for r in runs]
            kern = [total(r) * s for r, s in zip(runs, share)]
            over = [total(r) * (1 - s) for r, s in zip(runs, share)]
        ax.bar(x, kern, color=KERNEL, label="kernels")
        bars = ax.bar(x, over, bottom=kern, color=OVERHEAD, hatch="//", label="interpreter overhead")
        for bar, r in zip(bars, runs):
            note = f"{r['latency_ms']:.2f} ms" if metric == "cycles" else f"{_human(r['cycles']['invoke'])} cyc"
            ax.annotate(note, (bar.get_x() + bar.get_width() / 2, bar.get_y() + bar.get_height()),
                        xytext=(0, 3), textcoords="offset points", ha="center", fontsize=8)
        ax.set_xticks(list(x), labels, rotation=20 if len(runs) > 4 else 0, ha="right" if len(runs) > 4 else "center")
        ax.set_ylim(0, max(k + o for k, o in zip(kern, over)) * 1.12 or 1)
        heading = models[0]
    else:
        groups = list(dict.fromkeys(labels))
        width = 0.8 / len(models)
        for k, model in enumerate(models):
            xs, ys = [], []
            for label, r in zip(labels, runs):
                if _model_name(r) == model:
                    xs.append(groups.index(label) + (k - (len(models) - 1) / 2) * width)
                    ys.append(total(r))
            ax.bar(xs, ys, width=width, label=model)
        ax.set_xticks(range(len(groups)), groups)
        ax.set_ylim(0, max(total(r) for r in runs) * 1.12 or 1)
        heading = f"{len(models)} models"
    ax.set_ylabel(f"{'invoke ' if metric == 'cycles' else ''}{unit} (one inference)")
    if metric == "cycles":
        _count_axis(ax.yaxis)
    values = [total(r) for r in runs if total(r) > 0]
    if log is None:
        log = bool(values) and max(values) > 30 * min(values)
    if log:
        ax.set_yscale("log")
        ax.set_ylim(min(values) / 2, max(values) * 3)
    ax.legend(fontsize=8)
    ax.set_title(title or f"{heading}: {metric.replace('_', ' ')} across cores", loc="left", fontsize=10)
    return fig


def compare_ops(a, b, *, labels=None, title: str | None = None):
    """Two runs of one model (reference vs optimized kernels, two toolchains, two
    cores), operator by operator in execution order, plus the overhead; each row
    says how many times faster b is than a."""
    ra, rb = _as_dict(a), _as_dict(b)
    if _model_name(ra) != _model_name(rb) or [o["op"] for o in ra["ops"]] != [o["op"] for o in rb["ops"]]:
        raise UsageError(f"compare_ops needs two runs of one model, got {_model_name(ra)} "
                         f"({len(ra['ops'])} ops) and {_model_name(rb)} ({len(rb['ops'])} ops)")
    if labels is None:
        for field in ("kernels", "core", "toolchain"):
            if ra[field] != rb[field]:
                labels = (ra[field], rb[field])
                break
        else:
            labels = ("a", "b")
    rows = [_op_label(o) for o in ra["ops"]] + ["interpreter overhead"]
    va = [o["cycles"] for o in ra["ops"]] + [ra["cycles"]["interpreter_overhead"]]
    vb = [o["cycles"] for o in rb["ops"]] + [rb["cycles"]["interpreter_overhead"]]

    fig = new_figure(9, 1.5 + 0.42 * len(rows))
    ax = fig.subplots()
    y = range(len(rows))
    h = 0.4
    ax.barh([i - h / 2 for i in y], va, height=h, color=KERNEL, label=labels[0])
    bars = ax.barh([i + h / 2 for i in y], vb, height=h, color=SECOND, label=labels[1])
    for bar, x, z in zip(bars, va, vb):
        if z:
            ax.annotate(f"x{x / z:.2f}", (max(x, z), bar.get_y()), xytext=(3, 0), textcoords="offset points",
                        va="center", fontsize=8)
    ax.set_yticks(list(y), rows)
    ax.invert_yaxis()
    ax.set_xlabel("cycles (one inference)")
    _count_axis(ax.xaxis)
    ax.margins(x=0.12)
    ax.legend(fontsize=8, loc="lower right")
    ia, ib = ra["cycles"]["invoke"], rb["cycles"]["invoke"]
    speedup = f" (x{ia / ib:.2f})" if ib else ""
    ax.set_title(title or f"{_model_name(ra)}: {labels[0]} {ia:,} vs {labels[1]} {ib:,} cycles{speedup}",
                 loc="left", fontsize=10)
    return fig


def memory(result, *, flash_limit=None, sram_limit=None, title: str | None = None):
    """Flash (by component when the result has them, else firmware + model) and SRAM
    (static + arena + stack peak, and the rest of the stack reserve) against the limits:
    the run's part, or flash_limit/sram_limit (e.g. '64KiB') to ask whether it would
    fit a smaller one."""
    r = _as_dict(result)
    m = r["memory"]
    flash_limit = parse_size(flash_limit) if flash_limit is not None else m["flash_limit"]
    sram_limit = parse_size(sram_limit) if sram_limit is not None else m["sram_limit"]
    unused_stack = max(0, m["stack_reserve"] - m["stack_peak"])
    flash_parts = [(k, v) for k, v in (m.get("flash_components") or {}).items() if v] or \
        [("firmware", m["firmware_bytes"]), ("model", m["model_bytes"])]
    rows = [("flash", flash_limit, m["flash_used"], flash_parts),
            ("SRAM", sram_limit, m["sram_used"],
             [("static", m["static_bytes"]), ("arena", m["arena_used"]), ("stack peak", m["stack_peak"]),
              ("stack reserve (unused)", unused_stack)])]
    fig = new_figure(8, 3.4)
    axes = fig.subplots(2, 1)
    for ax, (name, limit, used, parts) in zip(axes, rows):
        left = 0
        for part, size in parts:
            kib = size / 1024
            colour = MEMORY_COLOURS.get(part) or FLASH_COLOURS[len(ax.patches) % len(FLASH_COLOURS)]
            ax.barh([0], [kib], left=[left], color=colour, label=f"{part} {format_size(size)}",
                    hatch="//" if "unused" in part else None, edgecolor="white")
            if size / max(limit, 1) > 0.06:
                ax.annotate(part, (left + kib / 2, 0), ha="center", va="center", fontsize=8,
                            color="white" if "unused" not in part else "black")
            left += kib
        ax.axvline(limit / 1024, color="black", linewidth=2)
        ax.annotate(f"limit {format_size(limit)}", (limit / 1024, 0.45), xytext=(-3, 0), textcoords="offset points",
                    ha="right", fontsize=8)
        fits = used <= limit if name == "flash" else (m["static_bytes"] + m["arena_used"] + m["stack_reserve"]
                                                      <= limit)
        ax.set_xlim(0, max(limit, left * 1024) / 1024 * 1.05)
        ax.set_yticks([])
        ax.set_ylim(-0.6, 0.6)
        ax.set_xlabel("KiB")
        ax.set_title(f"{name}: {format_size(used)} used of {format_size(limit)} ({100 * used / limit:.1f} %)"
                     + ("" if fits else "  DOES NOT FIT"), loc="left", fontsize=9)
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    fig.suptitle(title or f"{_model_name(r)} on {r['core']}: memory", fontsize=10, x=0.02, ha="left")
    return fig


def energy(result, *, title: str | None = None):
    """Energy per operator for one inference, largest first, plus what the interpreter
    spends around the kernels. Cores without energy figures give zeros (and say so)."""
    r = _as_dict(result)
    ops = sorted(r["ops"], key=lambda o: _energy(o["energy_uj"]), reverse=True)
    invoke = _energy(r["energy_uj"]["invoke"])
    overhead = max(0.0, invoke - sum(_energy(o["energy_uj"]) for o in ops))
    rows = [(_op_label(o), _energy(o["energy_uj"])) for o in ops] + [("interpreter overhead", overhead)]
    fig = new_figure(9, 1.4 + 0.3 * len(rows))
    ax = fig.subplots()
    values = [v for _, v in rows]
    bars = ax.barh(range(len(rows)), values, color=[SECOND] * len(ops) + [OVERHEAD])
    bars[-1].set_hatch("//")
    ax.set_yticks(range(len(rows)), [label for label, _ in rows])
    ax.invert_yaxis()
    ax.set_xlabel("energy (uJ, one inference)")
    if invoke <= 0:
        ax.text(0.5, 0.5, f"no energy figures for {r['core']}", transform=ax.transAxes,
                ha="center", va="center", fontsize=11, color="grey")
        ax.set_xlim(0, 1)
    else:
        for bar, v in zip(bars, values):
            ax.annotate(f"{v:.2f}", (bar.get_width(), bar.get_y() + bar.get_height() / 2), xytext=(3, 0),
                        textcoords="offset points", va="center", fontsize=8)
        ax.margins(x=0.12)
    total = f"{invoke:.2f} uJ per inference" if invoke > 0 else "no energy figures"
    ax.set_title(title or f"{_model_name(r)} on {r['core']}: {total}", loc="left", fontsize=10)
    return fig


# ------------------------------------------------------------------------------ CLI

def cmd_plot(args) -> int:
    runs = [run for path in args.results for run in load_results(path)]
    kind = args.kind
    if kind in ("breakdown", "memory", "energy") and len(runs) != 1:
        raise UsageError(f"--kind {kind} plots one run; {', '.join(args.results)} hold {len(runs)}")
    if kind == "compare" and len(runs) != 2:
        raise UsageError(f"--kind compare plots two runs of one model; {', '.join(args.results)} hold {len(runs)}")
    labels = [s.strip() for s in args.labels.split(",")] if args.labels else None
    if kind == "breakdown":
        fig = breakdown(runs[0], top=args.top)
    elif kind == "memory":
        fig = memory(runs[0], flash_limit=args.flash, sram_limit=args.sram)
    elif kind == "energy":
        fig = energy(runs[0])
    elif kind == "cores":
        fig = across_cores(runs, labels=labels)
    else:
        fig = compare_ops(runs[0], runs[1], labels=labels)
    out = args.output or f"{Path(args.results[0]).stem}-{kind}.png"
    try:
        fig.savefig(out, dpi=args.dpi)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(out, file=sys.stdout)
    return 0


def add_parser(sub):
    """Register `mcusim plot` on the CLI's subparsers."""
    p = sub.add_parser("plot", help="draw a PNG from saved results (mcusim run/compare/check --json)",
                       description="Plot saved results: breakdown (cycles per operator, kernels vs overhead), "
                                   "memory (flash and SRAM against the limits), energy (per operator), cores "
                                   "(several runs side by side), compare (two runs of one model, op by op).")
    p.add_argument("results", nargs="+", help="JSON file(s) from `mcusim run --json` (or compare/check --json)")
    p.add_argument("-o", "--output", help="the PNG to write (default RESULT-KIND.png)")
    p.add_argument("--kind", default="breakdown", choices=KINDS, help="what to plot (default breakdown)")
    p.add_argument("--top", type=int, help="breakdown: keep the N largest operators, lump the rest")
    p.add_argument("--labels", help="cores/compare: comma-separated bar labels, one per run")
    p.add_argument("--flash", help="memory: compare against this flash size instead of the run's")
    p.add_argument("--sram", help="memory: compare against this SRAM size instead of the run's")
    p.add_argument("--dpi", type=int, default=120, help="resolution (default 120)")
    p.set_defaults(func=cmd_plot)
    return p
