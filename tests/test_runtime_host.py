"""The firmware runtime (flatbuffer reader, graph building, arena planner, interpreter)
in its native host build (tests/host_runtime.py).

Reader and planner tests run under ASan+UBSan: a damaged model must give an error
status and a message, never a crash, a sanitizer report or a hang. Real-model tests
compare outputs with the tflite-micro reference interpreter and skip (naming the
operator) where an operator's glue is not built yet.
"""
from __future__ import annotations

import numpy as np
import pytest

import host_runtime as h

flatbuffers = pytest.importorskip("flatbuffers")
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as S  # noqa: E402

REAL_MODELS = [
    "tflm_examples/hello_world_int8.tflite",
    "tflm_examples/hello_world_float.tflite",
    "mlperf_tiny/kws_ref_model.tflite",
    "mlperf_tiny/vww_96_int8.tflite",
    "mlperf_tiny/vww_96_float.tflite",
    "mlperf_tiny/pretrainedResnet_quant.tflite",
    "mlperf_tiny/ad01_int8.tflite",
    "mlperf_tiny/str_ww_ref_model.tflite",
]


def model_path(rel: str):
    p = h.shared_model(rel)
    if not p.exists():
        pytest.skip(f"real model {rel} not found under {h.SHARED_MODELS}")
    return p


def model_bytes(rel: str) -> bytes:
    return model_path(rel).read_bytes()


def repack(buf: bytes, edit) -> bytes:
    """Re-serialize a model after edit(ModelT) with the schema's object API."""
    m = S.ModelT.InitFromObj(S.Model.GetRootAs(buf, 0))
    edit(m)
    b = flatbuffers.Builder(len(buf) + 1024)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def assert_clean_error(r: h.HostResult, code: int | None = None):
    assert not r.sanitizer_error, r.stderr
    assert r.status != 0, "expected an error"
    if code is not None:
        assert r.status == code, r.message
    assert r.message, "an error must come with a message"


@pytest.fixture(scope="module")
def san():
    """Build the sanitizer host once for the module."""
    return h.build_host(sanitize=True)


# ---------------------------------------------------------------- not a model


@pytest.mark.parametrize("data", [
    b"", b"\x00", b"TFL3", b"\x00" * 8, b"\x08\x00\x00\x00TFL3", b"hello, this is not a model",
    bytes(range(256)) * 3, b"\xff" * 64, b"\x10\x00\x00\x00TFL3" + b"\xff" * 64,
])
def test_not_a_flatbuffer(san, data):
    r = h.run_host(data, [], sanitize=True)
    assert_clean_error(r, h.MCU_ERR_MODEL)


def test_wrong_identifier(san):
    buf = bytearray(model_bytes("mlperf_tiny/kws_ref_model.tflite"))
    buf[4:8] = b"TFL2"
    r = h.run_host(bytes(buf), [], sanitize=True)
    assert_clean_error(r, h.MCU_ERR_MODEL)
    assert "identifier" in r.message


def test_wrong_schema_version(san):
    buf = repack(model_bytes("tflm_examples/hello_world_int8.tflite"),
                 lambda m: setattr(m, "version", 2))
    r = h.run_host(buf, [], sanitize=True)
    assert_clean_error(r, h.MCU_ERR_MODEL)
    assert "version 2" in r.message


# ---------------------------------------------------------------- damaged models


@pytest.mark.parametrize("rel,step", [
    ("tflm_examples/hello_world_int8.tflite", 1),
    ("mlperf_tiny/kws_ref_model.tflite", 3),
    ("mlperf_tiny/str_ww_ref_model.tflite", 11),
    ("mlperf_tiny/vww_96_int8.tflite", 61),
])
def test_truncated_model_every_length(san, rel, step):
    """Every truncation (lengths 0, step, 2*step, ...) is refused as a corrupt model."""
    path = model_path(rel)
    r = h.fuzz_host(path, seed=0, count=step)
    assert r.returncode == 0, r.stderr
    n = (path.stat().st_size + step - 1) // step
    assert r.init == {h.MCU_ERR_MODEL: n}


def test_truncated_model_message(san):
    buf = model_bytes("mlperf_tiny/kws_ref_model.tflite")
    r = h.run_host(buf[: len(buf) // 2], [], sanitize=True)
    assert_clean_error(r, h.MCU_ERR_MODEL)
    assert "corrupt model" in r.message


FUZZ_MODELS = [
    "tflm_examples/hello_world_int8.tflite",
    "mlperf_tiny/kws_ref_model.tflite",
    "mlperf_tiny/kws_ref_model_float32.tflite",
    "mlperf_tiny/vww_96_int8.tflite",
    "mlperf_tiny/pretrainedResnet_quant.tflite",
    "mlperf_tiny/ad01_int8.tflite",
    "mlperf_tiny/str_ww_ref_model.tflite",
]


@pytest.mark.parametrize("rel", FUZZ_MODELS)
def test_mutated_models_init(san, rel):
    """Seeded bit flips, overwritten words and truncations through init (reader, graph,
    every op's prepare, planner): an error status or success, never a sanitizer report."""
    r = h.fuzz_host(model_path(rel), seed=12345, count=1500, invoke=False)
    assert r.returncode == 0, r.stderr
    assert sum(r.init.values()) == 1500
    assert set(r.init) <= set(range(0, 9)), r.init
    assert r.init.get(h.MCU_ERR_MODEL, 0) > 0


@pytest.mark.parametrize("rel", [
    "tflm_examples/hello_world_int8.tflite",
    "mlperf_tiny/kws_ref_model.tflite",
    "mlperf_tiny/ad01_int8.tflite",
    "mlperf_tiny/str_ww_ref_model.tflite",
])
def test_mutated_models_invoke(san, rel):
    """As above, and models that pass init are invoked with random inputs."""
    r = h.fuzz_host(model_path(rel), seed=777, count=200, invoke=True)
    assert r.returncode == 0, r.stderr
    assert sum(r.init.values()) == 200


# ---------------------------------------------------------------- refusals


def _retarget_op(m, op_code_index: int, builtin: int, custom: bytes | None = None):
    oc = m.operatorCodes[op_code_index]
    oc.builtinCode = builtin
    oc.deprecatedBuiltinCode = min(builtin, 127)
    oc.customCode = custom
    for op in m.subgraphs[0].operators:
        if op.opcodeIndex == op_code_index:
            op.builtinOptionsType = 0
            op.builtinOptions = None


def _softmax_code(m) -> int:
    return next(i for i, oc in enumerate(m.operatorCodes)
                if max(oc.builtinCode, oc.deprecatedBuiltinCode) == S.BuiltinOperator.SOFTMAX)


def test_unsupported_operator_is_named(san):
    buf = repack(model_bytes("mlperf_tiny/kws_ref_model.tflite"),
                 lambda m: _retarget_op(m, _softmax_code(m), S.BuiltinOperator.LSTM))
    r = h.run_host(buf, [], sanitize=True)
    assert_clean_error(r, h.MCU_ERR_UNSUPPORTED_OP)
    assert "unsupported operator LSTM (builtin 16)" in r.message


def test_operator_code_above_127_is_named(san):
    """builtin_code (int32) wins over deprecated_builtin_code (int8, 127 = placeholder)."""
    buf = repack(model_bytes("mlperf_tiny/kws_ref_model.tflite"),
                 lambda m: _retarget_op(m, _softmax_code(m), S.BuiltinOperator.GELU))
    r = h.run_host(buf, [], sanitize=True)
    assert_clean_error(r, h.MCU_ERR_UNSUPPORTED_OP)
    assert f"unsupported operator GELU (builtin {S.BuiltinOperator.GELU})" in r.message


def test_custom_operator_is_named(san):
    buf = repack(model_bytes("mlperf_tiny/kws_ref_model.tflite"),
                 lambda m: _retarget_op(m, _softmax_code(m), S.BuiltinOperator.CUSTOM,
                                        b"MyFancyOp"))
    r = h.run_host(buf, [], sanitize=True)
    assert_clean_error(r, h.MCU_ERR_UNSUPPORTED_OP)
    assert "unsupported custom operator 'MyFancyOp'" in r.message


def test_hybrid_model_refused(san):
    r = h.run_host(model_path("mlperf_tiny/kws_ref_model_float32.tflite"), [], sanitize=True)
    assert_clean_error(r, h.MCU_ERR_HYBRID)
    assert "hybrid models are not supported" in r.message


def test_unsupported_tensor_type_is_named(san):
    def edit(m):
        m.subgraphs[0].tensors[m.subgraphs[0].outputs[0]].type = S.TensorType.FLOAT16
    r = h.run_host(repack(model_bytes("mlperf_tiny/kws_ref_model.tflite"), edit), [],
                   sanitize=True)
    assert_clean_error(r, h.MCU_ERR_UNSUPPORTED_TYPE)
    assert "FLOAT16" in r.message


def test_options_of_wrong_type_refused(san):
    def edit(m):
        op = m.subgraphs[0].operators[0]  # CONV_2D
        op.builtinOptionsType = S.BuiltinOptions.ReshapeOptions
        op.builtinOptions = S.ReshapeOptionsT()
        op.builtinOptions.newShape = [1, 2]
    r = h.run_host(repack(model_bytes("mlperf_tiny/kws_ref_model.tflite"), edit), [],
                   sanitize=True)
    assert_clean_error(r, h.MCU_ERR_MODEL)


def test_zero_point_out_of_range_refused(san):
    def edit(m):
        t = m.subgraphs[0].tensors[m.subgraphs[0].inputs[0]]
        t.quantization.zeroPoint = [300]
    r = h.run_host(repack(model_bytes("mlperf_tiny/kws_ref_model.tflite"), edit), [],
                   sanitize=True)
    assert_clean_error(r, h.MCU_ERR_MODEL)
    assert "zero point" in r.message


def test_large_model_buffer_offsets_refused(san):
    def edit(m):
        t = m.subgraphs[0].tensors[16]  # dense weights
        m.buffers[t.buffer].data = None
        m.buffers[t.buffer].offset = 1 << 31
        m.buffers[t.buffer].size = 768
    r = h.run_host(repack(model_bytes("mlperf_tiny/kws_ref_model.tflite"), edit), [],
                   sanitize=True)
    assert_clean_error(r, h.MCU_ERR_MODEL)
    assert "2 GB" in r.message


def test_input_size_mismatch(san):
    p = model_path("tflm_examples/hello_world_int8.tflite")
    r = h.run_host(p, [np.zeros(3, np.int8)], sanitize=True)
    assert_clean_error(r, h.MCU_ERR_PARAMS)
    assert "input size" in r.message


# ---------------------------------------------------------------- arena planner


def _run_or_skip(rel: str, **kw) -> tuple[h.HostResult, list]:
    p = model_path(rel)
    ins = h.random_inputs(p, seed=3)
    r = h.run_host(p, ins, **kw)
    if r.status == h.MCU_ERR_UNSUPPORTED_OP:
        pytest.skip(f"{rel}: {r.message}")
    assert r.status == 0, r.message
    return r, ins


def test_arena_too_small_states_exact_need(san):
    r, ins = _run_or_skip("mlperf_tiny/kws_ref_model.tflite")
    need = r.arena_total
    assert need == r.arena_persistent + r.arena_planned
    small = h.run_host(model_path("mlperf_tiny/kws_ref_model.tflite"), ins, sanitize=True,
                       arena_bytes=need - 16)
    assert_clean_error(small, h.MCU_ERR_ARENA)
    assert f"arena too small: needs {need} bytes, has {need - 16}" in small.message
    exact = h.run_host(model_path("mlperf_tiny/kws_ref_model.tflite"), ins, sanitize=True,
                       arena_bytes=need)
    assert exact.status == 0, exact.message
    assert [o.tobytes() for o in exact.outputs] == [o.tobytes() for o in r.outputs]


def test_arena_too_small_for_persistent(san):
    r = h.run_host(model_path("mlperf_tiny/kws_ref_model.tflite"), [], sanitize=True,
                   arena_bytes=512)
    assert_clean_error(r, h.MCU_ERR_ARENA)
    assert "arena too small: needs at least" in r.message and "has 512" in r.message


@pytest.mark.parametrize("rel", REAL_MODELS)
def test_planned_region_no_larger_than_reference(rel):
    """Same lifetime rules and greedy placement as the reference's planner: our planned
    region (activations + scratch) must not exceed its arena head."""
    r, _ = _run_or_skip(rel)
    ref = h.reference_arena(model_path(rel))
    if ref is None:
        pytest.skip("reference interpreter cannot load the model")
    assert r.arena_planned <= ref.head, (r.arena_planned, ref.head)


# ---------------------------------------------------------------- real models


@pytest.mark.parametrize("rel", REAL_MODELS)
def test_real_model_matches_reference(rel):
    r, ins = _run_or_skip(rel)
    ref = h.reference_outputs(model_path(rel), ins)
    assert len(r.outputs) == len(ref)
    for ours, theirs in zip(r.outputs, ref):
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        if ours.dtype.kind == "f":
            np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
        else:
            np.testing.assert_array_equal(ours, theirs)


def test_real_model_under_sanitizers(san):
    r, ins = _run_or_skip("mlperf_tiny/kws_ref_model.tflite", sanitize=True)
    assert not r.sanitizer_error
    ref = h.reference_outputs(model_path("mlperf_tiny/kws_ref_model.tflite"), ins)
    np.testing.assert_array_equal(r.outputs[0], ref[0])


def _lifetimes(buf: bytes) -> dict:
    """Tensor index -> (first op, last op) by the planner's rules, from the schema."""
    m = S.Model.GetRootAs(buf, 0)
    sg = m.Subgraphs(0)
    n_ops = sg.OperatorsLength()
    end = max(n_ops - 1, 0)
    life: dict = {}
    for i in range(n_ops):
        op = sg.Operators(i)
        for t in op.InputsAsNumpy() if op.InputsLength() else []:
            if t >= 0:
                first, last = life.get(int(t), (0, i))
                life[int(t)] = (first, max(last, i))
        for t in op.OutputsAsNumpy() if op.OutputsLength() else []:
            first, last = life.get(int(t), (i, i))
            life[int(t)] = (min(first, i), max(last, i))
    for k in range(sg.InputsLength()):
        t = int(sg.Inputs(k))
        life[t] = (0, max(life.get(t, (0, 0))[1], 0))
    for k in range(sg.OutputsLength()):
        t = int(sg.Outputs(k))
        life[t] = (life.get(t, (0, 0))[0], end)
    return life


@pytest.mark.parametrize("rel", REAL_MODELS)
def test_plan_has_no_overlap_between_live_tensors(rel):
    """Independent check of the plan: tensors whose lifetimes overlap occupy disjoint,
    16-byte aligned arena ranges inside the planned region."""
    r, _ = _run_or_skip(rel)
    assert r.plan, "host run printed no plan"
    life = _lifetimes(model_bytes(rel))
    items = sorted(r.plan.items())
    for t, (off, size) in items:
        assert off % 16 == 0
        assert off + size <= r.arena_planned
    for i, (a, (oa, sa)) in enumerate(items):
        for b, (ob, sb) in items[i + 1:]:
            fa, la = life[a]
            fb, lb = life[b]
            if fa <= lb and fb <= la and sa and sb:
                assert oa + sa <= ob or ob + sb <= oa, (a, b, life[a], life[b])
