"""Conformance of SOFTMAX, LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU, RELU, RELU6,
QUANTIZE and DEQUANTIZE against the tflite-micro reference interpreter.

Each case is a single-operator model built with mcusim.modelgen, run once through the
host build of the firmware (tests/host_runtime.run_host) and once through the
reference interpreter. Integer outputs must be equal bit for bit; every int8 case feeds
all 256 input values (several times over, in different orders and shapes).

Float outputs: RELU, RELU6, LEAKY_RELU, HARD_SWISH and DEQUANTIZE are plain IEEE
arithmetic in the same order as TFLite, and must be bit-exact too. SOFTMAX, LOGISTIC
and TANH use kernels/reference/mcu_math.c instead of libm; they must be within
FLOAT_RTOL relative / FLOAT_ATOL absolute of the reference (observed: <= 3 ulp).

Also here: the same kernels cross-compiled and run on the simulated Cortex-M0+ and
Cortex-M4F, damaged models under ASan/UBSan, the accuracy of mcu_math.c, and a
warning-free compile of every source of these operators for host and Cortex-M.
"""
from __future__ import annotations

import ctypes
import math
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import host_runtime as hr  # noqa: E402
from mcusim.modelgen import TensorSpec, run_reference, single_op_model  # noqa: E402

FLOAT_RTOL = 2e-6  # ~16 ulp
FLOAT_ATOL = 1e-7  # for results near 0 (1 - logistic, tiny softmax entries)

KERNELS = hr.KERNELS
MY_SOURCES = [
    *(KERNELS / "ops" / f"{n}.c" for n in ("softmax", "logistic", "tanh", "hard_swish",
                                           "leaky_relu", "relu", "relu6", "quantize",
                                           "dequantize")),
    *(KERNELS / "reference" / f"{n}.c" for n in ("softmax", "logistic", "tanh",
                                                 "hard_swish", "leaky_relu", "relu",
                                                 "relu6", "quantize", "dequantize",
                                                 "mcu_math")),
]

ALL_INT8 = np.arange(-128, 128, dtype=np.int8)


# --------------------------------------------------------------------------- helpers


def _run_both(model: bytes, x: np.ndarray):
    ref = run_reference(model, [x])[0]
    res = hr.run_host(model, [x])
    assert res.ok, f"host run failed ({res.status}): {res.message}"
    (out,) = res.outputs
    assert out.dtype == ref.dtype and out.shape == ref.shape
    return out, ref


def check_exact(model: bytes, x: np.ndarray):
    out, ref = _run_both(model, x)
    if out.dtype.kind == "f":
        # bit-exact, but -0.0 == 0.0 is fine
        bad = ~((out == ref) | (np.isnan(out) & np.isnan(ref)))
    else:
        bad = out != ref
    if bad.any():
        idx = np.argwhere(bad)[:8]
        detail = ", ".join(f"in={x[tuple(i)]!r} ours={out[tuple(i)]!r} ref={ref[tuple(i)]!r}"
                           for i in idx)
        pytest.fail(f"{int(bad.sum())} of {bad.size} outputs differ: {detail}")
    return out


def check_close(model: bytes, x: np.ndarray):
    out, ref = _run_both(model, x)
    np.testing.assert_allclose(out, ref, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)
    return out


def check_rejected(model: bytes, x: np.ndarray, code: int, ref_rejects: bool = True):
    """Our runtime refuses the model with `code`; the reference refuses it too (unless
    ref_rejects=False: cases where we deliberately refuse what it computes)."""
    if ref_rejects:
        with pytest.raises(Exception):
            run_reference(model, [x])
    res = hr.run_host(model, [x])
    assert res.status == code, (res.status, res.message)
    assert res.message, "an error needs a message"
    return res.message


def q8(shape, scale, zp, dtype=np.int8):
    return TensorSpec(shape, dtype, scale=scale, zero_point=zp)


def f32(shape):
    return TensorSpec(shape, np.float32)


def all_values(shape, rng, dtype=np.int8):
    """Every value of int8 (or uint8) at least once, shuffled, filling `shape`."""
    info = np.iinfo(dtype)
    vals = np.arange(info.min, info.max + 1)
    n = int(np.prod(shape))
    reps = -(-n // vals.size)
    a = np.tile(vals, reps)[:n] if n >= vals.size else rng.choice(vals, n)
    rng.shuffle(a)
    return a.astype(dtype).reshape(shape)


# Quantization grid for the elementwise int8 ops: (scale, zero point), covering tiny and
# large scales and extreme zero points.
QGRID = [(0.0009, 0), (0.0123, -128), (0.02, 5), (0.0478, -31), (0.1, 127),
         (0.25, 0), (1.0, -1), (3.7, 12)]


def _qid(q):
    return f"s{q[0]}z{q[1]}"


# --------------------------------------------------------------------------- LOGISTIC / TANH

SIGMOID_INPUT_Q = [(s, z) for s in (0.0005, 0.004, 0.02, 0.0625, 0.1, 0.35, 1.0, 2.5, 9.0)
                   for z in (-128, -17, 0, 64, 127)]


@pytest.mark.parametrize("iq", SIGMOID_INPUT_Q, ids=_qid)
def test_logistic_int8(iq):
    x = ALL_INT8.reshape(2, 8, 16)
    check_exact(single_op_model("LOGISTIC", [q8(x.shape, *iq)], [q8(x.shape, 1 / 256, -128)]), x)


@pytest.mark.parametrize("iq", SIGMOID_INPUT_Q, ids=_qid)
def test_tanh_int8(iq):
    x = ALL_INT8.reshape(1, 4, 4, 16)
    check_exact(single_op_model("TANH", [q8(x.shape, *iq)], [q8(x.shape, 1 / 128, 0)]), x)


def test_tanh_int8_ignores_output_quantization():
    # TFLite's int8 TANH writes scale 1/128, zero point 0 whatever the output says.
    x = ALL_INT8.reshape(1, 256)
    out = check_exact(single_op_model("TANH", [q8(x.shape, 0.05, 3)], [q8(x.shape, 0.3, -7)]), x)
    assert out.min() == -128 and out.max() == 127


def test_logistic_int8_output_zero_point_must_be_minus_128():
    x = ALL_INT8.reshape(1, 256)
    msg = check_rejected(single_op_model("LOGISTIC", [q8(x.shape, 0.05, 0)],
                                         [q8(x.shape, 1 / 256, 0)]), x, hr.MCU_ERR_PARAMS)
    assert "LOGISTIC" in msg


# --------------------------------------------------------------------------- SOFTMAX


def _softmax_rows(rng, rows, depth):
    x = rng.integers(-128, 128, size=(rows, depth))
    if depth >= 256:
        x[0] = np.arange(-128, 128)[:depth] if depth == 256 else x[0]
    if rows > 1:
        x[1] = -128  # all equal
        x[1, rng.integers(depth)] = 127  # one dominant value
    if rows > 2:
        x[2] = rng.integers(100, 128, size=depth)  # crowded near the top
    return x.astype(np.int8)


SOFTMAX_CASES = []
for _scale in (0.0007, 0.01, 0.05, 0.0625, 0.1, 0.23, 1.0, 4.0, 16.0):
    for _beta in (1.0, 0.37, 2.0):
        SOFTMAX_CASES.append((_scale, _beta))


@pytest.mark.parametrize("out_type", ["int8", "int16"])
@pytest.mark.parametrize("scale,beta", SOFTMAX_CASES)
def test_softmax_int8_full_range(scale, beta, out_type):
    rng = np.random.default_rng(int(scale * 1e4) + int(beta * 100))
    x = _softmax_rows(rng, 4, 256)
    x[3] = np.arange(-128, 128)
    rng.shuffle(x[3])
    zp = int(rng.integers(-128, 128))
    oq = (1 / 256, -128, np.int8) if out_type == "int8" else (1 / 65536, -32768, np.int16)
    model = single_op_model("SOFTMAX", [q8(x.shape, scale, zp)],
                            [q8(x.shape, oq[0], oq[1], oq[2])], {"beta": beta})
    check_exact(model, x)


@pytest.mark.parametrize("shape", [(10,), (1, 10), (3, 12), (2, 3, 5, 7), (1, 1, 1, 1),
                                   (5, 1), (2, 2, 64)])
def test_softmax_int8_shapes(shape):
    rng = np.random.default_rng(len(shape) * 100 + shape[-1])
    x = rng.integers(-128, 128, size=shape).astype(np.int8)
    flat = x.reshape(-1)
    flat[:2] = [-128, 127][:flat.size]
    for scale, zp in ((0.1, -10), (0.0390625, 3)):
        check_exact(single_op_model("SOFTMAX", [q8(shape, scale, zp)],
                                    [q8(shape, 1 / 256, -128)]), x)


@pytest.mark.parametrize("beta", [0.0, 1e-9, 2e-7])
def test_softmax_int8_tiny_beta(beta):
    # beta * input_scale <= 2^-26: the reference interpreter aborts on a check (its
    # multiplier must exceed 1). We compute: every exp rounds to ~1, a uniform result.
    x = ALL_INT8.reshape(2, 128)
    model = single_op_model("SOFTMAX", [q8(x.shape, 0.1, 0)], [q8(x.shape, 1 / 256, -128)],
                            {"beta": beta})
    res = hr.run_host(model, [x])
    assert res.ok, res.message
    assert (res.outputs[0] == -126).all()  # 1/128 = 2/256 above the -128 floor


def test_softmax_int8_output_quantization_checked():
    x = ALL_INT8.reshape(2, 128)
    for oq in ((1 / 256, 0), (1 / 128, -128)):
        check_rejected(single_op_model("SOFTMAX", [q8(x.shape, 0.1, 0)], [q8(x.shape, *oq)]),
                       x, hr.MCU_ERR_PARAMS)


def test_softmax_int8_long_flat_rows():
    # With more than ~512 entries near the row maximum the fixed-point output shift
    # exceeds 31: the reference interpreter aborts on an assertion there. Every
    # probability is then < 1/512, so the correctly rounded output is the lowest step.
    x = np.zeros((2, 1200), np.int8)
    x[0, :4] = [3, -5, -100, 1]
    x[1, :600] = 127
    model = single_op_model("SOFTMAX", [q8(x.shape, 0.05, 0)], [q8(x.shape, 1 / 256, -128)])
    res = hr.run_host(model, [x])
    assert res.ok, res.message
    assert (res.outputs[0] == -128).all()
    # int16 output has room: it matches the reference
    model = single_op_model("SOFTMAX", [q8(x.shape, 0.05, 0)],
                            [q8(x.shape, 1 / 65536, -32768, np.int16)])
    check_exact(model, x)


@pytest.mark.parametrize("beta", [1.0, 0.5, 3.0])
@pytest.mark.parametrize("shape", [(1, 10), (4, 33), (2, 3, 4, 16), (7,)])
def test_softmax_float(shape, beta):
    rng = np.random.default_rng(shape[-1] + int(beta * 10))
    x = (rng.standard_normal(shape) * 4).astype(np.float32)
    x.reshape(-1)[:3] = [-60.0, 0.0, 25.0]
    out = check_close(single_op_model("SOFTMAX", [f32(shape)], [f32(shape)], {"beta": beta}), x)
    np.testing.assert_allclose(out.sum(axis=-1), 1.0, rtol=1e-5)


# --------------------------------------------------------------------------- HARD_SWISH


@pytest.mark.parametrize("oq", QGRID, ids=_qid)
@pytest.mark.parametrize("iq", QGRID, ids=_qid)
def test_hard_swish_int8(iq, oq):
    x = ALL_INT8.reshape(1, 16, 16)
    model = single_op_model("HARD_SWISH", [q8(x.shape, *iq)], [q8(x.shape, *oq)])
    if iq[0] / 128 / oq[0] >= 1.0:  # TFLite requires the output multiplier < 1
        check_rejected(model, x, hr.MCU_ERR_PARAMS)
    else:
        check_exact(model, x)


def test_hard_swish_int8_realistic():
    # MobileNetV3-like quantization: input range ~[-8, 8], output ~[-0.4, 8].
    rng = np.random.default_rng(7)
    x = all_values((1, 8, 8, 12), rng)
    for (si, zi), (so, zo) in (((16 / 255, 0), (8.4 / 255, -115)),
                               ((0.0625, -3), (0.03, -114)), ((0.5, 10), (0.25, -120))):
        check_exact(single_op_model("HARD_SWISH", [q8(x.shape, si, zi)],
                                    [q8(x.shape, so, zo)]), x)


def test_hard_swish_float():
    x = np.concatenate([np.linspace(-8, 8, 1601), [-3.0, 3.0, -0.0, 1e-30, 1e30, -1e30]])
    x = x.astype(np.float32).reshape(1, -1)
    check_exact(single_op_model("HARD_SWISH", [f32(x.shape)], [f32(x.shape)]), x)


# --------------------------------------------------------------------------- LEAKY_RELU

ALPHAS = [0.1, 0.01, 0.2, 0.5, 1.5, 0.0, -0.3]


@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("iq,oq", [(QGRID[i], QGRID[j]) for i in range(len(QGRID))
                                   for j in range(len(QGRID)) if (i + j) % 2 == 0])
def test_leaky_relu_int8(iq, oq, alpha):
    x = ALL_INT8.reshape(4, 64)
    check_exact(single_op_model("LEAKY_RELU", [q8(x.shape, *iq)], [q8(x.shape, *oq)],
                                {"alpha": alpha}), x)


@pytest.mark.parametrize("alpha", [0.1, 0.3, 2.0])
@pytest.mark.parametrize("iq,oq", [((1 / 4096, 0), (1 / 4096, 0)), ((1 / 4096, 0), (1 / 1000, 0)),
                                   ((0.01, 0), (0.003, 0))])
def test_leaky_relu_int16(iq, oq, alpha):
    rng = np.random.default_rng(11)
    x = np.concatenate([np.arange(-32768, 32768, 37), [-32768, -1, 0, 1, 32767]])
    x = x[rng.permutation(x.size)].astype(np.int16).reshape(1, -1)
    check_exact(single_op_model("LEAKY_RELU", [q8(x.shape, *iq, np.int16)],
                                [q8(x.shape, *oq, np.int16)], {"alpha": alpha}), x)


@pytest.mark.parametrize("alpha", [0.2, 0.0, -1.5])
def test_leaky_relu_float(alpha):
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.standard_normal(500) * 10, [0.0, -0.0, 1e-40, -1e-40]])
    x = x.astype(np.float32).reshape(2, -1)
    check_exact(single_op_model("LEAKY_RELU", [f32(x.shape)], [f32(x.shape)], {"alpha": alpha}), x)


# --------------------------------------------------------------------------- RELU / RELU6


@pytest.mark.parametrize("op", ["RELU", "RELU6"])
@pytest.mark.parametrize("oq", QGRID, ids=_qid)
@pytest.mark.parametrize("iq", QGRID, ids=_qid)
def test_relu_int8(op, iq, oq):
    x = ALL_INT8.reshape(1, 2, 2, 64)
    check_exact(single_op_model(op, [q8(x.shape, *iq)], [q8(x.shape, *oq)]), x)


@pytest.mark.parametrize("op", ["RELU", "RELU6"])
@pytest.mark.parametrize("iq,oq", [((0.001, 0), (0.001, 0)), ((0.001, 0), (0.002, 0)),
                                   ((1e-4, 0), (1e-4, 0)), ((0.01, 3), (0.005, -2))])
def test_relu_int16(op, iq, oq):
    x = np.arange(-32768, 32768, 13).astype(np.int16).reshape(1, -1)
    model = single_op_model(op, [q8(x.shape, *iq, np.int16)], [q8(x.shape, *oq, np.int16)])
    if op == "RELU" and (iq[1] or oq[1]):  # int16 RELU must be symmetric (TFLite checks)
        check_rejected(model, x, hr.MCU_ERR_PARAMS)
    else:
        check_exact(model, x)


@pytest.mark.parametrize("op", ["RELU", "RELU6"])
def test_relu_float(op):
    x = np.concatenate([np.linspace(-10, 10, 2001), [6.0, -0.0, 1e30, -1e30]])
    x = x.astype(np.float32).reshape(1, -1)
    check_exact(single_op_model(op, [f32(x.shape)], [f32(x.shape)]), x)


# --------------------------------------------------------------------------- QUANTIZE


def _tie_inputs(rng, scale, n_ties=600, span=200):
    """Floats at and next to the rounding ties k + 0.5 (in units of scale), plus spread
    values and values beyond the type range."""
    s = np.float32(scale)
    k = rng.integers(-span, span, n_ties)
    ties = ((k + 0.5) * np.float64(s)).astype(np.float32)
    near = np.concatenate([ties, np.nextafter(ties, np.float32(np.inf)),
                           np.nextafter(ties, np.float32(-np.inf))])
    spread = (rng.uniform(-1.2, 1.2, 400) * 40000 * np.float64(s)).astype(np.float32)
    return np.concatenate([near, spread, np.float32([0.0, -0.0])]).astype(np.float32)


@pytest.mark.parametrize("out_type", [np.int8, np.int16])
@pytest.mark.parametrize("scale,zp", [(0.1, 0), (0.0123, -128), (1 / 3, 5), (0.7777, 127),
                                      (2.0, -3), (1e-3, 40)])
def test_quantize_float(scale, zp, out_type):
    rng = np.random.default_rng(int(scale * 1000) + zp + 128)
    x = _tie_inputs(rng, scale).reshape(1, -1)
    check_exact(single_op_model("QUANTIZE", [f32(x.shape)], [q8(x.shape, scale, zp, out_type)]), x)


def test_quantize_float_out_of_range_saturates():
    # TFLite converts x / scale to int32 with the host CPU's conversion, which on x86
    # turns NaN and |x / scale| >= 2^31 into INT32_MIN (so +inf -> -128). We saturate by
    # sign instead (+inf -> 127, -inf -> -128) and map NaN to the zero point.
    x = np.float32([np.inf, -np.inf, 3e9, -3e9, np.nan, 1.0]).reshape(1, -1)
    model = single_op_model("QUANTIZE", [f32(x.shape)], [q8(x.shape, 1.0, 5)])
    res = hr.run_host(model, [x])
    assert res.ok, res.message
    assert res.outputs[0].tolist() == [[127, -128, 127, -128, 5, 6]]


REQUANT_TYPES = [(np.int8, np.int8), (np.int8, np.uint8), (np.uint8, np.int8),
                 (np.int8, np.int16), (np.int8, np.int32), (np.int16, np.int8),
                 (np.int16, np.int16), (np.int16, np.int32)]


def _zp_for(dtype, rng):
    if dtype == np.int8:
        return int(rng.integers(-128, 128))
    if dtype == np.uint8:
        return int(rng.integers(0, 256))
    return 0 if rng.random() < 0.5 else int(rng.integers(-50, 50))


@pytest.mark.parametrize("ratio", [1.0, 0.5, 2.0, 0.37, 3.3, 1 / 300, 117.0])
@pytest.mark.parametrize("tin,tout", REQUANT_TYPES, ids=lambda t: np.dtype(t).name)
def test_quantize_requantize(tin, tout, ratio):
    rng = np.random.default_rng(int(ratio * 1000) + np.dtype(tin).itemsize * 7)
    if np.dtype(tin).itemsize == 1:
        x = all_values((2, 256), rng, tin)
    else:
        x = np.concatenate([np.arange(-32768, 32768, 61), [-32768, 32767, 0]])
        x = x.astype(np.int16).reshape(1, -1)
    in_scale = 0.0371
    model = single_op_model("QUANTIZE", [q8(x.shape, in_scale, _zp_for(tin, rng), tin)],
                            [q8(x.shape, in_scale / ratio, _zp_for(tout, rng), tout)])
    check_exact(model, x)


# --------------------------------------------------------------------------- DEQUANTIZE


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16])
@pytest.mark.parametrize("scale,zp", [(0.1, 0), (0.0123, -7), (1 / 3, 100), (2.5e-5, 1),
                                      (17.3, 0)])
def test_dequantize(dtype, scale, zp):
    rng = np.random.default_rng(5)
    if dtype == np.uint8:
        zp = abs(zp)
    if np.dtype(dtype).itemsize == 1:
        x = all_values((1, 2, 256), rng, dtype)
    else:
        x = np.arange(-32768, 32768, 7).astype(np.int16).reshape(1, 1, -1)
    check_exact(single_op_model("DEQUANTIZE", [q8(x.shape, scale, zp, dtype)],
                                [f32(x.shape)]), x)


def test_dequantize_per_channel_refused():
    # The reference silently uses the first channel's scale; we refuse instead.
    x = ALL_INT8.reshape(2, 128)
    model = single_op_model("DEQUANTIZE", [TensorSpec(x.shape, np.int8, scale=[0.1, 0.2],
                                                      zero_point=[0, 0],
                                                      quantized_dimension=0)],
                            [f32(x.shape)])
    msg = check_rejected(model, x, hr.MCU_ERR_UNSUPPORTED_TYPE, ref_rejects=False)
    assert "per-channel" in msg


# --------------------------------------------------------------------------- float LOGISTIC / TANH


def test_logistic_float():
    x = np.concatenate([np.linspace(-30, 30, 3001), [-9.0, -8.99, 16.6, 16.62, 0.0, 1e-8,
                                                     -1e-8, 88.0, -88.0, -105.0]])
    x = x.astype(np.float32).reshape(1, -1)
    check_close(single_op_model("LOGISTIC", [f32(x.shape)], [f32(x.shape)]), x)


def test_tanh_float():
    rng = np.random.default_rng(2)
    x = np.concatenate([np.linspace(-12, 12, 2401), rng.uniform(-0.01, 0.01, 200),
                        [0.0, 1e-6, -1e-6, 9.0, 9.2, -9.2, 0.34, 0.35, 50.0]])
    x = x.astype(np.float32).reshape(1, -1)
    check_close(single_op_model("TANH", [f32(x.shape)], [f32(x.shape)]), x)


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("op,tin,tout", [
    ("SOFTMAX", np.int16, np.int16),  # TFLite's int16 softmax (LUT based) is not built
    ("LOGISTIC", np.int16, np.int16),
    ("TANH", np.int16, np.int16),
    ("HARD_SWISH", np.int8, np.uint8),
    ("RELU", np.int8, np.int16),
    ("RELU6", np.int8, np.float32),
    ("QUANTIZE", np.float32, np.uint8),
    ("QUANTIZE", np.uint8, np.uint8),
    ("DEQUANTIZE", np.int32, np.float32),
])
def test_unsupported_type_combinations(op, tin, tout):
    shape = (1, 8)

    def spec(t):
        return f32(shape) if t == np.float32 else q8(shape, 1 / 32768, 0, t)

    x = np.zeros(shape, tin)
    res = hr.run_host(single_op_model(op, [spec(tin)], [spec(tout)]), [x])
    assert res.status == hr.MCU_ERR_UNSUPPORTED_TYPE, (res.status, res.message)
    assert op in res.message


# --------------------------------------------------------------------------- on the simulated core


def _sim_cases():
    x = ALL_INT8.reshape(2, 128)
    rng = np.random.default_rng(0)
    xf = (rng.standard_normal(x.shape) * 5).astype(np.float32)

    def q(s, z, d=np.int8):
        return TensorSpec(x.shape, d, scale=s, zero_point=z)

    f = f32(x.shape)
    return {
        "softmax_s8": (single_op_model("SOFTMAX", [q(0.1, 3)], [q(1 / 256, -128)]), x),
        "logistic_s8": (single_op_model("LOGISTIC", [q(0.06, 3)], [q(1 / 256, -128)]), x),
        "tanh_s8": (single_op_model("TANH", [q(0.03, -3)], [q(1 / 128, 0)]), x),
        "hard_swish_s8": (single_op_model("HARD_SWISH", [q(0.05, 3)], [q(0.03, -100)]), x),
        "quantize_f32": (single_op_model("QUANTIZE", [f], [q(0.05, 3)]), xf),
        "softmax_f32": (single_op_model("SOFTMAX", [f], [f], {"beta": 1.0}), xf),
    }


@pytest.mark.parametrize("core", ["cortex-m0plus", "cortex-m4f"])
@pytest.mark.parametrize("name", list(_sim_cases()))
def test_on_simulated_core(name, core):
    """The cross-compiled firmware (soft-float M0+, FPU M4F) gives the same results."""
    runner = pytest.importorskip("mcusim.runner")
    model, x = _sim_cases()[name]
    ref = run_reference(model, [x])[0]
    out = runner.run_model(model, core, [x]).outputs[0]
    if out.dtype.kind == "f" and name.startswith("softmax"):
        np.testing.assert_allclose(out, ref, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)
    else:
        np.testing.assert_array_equal(out, ref)


# --------------------------------------------------------------------------- damaged models


def _fuzz_models():
    def q(s, z, d=np.int8, sh=(2, 32)):
        return TensorSpec(sh, d, scale=s, zero_point=z)

    f = f32((2, 32))
    return {
        "softmax_s8": single_op_model("SOFTMAX", [q(0.1, 3)], [q(1 / 256, -128)]),
        "softmax_s16": single_op_model("SOFTMAX", [q(0.1, 3)], [q(1 / 65536, -32768, np.int16)]),
        "softmax_f32": single_op_model("SOFTMAX", [f], [f], {"beta": 0.5}),
        "logistic_s8": single_op_model("LOGISTIC", [q(0.1, 3)], [q(1 / 256, -128)]),
        "tanh_s8": single_op_model("TANH", [q(0.1, 3)], [q(1 / 128, 0)]),
        "tanh_f32": single_op_model("TANH", [f], [f]),
        "hard_swish_s8": single_op_model("HARD_SWISH", [q(0.05, 3)], [q(0.03, -100)]),
        "leaky_relu_s8": single_op_model("LEAKY_RELU", [q(0.05, 3)], [q(0.03, -100)],
                                         {"alpha": 0.2}),
        "leaky_relu_s16": single_op_model("LEAKY_RELU", [q(0.05, 0, np.int16)],
                                          [q(0.03, 0, np.int16)], {"alpha": 0.2}),
        "relu_s8": single_op_model("RELU", [q(0.05, 3)], [q(0.03, -100)]),
        "relu6_s8": single_op_model("RELU6", [q(0.05, 3)], [q(0.05, 3)]),
        "quantize_f32": single_op_model("QUANTIZE", [f], [q(0.05, 3)]),
        "requantize": single_op_model("QUANTIZE", [q(0.05, 3)], [q(0.03, -3)]),
        "requantize_s16_s32": single_op_model("QUANTIZE", [q(0.05, 3, np.int16)],
                                              [q(0.03, 0, np.int32)]),
        "dequantize_u8": single_op_model("DEQUANTIZE", [q(0.05, 3, np.uint8)], [f]),
    }


@pytest.mark.parametrize("name", list(_fuzz_models()))
def test_damaged_models_sanitized(name):
    """Bit flips / overwritten words in the model (scales, zero points, options, shapes)
    must give an error status or run cleanly under ASan+UBSan, signed overflow
    included: the glue must refuse, or the kernels tolerate, any parameter values."""
    model = _fuzz_models()[name]
    seed = sum(name.encode())
    r = hr.fuzz_host(model, seed=seed, count=300, invoke=True, kernel_overflow_ok=False)
    assert r.returncode == 0, r.stderr
    assert sum(r.init.values()) == 300
    assert r.init.get(0, 0) > 0  # some damaged models still load and run


# --------------------------------------------------------------------------- mcu_math


@pytest.fixture(scope="module")
def mcu_math_lib(tmp_path_factory):
    cc = os.environ.get("MCUSIM_HOST_CC", "gcc")
    if shutil.which(cc) is None:
        pytest.skip(f"no host compiler {cc}")
    so = tmp_path_factory.mktemp("mcu_math") / "libmcu_math.so"
    subprocess.run([cc, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
                    f"-I{KERNELS / 'include'}", str(KERNELS / "reference" / "mcu_math.c"),
                    "-o", str(so)], check=True, capture_output=True)
    lib = ctypes.CDLL(str(so))
    for name in ("mcu_expf", "mcu_expm1f", "mcu_tanhf"):
        fn = getattr(lib, name)
        fn.restype = ctypes.c_float
        fn.argtypes = [ctypes.c_float]
    return lib


def _max_ulp(fn, ref, xs):
    worst = 0.0
    for x in xs:
        x = float(np.float32(x))
        r = ref(x)
        if r == 0.0 or math.isinf(r):
            continue
        ulp = float(np.spacing(np.float32(abs(r))))
        worst = max(worst, abs(fn(x) - r) / ulp)
    return worst


def test_mcu_math_accuracy(mcu_math_lib):
    """The accuracy claims in kernels/include/mcu_math.h."""
    rng = np.random.default_rng(0)
    lib = mcu_math_lib
    xs = np.concatenate([rng.uniform(-87, 88.7, 4000), rng.uniform(-1, 1, 4000),
                         rng.uniform(-0.01, 0.01, 1000)])
    assert _max_ulp(lib.mcu_expf, math.exp, xs) <= 1.0
    assert _max_ulp(lib.mcu_expm1f, math.expm1, xs[xs < 80]) <= 3.5
    xt = np.concatenate([rng.uniform(-10, 10, 4000), rng.uniform(-0.6, 0.6, 4000),
                         rng.uniform(-1e-3, 1e-3, 1000)])
    assert _max_ulp(lib.mcu_tanhf, math.tanh, xt) <= 3.0
    assert lib.mcu_expf(0.0) == 1.0
    assert math.isinf(lib.mcu_expf(89.0)) and lib.mcu_expf(-200.0) == 0.0
    assert lib.mcu_tanhf(20.0) == 1.0 and lib.mcu_tanhf(-20.0) == -1.0
    assert math.isnan(lib.mcu_expf(float("nan"))) and math.isnan(lib.mcu_tanhf(float("nan")))
    # subnormal results keep their relative accuracy to within the subnormal spacing
    for x in (-88.0, -95.0, -100.0, -103.5):
        assert abs(lib.mcu_expf(x) - math.exp(x)) <= 1.5 * 2.0 ** -149


# --------------------------------------------------------------------------- build hygiene


def test_sources_compile_warning_free_host():
    cc = os.environ.get("MCUSIM_HOST_CC", "gcc")
    if shutil.which(cc) is None:
        pytest.skip(f"no host compiler {cc}")
    with tempfile.TemporaryDirectory() as td:
        for src in MY_SOURCES:
            r = subprocess.run([cc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-O2", "-DMCU_HOST",
                                f"-I{KERNELS / 'include'}", "-c", str(src), "-o",
                                str(Path(td) / (src.parent.name + "_" + src.stem + ".o"))],
                               capture_output=True, text=True)
            assert r.returncode == 0, f"{src.name}:\n{r.stderr}"


@pytest.mark.parametrize("target,cpu", [("thumb-freestanding-eabi", "cortex_m0plus"),
                                        ("thumb-freestanding-eabihf", "cortex_m4+vfp4d16sp")])
def test_sources_compile_warning_free_cortex_m(target, cpu):
    pytest.importorskip("ziglang")
    with tempfile.TemporaryDirectory() as td:
        r = subprocess.run([sys.executable, "-m", "ziglang", "cc", "-target", target,
                            f"-mcpu={cpu}", "-std=c99", "-Wall", "-Wextra", "-Werror", "-O2",
                            "-ffreestanding", f"-I{KERNELS / 'include'}", "-c",
                            *map(str, MY_SOURCES)], capture_output=True, text=True, cwd=td)
        assert r.returncode == 0, r.stderr
