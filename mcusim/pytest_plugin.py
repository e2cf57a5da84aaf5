"""pytest plugin (registered as the `mcusim` pytest11 entry point, so installing mcusim
enables it): simulate models in a project's own test suite and hold them to budgets.

Fixtures
  mcusim                 callable: mcusim(model, core="cortex-m4", inputs=None, **run_model options)
                         -> RunResult. Identical runs (same model file contents, core,
                         inputs, options) are simulated once per session.
  mcusim_result          the RunResult of the test's @pytest.mark.mcusim_budget marker.
  mcusim_assert_budget   assert_budget(result, max_cycles=..., max_sram="96KiB", ...):
                         fails with the exceeded metrics, the budget table and the
                         per-operator summary.

Marker
  @pytest.mark.mcusim_budget(model=..., core=..., <run options>, max_cycles=..., ...)
  runs the model (through the session cache) and fails the test, after its body
  passed, when a limit is exceeded or the model does not fit. Limits and options are
  those of a budget file's [[budget]] entry (mcusim.budget); a relative model path is
  looked up beside the test file, then under the rootdir.

Nothing heavy is imported until a test uses the plugin, so it costs other test suites
nothing.
"""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path

import pytest

MARKER = "mcusim_budget"
_CACHE_KEY = pytest.StashKey()


class RunCache:
    """RunResults (or the error a run raised) by run identity, for one session."""

    def __init__(self):
        self._runs = {}
        self.simulated = 0
        self.reused = 0

    def run(self, model, core="cortex-m4", inputs=None, **options):
        from .errors import McusimError
        key = _run_key(model, core, inputs, options)
        if key in self._runs:
            self.reused += 1
        else:
            from .runner import run_model
            self.simulated += 1
            try:
                self._runs[key] = ("ok", run_model(model, core, inputs, **options))
            except McusimError as exc:
                self._runs[key] = ("error", exc)
        kind, value = self._runs[key]
        if kind == "error":
            raise type(value)(*value.args)
        return copy.deepcopy(value)     # a test may change its result; the next one gets a clean copy


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _run_key(model, core, inputs, options) -> tuple:
    import numpy as np
    if isinstance(model, (bytes, bytearray, memoryview)):
        model_id = ("bytes", _digest(bytes(model)))
    else:
        path = Path(model)
        try:        # the file's contents, so a regenerated model is simulated again
            model_id = ("file", str(path.resolve()), _digest(path.read_bytes()))
        except OSError:
            model_id = ("file", str(path), None)   # run_model reports the missing file
    if inputs is None:
        inputs_id = None
    else:
        arrays = [inputs] if isinstance(inputs, np.ndarray) else list(inputs)
        inputs_id = tuple((str(np.asarray(a).dtype), np.asarray(a).shape,
                           _digest(np.ascontiguousarray(a).tobytes())) for a in arrays)
    core_id = core if isinstance(core, str) else repr(core)
    return model_id, core_id, inputs_id, tuple(sorted((k, repr(v)) for k, v in options.items()))


def _resolve(model, base: Path, rootpath: Path):
    """A relative model path beside the test file, else under the rootdir, else as given."""
    if isinstance(model, (str, Path)) and not Path(model).is_absolute():
        for root in (base, rootpath):
            if (root / model).is_file():
                return root / model
    return model


def _cache(config) -> RunCache:
    return config.stash.setdefault(_CACHE_KEY, RunCache())


# ------------------------------------------------------------------------------ marker

def _marker_spec(item):
    """(model, core, run options, limits, regression) from the item's marker, validated;
    None without a marker. Bad arguments fail the test's setup by name."""
    marker = item.get_closest_marker(MARKER)
    if marker is None:
        return None
    from .budget import LIMIT_KEYS, RUN_OPTIONS, _did_you_mean, parse_limits
    from .errors import UsageError
    kwargs = dict(marker.kwargs)
    if marker.args:
        if len(marker.args) > 1 or "model" in kwargs:
            pytest.fail(f"{MARKER}: give the model once, as the only positional argument or model=...",
                        pytrace=False)
        kwargs["model"] = marker.args[0]
    if "model" not in kwargs:
        pytest.fail(f"{MARKER} needs model=... (a .tflite path, relative to the test file)", pytrace=False)
    model = _resolve(kwargs.pop("model"), Path(str(item.path)).parent, item.config.rootpath)
    core = kwargs.pop("core", "cortex-m4")
    inputs = kwargs.pop("inputs", None)
    baseline = kwargs.pop("baseline_cycles", None)
    regression = kwargs.pop("max_regression_pct", None)
    known = (*RUN_OPTIONS, *LIMIT_KEYS, "model", "core", "inputs", "baseline_cycles", "max_regression_pct")
    unknown = [k for k in kwargs if k not in known]
    if unknown:
        pytest.fail(f"{MARKER}: unknown argument {unknown[0]!r}{_did_you_mean(unknown[0], known)}", pytrace=False)
    limits = {k: kwargs.pop(k) for k in LIMIT_KEYS if k in kwargs}
    if not limits and regression is None:
        pytest.fail(f"{MARKER} sets no limit: give at least one of {', '.join(LIMIT_KEYS)}", pytrace=False)
    if (baseline is None) != (regression is None):
        pytest.fail(f"{MARKER}: baseline_cycles and max_regression_pct go together", pytrace=False)
    try:
        parse_limits(limits)
    except UsageError as exc:
        pytest.fail(f"{MARKER}: {exc}", pytrace=False)
    return model, core, inputs, kwargs, limits, (baseline, regression)


_RESULT_KEY = pytest.StashKey()


def _marker_result(item):
    """The marker's run (through the session cache, once per test); a run error fails
    the test with the simulator's one-line message."""
    from .errors import McusimError
    if _RESULT_KEY not in item.stash:
        model, core, inputs, options, _, _ = _marker_spec(item)
        try:
            item.stash[_RESULT_KEY] = _cache(item.config).run(model, core, inputs, **options)
        except McusimError as exc:
            item.stash[_RESULT_KEY] = exc
    result = item.stash[_RESULT_KEY]
    if isinstance(result, McusimError):
        pytest.fail(f"mcusim: {' '.join(str(result).split())}", pytrace=False)
    return result


def pytest_configure(config):
    config.addinivalue_line(
        "markers", f"{MARKER}(model, core='cortex-m4', <run options>, max_cycles=..., max_latency_ms=..., "
                   "max_energy_uj=..., max_flash=..., max_sram=..., max_arena=..., max_stack=..., "
                   "max_overhead_pct=...): simulate the model with mcusim and fail the test when it "
                   "exceeds a budget")


def pytest_runtest_setup(item):
    _marker_spec(item)     # bad marker arguments: a setup error naming the argument


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    outcome = yield        # the test body first; its own failure takes precedence
    spec = _marker_spec(item)
    if spec is not None:
        from .budget import budget_failure_message, check_result
        result = _marker_result(item)
        _, _, _, _, limits, (baseline, regression) = spec
        message = budget_failure_message(result, check_result(result, limits, baseline, regression))
        if message:
            pytest.fail(message, pytrace=False)
    return outcome


def pytest_terminal_summary(terminalreporter, config):
    cache = config.stash.get(_CACHE_KEY, None)
    if cache is not None and cache.simulated:
        terminalreporter.write_line(f"mcusim: {cache.simulated} simulated run(s), "
                                    f"{cache.reused} served from the session cache")


# ------------------------------------------------------------------------------ fixtures

@pytest.fixture
def mcusim(request):
    """mcusim(model, core="cortex-m4", inputs=None, **run_model options) -> RunResult,
    simulated once per session for identical arguments."""
    cache = _cache(request.config)
    base = Path(str(request.path)).parent

    def run(model, core="cortex-m4", inputs=None, **options):
        return cache.run(_resolve(model, base, request.config.rootpath), core, inputs, **options)

    run.cache = cache
    return run


@pytest.fixture
def mcusim_result(request):
    """The RunResult of the test's @pytest.mark.mcusim_budget(model=..., ...)."""
    if request.node.get_closest_marker(MARKER) is None:
        pytest.fail(f"the mcusim_result fixture needs @pytest.mark.{MARKER}(model=..., ...) on the test",
                    pytrace=False)
    return _marker_result(request.node)


@pytest.fixture
def mcusim_assert_budget():
    """assert_budget(result, max_cycles=..., ...): AssertionError with the budget table
    and the per-operator summary when a limit is exceeded."""
    from .budget import assert_budget
    return assert_budget
