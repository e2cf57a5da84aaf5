"""Writes the worked-analysis notebooks in this directory from the cells below (with
nbformat), so that they stay reviewable as code. Run after editing a cell:

    python notebooks/build_notebooks.py            # writes notebooks/*.ipynb, no outputs
    python notebooks/build_notebooks.py --execute  # also runs them and keeps the outputs

tests/test_notebooks.py executes every notebook top to bottom.
"""

import argparse
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

SETUP = '''\
%matplotlib inline
import os
from pathlib import Path

import mcusim
from mcusim import plot
from mcusim.report import summary
from mcusim.runner import run_model

REPO = Path(mcusim.__file__).resolve().parents[1]     # the checkout (mcusim is installed with pip install -e)
MODELS = REPO / "models"                                # small synthetic models: fast to simulate
# the real MLPerf Tiny models are not part of the repository: point MLPERF_TINY_DIR at them
MLPERF = Path(os.environ.get("MLPERF_TINY_DIR", REPO.parent / "shared" / "models" / "mlperf_tiny"))'''


def md(text):
    return new_markdown_cell(text.strip("\n"))


def code(text):
    return new_code_cell(text.strip("\n"))


BREAKDOWN = [
    md('''
# Where do the cycles go? An MLPerf Tiny model, operator by operator, on a Cortex-M4

mcusim runs the model in its interpreter firmware on a simulated Cortex-M4 and charges every
executed instruction to the core's timing model. The result says how many cycles one inference
(*invoke*) takes, how they split over the operators, how much is *interpreter overhead* (invoke
cycles outside every operator's window), and how much flash and SRAM the deployment needs.

The model is the MLPerf Tiny keyword-spotting reference model (DS-CNN, int8). If the MLPerf Tiny
models are not on this machine, the notebook falls back to the scaled-down DS-CNN in `models/`.
'''),
    code(SETUP),
    code('''
MODEL = MLPERF / "kws_ref_model.tflite"
if not MODEL.is_file():
    MODEL = MODELS / "kws_dscnn_int8.tflite"
    print(f"MLPerf Tiny models not found in {MLPERF}; using {MODEL.name} instead")

result = run_model(MODEL, "cortex-m4")     # inputs: seeded pseudo-random, as the summary notes
print(summary(result))
'''),
    md('''
`invoke` is one inference; `kernels` the sum of the operators' windows; `overhead` what the
interpreter spends around them (its loop, dispatch, bookkeeping); `init` parsing the model,
planning the arena and preparing each operator, paid once at start-up. The table lists the
operators in execution order with their share of the invoke and cycles per multiply-accumulate.

The same, sorted, with the overhead as its own bar:
'''),
    code('plot.breakdown(result)'),
    md('''
Operators of one type behave alike, so summing by type shows which kernel is worth optimising first:
'''),
    code('''
from collections import defaultdict

by_type = defaultdict(lambda: {"count": 0, "cycles": 0, "macs": 0})
for op in result.ops:
    t = by_type[op.op]
    t["count"] += 1
    t["cycles"] += op.cycles
    t["macs"] += op.macs

invoke = result.cycles.invoke
print(f"{'operator':<20} {'count':>5} {'cycles':>13} {'share':>7} {'cycles/MAC':>10}")
for name, t in sorted(by_type.items(), key=lambda kv: -kv[1]["cycles"]):
    per_mac = f"{t['cycles'] / t['macs']:10.2f}" if t["macs"] else ""
    print(f"{name:<20} {t['count']:>5} {t['cycles']:>13,} {100 * t['cycles'] / invoke:6.1f}% {per_mac}")

top_name, top = max(by_type.items(), key=lambda kv: kv[1]["cycles"])
print(f"\\n{top_name} takes {100 * top['cycles'] / invoke:.0f} % of the inference: optimise it first.")
'''),
    md('''
## Memory

Flash holds the firmware image (split by component) and the model; SRAM holds the static data,
the tensor arena and the stack. Before anything runs, mcusim checks the image and model against
the configured flash; the firmware then plans the arena in the SRAM left between the static data
and the stack reserve (8 KiB by default), so the *need* is static + arena + the whole reserve,
not just the stack peak that was measured.
'''),
    code('''
m = result.memory
print(f"flash  {m.flash_used:>8,} B of {m.flash_limit:,}  (firmware {m.firmware_bytes:,}, model {m.model_bytes:,})")
print(f"SRAM   {m.sram_used:>8,} B used; needs {m.static_bytes + m.arena_used + m.stack_reserve:,} B "
      f"with the {m.stack_reserve:,} B stack reserve (stack peak {m.stack_peak:,} B)")
plot.memory(result)
'''),
    md('''
## Energy

Energy per operator comes from the core file's energy coefficients; a core without them
reports none, and the plot says so.
'''),
    code('plot.energy(result)'),
    md('''
## From the command line

The same from a shell, and from a saved result (any figure above takes a result, its
`to_dict()` or the saved JSON file):

```sh
mcusim run kws_ref_model.tflite --core cortex-m4 --json kws.json --csv kws_ops.csv
mcusim plot kws.json --kind breakdown --top 8 -o kws_breakdown.png
mcusim plot kws.json --kind memory -o kws_memory.png
```
'''),
    code('plot.breakdown(result.to_dict(), top=6, title="the six largest operators")'),
]


ACROSS_CORES = [
    md('''
# One model across Cortex-M cores, with and without an FPU

The same model on Cortex-M0+, M4, M7 and M33, each with and without its floating-point unit where
the core has that option. Cycle counts come from each core's timing tables; latency divides them
by the core's default clock (M0+ 48 MHz, M4 80 MHz, M33 110 MHz, M7 216 MHz — see `mcusim cores`).

**Which model.** The FPU only matters for float arithmetic, so the first part uses the float32
version of the scaled-down DS-CNN keyword-spotting model from `models/` (the MLPerf Tiny float32
KWS model is a hybrid model with int8 weights, which mcusim refuses). The second part repeats the
comparison with the int8 version.

**Memory overrides.** The Cortex-M0+ core file describes a part with 32 KiB of SRAM; the float32
model needs more (arena + the 8 KiB stack reserve), so that run passes `sram="64KiB"`. The other
cores' default parts are large enough.
'''),
    code(SETUP),
    code('''
from mcusim.cores import get_core

FLOAT_MODEL = MODELS / "kws_dscnn_float32.tflite"
CONFIGS = [  # label, core, per-run overrides
    ("M0+", "cortex-m0plus", {"sram": "64KiB"}),   # no FPU option on ARMv6-M
    ("M4", "cortex-m4", {}),
    ("M4 + FPU", "cortex-m4", {"fpu": True}),
    ("M7 no FPU", "cortex-m7", {"fpu": False}),
    ("M7", "cortex-m7", {}),                         # FPv5 double precision
    ("M33", "cortex-m33", {}),
    ("M33 + FPU", "cortex-m33", {"fpu": True}),
]


def run_all(model, configs):
    results = {}
    print(f"{'':<10} {'core':<14} {'FPU':<8} {'clock':>7} {'invoke cycles':>14} {'latency':>11}")
    for label, core, options in configs:
        r = run_model(model, core, **options)
        fpu = get_core(core, fpu=options.get("fpu")).fpu     # the result names the core, not its FPU
        print(f"{label:<10} {r.core:<14} {fpu:<8} {r.clock_hz / 1e6:>4.0f}MHz {r.cycles.invoke:>14,} "
              f"{r.latency_ms:>8.2f} ms")
        results[label] = r
    return results


float_results = run_all(FLOAT_MODEL, CONFIGS)
'''),
    code('''
plot.across_cores(list(float_results.values()), labels=list(float_results),
                  title=f"{FLOAT_MODEL.stem}: invoke cycles")
'''),
    md('''
Cycles compare the cores' microarchitectures; what a product sees is latency, where the clock counts too:
'''),
    code('''
plot.across_cores(list(float_results.values()), labels=list(float_results), metric="latency_ms",
                  title=f"{FLOAT_MODEL.stem}: latency at each core's default clock")
'''),
    code('''
for core, without, with_fpu in (("M4", "M4", "M4 + FPU"), ("M7", "M7 no FPU", "M7"),
                                ("M33", "M33", "M33 + FPU")):
    ratio = float_results[without].cycles.invoke / float_results[with_fpu].cycles.invoke
    print(f"{core}: the FPU makes the float32 model {ratio:.1f}x faster")
'''),
    md('''
Without an FPU every float operation is a call into the compiler's soft-float library, so the
float32 model pays for it in every multiply-accumulate.

## The int8 model

Integer kernels do not touch the FPU. The int8 DS-CNN fits every default part, the M0+ included:
'''),
    code('''
INT8_MODEL = MODELS / "kws_dscnn_int8.tflite"
int8_results = run_all(INT8_MODEL, [("M0+", "cortex-m0plus", {}), ("M4", "cortex-m4", {}),
                                    ("M4 + FPU", "cortex-m4", {"fpu": True}), ("M7", "cortex-m7", {})])
with_fpu, without = int8_results["M4 + FPU"].cycles.invoke, int8_results["M4"].cycles.invoke
print(f"\\nM4 with/without FPU on the int8 model: {with_fpu / without:.3f}x the cycles")
plot.across_cores(list(int8_results.values()), labels=list(int8_results),
                  title=f"{INT8_MODEL.stem}: invoke cycles")
'''),
    md('''
Any other model works the same way: put an MLPerf Tiny model (`MLPERF / "kws_ref_model.tflite"`)
in place of `INT8_MODEL`; it takes a few seconds per core. From the shell, `mcusim compare MODEL
--cores cortex-m0plus,cortex-m4,cortex-m7 --json cmp.json` followed by `mcusim plot cmp.json
--kind cores -o cores.png` draws the same chart.
'''),
]


OVERHEAD = [
    md('''
# Interpreter overhead: what the interpreter costs beyond its kernels

An interpreter spends cycles outside the operators' kernels: walking the graph, dispatching to
each operator, bookkeeping between them. mcusim measures that as

    interpreter_overhead = invoke cycles - sum of the operators' windows

(`result.cycles.interpreter_overhead`, `result.cycles.kernels`, and `overhead_pct`). It is roughly a
fixed cost per operator, so it matters for small models and vanishes in large ones. This notebook
measures it for the synthetic int8 models in `models/`, from the 3-operator sine model to the
16-operator ResNet-8, on a Cortex-M4.
'''),
    code(SETUP),
    code('''
NAMES = ["sine_int8", "ad_autoencoder_int8", "kws_dscnn_int8", "vww_mobilenet_int8", "resnet8_int8"]
results = {name: run_model(MODELS / f"{name}.tflite", "cortex-m4") for name in NAMES}

print(f"{'model':<22} {'ops':>4} {'MACs':>9} {'invoke':>12} {'kernels':>12} {'overhead':>9} "
      f"{'per op':>7} {'share':>8}")
for name, r in results.items():
    c = r.cycles
    macs = sum(op.macs for op in r.ops)
    print(f"{name:<22} {len(r.ops):>4} {macs:>9,} {c.invoke:>12,} {c.kernels:>12,} {c.interpreter_overhead:>9,} "
          f"{c.interpreter_overhead / len(r.ops):>7.1f} {c.overhead_pct:>7.3f}%")
'''),
    md('''
A straight line through (operators, overhead cycles) separates the cost per operator from the
fixed cost of an invoke:
'''),
    code('''
import numpy as np

n_ops = np.array([len(r.ops) for r in results.values()])
overheads = np.array([r.cycles.interpreter_overhead for r in results.values()])
per_op, fixed = np.polyfit(n_ops, overheads, 1)
print(f"interpreter overhead ~ {fixed:.0f} cycles per invoke + {per_op:.1f} cycles per operator")
'''),
    md('''
So its share of the inference depends on how much work the kernels do:
'''),
    code('''
fig = plot.new_figure(10, 3.8)      # a Matplotlib Figure on the Agg canvas, like mcusim's own plots
share_ax, per_op_ax = fig.subplots(1, 2)
invokes = [r.cycles.invoke for r in results.values()]
shares = [r.cycles.overhead_pct for r in results.values()]
share_ax.scatter(invokes, shares)
for name, x, y in zip(results, invokes, shares):
    share_ax.annotate(name.replace("_int8", ""), (x, y), xytext=(4, 4), textcoords="offset points", fontsize=8)
share_ax.set(xscale="log", yscale="log", xlabel="invoke cycles", ylabel="interpreter overhead, % of invoke",
             title="overhead share vs model size")
per_op_ax.bar([n.replace("_int8", "") for n in results],
              [r.cycles.interpreter_overhead / len(r.ops) for r in results.values()], color=plot.OVERHEAD)
per_op_ax.set(ylabel="overhead cycles per operator", title="overhead per operator")
per_op_ax.tick_params(axis="x", labelrotation=20)
fig
'''),
    md('''
For the sine model the overhead is a visible bar of its own; for the convolutional models it
disappears next to the kernels:
'''),
    code('plot.breakdown(results["sine_int8"])'),
    code('plot.breakdown(results["resnet8_int8"], top=8)'),
    md('''
The overhead above is only what happens *between* operator windows. To see what the interpreter
adds *inside* a window, run each operator again in the bare-kernel harness: the same prepared
call on the same tensors, with no interpreter loop around it (`run_model(..., bare=True)` fills
`op.bare_cycles`). The difference per operator is the dispatch cost the interpreter really adds:
'''),
    code('''
bare = run_model(MODELS / "kws_dscnn_int8.tflite", "cortex-m4", bare=True)
print(f"{'#':>3} {'op':<20} {'in interpreter':>15} {'bare kernel':>12} {'difference':>11}")
for op in bare.ops:
    print(f"{op.index:>3} {op.op:<20} {op.cycles:>15,} {op.bare_cycles:>12,} {op.cycles - op.bare_cycles:>11,}")
total_bare = sum(op.bare_cycles for op in bare.ops)
print(f"invoke {bare.cycles.invoke:,} cycles; sum of bare kernels {total_bare:,}; "
      f"the interpreter adds {bare.cycles.invoke - total_bare:,} cycles "
      f"({100 * (bare.cycles.invoke - total_bare) / bare.cycles.invoke:.3f} %)")
'''),
    md('''

To keep the overhead in check in CI, give it a budget (`max_overhead_pct` in a budget file for
`mcusim check`, or in `@pytest.mark.mcusim_budget`).
'''),
]


WILL_IT_FIT = [
    md('''
# Will it fit? Sweeping flash and SRAM sizes

mcusim checks memory the way a deployment would fail:

* **flash**: the firmware image plus the model must fit the configured flash — checked before
  anything runs;
* **SRAM**: static data, then the tensor arena the firmware plans at start-up, then the stack
  reserve (8 KiB unless `stack_reserve` says otherwise). If the arena does not fit between them,
  the firmware stops during init.

Either way `run_model` raises `DoesNotFitError` with the numbers. This notebook sweeps SRAM and
flash sizes on a Cortex-M4 (any size can be set per run with `sram=` / `flash=`) and shows where
each model stops fitting.
'''),
    code(SETUP),
    code('''
from mcusim.errors import DoesNotFitError


def try_fit(model, **options):
    """(RunResult, None) if the model fits and runs; (None, the reason) if it does not fit."""
    try:
        return run_model(model, "cortex-m4", **options), None
    except DoesNotFitError as exc:
        return None, str(exc)


def sweep(models, sizes_kib, what):
    """Fit of each model at each size (ascending). The memory a model needs does not depend on
    the size offered, so once it fits, every larger size fits too: the sweep stops there."""
    grid, fitted = {}, {}
    for name, path in models.items():
        row = []
        for kib in sizes_kib:
            if fitted.get(name):
                row.append("fits")                          # implied by the smaller size that fitted
                continue
            result, reason = try_fit(path, **{what: f"{kib}KiB"})
            row.append("FITS" if result else "no")
            if result:
                fitted[name] = result
            elif not grid and not row[:-1]:       # show one refusal, for the wording
                print(f"{name} in {kib} KiB {what}: {reason}\\n")
        grid[name] = row
    print(f"\\n{'model':<28}" + "".join(f"{s:>6}K" for s in sizes_kib))
    for name, row in grid.items():
        print(f"{name:<28}" + "".join(f"{v:>7}" for v in row))
    return grid, fitted


def fit_map(grid, sizes_kib, what):
    """The sweep as a chart: simulated fits dark, implied fits light, misses red."""
    import numpy as np
    from matplotlib.colors import ListedColormap
    codes = {"no": 0, "fits": 1, "FITS": 2}
    values = np.array([[codes[v] for v in row] for row in grid.values()])
    fig = plot.new_figure(1.6 + 0.75 * len(sizes_kib), 0.9 + 0.45 * len(grid))
    ax = fig.subplots()
    ax.imshow(values, cmap=ListedColormap(["#E8A0A0", "#C8E6C0", "#55A868"]), vmin=0, vmax=2, aspect="auto")
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, ["no", "fits", "fits"][v], ha="center", va="center", fontsize=8)
    ax.set_xticks(range(len(sizes_kib)), [f"{s} KiB" for s in sizes_kib])
    ax.set_yticks(range(len(grid)), list(grid))
    ax.set_xlabel(f"{what} size")
    ax.set_title(f"does it fit? ({what} sweep on cortex-m4; dark = simulated, light = implied)",
                 loc="left", fontsize=10)
    return fig
'''),
    md('''
## SRAM

The synthetic int8 models from `models/`, with the Cortex-M4's 1 MiB of flash:
'''),
    code('''
SRAM_KIB = [8, 16, 24, 32, 48]
small = {name: MODELS / f"{name}.tflite" for name in ["sine_int8", "kws_dscnn_int8", "vww_mobilenet_int8"]}
sram_grid, sram_fits = sweep(small, SRAM_KIB, "sram")
fit_map(sram_grid, SRAM_KIB, "sram")
'''),
    md('''
The run that fitted reports exactly what the model needs: static data + arena + the stack
reserve. That is the smallest SRAM that works, to the byte; four bytes less (the arena's
alignment) and it does not fit:
'''),
    code('''
print(f"{'model':<22} {'static':>7} {'arena':>7} {'stack reserve':>14} {'needs':>8} {'stack peak':>11}")
for name, r in sram_fits.items():
    m = r.memory
    print(f"{name:<22} {m.static_bytes:>7,} {m.arena_used:>7,} {m.stack_reserve:>14,} "
          f"{m.static_bytes + m.arena_used + m.stack_reserve:>8,} {m.stack_peak:>11,}")

m = sram_fits["vww_mobilenet_int8"].memory
need = m.static_bytes + m.arena_used + m.stack_reserve
at_need, _ = try_fit(small["vww_mobilenet_int8"], sram=need)
_, below = try_fit(small["vww_mobilenet_int8"], sram=need - 4)
print(f"\\nvww_mobilenet_int8 with {need:,} B SRAM: {'fits' if at_need else 'does not fit'}")
print(f"vww_mobilenet_int8 with {need - 4:,} B SRAM: {below}")
'''),
    md('''
The stack peak these models reach is far below the default 8 KiB reserve. A tighter reserve —
with a margin over the measured peak — makes a model fit a smaller part:
'''),
    code('''
_, reason = try_fit(small["kws_dscnn_int8"], sram="16KiB")
print("16 KiB, 8 KiB stack reserve:", reason)
r, _ = try_fit(small["kws_dscnn_int8"], sram="16KiB", stack_reserve="2KiB")
print(f"16 KiB, 2 KiB stack reserve: fits, stack peak {r.memory.stack_peak} B, "
      f"{r.memory.sram_used:,} B of SRAM used")
plot.memory(r)
'''),
    md('''
## Flash

Flash holds the firmware (the interpreter and every kernel it links) and the model. The real
MLPerf Tiny models show the spread best (with the synthetic ones as a fallback):
'''),
    code('''
if MLPERF.is_dir():
    big = {name: MLPERF / f"{name}.tflite" for name in ["kws_ref_model", "ad01_int8", "vww_96_int8"]}
    FLASH_KIB = [128, 192, 256, 384, 512]
else:
    print(f"MLPerf Tiny models not found in {MLPERF}; sweeping the synthetic models")
    big = small
    FLASH_KIB = [112, 120, 128, 192]
flash_grid, flash_fits = sweep(big, FLASH_KIB, "flash")
fit_map(flash_grid, FLASH_KIB, "flash")
'''),
    code('''
for name, r in flash_fits.items():
    m = r.memory
    print(f"{name:<24} firmware {m.firmware_bytes / 1024:6.1f} KiB + model {m.model_bytes / 1024:6.1f} KiB "
          f"= {m.flash_used / 1024:6.1f} KiB")
'''),
    md('''
To hold a model to a part in CI, write its limits in a budget file and run `mcusim check`:

```toml
[[budget]]
model = "models/kws_dscnn_int8.tflite"
core = "cortex-m4"
sram = "32KiB"          # the part
max_flash = "256KiB"
max_sram = "24KiB"
```
'''),
]

NOTEBOOKS = {
    "01_per_op_breakdown.ipynb": BREAKDOWN,
    "02_across_cores.ipynb": ACROSS_CORES,
    "03_interpreter_overhead.ipynb": OVERHEAD,
    "04_will_it_fit.ipynb": WILL_IT_FIT,
}


def build(name) -> nbformat.NotebookNode:
    nb = new_notebook(cells=NOTEBOOKS[name])
    for i, cell in enumerate(nb.cells):      # stable ids: a rebuild changes only what was edited
        cell.id = f"{name[:2]}-{i:02d}"
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--execute", action="store_true", help="run each notebook and keep its outputs")
    args = parser.parse_args()
    for name in NOTEBOOKS:
        nb = build(name)
        if args.execute:
            from nbclient import NotebookClient
            NotebookClient(nb, timeout=600, kernel_name="python3",
                           resources={"metadata": {"path": str(HERE)}}).execute()
        nbformat.validate(nb)
        nbformat.write(nb, HERE / name)
        print(HERE / name)


if __name__ == "__main__":
    main()
