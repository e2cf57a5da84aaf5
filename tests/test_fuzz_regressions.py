"""Every input in fuzz/regressions/ (found by fuzzing, or rebuilt by hand from an
earlier campaign's findings: fuzz/make_regressions.py) runs

* through the sanitized native host build (ASan + UBSan, tests/host_runtime.py): it
  must end with a status and a message, never a sanitizer report, a crash or a hang;
* through the simulator (mcusim.runner.run_model, with the flash after the model slot
  guarded): it must end in a correct run (outputs equal to the host build's for the
  same inputs) or a typed McusimError that names the cause, never another exception.

fuzz/regressions/expected.json pins the exact outcome of the cases it lists."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import host_runtime as h
from mcusim import errors
from mcusim.model import random_inputs, read_model
from mcusim.runner import run_model

REGRESSIONS = Path(__file__).resolve().parent.parent / "fuzz" / "regressions"
EXPECTED = json.loads((REGRESSIONS / "expected.json").read_text())
CASES = sorted(p.name for p in REGRESSIONS.iterdir() if p.suffix in (".tflite", ".bin") or p.name.startswith("crash-"))
# what a damaged model may end in on the simulator (a FirmwareFault or LimitReached
# would mean the firmware itself went wrong)
CLEAN_ERRORS = (errors.ModelError, errors.InputError, errors.DoesNotFitError)


def test_there_are_regressions():
    assert len(CASES) >= 8
    assert set(EXPECTED) - {"_comment"} <= set(CASES)


def _host_inputs(data: bytes) -> list:
    """The simulator's inputs for this model (seed 0) when the host side can read it,
    else None."""
    try:
        return random_inputs(read_model(data)[1], 0)
    except errors.McusimError:
        return None


def _run_host(data: bytes, inputs) -> h.HostResult:
    # kernel_overflow_ok: damaged weights may make a kernel's int32 accumulator wrap, as
    # on the target (the fuzzer's policy too, fuzz/run_fuzz.sh); runtime and glue are
    # checked fully
    r = h.run_host(data, inputs or [], sanitize=True, timeout=120, kernel_overflow_ok=True)
    if inputs is None and r.status == h.MCU_ERR_PARAMS and "input size mismatch" in r.message:
        need = int(re.search(r"take (\d+) bytes", r.message).group(1))
        r = h.run_host(data, [np.zeros(need, np.uint8)], sanitize=True, timeout=120, kernel_overflow_ok=True)
    return r


@pytest.fixture(scope="module")
def san():
    return h.build_host(sanitize=True)


@pytest.mark.parametrize("name", CASES)
def test_regression_on_host(san, name):
    data = (REGRESSIONS / name).read_bytes()
    r = _run_host(data, _host_inputs(data))
    assert not r.sanitizer_error, r.stderr
    assert 0 <= r.status <= h.MCU_ERR_SLOT, (r.status, r.stderr)
    if r.status != 0:
        assert r.message
    want = EXPECTED.get(name)
    if want:
        assert r.status == want["host"], r.message
        assert want["message"] in r.message


@pytest.mark.parametrize("name", CASES)
def test_regression_on_simulator(san, name):
    data = (REGRESSIONS / name).read_bytes()
    want = EXPECTED.get(name)
    try:
        result = run_model(data, "cortex-m4", max_instructions=200_000_000, guard_model_reads=True,
                           **(want or {}).get("sim_options", {}))
    except CLEAN_ERRORS as exc:
        if want:
            assert type(exc).__name__ == want["sim"], exc
            assert want["message"] in str(exc)
        assert str(exc)
        return
    assert not want or want["sim"] == "ok", f"expected {want['sim']}, the run succeeded"
    inputs = random_inputs(read_model(data)[1], 0)
    host = _run_host(data, inputs)
    assert host.ok, host.message
    for ours, theirs in zip(result.outputs, host.outputs):
        assert ours.tobytes() == theirs.tobytes()
