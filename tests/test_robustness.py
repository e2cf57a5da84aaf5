"""Simulator-level robustness: seeded, bounded mutations of real models (truncations,
bit flips, overwritten words, random bytes in the tables) run through
mcusim.runner.run_model. Each must end in

* a correct run: outputs equal to the native host build's (tests/host_runtime.py) for
  the same inputs, or
* a typed error for a bad model: ModelError, InputError or DoesNotFitError,

never another exception, a firmware fault, a hang (max_instructions is a few times the
unmutated model's count: LimitReached fails the test) or a read of flash past the
model's end (run_model(guard_model_reads=True) turns one into a FirmwareFault).

Cost: a model that gets past the host-side reader costs one firmware run (about 0.5 s
here, most of it setting up the machine), so the default is 100 cases (about 45 s); set
MCUSIM_ROBUSTNESS_CASES=300 (or more) for a longer campaign, and
MCUSIM_ROBUSTNESS_SEED for other mutations. Truncations and
header damage are refused by the host-side reader in milliseconds.
"""
from __future__ import annotations

import collections
import os
import time
from pathlib import Path

import numpy as np
import pytest

import host_runtime as h
from mcusim import errors
from mcusim.model import random_inputs, read_model
from mcusim.runner import run_model

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "models"
CASES = int(os.environ.get("MCUSIM_ROBUSTNESS_CASES", "100"))
SEED = int(os.environ.get("MCUSIM_ROBUSTNESS_SEED", "20261126"))
CLEAN_ERRORS = (errors.ModelError, errors.InputError, errors.DoesNotFitError)
INTERESTING = (0, 1, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFF, 0x10000, 4, 8, 0xFFFFFFFC)


def _models() -> list[Path]:
    """Small real models (each invoke is cheap enough to repeat): the TFLM examples and
    the MLPerf Tiny KWS model when ../shared/models is there, and the repo's models."""
    found = [SHARED / "tflm_examples/hello_world_int8.tflite", SHARED / "tflm_examples/hello_world_float.tflite",
             SHARED / "mlperf_tiny/kws_ref_model.tflite"]
    found = [p for p in found if p.exists()]
    found += [REPO / "models" / n for n in ("sine_int8.tflite", "sine_float32.tflite", "kws_dscnn_int8.tflite",
                                             "vww_mobilenet_int8.tflite")]
    return [p for p in found if p.exists()]


def mutate(data: bytes, rng: np.random.Generator) -> tuple[str, bytes]:
    """One seeded mutation of the model bytes, and what it was."""
    m = bytearray(data)
    kind = int(rng.integers(0, 4))
    if kind == 0:
        n = int(rng.integers(0, len(m)))
        return f"truncated to {n}", bytes(m[:n])
    if kind == 1:
        where = []
        for _ in range(int(rng.integers(1, 9))):
            pos, bit = int(rng.integers(0, len(m))), int(rng.integers(0, 8))
            m[pos] ^= 1 << bit
            where.append(f"{pos}.{bit}")
        return "bits flipped at " + ",".join(where), bytes(m)
    if kind == 2:
        pos = int(rng.integers(0, len(m) // 4)) * 4
        value = INTERESTING[int(rng.integers(0, len(INTERESTING)))] if rng.integers(0, 2) else int(rng.integers(0, 256))
        m[pos:pos + 4] = value.to_bytes(4, "little")
        return f"word at {pos} = {value:#x}", bytes(m)
    span = max(len(m) // 8, 4)   # the tables sit near the start
    where = []
    for _ in range(int(rng.integers(1, 5))):
        pos = int(rng.integers(0, span))
        m[pos] = int(rng.integers(0, 256))
        where.append(str(pos))
    return "random bytes at " + ",".join(where), bytes(m)


def _same(ours: np.ndarray, theirs: np.ndarray) -> bool:
    if ours.dtype.kind == "f":   # damaged float weights may give inf/nan: equal where both are
        return ours.shape == theirs.shape and np.allclose(ours, theirs, rtol=1e-5, atol=1e-5, equal_nan=True)
    return ours.tobytes() == theirs.tobytes()


def check_one(data: bytes, limit: int) -> str:
    """Run one (damaged) model; return the outcome's name or raise AssertionError."""
    try:
        result = run_model(data, "cortex-m4", max_instructions=limit, guard_model_reads=True)
    except CLEAN_ERRORS as exc:
        assert str(exc).strip(), "an error must say why"
        return type(exc).__name__
    except errors.McusimError as exc:   # FirmwareFault, LimitReached, ...: a firmware bug
        raise AssertionError(f"{type(exc).__name__}: {exc}") from None
    # a successful run must be a correct one: the same as the host build of the runtime
    inputs = random_inputs(read_model(data)[1], 0)
    host = h.run_host(data, inputs, timeout=60)
    if host.ok:
        for i, (ours, theirs) in enumerate(zip(result.outputs, host.outputs)):
            assert _same(ours, theirs), f"output {i} differs from the host build's"
        return "ok"
    return "ok (host build refused it)"


@pytest.fixture(scope="module")
def baselines():
    """(bytes, instruction limit) per model: 4x the unmutated model's instructions."""
    out = []
    for path in _models():
        data = path.read_bytes()
        r = run_model(data, "cortex-m4")
        out.append((path.name, data, 4 * r.instructions["total"] + 2_000_000))
    if not out:
        pytest.skip("no models found")
    return out


def test_mutated_models_end_cleanly(baselines):
    rng = np.random.default_rng(SEED)
    outcomes = collections.Counter()
    failures = []
    start = time.perf_counter()
    for case in range(CASES):
        name, data, limit = baselines[case % len(baselines)]
        what, damaged = mutate(data, rng)
        try:
            outcomes[check_one(damaged, limit)] += 1
        except AssertionError as exc:
            failures.append(f"case {case}: {name}, {what}: {exc}")
        except Exception as exc:   # noqa: BLE001 - any other exception is the bug we look for
            failures.append(f"case {case}: {name}, {what}: untyped {type(exc).__name__}: {exc}")
    elapsed = time.perf_counter() - start
    print(f"\n{CASES} mutated models in {elapsed:.1f} s: {dict(outcomes)}")
    assert not failures, "\n".join(failures)
    assert sum(outcomes.values()) == CASES
    assert outcomes["ModelError"] > 0   # the mutations do reach the model checks


def test_guard_catches_a_read_past_the_model(monkeypatch):
    """The guard itself works: a firmware that reads past the model slot's end faults.
    Here the slot holds only the first half of the model while its header (and the
    host-side reader) see all of it, so the firmware's reader runs off the end."""
    from mcusim import firmware
    data = (REPO / "models" / "sine_int8.tflite").read_bytes()
    original = firmware.model_slot

    def half_slot(model, *args, **kwargs):
        slot = original(model, *args, **kwargs)
        return slot[:len(slot) - len(model) // 2]

    monkeypatch.setattr(firmware, "model_slot", half_slot)
    with pytest.raises(errors.FirmwareFault, match=r"read from guarded memory \(\d+ bytes at 0x0"):
        run_model(data, "cortex-m4", guard_model_reads=True)
    # without the guard the same run reads the blank flash after the slot unnoticed
    # (and refuses the zeros it finds there as a corrupt model)
    with pytest.raises(errors.ModelError):
        run_model(data, "cortex-m4")


# ------------------------------------------------------------------ many runs, many processes
# (benchmarks/robustness.py prints the full figures)

def _bench():
    import importlib.util
    spec = importlib.util.spec_from_file_location("bench_robustness", REPO / "benchmarks" / "robustness.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_many_inferences_in_one_run():
    """runs=N repeats the inference in one machine: every inference is traced and the
    reported one (the first) is the same as a single run's."""
    data = (REPO / "models" / "sine_int8.tflite").read_bytes()
    one = run_model(data)
    many = run_model(data, runs=300)
    assert many.outputs[0].tobytes() == one.outputs[0].tobytes()
    assert many.cycles.invoke == one.cycles.invoke
    assert many.cycles.total > 250 * one.cycles.invoke


def test_many_calls_do_not_leak_or_slow_down():
    """Sequential run_model() calls in one process: after a warm-up, resident memory
    stays flat and the last calls are not slower than the first."""
    bench = _bench()
    r = bench.many_calls((REPO / "models" / "sine_int8.tflite").read_bytes(), 20)
    growth = r["rss_end"] - r["rss_base"]
    assert growth < 40, f"RSS grew {growth:.1f} MiB over 20 calls: {r['marks']}"
    assert r["last"] < 2 * r["first"] + 0.2, r


def test_parallel_processes_build_into_one_fresh_cache(tmp_path):
    """Three processes build the same firmware image into one empty MCUSIM_CACHE at once
    and run a model: all succeed, with the same image and the same cycle count."""
    results = _bench().parallel(REPO / "models" / "sine_int8.tflite", 3, cache=tmp_path / "cache")
    for rc, stdout, stderr, _ in results:
        assert rc == 0, stderr
    lines = [stdout.split() for _, stdout, _, _ in results]
    assert len({elf for elf, _, _ in lines}) == 1          # one image path
    assert len({cycles for _, _, cycles in lines}) == 1    # and identical runs
    assert Path(lines[0][0]).is_file()
    builds = list((tmp_path / "cache" / "builds").iterdir())
    left = list(builds[0].iterdir())      # the image, and no temporary left behind
    assert len(builds) == 1 and len(left) == 1 and left[0].suffix == ".elf", left
