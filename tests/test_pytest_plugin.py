"""The pytest plugin, as a user's test suite sees it (pytester): the `mcusim` fixture and
its session cache, the mcusim_budget marker, and the assert helper's failure message."""

import shutil
from pathlib import Path

import pytest

from mcusim.toolchain import cache_dir

pytest_plugins = ["pytester"]

SINE = Path(__file__).resolve().parents[1] / "models" / "sine_int8.tflite"

USER_TESTS = '''
import numpy as np
import pytest


def test_fixture_runs_a_model(mcusim):
    r = mcusim("sine_int8.tflite", "cortex-m4")          # beside this file
    assert r.core == "cortex-m4" and len(r.ops) == 3 and 1000 < r.cycles.invoke < 100_000
    r.ops.clear()                                        # a test may change its copy


def test_identical_run_is_served_from_the_cache(mcusim):
    r = mcusim("sine_int8.tflite", core="cortex-m4")
    assert len(r.ops) == 3


@pytest.mark.mcusim_budget(model="sine_int8.tflite", max_cycles=1_000_000, max_sram="64KiB")
def test_budget_holds(mcusim_result):
    assert mcusim_result.outputs[0].dtype == np.int8


@pytest.mark.mcusim_budget(model="sine_int8.tflite", max_cycles=10, max_flash="1MiB")
def test_budget_exceeded():
    pass


def test_assert_helper(mcusim, mcusim_assert_budget):
    r = mcusim("sine_int8.tflite")
    mcusim_assert_budget(r, max_cycles=1_000_000)
    mcusim_assert_budget(r, max_sram=100)


@pytest.mark.mcusim_budget(model="sine_int8.tflite", max_cycle=10)
def test_bad_marker():
    pass


@pytest.mark.mcusim_budget(model="sine_int8.tflite", sram="9KiB", max_cycles=10**9)
def test_does_not_fit():
    pass
'''


@pytest.fixture(autouse=True)
def keep_the_build_cache(monkeypatch):
    """pytester points HOME at a temporary directory: keep using the firmware cache."""
    monkeypatch.setenv("MCUSIM_CACHE", str(cache_dir()))


def test_fixture_marker_and_helper(pytester):
    shutil.copy(SINE, pytester.path / "sine_int8.tflite")
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=3, errors=1)
    reports = result.reprec.getreports("pytest_runtest_logreport")
    assert {r.nodeid.split("::")[1] for r in reports if r.failed and r.when == "call"} == {
        "test_budget_exceeded", "test_assert_helper", "test_does_not_fit"}
    assert [r.nodeid.split("::")[1] for r in reports if r.failed and r.when == "setup"] == ["test_bad_marker"]
    out = result.stdout.str()
    # two simulations: sine on cortex-m4 (shared by five tests) and the one that does not fit
    assert "mcusim: 2 simulated run(s), 4 served from the session cache" in out
    # the marker's failure: the exceeded metric, the budget table and the per-op summary, no traceback
    assert "mcusim budget exceeded: cycles" in out and "> 10\n" in out
    assert "FULLY_CONNECTED" in out and "interpreter overhead" in out
    result.stdout.fnmatch_lines(["*metric*value*budget*margin*", "*cycles*OVER*", "*flash*ok*"])
    # the helper's failure names sram
    result.stdout.fnmatch_lines(["*AssertionError: mcusim budget exceeded: sram * > 100 B*"])
    # a mistyped marker argument is a setup error naming it
    result.stdout.fnmatch_lines(["*mcusim_budget: unknown argument 'max_cycle': did you mean 'max_cycles'?*"])
    # a model that does not fit fails the test with the simulator's message
    result.stdout.fnmatch_lines(["*mcusim: arena too small*use --sram*"])


def test_marker_is_registered(pytester):
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.mcusim_budget(model, core='cortex-m4'*"])
