"""The notebooks run top to bottom in a fresh kernel (nbclient, kernel python3: jupyter
starts it with this interpreter), draw their figures and print no error. They run two at
a time, each in its own kernel; every test then checks one notebook's outputs."""

import concurrent.futures
import os
from pathlib import Path

import nbformat
import pytest

nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
# what each notebook must show besides running cleanly: text its analysis prints, and figures
EXPECT = {
    "01_per_op_breakdown.ipynb": (["takes", "optimise it first", "needs"], 4),
    "02_across_cores.ipynb": (["the FPU makes the float32 model", "M4 with/without FPU on the int8 model"], 3),
    "03_interpreter_overhead.ipynb": (["sine_int8", "resnet8_int8"], 3),
    "04_will_it_fit.ipynb": (["arena too small", "2 KiB stack reserve: fits"], 3),
}

SLOWEST_FIRST = ["04_will_it_fit.ipynb", "02_across_cores.ipynb", "03_interpreter_overhead.ipynb",
                 "01_per_op_breakdown.ipynb"]


def execute(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    return nb


@pytest.fixture(scope="module")
def executed():
    """Every notebook, executed (two kernels at a time): name -> notebook or the exception."""
    workers = max(1, min(2, os.cpu_count() or 1))
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        # the longest first, so that the two kernels finish close together
        order = sorted(NAMES, key=lambda n: SLOWEST_FIRST.index(n) if n in SLOWEST_FIRST else -1)
        futures = {name: pool.submit(execute, name) for name in order}
    out = {}
    for name, future in futures.items():
        try:
            out[name] = future.result()
        except Exception as exc:  # reported by that notebook's test
            out[name] = exc
    return out


def test_every_notebook_is_listed():
    assert NAMES == sorted(EXPECT)


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_and_shows_its_analysis(executed, name):
    nb = executed[name]
    if isinstance(nb, Exception):
        raise nb
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"], \
        "a notebook printed to stderr (a warning?)"
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    words, figures = EXPECT[name]
    for word in words:
        assert word in text
    images = [o for o in outputs if o.output_type in ("display_data", "execute_result") and "image/png" in o.data]
    assert len(images) >= figures
