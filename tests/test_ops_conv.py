"""Conformance of the convolution / matrix / pooling family against the tflite-micro
reference interpreter: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, AVERAGE_POOL_2D,
MAX_POOL_2D.

Every case is a single-operator model (mcusim.modelgen) run once through the host build
of our runtime (host_runtime.run_host) and once through the reference interpreter.
int8 outputs must be bit-exact; float32 outputs must satisfy

    |ours - ref| <= FLOAT_ATOL + FLOAT_RTOL * |ref|      (FLOAT_RTOL = FLOAT_ATOL = 1e-5)

(our float kernels accumulate in the reference's order, so in practice they match
exactly on the host; the tolerance allows for FMA contraction on cores with an FPU).

Cases are generated from seeded numpy RNGs: shapes, strides, dilations, paddings,
fused activations, per-tensor vs per-channel weights, optional bias, batch > 1 and
edge inputs (-128 / 127, extreme zero points).

Known reference quirks these tests work around:
* the reference DEPTHWISE_CONV_2D dereferences a missing bias (it crashes), so a
  bias-less depthwise case is compared with the reference run of the same model with
  an all-zero bias;
* the reference uses the depth_multiplier *option* rather than the shapes; modelgen
  writes the consistent value, and our prepare() rejects a disagreeing option.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

import host_runtime as hr
from mcusim.modelgen import TensorSpec, run_reference, single_op_model

FLOAT_RTOL = 1e-5
FLOAT_ATOL = 1e-5

ACTS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]


@dataclasses.dataclass
class Case:
    name: str
    op: str
    inputs: list  # TensorSpec | None
    output: TensorSpec
    options: dict
    feeds: list  # np.ndarray per non-constant input
    ref_inputs: list | None = None  # inputs for the reference model, when different

    def model(self) -> bytes:
        return single_op_model(self.op, self.inputs, [self.output], self.options)

    def ref_model(self) -> bytes:
        if self.ref_inputs is None:
            return self.model()
        return single_op_model(self.op, self.ref_inputs, [self.output], self.options)


# --------------------------------------------------------------------------- helpers


def _out_size(padding: str, n: int, k: int, s: int, d: int) -> int:
    eff = (k - 1) * d + 1
    return (n + s - 1) // s if padding == "SAME" else (n - eff + s) // s


def _int8_input(rng, shape, mode="random"):
    if mode == "min":
        return np.full(shape, -128, np.int8)
    if mode == "max":
        return np.full(shape, 127, np.int8)
    if mode == "extremes":
        return rng.choice(np.array([-128, 127], np.int8), size=shape)
    return rng.integers(-128, 128, size=shape).astype(np.int8)


def _zero_point(rng, mode="random"):
    if mode in ("min", "max", "extremes"):
        return int(rng.choice([-128, 127]))
    return int(rng.integers(-128, 128))


def _scale(rng, lo=0.002, hi=0.2):
    return float(np.float32(np.exp(rng.uniform(np.log(lo), np.log(hi)))))


def _act_quant(rng, act):
    """Output (scale, zero point) as a converter would pick them for a fused activation,
    so the clamp range spans most of int8; random for NONE."""
    if act == "RELU":
        return _scale(rng), int(rng.integers(-128, -99))
    if act == "RELU6":
        return float(np.float32(6.0 / 255.0 * rng.uniform(0.9, 1.4))), int(rng.integers(-128, -109))
    if act == "RELU_N1_TO_1":
        return float(np.float32(2.0 / 255.0 * rng.uniform(0.9, 1.4))), int(rng.integers(-10, 11))
    return _scale(rng), _zero_point(rng)


def _quant_for_acc(rng, act, w_scale, k, spread=40.0):
    """(input scale, output scale, output zero point) such that the accumulator's typical
    size (k terms of |x - zp| ~ 100 times |w| ~ 70) maps to about +-spread output steps:
    outputs use the range and some saturate."""
    so, zo = _act_quant(rng, act)
    real = spread / (100.0 * 70.0 * np.sqrt(k)) * np.exp(rng.uniform(-0.7, 0.7))
    si = float(np.float32(real * so / float(np.mean(w_scale))))
    return si, so, zo


def _weights(rng, shape, n_channels, per_channel):
    w = rng.integers(-127, 128, size=shape).astype(np.int8)
    if per_channel:
        scales = [_scale(rng, 0.001, 0.05) for _ in range(n_channels)]
        return w, scales
    return w, _scale(rng, 0.001, 0.05)


def _bias(rng, n, in_scale, w_scale, k):
    mag = int(100 * 70 * np.sqrt(k))
    b = rng.integers(-mag, mag + 1, size=n).astype(np.int32)
    ws = np.atleast_1d(np.asarray(w_scale, np.float64))
    scale = [float(in_scale) * float(s) for s in ws] if ws.size > 1 else float(in_scale) * float(ws[0])
    return TensorSpec((n,), np.int32, data=b, scale=scale, zero_point=0)


# --------------------------------------------------------------------------- CONV_2D


def conv_case(rng, name, *, batch=1, h=6, w=6, in_c=3, out_c=4, kh=3, kw=3, stride=(1, 1),
              dil=(1, 1), padding="SAME", act="NONE", per_channel=True, bias=True,
              groups=1, mode="random", dtype="int8") -> Case:
    sh, sw = stride
    dh, dw = dil
    oh, ow = _out_size(padding, h, kh, sh, dh), _out_size(padding, w, kw, sw, dw)
    assert oh > 0 and ow > 0, name
    fic = in_c // groups
    opts = {"padding": padding, "stride_h": sh, "stride_w": sw, "dilation_h_factor": dh,
            "dilation_w_factor": dw, "fused_activation_function": act}
    if dtype == "float32":
        x = TensorSpec((batch, h, w, in_c), np.float32)
        f = TensorSpec(None, np.float32, data=rng.uniform(-1, 1, (out_c, kh, kw, fic)))
        b = TensorSpec(None, np.float32, data=rng.uniform(-1, 1, out_c)) if bias else None
        y = TensorSpec((batch, oh, ow, out_c), np.float32)
        feed = rng.uniform(-1, 1, (batch, h, w, in_c)).astype(np.float32)
        return Case(name, "CONV_2D", [x, f, b], y, opts, [feed])
    zi = _zero_point(rng, mode)
    wq, ws = _weights(rng, (out_c, kh, kw, fic), out_c, per_channel)
    k = kh * kw * fic
    si, so, zo = _quant_for_acc(rng, act, ws, k)
    x = TensorSpec((batch, h, w, in_c), np.int8, scale=si, zero_point=zi)
    f = TensorSpec(None, np.int8, data=wq, scale=ws, zero_point=0, quantized_dimension=0)
    b = _bias(rng, out_c, si, ws, k) if bias else None
    y = TensorSpec((batch, oh, ow, out_c), np.int8, scale=so, zero_point=zo)
    feed = _int8_input(rng, (batch, h, w, in_c), mode)
    return Case(name, "CONV_2D", [x, f, b], y, opts, [feed])


def conv_cases(dtype):
    rng = np.random.default_rng(1001 if dtype == "int8" else 2001)
    cases = [
        conv_case(rng, "3x3_same", dtype=dtype),
        conv_case(rng, "3x3_valid", padding="VALID", dtype=dtype),
        conv_case(rng, "1x1", kh=1, kw=1, in_c=8, out_c=8, dtype=dtype),
        conv_case(rng, "1x1_stride2", kh=1, kw=1, h=7, w=7, stride=(2, 2), dtype=dtype),
        conv_case(rng, "5x5_stride2_same", h=9, w=8, kh=5, kw=5, stride=(2, 2), dtype=dtype),
        conv_case(rng, "stride3_valid", h=10, w=11, stride=(3, 3), padding="VALID", dtype=dtype),
        conv_case(rng, "stride_2x1", h=8, w=5, stride=(2, 1), dtype=dtype),
        conv_case(rng, "rect_10x4_s2_kws", h=13, w=10, in_c=1, out_c=8, kh=10, kw=4,
                  stride=(2, 2), padding="SAME", act="RELU", dtype=dtype),
        conv_case(rng, "dilation2_same", h=9, w=9, dil=(2, 2), dtype=dtype),
        conv_case(rng, "dilation_3x2_valid", h=11, w=10, dil=(3, 2), padding="VALID", dtype=dtype),
        conv_case(rng, "dilation2_stride2", h=12, w=12, dil=(2, 2), stride=(2, 2), dtype=dtype),
        conv_case(rng, "relu", act="RELU", dtype=dtype),
        conv_case(rng, "relu6", act="RELU6", dtype=dtype),
        conv_case(rng, "relu_n1_to_1", act="RELU_N1_TO_1", dtype=dtype),
        conv_case(rng, "per_tensor", per_channel=False, dtype=dtype),
        conv_case(rng, "per_tensor_relu6", per_channel=False, act="RELU6", dtype=dtype),
        conv_case(rng, "no_bias", bias=False, dtype=dtype),
        conv_case(rng, "batch3", batch=3, h=5, w=4, dtype=dtype),
        conv_case(rng, "batch2_valid_s2", batch=2, h=7, w=7, stride=(2, 2), padding="VALID",
                  dtype=dtype),
        conv_case(rng, "in_c1", in_c=1, out_c=6, dtype=dtype),
        conv_case(rng, "out_c1", out_c=1, in_c=5, dtype=dtype),
        conv_case(rng, "filter_larger_than_input_same", h=3, w=3, kh=5, kw=5, dtype=dtype),
        conv_case(rng, "1x1_input", h=1, w=1, kh=1, kw=1, in_c=16, out_c=10, dtype=dtype),
        conv_case(rng, "1x7", h=4, w=12, kh=1, kw=7, dtype=dtype),
        conv_case(rng, "grouped_2", in_c=4, out_c=6, groups=2, dtype=dtype),
        conv_case(rng, "grouped_3_s2", h=8, w=8, in_c=6, out_c=9, groups=3, stride=(2, 2),
                  dtype=dtype),
        conv_case(rng, "resnet_like_3x3_16", h=8, w=8, in_c=16, out_c=16, act="RELU", dtype=dtype),
        conv_case(rng, "vww_like_stem", h=12, w=12, in_c=3, out_c=8, stride=(2, 2), act="RELU6",
                  dtype=dtype),
    ]
    if dtype == "int8":
        cases += [
            conv_case(rng, "input_all_min", mode="min"),
            conv_case(rng, "input_all_max", mode="max", act="RELU"),
            conv_case(rng, "input_extremes", mode="extremes", in_c=8, out_c=8),
            conv_case(rng, "input_extremes_per_tensor", mode="extremes", per_channel=False),
            conv_case(rng, "input_extremes_valid_s2", mode="extremes", h=9, w=9, stride=(2, 2),
                      padding="VALID"),
        ]
    # random sweep
    for i in range(12 if dtype == "int8" else 6):
        kh, kw = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        dh, dw = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        sh, sw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        padding = str(rng.choice(["SAME", "VALID"]))
        h = int(rng.integers((kh - 1) * dh + 1, 13))
        w = int(rng.integers((kw - 1) * dw + 1, 13))
        groups = int(rng.choice([1, 1, 1, 2]))
        in_c = groups * int(rng.integers(1, 7))
        out_c = groups * int(rng.integers(1, 6))
        cases.append(conv_case(
            rng, f"random{i}", batch=int(rng.integers(1, 3)), h=h, w=w, in_c=in_c, out_c=out_c,
            kh=kh, kw=kw, stride=(sh, sw), dil=(dh, dw), padding=padding,
            act=str(rng.choice(ACTS)), per_channel=bool(rng.integers(0, 2)),
            bias=bool(rng.integers(0, 4)), groups=groups, dtype=dtype))
    return cases


# --------------------------------------------------------------------------- DEPTHWISE_CONV_2D


def dw_case(rng, name, *, batch=1, h=6, w=6, in_c=4, mult=1, kh=3, kw=3, stride=(1, 1),
            dil=(1, 1), padding="SAME", act="NONE", per_channel=True, bias=True,
            mode="random", dtype="int8") -> Case:
    sh, sw = stride
    dh, dw = dil
    oh, ow = _out_size(padding, h, kh, sh, dh), _out_size(padding, w, kw, sw, dw)
    assert oh > 0 and ow > 0, name
    out_c = in_c * mult
    opts = {"padding": padding, "stride_h": sh, "stride_w": sw, "dilation_h_factor": dh,
            "dilation_w_factor": dw, "fused_activation_function": act, "depth_multiplier": mult}
    if dtype == "float32":
        x = TensorSpec((batch, h, w, in_c), np.float32)
        f = TensorSpec(None, np.float32, data=rng.uniform(-1, 1, (1, kh, kw, out_c)))
        b = TensorSpec(None, np.float32, data=rng.uniform(-1, 1, out_c))
        y = TensorSpec((batch, oh, ow, out_c), np.float32)
        feed = rng.uniform(-1, 1, (batch, h, w, in_c)).astype(np.float32)
        if bias:
            return Case(name, "DEPTHWISE_CONV_2D", [x, f, b], y, opts, [feed])
        zero_b = b.with_(data=np.zeros(out_c, np.float32))
        return Case(name, "DEPTHWISE_CONV_2D", [x, f, None], y, opts, [feed], [x, f, zero_b])
    zi = _zero_point(rng, mode)
    wq, ws = _weights(rng, (1, kh, kw, out_c), out_c, per_channel)
    k = kh * kw
    si, so, zo = _quant_for_acc(rng, act, ws, k)
    x = TensorSpec((batch, h, w, in_c), np.int8, scale=si, zero_point=zi)
    f = TensorSpec(None, np.int8, data=wq, scale=ws, zero_point=0, quantized_dimension=3)
    b = _bias(rng, out_c, si, ws, k)
    y = TensorSpec((batch, oh, ow, out_c), np.int8, scale=so, zero_point=zo)
    feed = _int8_input(rng, (batch, h, w, in_c), mode)
    if bias:
        return Case(name, "DEPTHWISE_CONV_2D", [x, f, b], y, opts, [feed])
    zero_b = b.with_(data=np.zeros(out_c, np.int32))
    return Case(name, "DEPTHWISE_CONV_2D", [x, f, None], y, opts, [feed], [x, f, zero_b])


def dw_cases(dtype):
    rng = np.random.default_rng(1002 if dtype == "int8" else 2002)
    cases = [
        dw_case(rng, "3x3_same", dtype=dtype),
        dw_case(rng, "3x3_valid", padding="VALID", dtype=dtype),
        dw_case(rng, "mult2", mult=2, dtype=dtype),
        dw_case(rng, "mult3_in1", in_c=1, mult=3, dtype=dtype),
        dw_case(rng, "stride2_same", h=9, w=9, stride=(2, 2), dtype=dtype),
        dw_case(rng, "stride2_valid", h=9, w=8, stride=(2, 2), padding="VALID", dtype=dtype),
        dw_case(rng, "stride_1x3", h=6, w=10, stride=(1, 3), dtype=dtype),
        dw_case(rng, "5x5", h=8, w=8, kh=5, kw=5, dtype=dtype),
        dw_case(rng, "3x1", kh=3, kw=1, dtype=dtype),
        dw_case(rng, "dilation2", h=9, w=9, dil=(2, 2), dtype=dtype),
        dw_case(rng, "dilation_2x3_valid", h=10, w=12, dil=(2, 3), padding="VALID", dtype=dtype),
        dw_case(rng, "relu", act="RELU", dtype=dtype),
        dw_case(rng, "relu6", act="RELU6", dtype=dtype),
        dw_case(rng, "relu_n1_to_1", act="RELU_N1_TO_1", dtype=dtype),
        dw_case(rng, "per_tensor", per_channel=False, dtype=dtype),
        dw_case(rng, "per_tensor_mult2_relu6", per_channel=False, mult=2, act="RELU6", dtype=dtype),
        dw_case(rng, "no_bias", bias=False, dtype=dtype),
        dw_case(rng, "batch2", batch=2, dtype=dtype),
        dw_case(rng, "batch3_stride2_mult2", batch=3, h=7, w=7, stride=(2, 2), mult=2, dtype=dtype),
        dw_case(rng, "wide_64ch_kws_like", h=5, w=5, in_c=64, act="RELU", dtype=dtype),
        dw_case(rng, "1x1_input", h=1, w=1, in_c=8, dtype=dtype),
        dw_case(rng, "filter_larger_than_input_same", h=2, w=2, kh=3, kw=3, dtype=dtype),
    ]
    if dtype == "int8":
        cases += [
            dw_case(rng, "input_all_min", mode="min"),
            dw_case(rng, "input_all_max", mode="max", act="RELU6"),
            dw_case(rng, "input_extremes", mode="extremes", mult=2),
            dw_case(rng, "input_extremes_per_tensor", mode="extremes", per_channel=False),
        ]
    for i in range(10 if dtype == "int8" else 5):
        kh, kw = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        dh, dw = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        sh, sw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        h = int(rng.integers((kh - 1) * dh + 1, 13))
        w = int(rng.integers((kw - 1) * dw + 1, 13))
        cases.append(dw_case(
            rng, f"random{i}", batch=int(rng.integers(1, 3)), h=h, w=w,
            in_c=int(rng.integers(1, 9)), mult=int(rng.choice([1, 1, 2, 3])), kh=kh, kw=kw,
            stride=(sh, sw), dil=(dh, dw), padding=str(rng.choice(["SAME", "VALID"])),
            act=str(rng.choice(ACTS)), per_channel=bool(rng.integers(0, 2)),
            bias=bool(rng.integers(0, 4)), dtype=dtype))
    return cases


# --------------------------------------------------------------------------- FULLY_CONNECTED


def fc_case(rng, name, *, in_shape=(1, 16), units=8, per_channel=False, bias=True,
            keep_num_dims=False, act="NONE", w_zero_point=0, mode="random",
            dtype="int8") -> Case:
    depth = in_shape[-1]
    batches = int(np.prod(in_shape)) // depth
    out_shape = tuple(in_shape[:-1]) + (units,) if keep_num_dims else (batches, units)
    opts = {"fused_activation_function": act, "keep_num_dims": keep_num_dims}
    if dtype == "float32":
        x = TensorSpec(in_shape, np.float32)
        f = TensorSpec(None, np.float32, data=rng.uniform(-1, 1, (units, depth)))
        b = TensorSpec(None, np.float32, data=rng.uniform(-1, 1, units)) if bias else None
        y = TensorSpec(out_shape, np.float32)
        return Case(name, "FULLY_CONNECTED", [x, f, b], y, opts,
                    [rng.uniform(-1, 1, in_shape).astype(np.float32)])
    zi = _zero_point(rng, mode)
    wq, ws = _weights(rng, (units, depth), units, per_channel)
    si, so, zo = _quant_for_acc(rng, act, ws, depth)
    x = TensorSpec(in_shape, np.int8, scale=si, zero_point=zi)
    f = TensorSpec(None, np.int8, data=wq, scale=ws, zero_point=w_zero_point,
                   quantized_dimension=0)
    b = _bias(rng, units, si, ws, depth) if bias else None
    y = TensorSpec(out_shape, np.int8, scale=so, zero_point=zo)
    return Case(name, "FULLY_CONNECTED", [x, f, b], y, opts, [_int8_input(rng, in_shape, mode)])


def fc_cases(dtype):
    rng = np.random.default_rng(1003 if dtype == "int8" else 2003)
    cases = [
        fc_case(rng, "basic", dtype=dtype),
        fc_case(rng, "batch4", in_shape=(4, 20), units=5, dtype=dtype),
        fc_case(rng, "no_bias", bias=False, dtype=dtype),
        fc_case(rng, "no_bias_batch3", in_shape=(3, 7), bias=False, dtype=dtype),
        fc_case(rng, "relu", act="RELU", dtype=dtype),
        fc_case(rng, "relu6", act="RELU6", dtype=dtype),
        fc_case(rng, "relu_n1_to_1", act="RELU_N1_TO_1", dtype=dtype),
        fc_case(rng, "input_4d_flattened", in_shape=(1, 2, 3, 8), units=6, dtype=dtype),
        fc_case(rng, "input_3d_rows", in_shape=(2, 3, 8), units=4, dtype=dtype),
        fc_case(rng, "keep_num_dims_3d", in_shape=(2, 3, 8), units=4, keep_num_dims=True,
                dtype=dtype),
        fc_case(rng, "keep_num_dims_2d", in_shape=(3, 5), units=7, keep_num_dims=True,
                dtype=dtype),
        fc_case(rng, "depth1", in_shape=(4, 1), units=3, dtype=dtype),
        fc_case(rng, "units1", in_shape=(2, 33), units=1, dtype=dtype),
        fc_case(rng, "ad01_like_640x128", in_shape=(1, 640), units=128, act="RELU", dtype=dtype),
        fc_case(rng, "kws_like_64x12", in_shape=(1, 64), units=12, dtype=dtype),
    ]
    if dtype == "int8":
        cases += [
            fc_case(rng, "per_channel", per_channel=True),
            fc_case(rng, "per_channel_batch3_relu", in_shape=(3, 24), units=10, per_channel=True,
                    act="RELU"),
            fc_case(rng, "per_channel_no_bias", per_channel=True, bias=False),
            fc_case(rng, "weights_zero_point", w_zero_point=7),
            fc_case(rng, "weights_zero_point_negative", w_zero_point=-11, in_shape=(2, 10)),
            fc_case(rng, "input_all_min", mode="min"),
            fc_case(rng, "input_all_max", mode="max"),
            fc_case(rng, "input_extremes", mode="extremes", in_shape=(2, 40)),
            fc_case(rng, "input_extremes_per_channel", mode="extremes", per_channel=True),
        ]
    for i in range(8 if dtype == "int8" else 4):
        nd = int(rng.integers(2, 5))
        in_shape = tuple(int(v) for v in rng.integers(1, 5, size=nd - 1)) + (int(rng.integers(1, 50)),)
        cases.append(fc_case(
            rng, f"random{i}", in_shape=in_shape, units=int(rng.integers(1, 20)),
            per_channel=dtype == "int8" and bool(rng.integers(0, 2)),
            bias=bool(rng.integers(0, 4)), keep_num_dims=bool(rng.integers(0, 2)),
            act=str(rng.choice(ACTS)), dtype=dtype))
    return cases


# --------------------------------------------------------------------------- pooling


def pool_case(rng, op, name, *, batch=1, h=6, w=6, c=3, fh=2, fw=2, stride=(2, 2),
              padding="VALID", act="NONE", mode="random", dtype="int8") -> Case:
    sh, sw = stride
    oh, ow = _out_size(padding, h, fh, sh, 1), _out_size(padding, w, fw, sw, 1)
    assert oh > 0 and ow > 0, name
    opts = {"padding": padding, "stride_h": sh, "stride_w": sw, "filter_height": fh,
            "filter_width": fw, "fused_activation_function": act}
    if dtype == "float32":
        x = TensorSpec((batch, h, w, c), np.float32)
        y = TensorSpec((batch, oh, ow, c), np.float32)
        # a few values beyond +-6 so RELU6 clamps
        feed = rng.uniform(-8, 8, (batch, h, w, c)).astype(np.float32)
        return Case(name, op, [x], y, opts, [feed])
    s, z = _act_quant(rng, act)
    if act == "NONE":
        z = _zero_point(rng, mode)
    x = TensorSpec((batch, h, w, c), np.int8, scale=s, zero_point=z)
    y = TensorSpec((batch, oh, ow, c), np.int8, scale=s, zero_point=z)
    return Case(name, op, [x], y, opts, [_int8_input(rng, (batch, h, w, c), mode)])


def pool_cases(op, dtype):
    rng = np.random.default_rng((1004 if dtype == "int8" else 2004) + (op == "MAX_POOL_2D"))
    P = lambda name, **kw: pool_case(rng, op, name, dtype=dtype, **kw)  # noqa: E731
    cases = [
        P("2x2_s2_valid"),
        P("2x2_s2_same_odd", h=7, w=5, padding="SAME"),
        P("3x3_s1_same", fh=3, fw=3, stride=(1, 1), padding="SAME"),
        P("3x3_s2_same", h=9, w=8, fh=3, fw=3, padding="SAME"),
        P("3x3_s2_valid", h=9, w=8, fh=3, fw=3),
        P("global_kws_like", h=13, w=5, c=16, fh=13, fw=5, stride=(1, 1)),
        P("global_resnet_like", h=8, w=8, c=12, fh=8, fw=8, stride=(8, 8)),
        P("rect_3x1_s_2x1", h=7, w=4, fh=3, fw=1, stride=(2, 1), padding="SAME"),
        P("filter_larger_than_input_same", h=3, w=3, fh=5, fw=4, stride=(1, 1), padding="SAME"),
        P("stride_gt_filter", h=10, w=10, fh=2, fw=2, stride=(3, 3)),
        P("relu", act="RELU", padding="SAME", h=5, w=5),
        P("relu6", act="RELU6", fh=3, fw=3, stride=(1, 1), padding="SAME"),
        P("relu_n1_to_1", act="RELU_N1_TO_1"),
        P("batch3", batch=3, h=4, w=6, padding="SAME"),
        P("1x1_filter", fh=1, fw=1, stride=(1, 1)),
    ]
    if dtype == "int8":
        cases += [
            P("input_all_min", mode="min", padding="SAME", fh=3, fw=3),
            P("input_all_max", mode="max", padding="SAME", fh=3, fw=3),
            P("input_extremes", mode="extremes", padding="SAME", fh=3, fw=3, stride=(1, 1)),
            P("input_extremes_relu", mode="extremes", act="RELU", h=7, w=7, padding="SAME"),
        ]
    for i in range(6 if dtype == "int8" else 3):
        fh, fw = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        cases.append(P(
            f"random{i}", batch=int(rng.integers(1, 3)), h=int(rng.integers(fh, 11)),
            w=int(rng.integers(fw, 11)), c=int(rng.integers(1, 9)), fh=fh, fw=fw,
            stride=(int(rng.integers(1, 4)), int(rng.integers(1, 4))),
            padding=str(rng.choice(["SAME", "VALID"])), act=str(rng.choice(ACTS))))
    return cases


# --------------------------------------------------------------------------- running


def _check(case: Case):
    model = case.model()
    res = hr.run_host(model, case.feeds)
    assert res.ok, f"{case.op} {case.name}: status {res.status}: {res.message}"
    (ref,) = run_reference(case.ref_model(), case.feeds)
    (out,) = res.outputs
    assert out.dtype == ref.dtype and out.shape == ref.shape, (out.dtype, out.shape, ref.shape)
    if out.dtype == np.int8:
        bad = np.argwhere(out != ref)
        assert bad.size == 0, (
            f"{case.op} {case.name}: {len(bad)} of {out.size} int8 outputs differ, first at "
            f"{tuple(bad[0])}: ours {out[tuple(bad[0])]} ref {ref[tuple(bad[0])]}")
    else:
        np.testing.assert_allclose(out, ref, rtol=FLOAT_RTOL, atol=FLOAT_ATOL,
                                   err_msg=f"{case.op} {case.name}")


def _params(cases):
    return [pytest.param(c, id=c.name) for c in cases]


@pytest.mark.parametrize("case", _params(conv_cases("int8")))
def test_conv_2d_int8(case):
    _check(case)


@pytest.mark.parametrize("case", _params(conv_cases("float32")))
def test_conv_2d_float32(case):
    _check(case)


@pytest.mark.parametrize("case", _params(dw_cases("int8")))
def test_depthwise_conv_2d_int8(case):
    _check(case)


@pytest.mark.parametrize("case", _params(dw_cases("float32")))
def test_depthwise_conv_2d_float32(case):
    _check(case)


@pytest.mark.parametrize("case", _params(fc_cases("int8")))
def test_fully_connected_int8(case):
    _check(case)


@pytest.mark.parametrize("case", _params(fc_cases("float32")))
def test_fully_connected_float32(case):
    _check(case)


@pytest.mark.parametrize("case", _params(pool_cases("AVERAGE_POOL_2D", "int8")))
def test_average_pool_2d_int8(case):
    _check(case)


@pytest.mark.parametrize("case", _params(pool_cases("AVERAGE_POOL_2D", "float32")))
def test_average_pool_2d_float32(case):
    _check(case)


@pytest.mark.parametrize("case", _params(pool_cases("MAX_POOL_2D", "int8")))
def test_max_pool_2d_int8(case):
    _check(case)


@pytest.mark.parametrize("case", _params(pool_cases("MAX_POOL_2D", "float32")))
def test_max_pool_2d_float32(case):
    _check(case)


# --------------------------------------------------------------------------- real-model layers
#
# Every CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED / AVERAGE_POOL_2D / MAX_POOL_2D of
# the MLPerf Tiny models, cut out as a single-op model with the layer's own weights,
# quantization and options, fed a seeded random input.

MLPERF_DIR = hr.SHARED_MODELS / "mlperf_tiny"
MLPERF_MODELS = ["kws_ref_model", "vww_96_int8", "pretrainedResnet_quant", "ad01_int8",
                 "str_ww_ref_model", "vww_96_float"]
OUR_OPS = {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "AVERAGE_POOL_2D", "MAX_POOL_2D"}


def _schema():
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema
    return schema


def _spec_from_tensor(schema, m, t, with_data):
    dtype = hr.TFLITE_DTYPES[t.type]
    data = None
    if with_data:
        buf = m.buffers[t.buffer]
        if buf is not None and buf.data is not None and len(buf.data):
            data = np.frombuffer(bytes(bytearray(buf.data)), dtype=dtype).reshape(tuple(t.shape))
    kw: dict[str, Any] = {}
    q = t.quantization
    if q is not None and q.scale is not None and len(q.scale):
        sc = [float(v) for v in q.scale]
        zp = [int(v) for v in q.zeroPoint] if q.zeroPoint is not None else [0] * len(sc)
        kw = {"scale": sc if len(sc) > 1 else sc[0], "zero_point": zp if len(zp) > 1 else zp[0],
              "quantized_dimension": int(q.quantizedDimension)}
    return TensorSpec(tuple(int(d) for d in t.shape), dtype, data=data, **kw)


def mlperf_layer_cases(model_name):
    path = MLPERF_DIR / f"{model_name}.tflite"
    if not path.exists():
        return []
    schema = _schema()
    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    m = schema.ModelT.InitFromPackedBuf(path.read_bytes(), 0)
    sg = m.subgraphs[0]
    rng = np.random.default_rng(3003)
    cases = []
    for i, op in enumerate(sg.operators):
        oc = m.operatorCodes[op.opcodeIndex]
        name = names[max(oc.builtinCode, oc.deprecatedBuiltinCode)]
        if name not in OUR_OPS:
            continue
        ins = []
        feeds = []
        for j, ti in enumerate(op.inputs):
            if ti < 0:
                ins.append(None)
                continue
            t = sg.tensors[ti]
            spec = _spec_from_tensor(schema, m, t, with_data=j > 0)
            ins.append(spec)
            if spec.data is None:
                if spec.dtype == np.int8:
                    feeds.append(rng.integers(-128, 128, size=spec.shape).astype(np.int8))
                else:
                    feeds.append(rng.uniform(-1, 1, size=spec.shape).astype(spec.dtype))
        out = _spec_from_tensor(schema, m, sg.tensors[op.outputs[0]], with_data=False)
        opts = {k: v for k, v in vars(op.builtinOptions).items()
                if v is not None and not k.startswith("_")} if op.builtinOptions else {}
        cases.append(Case(f"{model_name}-op{i}-{name}", name, ins, out, opts, feeds))
    return cases


def _mlperf_params():
    out = []
    for mn in MLPERF_MODELS:
        for c in mlperf_layer_cases(mn):
            out.append(pytest.param(c, id=c.name))
    return out


@pytest.mark.parametrize("case", _mlperf_params())
def test_mlperf_layer(case):
    _check(case)


@pytest.mark.parametrize("model_name", MLPERF_MODELS)
def test_mlperf_model_end_to_end(model_name):
    """The whole model (our ops plus RESHAPE / SOFTMAX / ADD from the other families),
    bit-exact for int8, within the float tolerance for float32."""
    path = MLPERF_DIR / f"{model_name}.tflite"
    if not path.exists():
        pytest.skip(f"{path} not present")
    buf = path.read_bytes()
    inputs = hr.random_inputs(buf, seed=7)
    res = hr.run_host(buf, inputs)
    if res.status == hr.MCU_ERR_UNSUPPORTED_OP:
        pytest.skip(f"another family's operator is not built in yet: {res.message}")
    assert res.ok, f"{model_name}: status {res.status}: {res.message}"
    ref = run_reference(buf, inputs)
    assert len(res.outputs) == len(ref)
    for out, r in zip(res.outputs, ref):
        assert out.shape == r.shape and out.dtype == r.dtype
        if out.dtype == np.int8:
            assert np.array_equal(out, r), f"{model_name}: {np.sum(out != r)} outputs differ"
        else:
            np.testing.assert_allclose(out, r, rtol=1e-4, atol=1e-5)


# --------------------------------------------------------------------------- errors


def _error_cases():
    rng = np.random.default_rng(4004)
    cases = []

    def add(name, model, status, words):
        cases.append(pytest.param(model, status, words, id=name))

    # hybrid: float activations with int8 weights (the reference refuses these too)
    x = TensorSpec((1, 4, 4, 2), np.float32)
    w8 = TensorSpec(None, np.int8, data=rng.integers(-127, 128, (3, 3, 3, 2)), scale=0.02)
    add("conv_hybrid", single_op_model("CONV_2D", [x, w8, None], [TensorSpec((1, 4, 4, 3), np.float32)],
                                       {"padding": "SAME"}), hr.MCU_ERR_HYBRID, ["CONV_2D", "hybrid"])
    wd8 = TensorSpec(None, np.int8, data=rng.integers(-127, 128, (1, 3, 3, 2)), scale=0.02)
    add("dw_hybrid", single_op_model("DEPTHWISE_CONV_2D", [x, wd8, None],
                                     [TensorSpec((1, 4, 4, 2), np.float32)], {"padding": "SAME"}),
        hr.MCU_ERR_HYBRID, ["DEPTHWISE_CONV_2D", "hybrid"])
    add("fc_hybrid", single_op_model(
        "FULLY_CONNECTED", [TensorSpec((1, 8), np.float32),
                            TensorSpec(None, np.int8, data=np.ones((2, 8)), scale=0.1), None],
        [TensorSpec((1, 2), np.float32)]), hr.MCU_ERR_HYBRID, ["FULLY_CONNECTED", "hybrid"])
    # int16 activations (16x8) are not in this family's scope
    x16 = TensorSpec((1, 4, 4, 2), np.int16, scale=0.01, zero_point=0)
    b64 = TensorSpec((3,), np.int64, data=np.zeros(3), scale=0.0002)
    add("conv_int16", single_op_model("CONV_2D", [x16, w8, b64],
                                      [TensorSpec((1, 4, 4, 3), np.int16, scale=0.01)],
                                      {"padding": "SAME"}),
        hr.MCU_ERR_UNSUPPORTED_TYPE, ["CONV_2D", "int16"])
    add("maxpool_int16", single_op_model(
        "MAX_POOL_2D", [x16], [TensorSpec((1, 2, 2, 2), np.int16, scale=0.01)],
        {"padding": "VALID", "filter_width": 2, "filter_height": 2, "stride_w": 2, "stride_h": 2}),
        hr.MCU_ERR_UNSUPPORTED_TYPE, ["MAX_POOL_2D", "int16"])
    # wrong output shape for the options
    xq = TensorSpec((1, 6, 6, 2), np.int8, scale=0.05, zero_point=0)
    add("conv_bad_output_hw", single_op_model(
        "CONV_2D", [xq, w8, None], [TensorSpec((1, 6, 6, 3), np.int8, scale=0.1)],
        {"padding": "VALID"}), hr.MCU_ERR_PARAMS, ["CONV_2D", "height/width"])
    add("conv_filter_channels", single_op_model(
        "CONV_2D", [TensorSpec((1, 6, 6, 3), np.int8, scale=0.05), w8, None],
        [TensorSpec((1, 6, 6, 3), np.int8, scale=0.1)], {"padding": "SAME"}),
        hr.MCU_ERR_PARAMS, ["CONV_2D", "channels"])
    add("fc_bad_depth", single_op_model(
        "FULLY_CONNECTED", [TensorSpec((1, 7), np.int8, scale=0.1),
                            TensorSpec(None, np.int8, data=np.ones((2, 8)), scale=0.1), None],
        [TensorSpec((1, 2), np.int8, scale=0.1)]), hr.MCU_ERR_PARAMS, ["FULLY_CONNECTED", "depth"])
    add("dw_depth_multiplier_disagrees", single_op_model(
        "DEPTHWISE_CONV_2D", [xq, TensorSpec(None, np.int8, data=np.ones((1, 3, 3, 4)), scale=0.1),
                              None],
        [TensorSpec((1, 6, 6, 4), np.int8, scale=0.1)], {"padding": "SAME", "depth_multiplier": 1}),
        hr.MCU_ERR_PARAMS, ["DEPTHWISE_CONV_2D", "depth_multiplier"])
    add("conv_stride0", single_op_model(
        "CONV_2D", [xq, w8, None], [TensorSpec((1, 6, 6, 3), np.int8, scale=0.1)],
        {"padding": "SAME", "stride_w": 0}), hr.MCU_ERR_PARAMS, ["CONV_2D", "stride"])
    # pooling does not rescale: the reference refuses differing input/output quantization
    add("avgpool_requant", single_op_model(
        "AVERAGE_POOL_2D", [xq], [TensorSpec((1, 3, 3, 2), np.int8, scale=0.07, zero_point=0)],
        {"padding": "VALID", "filter_width": 2, "filter_height": 2, "stride_w": 2, "stride_h": 2}),
        hr.MCU_ERR_PARAMS, ["AVERAGE_POOL_2D", "quantization"])
    add("maxpool_zero_point_differs", single_op_model(
        "MAX_POOL_2D", [xq], [TensorSpec((1, 3, 3, 2), np.int8, scale=0.05, zero_point=4)],
        {"padding": "VALID", "filter_width": 2, "filter_height": 2, "stride_w": 2, "stride_h": 2}),
        hr.MCU_ERR_PARAMS, ["MAX_POOL_2D", "quantization"])
    return cases


@pytest.mark.parametrize("model,status,words", _error_cases())
def test_error(model, status, words):
    res = hr.run_host(model, [np.zeros(s.shape, s.dtype) for s in hr.model_io(model)[0]])
    assert res.status == status, (res.status, res.message)
    for w in words:
        assert w.lower() in res.message.lower(), res.message


def test_kws_float32_model_is_reported_hybrid():
    """kws_ref_model_float32 feeds float activations to int8 conv weights: the reference
    cannot run it either; we must say so with the hybrid error."""
    path = MLPERF_DIR / "kws_ref_model_float32.tflite"
    if not path.exists():
        pytest.skip(f"{path} not present")
    buf = path.read_bytes()
    res = hr.run_host(buf, hr.random_inputs(buf))
    assert res.status == hr.MCU_ERR_HYBRID, (res.status, res.message)
    assert "CONV_2D" in res.message
