"""Plots: each figure draws the right bars (counted from the Axes' patches and bar
containers) from a RunResult, its dict or its saved JSON, and `mcusim plot` writes a PNG."""

import json

import pytest
from fakes import fake_result

from mcusim import plot
from mcusim.cli import main
from mcusim.errors import UsageError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
OPS = [500, 3000, 1200, 80]      # cycles of four operators, in execution order
NAMES = ["CONV_2D", "DEPTHWISE_CONV_2D", "CONV_2D", "SOFTMAX"]


def result(**kw):
    return fake_result(invoke=5000, kernels=4780, op_cycles=OPS, op_names=NAMES, **kw)


def widths(ax):
    return [round(p.get_width()) for p in ax.patches]


def test_breakdown_sorted_ops_then_overhead_and_a_stacked_invoke_bar():
    r = result()
    fig = plot.breakdown(r)
    ax, side = fig.axes
    assert widths(ax) == [3000, 1200, 500, 80, 5000 - sum(OPS)]       # largest first, overhead last
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "#1 DEPTHWISE_CONV_2D", "#2 CONV_2D", "#0 CONV_2D", "#3 SOFTMAX", "interpreter overhead"]
    assert [round(p.get_height()) for p in side.patches] == [sum(OPS), 5000 - sum(OPS)]  # kernels, overhead
    assert len(side.containers) == 2
    top = plot.breakdown(r, top=2).axes[0]
    assert widths(top) == [3000, 1200, 580, 5000 - sum(OPS)]
    assert top.get_yticklabels()[2].get_text() == "other (2 ops)"


def test_dicts_json_files_and_results_draw_the_same(tmp_path):
    r = result()
    path = tmp_path / "run.json"
    path.write_text(json.dumps(r.to_dict()))
    for source in (r, r.to_dict(), json.loads(path.read_text()), path, str(path)):
        assert widths(plot.breakdown(source).axes[0]) == [3000, 1200, 500, 80, 220]


def test_across_cores_one_model_stacks_kernels_and_overhead():
    runs = [result(core=c) for c in ("cortex-m0plus", "cortex-m4", "cortex-m7")]
    ax = plot.across_cores(runs, labels=["M0+", "M4", "M7 (FPU)"]).axes[0]
    kernels, overhead = ax.containers
    assert len(kernels) == len(overhead) == 3
    assert [round(b.get_height()) for b in kernels] == [sum(OPS)] * 3
    assert [round(b.get_y()) for b in overhead] == [sum(OPS)] * 3
    assert [t.get_text() for t in ax.get_xticklabels()] == ["M0+", "M4", "M7 (FPU)"]
    with pytest.raises(UsageError, match="2 labels for 3 results"):
        plot.across_cores(runs, labels=["a", "b"])


def test_across_cores_several_models_one_series_each():
    runs = [fake_result(core=c, model=m, invoke=i) for m, i in (("kws.tflite", 10**7), ("sine.tflite", 10**4))
            for c in ("cortex-m4", "cortex-m7")]
    ax = plot.across_cores(runs).axes[0]
    assert len(ax.containers) == 2 and all(len(c) == 2 for c in ax.containers)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["kws", "sine"]
    assert ax.get_yscale() == "log"      # 1000x apart
    assert plot.across_cores(runs, metric="latency_ms", log=False).axes[0].get_yscale() == "linear"


def test_compare_ops_two_series_per_op_plus_overhead():
    ref = result(kernel_set="reference")
    opt = fake_result(invoke=2000, kernels=1780, op_cycles=[250, 1000, 450, 80], op_names=NAMES,
                      kernel_set="optimized")
    ax = plot.compare_ops(ref, opt).axes[0]
    a, b = ax.containers
    assert [round(p.get_width()) for p in a] == OPS + [220]
    assert [round(p.get_width()) for p in b] == [250, 1000, 450, 80, 220]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["reference", "optimized"]
    assert "x3.00" in [t.get_text() for t in ax.texts]           # DEPTHWISE 3000 -> 1000
    with pytest.raises(UsageError, match="two runs of one model"):
        plot.compare_ops(ref, fake_result(model="kws.tflite"))


def test_memory_flash_and_sram_parts_against_their_limits():
    fig = plot.memory(result(flash=100_000, sram=20_000, arena=12_000, stack=1_000))
    flash, sram = fig.axes
    assert [round(p.get_width() * 1024) for p in flash.patches] == [98_000, 2000]        # firmware, model
    assert [round(p.get_width() * 1024) for p in sram.patches] == [7000, 12_000, 1000, 7192]  # static .. reserve
    assert [line.get_xdata()[0] * 1024 for line in flash.lines] == [1 << 20]
    assert [line.get_xdata()[0] * 1024 for line in sram.lines] == [256 << 10]
    title = sram.get_title(loc="left")
    assert title.startswith("SRAM: 19.5 KiB used of 256 KiB") and "DOES NOT FIT" not in title
    data = result(flash=100_000).to_dict()
    data["memory"]["flash_components"] = {"runtime": 60_000, "kernels": 38_000, "empty": 0, "model": 2000}
    assert [round(p.get_width() * 1024) for p in plot.memory(data).axes[0].patches] == [60_000, 38_000, 2000]
    small = plot.memory(result(), sram_limit="24KiB").axes[1]      # 7000 + 12000 + 8 KiB reserve > 24 KiB
    assert small.lines[0].get_xdata()[0] == 24 and "DOES NOT FIT" in small.get_title(loc="left")


def test_energy_per_op_sorted_with_overhead_and_zero_energy_said():
    ax = plot.energy(result(energy=10.0)).axes[0]
    values = [p.get_width() for p in ax.patches]
    assert len(values) == len(OPS) + 1
    assert values[:4] == sorted(values[:4], reverse=True)
    assert sum(values) == pytest.approx(10.0)
    blank = plot.energy(result(energy=None)).axes[0]
    assert len(blank.patches) == len(OPS) + 1 and all(p.get_width() == 0 for p in blank.patches)
    assert any("no energy figures" in t.get_text() for t in blank.texts)


def test_load_results_reads_run_compare_and_check_json(tmp_path):
    r = result().to_dict()
    (tmp_path / "compare.json").write_text(json.dumps([{"core": "a", "result": r}, {"core": "b", "result": None,
                                                                                       "error": "x"}, {"result": r}]))
    (tmp_path / "check.json").write_text(json.dumps({"schema_version": 1, "entries": [{"result": r}]}))
    assert len(plot.load_results(tmp_path / "compare.json")) == 2
    assert len(plot.load_results(tmp_path / "check.json")) == 1
    (tmp_path / "other.json").write_text(json.dumps({"schema_version": 2, "cycles": {}, "ops": []}))
    with pytest.raises(UsageError, match="schema_version 2; this mcusim reads 1"):
        plot.load_results(tmp_path / "other.json")


@pytest.mark.parametrize("kind, n", [("breakdown", 1), ("memory", 1), ("energy", 1), ("cores", 3), ("compare", 2)])
def test_cli_writes_a_png(tmp_path, capsys, kind, n):
    paths = []
    for i in range(n):
        paths.append(tmp_path / f"r{i}.json")
        paths[-1].write_text(json.dumps(result(core=f"cortex-m{i}").to_dict()))
    out = tmp_path / "out.png"
    assert main(["plot", *map(str, paths), "--kind", kind, "-o", str(out)]) == 0
    assert out.read_bytes()[:8] == PNG_MAGIC and capsys.readouterr().out == f"{out}\n"


@pytest.mark.parametrize("args, words", [
    (["missing.json"], "no such result file"),
    (["bad.json"], "is not a JSON result file"),
    (["r.json", "r.json"], "--kind breakdown plots one run"),
    (["r.json", "--kind", "compare"], "--kind compare plots two runs"),
])
def test_cli_mistakes_are_exit_2(tmp_path, capsys, monkeypatch, args, words):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.json").write_text("{")
    (tmp_path / "r.json").write_text(json.dumps(result().to_dict()))
    assert main(["plot", *args]) == 2
    assert words in capsys.readouterr().err
