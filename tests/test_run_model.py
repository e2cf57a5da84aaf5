"""run_model on the simulated core: real models bit-exact with the tflite-micro reference
interpreter, same outputs on every core, clear errors, honest memory figures."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from tflite_micro.python.tflite_micro import runtime as tflm

from mcusim.errors import DoesNotFitError, InputError, ModelError, UsageError
from mcusim.model import random_inputs, read_model
from mcusim.runner import run_model

SHARED = Path(__file__).resolve().parents[2] / "shared" / "models"
REPO_MODELS = Path(__file__).resolve().parents[1] / "models"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/models is not beside the repo")
BIG = {"sram": "1MiB", "flash": "2MiB"}
INT8_MODELS = ["tflm_examples/hello_world_int8", "mlperf_tiny/kws_ref_model", "mlperf_tiny/vww_96_int8",
               "mlperf_tiny/pretrainedResnet_quant", "mlperf_tiny/ad01_int8", "mlperf_tiny/str_ww_ref_model"]
CORES = ["cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m4f", "cortex-m7", "cortex-m33", "cortex-m33f"]


def reference(path, inputs):
    interp = tflm.Interpreter.from_file(str(path))
    for i, x in enumerate(inputs):
        interp.set_input(x, i)
    interp.invoke()
    return [interp.get_output(i) for i in range(len(read_model(path)[1].outputs))]


@needs_shared
@pytest.mark.parametrize("name", INT8_MODELS)
def test_int8_models_bit_exact_on_cortex_m4(name):
    path = SHARED / f"{name}.tflite"
    info = read_model(path)[1]
    for seed in (1, 2):
        inputs = random_inputs(info, seed)
        result = run_model(path, "cortex-m4", inputs, **BIG)
        for ours, ref in zip(result.outputs, reference(path, inputs)):
            assert ours.dtype == ref.dtype and ours.shape == ref.shape
            np.testing.assert_array_equal(ours, ref)


@needs_shared
def test_float_model_within_tolerance_on_m4f():
    """Float kernels: |ours - ref| <= 1e-5 + 1e-5 |ref| (the order of summation matches)."""
    path = SHARED / "tflm_examples/hello_world_float.tflite"
    for x in (-3.0, 0.5, 2.0, 6.0):
        inputs = [np.full((1, 1), x, np.float32)]
        result = run_model(path, "cortex-m4f", inputs)
        np.testing.assert_allclose(result.outputs[0], reference(path, inputs)[0], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("core", CORES)
def test_same_outputs_on_every_core(core):
    path = REPO_MODELS / "kws_dscnn_int8.tflite"
    inputs = random_inputs(read_model(path)[1], 3)
    result = run_model(path, core, inputs)
    np.testing.assert_array_equal(result.outputs[0], reference(path, inputs)[0])
    assert result.cycles.invoke == sum(op.cycles for op in result.ops) + result.cycles.interpreter_overhead
    # each op records the kernel path that really ran (KERNEL trace events, k_variant.h)
    used = [(op.op, op.kernel) for op in result.ops]
    if core in ("cortex-m0plus", "cortex-m3"):   # no DSP extension: plain-C conv paths
        assert used[:3] == [("CONV_2D", "optimized-c"), ("DEPTHWISE_CONV_2D", "optimized-c"),
                            ("CONV_2D", "optimized-c")]
        # FULLY_CONNECTED has an ARMv6-M path only (M3 runs the reference code)
        assert ("FULLY_CONNECTED", "optimized-c" if core == "cortex-m0plus" else "reference") in used
    else:
        assert used[:3] == [("CONV_2D", "optimized-dsp"), ("DEPTHWISE_CONV_2D", "optimized-dsp-3x3"),
                            ("CONV_2D", "optimized-dsp-1x1")]
        assert ("FULLY_CONNECTED", "optimized-dsp") in used and ("AVERAGE_POOL_2D", "optimized-dsp") in used
    assert ("RESHAPE", "reference") in used


@needs_shared
def test_hybrid_model_is_refused_by_name():
    with pytest.raises(ModelError, match="hybrid models are not supported"):
        run_model(SHARED / "mlperf_tiny/kws_ref_model_float32.tflite", "cortex-m4f")


def test_default_input_is_seeded_and_said():
    path = REPO_MODELS / "sine_int8.tflite"
    a, b = run_model(path), run_model(path)
    assert a.inputs_note == "inputs: deterministic pseudo-random (seed 0)"
    assert a.outputs[0].tolist() == b.outputs[0].tolist() and a.cycles == b.cycles


def test_wrong_inputs_are_input_errors():
    path = REPO_MODELS / "sine_int8.tflite"
    with pytest.raises(InputError, match=r"input 0 \('.*'\) must be int8 1x1, got float32 1x1"):
        run_model(path, inputs=[np.zeros((1, 1), np.float32)])
    with pytest.raises(InputError, match="must have shape 1x1, got 2x1"):
        run_model(path, inputs=[np.zeros((2, 1), np.int8)])
    with pytest.raises(InputError, match="the model has 1 input"):
        run_model(path, inputs=[np.zeros((1, 1), np.int8)] * 2)


def test_not_a_model_and_missing_file(tmp_path):
    junk = tmp_path / "junk.tflite"
    junk.write_bytes(b"\0" * 64)
    with pytest.raises(ModelError, match="not a .tflite model"):
        run_model(junk)
    with pytest.raises(UsageError, match="no such model file"):
        run_model(tmp_path / "none.tflite")


def test_arena_that_does_not_fit_names_the_numbers():
    path = REPO_MODELS / "vww_mobilenet_int8.tflite"
    with pytest.raises(DoesNotFitError, match=r"arena too small: needs (at least )?\d+ bytes.*use --sram"):
        run_model(path, "cortex-m4", sram="24KiB")


def test_memory_report_is_consistent():
    path = REPO_MODELS / "kws_dscnn_int8.tflite"
    result = run_model(path, "cortex-m4")
    m = result.memory
    assert m.model_bytes >= path.stat().st_size
    assert m.flash_used == m.firmware_bytes + m.model_bytes <= m.flash_limit == 1 << 20
    assert m.sram_used == m.static_bytes + m.arena_used + m.stack_peak <= m.sram_limit
    assert m.arena_used == m.arena_persistent + m.arena_planned
    assert 0 < m.stack_peak < m.stack_reserve


def test_cli_run_writes_json_and_csv(tmp_path):
    out, ops = tmp_path / "r.json", tmp_path / "ops.csv"
    proc = subprocess.run([sys.executable, "-m", "mcusim.cli", "run", str(REPO_MODELS / "kws_dscnn_int8.tflite"),
                           "--core", "cortex-m4", "--json", str(out), "--csv", str(ops)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "interpreter overhead" in proc.stdout
    data = json.loads(out.read_text())
    assert data["schema_version"] == 1 and data["core"] == "cortex-m4"
    assert len(ops.read_text().strip().splitlines()) == 1 + len(data["ops"]) == 12
    assert ops.read_text().splitlines()[0].endswith(",kernel")
    assert {op["kernel"] for op in data["ops"]} >= {"optimized-dsp", "reference"}


def test_reference_kernel_set_records_reference_for_every_op():
    result = run_model(REPO_MODELS / "sine_int8.tflite", "cortex-m4", kernels="reference")
    assert [op.kernel for op in result.ops] == ["reference"] * 3


def test_bare_kernel_harness_measures_each_op_without_the_interpreter():
    result = run_model(REPO_MODELS / "kws_dscnn_int8.tflite", "cortex-m4", bare=True)
    assert len(result.ops) == 11
    for op in result.ops:
        # the same prepared call on the same data: only the interpreter's trace stores differ
        assert 0 < op.bare_cycles <= op.cycles
    assert sum(op.cycles - op.bare_cycles for op in result.ops) < result.cycles.invoke * 0.001


def test_repeated_runs_give_identical_outputs_and_cycles():
    path = REPO_MODELS / "resnet8_int8.tflite"
    one, three = run_model(path, runs=1), run_model(path, runs=3)
    np.testing.assert_array_equal(one.outputs[0], three.outputs[0])
    assert one.cycles.invoke == three.cycles.invoke


def test_progress_reports_each_operator():
    seen = []
    run_model(REPO_MODELS / "sine_int8.tflite", progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_one_op_model_attributed_cycles_match_a_direct_kernel_measurement():
    from mcusim.modelgen import op_example
    example = op_example("CONV_2D", np.int8, seed=4)
    result = run_model(example.model, "cortex-m4", example.inputs, bare=True)
    (op,) = result.ops
    # in the interpreter the window also holds the OP_END trace store and the few instructions
    # that form its value and address; the kernel itself costs the same
    assert 0 <= op.cycles - op.bare_cycles <= 16
    assert result.cycles.invoke == op.cycles + result.cycles.interpreter_overhead
