"""The optimized int8 kernels (kernels/optimized/) on the simulated cores: bit-exact with
the tflite-micro reference interpreter.

* Per-operator cases - CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, AVERAGE_POOL_2D,
  MAX_POOL_2D, ADD - are the generated int8 cases of the per-operator conformance tests
  (test_ops_conv.py, test_ops_elementwise.py) plus cases aimed at the optimized code
  paths: K % 4 tails, odd pixel and channel counts, channel counts that are not a
  multiple of 4, multipliers that need the general requantization path (shift > -2,
  multipliers flushed to zero), narrow inputs where most depthwise pixels touch the
  padding, the broadcast and unit-multiplier ADD variants, and the parameters that fall
  back to the reference code (grouped conv, depth multiplier 2, weights zero point,
  pooling windows over 256 values); DEPTHWISE_CONV_2D k x 1 and 1 x k filters for every
  k from 2 to 15 and the 1-D paths' edges (_dw_1d_extra).
* SOFTMAX cases (int8 -> int8): the classifier heads' class counts and input
  quantization, 1 and 1001 classes, rows around the optimized kernel's exp cache, every
  int8 value per row, ties, near-uniform and saturated multipliers; they also run on
  cortex-m0plus and cortex-m3 (the plain-C path) and on the host under the sanitizers,
  and the paths that stay on the reference code (int16 output, float32, tiny beta) are
  checked by the kernel each op reports.
* They run through run_model(..., kernels="optimized") on cortex-m4, cortex-m7 and
  cortex-m33 (DSP extension: the optimized code) and, a subset, on cortex-m0plus and
  cortex-m3 (no DSP: the plain-C paths and the reference code for the rest).
* The same CONV_2D / DEPTHWISE_CONV_2D cases run through the host build of the optimized
  kernels (the plain-C paths) under AddressSanitizer and UBSan.
* The int8 models in ../shared/models run whole on every core but cortex-m4 (which
  test_run_model.py covers), one seed each.
* The cortex-m0plus and cortex-m3 optimized images must not contain a DSP-extension
  instruction at all.

Each simulator run has a fixed set-up cost (building, laying out the image), so up to 16 independent single-op
cases are bundled into one multi-op model (one input per case input, one output per
case), which the reference interpreter runs the same way.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import test_ops_conv as tc
import test_ops_elementwise as te
from mcusim.model import random_inputs, read_model
from mcusim.modelgen import ModelBuilder, TensorSpec, run_reference
from mcusim.runner import run_model

SHARED = Path(__file__).resolve().parents[2] / "shared" / "models"
BIG = {"sram": "1MiB", "flash": "2MiB"}
MAX_IO = 16  # MCU_MAX_IO: model inputs and outputs the firmware takes per run


@dataclasses.dataclass
class Case:
    name: str
    op: str
    inputs: list            # TensorSpec | None
    output: TensorSpec
    options: dict
    feeds: list             # one array per non-constant input
    ref_inputs: list | None = None  # for the reference model, when different


def _from(c) -> Case:
    return Case(c.name, c.op, c.inputs, c.output, c.options, c.feeds,
                getattr(c, "ref_inputs", None))


# --------------------------------------------------------------------------- bundling


def _bundle(cases, use_ref_inputs=False) -> bytes:
    mb = ModelBuilder(description="mcusim optimized-kernel cases")
    model_in, model_out = [], []
    for i, c in enumerate(cases):
        specs = c.ref_inputs if (use_ref_inputs and c.ref_inputs is not None) else c.inputs
        ins = []
        for j, spec in enumerate(specs):
            if spec is None:
                ins.append(None)
                continue
            idx = mb.add_tensor(spec.with_(name=f"c{i}_in{j}"))
            ins.append(idx)
            if not spec.is_constant:
                model_in.append(idx)
        out = mb.add_tensor(c.output.with_(name=f"c{i}_out"))
        mb.add_op(c.op, ins, [out], c.options)
        model_out.append(out)
    mb.set_inputs(model_in)
    mb.set_outputs(model_out)
    return mb.build()


def _chunks(cases, n=MAX_IO):
    """Consecutive cases, at most n model inputs and n outputs per bundle."""
    out, cur, n_in = [], [], 0
    for c in cases:
        k = len(c.feeds)
        if cur and (len(cur) == n or n_in + k > n):
            out.append(cur)
            cur, n_in = [], 0
        cur.append(c)
        n_in += k
    return out + ([cur] if cur else [])


def _check_bundle(cases, core):
    feeds = [f for c in cases for f in c.feeds]
    # guard_model_reads: a kernel reading flash past the model stops the run
    ours = run_model(_bundle(cases), core, feeds, kernels="optimized", guard_model_reads=True,
                     **BIG).outputs
    refs = run_reference(_bundle(cases, use_ref_inputs=True), feeds)
    assert len(ours) == len(refs) == len(cases)
    bad = []
    for c, o, r in zip(cases, ours, refs):
        r = np.asarray(r)
        if o.dtype != r.dtype or o.shape != r.shape:
            bad.append(f"{c.op} {c.name}: {o.dtype}{o.shape} vs reference {r.dtype}{r.shape}")
        elif not np.array_equal(o, r):
            where = np.argwhere(o != r)
            first = tuple(int(v) for v in where[0])
            bad.append(f"{c.op} {c.name}: {len(where)} of {o.size} differ, first at {first}: "
                       f"ours {o[first]} reference {r[first]}")
    assert not bad, f"{core}: " + "; ".join(bad)


# --------------------------------------------------------------------------- targeted cases


def _conv_extra():
    rng = np.random.default_rng(4101)
    C = tc.conv_case
    cases = [
        C(rng, "1x1_odd_pixels_odd_channels", h=5, w=5, in_c=8, out_c=7, kh=1, kw=1),
        C(rng, "1x1_k64_relu", h=3, w=4, in_c=64, out_c=6, kh=1, kw=1, act="RELU"),
        C(rng, "1x1_k12_groups_of_4_odd_g", h=2, w=3, in_c=12, out_c=4, kh=1, kw=1),
        C(rng, "3x3_k27_stem_s2", h=9, w=9, in_c=3, out_c=8, stride=(2, 2), act="RELU6"),
        C(rng, "3x3_k144_resnet_like", h=5, w=6, in_c=16, out_c=4, act="RELU"),
        C(rng, "kws_stem_10x4_k40", h=13, w=6, in_c=1, out_c=6, kh=10, kw=4, stride=(2, 2)),
        C(rng, "k2_tail_only", h=4, w=3, in_c=2, out_c=3, kh=1, kw=1),
        C(rng, "dilation3_1x3", h=4, w=9, in_c=4, out_c=2, kh=1, kw=3, dil=(1, 3)),
        C(rng, "batch2_odd_pixels", batch=2, h=3, w=3, in_c=4, out_c=4),
        C(rng, "zp_min", mode="min", in_c=5, out_c=4),
        C(rng, "zp_max_extremes", mode="extremes", in_c=8, out_c=5),
        C(rng, "grouped_fallback", in_c=8, out_c=4, groups=2),
        C(rng, "k300_in_c3_not_staged", h=12, w=11, in_c=3, out_c=4, kh=10, kw=10),
        C(rng, "in_c6_staged_dilation_h2", h=9, w=7, in_c=6, out_c=4, dil=(2, 1)),
    ]
    # requantization outside the fast form: shift -1 (real multiplier in [0.25, 0.5)),
    # shift >= 0 (>= 0.5), and a channel flushed to zero (tiny scale) next to normal ones
    for name, real in (("mult_shift_minus1", 0.3), ("mult_left_shift", 3.0)):
        c = C(rng, name, h=4, w=4, in_c=4, out_c=4, per_channel=False)
        xs = c.inputs[0].scale
        ws = c.inputs[1].scale
        c.output = c.output.with_(scale=float(np.float32(xs * ws / real)))
        cases.append(c)
    c = C(rng, "flushed_channel", h=4, w=3, in_c=4, out_c=4)
    ws = list(c.inputs[1].scale)
    ws[1] = 1e-30
    c.inputs[1] = c.inputs[1].with_(scale=ws)
    if c.inputs[2] is not None:
        bs = list(np.atleast_1d(c.inputs[2].scale))
        bs[1] = float(c.inputs[0].scale) * 1e-30
        c.inputs[2] = c.inputs[2].with_(scale=bs)
    cases.append(c)
    return cases



def _conv_m0_extra():
    """Cases aimed at the Cortex-M0+ (ARMv6-M) asm loop: K % 4 = 0..3 (the unrolled body
    entered part-way; K = 1), odd channel counts (the last channel in C), one pixel and
    odd pixel counts (a stale second column whose results are overwritten), padding,
    no bias, clamping, and accumulators near 2^30 (a large bias: the 64-bit product
    of the requantization built from 16-bit halves, a multiplier about 2^-23)."""
    rng = np.random.default_rng(4103)
    C = tc.conv_case
    cases = [
        C(rng, "m0_k1_oc1", h=3, w=3, in_c=1, out_c=1, kh=1, kw=1),
        C(rng, "m0_k1_oc2_single_pixel", h=1, w=1, in_c=1, out_c=2, kh=1, kw=1),
        C(rng, "m0_k5_oc3_odd_pixels", h=3, w=5, in_c=5, out_c=3, kh=1, kw=1),
        C(rng, "m0_k6_oc2_no_bias", h=2, w=3, in_c=6, out_c=2, kh=1, kw=1, bias=False),
        C(rng, "m0_k7_oc5_relu6", h=3, w=3, in_c=7, out_c=5, kh=1, kw=1, act="RELU6"),
        C(rng, "m0_k18_pad_oc6", h=5, w=4, in_c=2, out_c=6, act="RELU"),
        C(rng, "m0_k45_pad_s2_oc7", h=7, w=6, in_c=5, out_c=7, stride=(2, 2)),
        C(rng, "m0_k9_single_pixel_oc4", h=1, w=1, in_c=1, out_c=4),
        C(rng, "m0_k75_extremes", h=5, w=5, in_c=3, out_c=4, kh=5, kw=5, mode="extremes"),
        C(rng, "m0_k8_min_per_tensor", h=3, w=4, in_c=8, out_c=6, kh=1, kw=1, mode="min",
          per_channel=False),
    ]
    for name, oc in (("m0_large_bias_oc4", 4), ("m0_large_bias_oc3", 3)):
        c = C(rng, name, h=3, w=3, in_c=4, out_c=oc, kh=1, kw=1, per_channel=False)
        xs, ws = float(c.inputs[0].scale), float(np.atleast_1d(c.inputs[1].scale)[0])
        c.inputs[2] = c.inputs[2].with_(
            data=rng.integers(-(1 << 30), (1 << 30) + 1, size=oc).astype(np.int32))
        c.output = c.output.with_(scale=float(np.float32(xs * ws * 2.0**23)))
        cases.append(c)
    return cases

def _dw_extra():
    rng = np.random.default_rng(4102)
    D = tc.dw_case
    cases = [
        D(rng, "c6_leftover_channels", in_c=6, h=5, w=5),
        D(rng, "c12_kws_like_narrow", in_c=12, h=7, w=5, act="RELU"),
        D(rng, "c8_width1", in_c=8, h=5, w=1),
        D(rng, "c8_width2_s2", in_c=8, h=6, w=2, stride=(2, 2)),
        D(rng, "c4_3x3_valid", in_c=4, h=5, w=6, padding="VALID"),
        D(rng, "c4_dilation2_interior", in_c=4, h=9, w=9, dil=(2, 2)),
        D(rng, "c8_5x5", in_c=8, h=7, w=7, kh=5, kw=5, act="RELU6"),
        D(rng, "c4_1x3", in_c=4, h=4, w=6, kh=1, kw=3),
        D(rng, "c4_taps72_fallback", in_c=4, h=10, w=9, kh=9, kw=8),
        D(rng, "mult2_fallback", in_c=4, mult=2),
        D(rng, "batch2_c8", batch=2, in_c=8, h=4, w=4),
        D(rng, "zp_extremes", mode="extremes", in_c=8),
    ]
    c = D(rng, "large_multiplier", in_c=4, h=4, w=4, per_channel=False)
    c.output = c.output.with_(scale=float(np.float32(c.inputs[0].scale * c.inputs[1].scale / 0.4)))
    cases.append(c)
    return cases


def _dw_1d_extra():
    """DEPTHWISE_CONV_2D with k x 1 and 1 x k filters (the streaming wake-word model's
    temporal convolutions), aimed at the optimized 1-D paths: int16 line buffers for long
    lines (every k from 2 to 15 both ways, channel counts that are not a multiple of 4 or
    below 4, stride 2, dilations, SAME edges, lines longer than one buffer tile, batches,
    several lines side by side), the taps straight from the input for few outputs per line
    (up to 32 taps, SAME edges), the requantization forms (clamped activations,
    multipliers outside the fast form, a flushed channel, biases at the fast form's limit,
    weights of -128), and what falls back (depth multiplier 2 and 3, 33 taps, a dilation
    wider than the buffers with fewer than 4 channels)."""
    rng = np.random.default_rng(4108)
    D = tc.dw_case
    cases = []
    chans = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 40]
    acts = ["NONE", "RELU", "NONE", "RELU6", "NONE", "RELU_N1_TO_1"]
    for k in range(2, 16):
        c1, c2 = chans[k % len(chans)], chans[(k * 5 + 3) % len(chans)]
        pad1, pad2 = ("VALID", "SAME") if k % 2 else ("SAME", "VALID")
        cases.append(D(rng, f"{k}x1_c{c1}_{pad1.lower()}", h=2 * k + 14, w=1 + k % 2, in_c=c1,
                       kh=k, kw=1, padding=pad1, act=acts[k % len(acts)]))
        cases.append(D(rng, f"1x{k}_c{c2}_{pad2.lower()}", h=1 + k % 3, w=2 * k + 13, in_c=c2,
                       kh=1, kw=k, padding=pad2, act=acts[(k + 3) % len(acts)],
                       per_channel=bool(k % 3)))
    cases += [
        # the str_ww layers, fewer channels
        D(rng, "strww_3x1_c40", h=30, w=1, in_c=40, kh=3, kw=1, padding="VALID"),
        D(rng, "strww_5x1_c12", h=28, w=1, in_c=12, kh=5, kw=1, padding="VALID"),
        D(rng, "strww_10x1_c8", h=24, w=1, in_c=8, kh=10, kw=1, padding="VALID"),
        D(rng, "strww_15x1_c8_one_output", h=15, w=1, in_c=8, kh=15, kw=1, padding="VALID"),
        # strides and dilations along the line
        D(rng, "5x1_s2_c8_same", h=41, w=1, in_c=8, kh=5, kw=1, stride=(2, 1)),
        D(rng, "1x7_s2_c6_valid", h=2, w=40, in_c=6, kh=1, kw=7, stride=(1, 2), padding="VALID"),
        D(rng, "4x1_s3_c5_same", h=40, w=1, in_c=5, kh=4, kw=1, stride=(3, 1)),
        D(rng, "3x1_dil2_c8_valid", h=30, w=1, in_c=8, kh=3, kw=1, dil=(2, 1), padding="VALID"),
        D(rng, "1x4_dil3_c6_same", h=1, w=30, in_c=6, kh=1, kw=4, dil=(1, 3)),
        D(rng, "5x1_dil2_s2_c4_same", h=40, w=1, in_c=4, kh=5, kw=1, stride=(2, 1), dil=(2, 1)),
        D(rng, "2x1_dil5_c3_same", h=33, w=1, in_c=3, kh=2, kw=1, dil=(5, 1), act="RELU"),
        # lines longer than a buffer tile
        D(rng, "3x1_c4_same_130", h=130, w=1, in_c=4, kh=3, kw=1),
        D(rng, "1x9_c5_valid_90", h=1, w=90, in_c=5, kh=1, kw=9, padding="VALID"),
        D(rng, "4x1_dil2_c7_same_100", h=100, w=1, in_c=7, kh=4, kw=1, dil=(2, 1)),
        # several lines side by side, strides across them, batches
        D(rng, "6x1_c8_w5_stride_w2", h=24, w=5, in_c=8, kh=6, kw=1, stride=(1, 2), padding="VALID"),
        D(rng, "1x5_c6_h5_stride_h2", h=5, w=24, in_c=6, kh=1, kw=5, stride=(2, 1)),
        D(rng, "7x1_c8_batch2", batch=2, h=22, w=2, in_c=8, kh=7, kw=1),
        D(rng, "1x1_c5", h=4, w=7, in_c=5, kh=1, kw=1),
        # few outputs per line: the taps straight from the input
        D(rng, "15x1_c8_two_outputs", h=16, w=1, in_c=8, kh=15, kw=1, padding="VALID"),
        D(rng, "8x1_c6_valid_t2", h=9, w=3, in_c=6, kh=8, kw=1, padding="VALID"),
        D(rng, "4x1_c5_same_t4", h=4, w=2, in_c=5, kh=4, kw=1, act="RELU6"),
        D(rng, "1x20_c8_valid", h=2, w=24, in_c=8, kh=1, kw=20, padding="VALID"),
        D(rng, "20x1_c4_same", h=20, w=1, in_c=4, kh=20, kw=1),
        D(rng, "32x1_c5_valid", h=40, w=1, in_c=5, kh=32, kw=1, padding="VALID"),
        D(rng, "3x1_dil30_c4_valid", h=70, w=1, in_c=4, kh=3, kw=1, dil=(30, 1), padding="VALID"),
        D(rng, "17x1_c3", h=20, w=1, in_c=3, kh=17, kw=1),
        # requantization
        D(rng, "6x1_c9_per_tensor_relu6", h=30, w=1, in_c=9, kh=6, kw=1, per_channel=False, act="RELU6"),
        D(rng, "1x3_c4_no_bias", h=2, w=30, in_c=4, kh=1, kw=3, bias=False),
        D(rng, "5x1_c8_extremes", h=25, w=1, in_c=8, kh=5, kw=1, mode="extremes"),
        D(rng, "1x6_c6_zp_min", h=1, w=25, in_c=6, kh=1, kw=6, mode="min", act="RELU"),
        D(rng, "9x1_c4_zp_max", h=20, w=1, in_c=4, kh=9, kw=1, mode="max"),
        # falls back: depth multiplier 2 and 3, 33 taps, a dilation too wide for 3 channels
        D(rng, "5x1_mult2", h=20, w=1, in_c=3, mult=2, kh=5, kw=1),
        D(rng, "1x4_mult3", h=2, w=16, in_c=2, mult=3, kh=1, kw=4, padding="VALID"),
        D(rng, "33x1_c4", h=40, w=1, in_c=4, kh=33, kw=1, padding="VALID"),
        D(rng, "3x1_dil30_c3_valid", h=70, w=1, in_c=3, kh=3, kw=1, dil=(30, 1), padding="VALID"),
        # other filter shapes than 3x3 and 1-D (the general path)
        D(rng, "2x3_c6", h=7, w=8, in_c=6, kh=2, kw=3),
        D(rng, "4x4_c8_valid", h=9, w=9, in_c=8, kh=4, kw=4, padding="VALID"),
        D(rng, "5x5_dil2_c4", h=12, w=12, in_c=4, kh=5, kw=5, dil=(2, 2)),
        D(rng, "3x5_s2_c5_relu", h=11, w=13, in_c=5, kh=3, kw=5, stride=(2, 2), act="RELU"),
        D(rng, "7x2_c4_valid", h=12, w=6, in_c=4, kh=7, kw=2, padding="VALID"),
    ]
    # multipliers outside the fast form: >= 0.5 (shift >= 0), below 2^-22 (a huge output
    # scale), one channel flushed to zero among normal ones
    for name, kh, kw, real in (("5x1_large_multiplier", 5, 1, 0.6), ("1x4_shift_minus1", 1, 4, 0.3),
                               ("4x1_tiny_multiplier", 4, 1, 2.0 ** -24)):
        c = D(rng, name, h=12 if kh > 1 else 2, w=1 if kh > 1 else 14, in_c=4, kh=kh, kw=kw,
              per_channel=False)
        c.output = c.output.with_(scale=float(np.float32(c.inputs[0].scale * c.inputs[1].scale / real)))
        cases.append(c)
    for name, kh, h in (("7x1_flushed_channel_lines", 7, 30), ("7x1_flushed_channel_taps", 7, 8)):
        c = D(rng, name, h=h, w=1, in_c=6, kh=kh, kw=1, padding="VALID")
        ws = list(c.inputs[1].scale)
        ws[2] = 1e-30
        c.inputs[1] = c.inputs[1].with_(scale=ws)
        bs = list(np.atleast_1d(c.inputs[2].scale))
        bs[2] = float(c.inputs[0].scale) * 1e-30
        c.inputs[2] = c.inputs[2].with_(scale=bs)
        cases.append(c)
    # biases at the fast form's limit: |bias| < 2^30 - k * 255 * 128 or not (k = 5), and
    # weights of -128 (doubled to -256)
    room = 2 ** 30 - 5 * 255 * 128
    for name, h, biases in (("5x1_bias_limit_fast", 30, [room - 1, -(room - 1)]),
                            ("5x1_bias_limit_general", 30, [room, -room]),
                            ("5x1_bias_limit_taps", 6, [room, -(room - 1)])):
        c = D(rng, name, h=h, w=1, in_c=4, kh=5, kw=1, padding="VALID", per_channel=False)
        b = np.array(c.inputs[2].data, np.int64)
        b[:2] = biases
        c.inputs[2] = c.inputs[2].with_(data=b.astype(np.int32))
        w = np.array(c.inputs[1].data)
        w[0, ::2, 0, :] = -128
        c.inputs[1] = c.inputs[1].with_(data=w)
        c.output = c.output.with_(scale=float(np.float32(c.inputs[0].scale * c.inputs[1].scale * 2.0 ** 21.5)))
        cases.append(c)
    return cases


def _fc_extra():
    rng = np.random.default_rng(4103)
    F = tc.fc_case
    cases = [
        F(rng, "depth7_units5", in_shape=(1, 7), units=5),
        F(rng, "depth130_units9_relu", in_shape=(1, 130), units=9, act="RELU"),
        F(rng, "depth64_batch3_odd_units", in_shape=(3, 64), units=3),
        F(rng, "per_channel_depth36", in_shape=(2, 36), units=6, per_channel=True),
        F(rng, "per_channel_depth64_odd_units", in_shape=(1, 64), units=7, per_channel=True),
        F(rng, "weights_zp_fallback", in_shape=(1, 24), units=4, w_zero_point=3),
        F(rng, "depth3", in_shape=(2, 3), units=4),
    ]
    c = F(rng, "large_multiplier", in_shape=(1, 16), units=4)
    c.output = c.output.with_(scale=float(np.float32(c.inputs[0].scale * c.inputs[1].scale / 0.7)))
    cases.append(c)
    return cases


def _pool_extra(op):
    rng = np.random.default_rng(4104 + (op == "MAX_POOL_2D"))
    P = lambda name, **kw: tc.pool_case(rng, op, name, **kw)  # noqa: E731
    return [
        P("c5_leftover", c=5, h=5, w=5, fh=3, fw=3, stride=(1, 1), padding="SAME"),
        P("c8_global_16x16", c=8, h=16, w=16, fh=16, fw=16, stride=(1, 1)),
        P("c4_window_272_fallback", c=4, h=17, w=16, fh=17, fw=16, stride=(1, 1)),
        P("c4_relu6", c=4, h=6, w=6, act="RELU6", padding="SAME"),
    ]


def _add_extra():
    rng = np.random.default_rng(4105)
    S = te._spec
    cases = []

    def add(name, s1, s2, q1, q2, qo, act="NONE"):
        out_shape = np.broadcast_shapes(s1, s2)
        d1, d2 = te._data(rng, s1, np.int8), te._data(rng, s2, np.int8)
        cases.append(Case(name, "ADD", [S(s1, np.int8, q1), S(s2, np.int8, q2)],
                          S(out_shape, np.int8, qo), {"fused_activation_function": act}, [d1, d2]))

    q = lambda s, z: {"scale": s, "zero_point": z}  # noqa: E731
    # resnet-like: operand 2 has the larger scale (unit multiplier), full-range RELU
    add("unit2_relu_fast", (1, 5, 5, 16), (1, 5, 5, 16), q(0.039, -128), q(0.104, 4),
        q(0.051, -128), "RELU")
    add("unit1_relu_fast_odd", (67,), (67,), q(0.11, 7), q(0.045, -17), q(0.053, -128), "RELU")
    add("equal_scales", (3, 21), (3, 21), q(0.02, 127), q(0.02, -128), q(0.04, 0))
    add("far_scales_no_fast", (50,), (50,), q(0.5, 3), q(0.002, -9), q(0.3, 1))
    add("relu6_clamped", (2, 4, 4, 8), (2, 4, 4, 8), q(0.05, -3), q(0.07, 5), q(0.03, -128), "RELU6")
    add("broadcast_row", (4, 12), (12,), q(0.03, 1), q(0.08, -2), q(0.06, 3))
    add("broadcast_scalar", (5, 7), (1,), q(0.2, -20), q(0.01, 100), q(0.1, 0), "RELU")
    add("out_zp_extreme", (33,), (33,), q(0.004, -128), q(0.009, 127), q(0.0002, 127))
    return cases


def _softmax_extra():
    """int8 -> int8 SOFTMAX (output scale 1/256, zero point -128). Every case keeps the exp
    sum of each row below 512, where the reference interpreter asserts."""
    rng = np.random.default_rng(4106)
    cases = []

    def add(name, x, scale, zp, beta=1.0):
        x = np.asarray(x, np.int8)
        cases.append(Case(name, "SOFTMAX", [TensorSpec(x.shape, np.int8, scale=scale, zero_point=zp)],
                          TensorSpec(x.shape, np.int8, scale=1 / 256, zero_point=-128),
                          {"beta": beta}, [x]))

    def rows(n, depth):
        """Random rows, then: a tie at the maximum, one dominant entry, entries crowded
        near the top, all equal."""
        x = rng.integers(-128, 128, size=(n, depth))
        kinds = [None, "tie", "dominant", "crowded", "equal"]
        for i in range(1, n):
            kind = kinds[i % len(kinds)] or "tie"
            if kind == "tie" and depth >= 2:
                x[i, rng.choice(depth, 2, replace=False)] = x[i].max() + 1 if x[i].max() < 127 else 127
            elif kind == "dominant":
                x[i] = -128
                x[i, rng.integers(depth)] = 127
            elif kind == "crowded":
                x[i] = rng.integers(100, 128, size=depth)
            elif kind == "equal":
                x[i] = rng.integers(-128, 128)
        return x

    # the MLPerf Tiny heads' input quantization (kws, resnet, vww, str_ww)
    add("kws_12", rows(1, 12), 0.14469251, 14)
    add("kws_12_rows5", rows(5, 12), 0.14469251, 14)
    add("resnet_10", rows(1, 10), 0.17185351, 24)
    add("resnet_10_rows6", rows(6, 10), 0.17185351, 24)
    add("vww_2_rows6", rows(6, 2), 0.01463622, -5)
    add("str_ww_3_rows4", rows(4, 3), 0.1605089, 10)
    add("one_class_rows3", rows(3, 1), 0.1, 0)
    add("c1001", rows(1, 1001), 0.1, -20)
    add("c1001_rows2_beta2", rows(2, 1001), 0.05, 7, 2.0)
    # around the kernel's cache of 32 exps per row
    add("c31_rows3", rows(3, 31), 0.05, 0)
    add("c32_rows3", rows(3, 32), 0.07, -128, 0.5)
    add("c33_rows4", rows(4, 33), 0.05, 127)
    add("c64_rows5_4d", rows(5, 64).reshape(1, 5, 1, 64), 0.0390625, 3)
    add("shape_2x3x5x7", rows(30, 7).reshape(2, 3, 5, 7), 0.1, -10)
    # every int8 value in each row; multipliers from shift 16 to the one saturated at
    # 2^31 (shift 31: only entries equal to the maximum count)
    for scale, beta in ((0.0007, 1.0), (0.01, 0.37), (0.0625, 1.0), (0.23, 2.0), (1.0, 1.0),
                        (4.0, 0.5), (16.0, 2.0)):
        x = np.stack([rng.permutation(np.arange(-128, 128)) for _ in range(3)])
        add(f"all_values_s{scale}_b{beta}", x, scale, int(rng.integers(-128, 128)), beta)
    return cases


# --------------------------------------------------------------------------- the case lists


def _generated():
    """The conformance tests' int8 cases: every named case, a third of the random ones."""
    out = []
    out += [_from(c) for c in tc.conv_cases("int8")]
    out += [_from(c) for c in tc.dw_cases("int8")]
    out += [_from(c) for c in tc.fc_cases("int8")]
    out += [_from(c) for c in tc.pool_cases("AVERAGE_POOL_2D", "int8")]
    out += [_from(c) for c in tc.pool_cases("MAX_POOL_2D", "int8")]
    out += [_from(c) for c in te._ADD_CASES if c.inputs[0].dtype == np.int8]
    named = [c for c in out if "rand" not in c.name]
    return named + [c for c in out if "rand" in c.name][::3]


def _targeted():
    out = [_from(c) for c in _conv_extra() + _conv_m0_extra() + _dw_extra() + _dw_1d_extra() + _fc_extra()]
    out += [_from(c) for c in _pool_extra("AVERAGE_POOL_2D") + _pool_extra("MAX_POOL_2D")]
    out += _add_extra()
    out += _softmax_extra()
    return out


ALL_CASES = _generated() + _targeted()
# a float32 case per operator: the optimized files route float32 to the reference bodies
FLOAT_CASES = [_from(tc.conv_cases("float32")[0]), _from(tc.dw_cases("float32")[0]),
               _from(tc.fc_cases("float32")[0]),
               _from(tc.pool_cases("AVERAGE_POOL_2D", "float32")[0]),
               _from(tc.pool_cases("MAX_POOL_2D", "float32")[0])]
M4_BUNDLES = _chunks(ALL_CASES)
# without DSP, CONV_2D and DEPTHWISE_CONV_2D have plain-C paths of their own (half of
# their cases here); the other operators are the reference code (every 6th case)
_CONVS = [c for c in ALL_CASES if c.op in ("CONV_2D", "DEPTHWISE_CONV_2D")]
_OTHERS = [c for c in ALL_CASES if c.op not in ("CONV_2D", "DEPTHWISE_CONV_2D")]
FALLBACK_BUNDLES = _chunks(_CONVS[::2] + _OTHERS[::6])


def _bundle_id(b):
    return f"{b[0].op}.{b[0].name}+{len(b) - 1}"


@pytest.mark.parametrize("core", ["cortex-m4", "cortex-m7", "cortex-m33"])
@pytest.mark.parametrize("bundle", M4_BUNDLES, ids=[_bundle_id(b) for b in M4_BUNDLES])
def test_cases_bit_exact_with_dsp(bundle, core):
    """Every case on the DSP cores: Armv7E-M (M4; M7 with its dual-issue timing and
    double-precision FPU build) and Armv8-M Mainline (M33)."""
    _check_bundle(bundle, core)


@pytest.mark.parametrize("core", ["cortex-m0plus", "cortex-m3"])
@pytest.mark.parametrize("bundle", FALLBACK_BUNDLES, ids=[_bundle_id(b) for b in FALLBACK_BUNDLES])
def test_cases_bit_exact_without_dsp(bundle, core):
    _check_bundle(bundle, core)


HOST_BUNDLES = _chunks(_CONVS)


def _dw_m0_extra():
    """DEPTHWISE_CONV_2D cases aimed at the Cortex-M0+ path (dw_s8_m0: interior runs in
    Thumb-1, border pixels over their valid rectangle, the last group of a channel count
    that is not a multiple of 4 moved back, fewer than 4 channels in C)."""
    rng = np.random.default_rng(4119)
    D = tc.dw_case
    cases = [
        D(rng, "m0_c5_moved_back_group", in_c=5, h=6, w=7),
        D(rng, "m0_c3_plain_c", in_c=3, h=5, w=5),
        D(rng, "m0_c9_s2_pad", in_c=9, h=9, w=8, stride=(2, 2)),
        D(rng, "m0_c4_w2_filter_wider_than_input", in_c=4, h=6, w=2, kh=3, kw=5),
        D(rng, "m0_c8_5x5_narrow_all_border", in_c=8, h=4, w=4, kh=5, kw=5),
        D(rng, "m0_c4_dil2_borders", in_c=4, h=7, w=8, dil=(2, 2)),
        D(rng, "m0_c4_s2_dil2_valid", in_c=4, h=11, w=11, stride=(2, 2), dil=(2, 2), padding="VALID"),
        D(rng, "m0_c12_no_bias_relu6", in_c=12, h=5, w=9, bias=False, act="RELU6"),
        D(rng, "m0_c8_2x7_s1x2", in_c=8, h=6, w=15, kh=2, kw=7, stride=(1, 2)),
        D(rng, "m0_c8_extremes", mode="extremes", in_c=8, h=6, w=6),
        D(rng, "m0_c4_8x8_taps64", in_c=4, h=9, w=9, kh=8, kw=8),
    ]
    c = D(rng, "m0_large_multiplier_c8", in_c=8, h=5, w=5, per_channel=False)
    c.output = c.output.with_(scale=float(np.float32(c.inputs[0].scale * c.inputs[1].scale / 0.4)))
    cases.append(c)
    return cases


def _fc_m0_extra():
    """FULLY_CONNECTED cases aimed at the Cortex-M0+ path (fc_s8_m0: four rows at a time
    in Thumb-1, entered part-way for depth % 4, a last group of 1-3 rows)."""
    rng = np.random.default_rng(4121)
    F = tc.fc_case
    cases = [
        F(rng, "m0_depth1_units1", in_shape=(1, 1), units=1),
        F(rng, "m0_depth5_units2", in_shape=(2, 5), units=2),
        F(rng, "m0_depth6_units3_no_bias", in_shape=(1, 6), units=3, bias=False),
        F(rng, "m0_depth9_units4", in_shape=(3, 9), units=4),
        F(rng, "m0_depth11_units6_per_channel", in_shape=(1, 11), units=6, per_channel=True),
        F(rng, "m0_depth128_units7_relu", in_shape=(1, 128), units=7, act="RELU"),
        F(rng, "m0_depth2_units13_no_bias_relu6", in_shape=(2, 2), units=13, bias=False,
          act="RELU6"),
        F(rng, "m0_extremes_depth31_units5", mode="extremes", in_shape=(2, 31), units=5),
        F(rng, "m0_extremes_per_channel_depth19", mode="extremes", in_shape=(1, 19), units=9,
          per_channel=True),
        F(rng, "m0_weights_zp_fallback", in_shape=(1, 13), units=5, w_zero_point=-4),
    ]
    for name, units, div in (("m0_large_multiplier_u3", 3, 0.7), ("m0_large_multiplier_u5", 5, 0.3)):
        c = F(rng, name, in_shape=(1, 21), units=units)
        c.output = c.output.with_(scale=float(np.float32(c.inputs[0].scale * c.inputs[1].scale / div)))
        cases.append(c)
    c = F(rng, "m0_large_multiplier_per_channel_no_bias", in_shape=(2, 10), units=6,
          per_channel=True, bias=False)
    c.output = c.output.with_(scale=float(np.float32(c.inputs[0].scale * np.max(c.inputs[1].scale) / 0.5)))
    cases.append(c)
    return cases


# every CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED case on the Cortex-M0+, whose
# ARMv6-M paths are hand-written Thumb-1 (channel pairs, groups of four channels, four
# rows at a time), and the cases aimed at those paths
M0_BUNDLES = [b for op, extra in (("CONV_2D", []), ("DEPTHWISE_CONV_2D", _dw_m0_extra()),
                                  ("FULLY_CONNECTED", _fc_m0_extra()))
              for b in _chunks([c for c in ALL_CASES if c.op == op] + [_from(c) for c in extra])]


@pytest.mark.parametrize("bundle", M0_BUNDLES, ids=[_bundle_id(b) for b in M0_BUNDLES])
def test_thumb1_paths_bit_exact_on_m0plus(bundle):
    _check_bundle(bundle, "cortex-m0plus")


@pytest.mark.parametrize("bundle", HOST_BUNDLES, ids=[_bundle_id(b) for b in HOST_BUNDLES])
def test_plain_c_paths_on_host_with_sanitizers(bundle):
    """The plain-C CONV_2D / DEPTHWISE_CONV_2D paths (what M0+ and M3 run) are also what
    the host build of the optimized kernels runs: every conv case there, under
    AddressSanitizer and UBSan (out-of-bounds reads, overflow)."""
    import host_runtime as hr
    feeds = [f for c in bundle for f in c.feeds]
    res = hr.run_host(_bundle(bundle), feeds, kernels="optimized", sanitize=True)
    assert res.ok, f"status {res.status}: {res.message} {res.stderr[-2000:]}"
    refs = run_reference(_bundle(bundle, use_ref_inputs=True), feeds)
    for c, o, r in zip(bundle, res.outputs, refs):
        np.testing.assert_array_equal(o, np.asarray(r), err_msg=f"{c.op} {c.name}")


def test_float_cases_use_the_reference_path_on_m4f():
    feeds = [f for c in FLOAT_CASES for f in c.feeds]
    ours = run_model(_bundle(FLOAT_CASES), "cortex-m4f", feeds, kernels="optimized", **BIG).outputs
    refs = run_reference(_bundle(FLOAT_CASES, use_ref_inputs=True), feeds)
    for c, o, r in zip(FLOAT_CASES, ours, refs):
        np.testing.assert_allclose(o, r, rtol=1e-5, atol=1e-5, err_msg=f"{c.op} {c.name}")


SOFTMAX_BUNDLES = _chunks([c for c in ALL_CASES if c.op == "SOFTMAX"])


@pytest.mark.parametrize("core", ["cortex-m0plus", "cortex-m3"])
@pytest.mark.parametrize("bundle", SOFTMAX_BUNDLES, ids=[_bundle_id(b) for b in SOFTMAX_BUNDLES])
def test_softmax_plain_c_path_bit_exact_without_dsp(bundle, core):
    """Without the DSP extension SOFTMAX runs the same steps in plain C (64-bit products,
    library calls on the M0+): every SOFTMAX case."""
    _check_bundle(bundle, core)


@pytest.mark.parametrize("bundle", SOFTMAX_BUNDLES, ids=[_bundle_id(b) for b in SOFTMAX_BUNDLES])
def test_softmax_plain_c_path_on_host_with_sanitizers(bundle):
    import host_runtime as hr
    feeds = [f for c in bundle for f in c.feeds]
    res = hr.run_host(_bundle(bundle), feeds, kernels="optimized", sanitize=True)
    assert res.ok, f"status {res.status}: {res.message} {res.stderr[-2000:]}"
    refs = run_reference(_bundle(bundle), feeds)
    for c, o, r in zip(bundle, res.outputs, refs):
        np.testing.assert_array_equal(o, np.asarray(r), err_msg=f"{c.op} {c.name}")


@pytest.mark.parametrize("core,fast", [("cortex-m4", "optimized-dsp"), ("cortex-m3", "optimized-c"),
                                       ("cortex-m0plus", "optimized-c")])
def test_softmax_kernel_paths(core, fast):
    """int8 -> int8 runs the optimized path; int8 -> int16, float32 and beta * input_scale
    below 2^-27 (a right-shift input multiplier, which the reference interpreter refuses;
    compared with our reference kernel set) run the reference code."""
    rng = np.random.default_rng(4107)
    x8 = rng.integers(-128, 128, size=(2, 10)).astype(np.int8)
    xf = (rng.standard_normal((2, 10)) * 3).astype(np.float32)
    q = lambda dtype, s, z: TensorSpec((2, 10), dtype, scale=s, zero_point=z)  # noqa: E731
    cases = [
        Case("s8", "SOFTMAX", [q(np.int8, 0.1, 3)], q(np.int8, 1 / 256, -128), {"beta": 1.0}, [x8]),
        Case("s8_s16", "SOFTMAX", [q(np.int8, 0.1, 3)], q(np.int16, 1 / 65536, -32768),
             {"beta": 1.0}, [x8]),
        Case("f32", "SOFTMAX", [TensorSpec((2, 10), np.float32)], TensorSpec((2, 10), np.float32),
             {"beta": 1.0}, [xf]),
        Case("tiny_beta", "SOFTMAX", [q(np.int8, 0.1, 3)], q(np.int8, 1 / 256, -128),
             {"beta": 1e-9}, [x8]),
    ]
    feeds = [c.feeds[0] for c in cases]
    opt = run_model(_bundle(cases), core, feeds, kernels="optimized", **BIG)
    ref = run_model(_bundle(cases), core, feeds, kernels="reference", **BIG)
    assert [op.kernel for op in opt.ops] == [fast, "reference", "reference", "reference"]
    for c, o, r in zip(cases, opt.outputs, ref.outputs):
        np.testing.assert_array_equal(o, r, err_msg=c.name)
    assert (opt.outputs[3] == -128 + 26).all()  # exp ~ 1 everywhere: 1/10 = 25.6/256


@pytest.mark.parametrize("core", ["cortex-m4", "cortex-m3"])
def test_depthwise_1d_kernel_paths(core):
    """k x 1 and 1 x k filters (depth multiplier 1, up to 32 taps) run the 1-D path with the
    DSP extension, long lines and few outputs per line alike, and the plain-C path without;
    depth multiplier 2 falls back to the reference code, and so do 33 taps with the DSP
    extension (the plain-C path takes up to 64); a 5x5 filter runs the general DSP path.
    Outputs bit-exact with the reference interpreter."""
    rng = np.random.default_rng(4109)
    D = tc.dw_case
    cases = [_from(c) for c in (
        D(rng, "5x1_long", h=30, w=1, in_c=8, kh=5, kw=1, padding="VALID"),
        D(rng, "1x7_long_c6", h=2, w=30, in_c=6, kh=1, kw=7),
        D(rng, "15x1_one_output", h=15, w=1, in_c=8, kh=15, kw=1, padding="VALID"),
        D(rng, "5x1_mult2", h=12, w=1, in_c=4, mult=2, kh=5, kw=1),
        D(rng, "33x1", h=40, w=1, in_c=4, kh=33, kw=1, padding="VALID"),
        D(rng, "5x5", h=8, w=8, in_c=4, kh=5, kw=5),
    )]
    feeds = [f for c in cases for f in c.feeds]
    res = run_model(_bundle(cases), core, feeds, kernels="optimized", **BIG)
    dsp = core == "cortex-m4"
    one_d = "optimized-dsp-1d" if dsp else "optimized-c"
    assert [op.kernel for op in res.ops] == [one_d, one_d, one_d, "reference",
                                             "reference" if dsp else "optimized-c",
                                             "optimized-dsp" if dsp else "optimized-c"]
    refs = run_reference(_bundle(cases, use_ref_inputs=True), feeds)
    for c, o, r in zip(cases, res.outputs, refs):
        np.testing.assert_array_equal(o, np.asarray(r), err_msg=c.name)


_SOFTMAX_STEPS_C = r"""
#include <stdio.h>
#include <string.h>
#include "optimized/softmax.c"

void mcu_platform_trace(uint32_t kind, uint32_t index) { (void)kind; (void)index; }

static uint64_t st = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) { st ^= st << 13; st ^= st >> 7; st ^= st << 17; return st; }

static int check_exp(int64_t a) {
  if (sm_exp_q5((int32_t)a) == kfp_exp_on_negative((int32_t)a, 5)) return 0;
  printf("exp a=%lld\n", (long long)a);
  return 1;
}
static int check_rcp(int64_t a) {
  if (sm_one_over_one_plus_x((int32_t)a) == kfp_one_over_one_plus_x((int32_t)a)) return 0;
  printf("reciprocal a=%lld\n", (long long)a);
  return 1;
}

int main(void) {
  int bad = 0;
  /* exp: a stride through every Q5 value <= 0, the small ones, and both sides of every
   * multiple of 2^20 (the quarter and the polynomial's boundaries) */
  for (int64_t a = INT32_MIN; a <= 0 && bad < 5; a += 61) bad += check_exp(a);
  for (int64_t a = -70000; a <= 0 && bad < 5; ++a) bad += check_exp(a);
  for (int64_t k = INT32_MIN; k <= 0 && bad < 5; k += 1 << 20)
    for (int64_t a = k - 3; a <= k + 3; ++a) if (a >= INT32_MIN && a <= 0) bad += check_exp(a);
  /* the reciprocal of 1 + a, a in [0, 2^31) */
  for (int64_t a = 0; a <= INT32_MAX && bad < 5; a += 59) bad += check_rcp(a);
  for (int64_t a = 0; a < 70000; ++a) bad += check_rcp(a) + check_rcp(INT32_MAX - a);
  /* one output from its exp, for every out_shift: exps on both sides of the rounding
   * thresholds of mul(scale, e) / 2^out_shift */
  for (int i = 0; i < 400 && bad < 5; ++i) {
    const int32_t scale = i < 2 ? (i ? INT32_MAX : 1 << 30) : (1 << 30) + (int32_t)(rnd() % (1u << 30));
    for (int32_t sh = 4; sh <= 31; ++sh) {
      const uint64_t bias = sm_out_bias(sh);
      for (int j = 0; j < 48; ++j) {
        const int64_t y = (int64_t)(rnd() % ((1ull << (31 - sh)) + 1)) * (1ll << sh) - (1ll << (sh - 1));
        const int64_t e0 = y * (1ll << 31) / scale;
        for (int64_t e = e0 - 3; e <= e0 + 3; ++e) {
          if (e < 0 || e > INT32_MAX) continue;
          int32_t v = mcu_rounding_divide_by_pot(mcu_sat_rounding_doubling_high_mul(scale, (int32_t)e), sh) - 128;
          v = v > 127 ? 127 : v;
          if (sm_out((uint32_t)e, 2u * (uint32_t)scale, bias, sh) != v) {
            printf("output e=%lld scale=%d shift=%d\n", (long long)e, scale, sh);
            ++bad;
          }
        }
      }
    }
  }
  /* whole rows against the reference kernel: random multipliers (shift 0 .. 31) */
  static int8_t in[3 * 1100], o_ref[3 * 1100], o_opt[3 * 1100];
  for (int it = 0; it < 20000 && bad < 5; ++it) {
    const double real = ldexp(1.0 + (double)(rnd() % 1000) / 1000.0, (int)(rnd() % 33) - 1);
    int32_t mult;
    int shift;
    mcu_quantize_multiplier(real > 2147483647.0 ? 2147483647.0 : real, &mult, &shift);
    if (shift < 0) continue;
    const double radius = 31.0 * 67108864.0 / ldexp(1.0, shift);
    const k_softmax_params p = {mult, shift, shift >= 31 ? 0 : -(int32_t)radius};
    const int32_t depth = 1 + (int32_t)(rnd() % (it % 64 == 0 ? 1100 : 40)), rows = 1 + (int32_t)(rnd() % 3);
    const int kind = (int)(rnd() % 4);
    for (int32_t i = 0; i < rows * depth; ++i) {
      const uint64_t v = rnd();
      in[i] = (int8_t)(kind == 0 ? (int)(v % 256) - 128 : kind == 1 ? 100 + (int)(v % 28)
                       : kind == 2 ? ((v % 8) ? -128 : 127) : 127 - (int)(v % 4));
    }
    k_softmax_s8_ref(&p, in, o_ref, rows, depth);
    k_softmax_s8(&p, in, o_opt, rows, depth);
    if (memcmp(o_ref, o_opt, (size_t)(rows * depth)) != 0) {
      printf("rows differ: multiplier %d shift %d depth %d\n", mult, shift, depth);
      ++bad;
    }
  }
  /* rows long enough for the Q12 sum to wrap (8192 entries at the maximum: sum 0) */
  static int8_t lin[8200], lo_ref[8200], lo_opt[8200];
  const k_softmax_params p = {1518500250, 20, -(int32_t)(31.0 * 67108864.0 / 1048576.0)};
  for (int32_t depth = 8190; depth <= 8200; ++depth) {
    memset(lin, 5, sizeof lin);
    lin[depth / 2] = 4;
    k_softmax_s8_ref(&p, lin, lo_ref, 1, depth);
    k_softmax_s8(&p, lin, lo_opt, 1, depth);
    if (memcmp(lo_ref, lo_opt, (size_t)depth) != 0) {
      printf("long row differs: depth %d\n", depth);
      ++bad;
    }
  }
  printf("%s\n", bad ? "MISMATCH" : "OK");
  return bad != 0;
}
"""


def test_softmax_steps_match_the_reference_arithmetic(tmp_path):
    """Whole int8 outputs rarely show a one-step difference inside the exp or the
    reciprocal, so the optimized kernel's steps (the plain-C forms; the DSP forms compute
    the same expressions with SMMULR / SMMLSR) are compared with the reference functions
    (k_fixedpoint.h, softmax_ref.h) on the host: the exp on a stride through every Q5
    input <= 0 plus boundaries, the reciprocal likewise, and whole rows for random
    multipliers, under UBSan."""
    import shutil
    import subprocess
    cc = __import__("os").environ.get("MCUSIM_HOST_CC", "gcc")
    if shutil.which(cc) is None:
        pytest.skip(f"no host compiler {cc}")
    kernels = Path(__file__).resolve().parents[1] / "kernels"
    src = tmp_path / "softmax_steps.c"
    src.write_text(_SOFTMAX_STEPS_C)
    exe = tmp_path / "softmax_steps"
    r = subprocess.run([cc, "-std=c99", "-O2", "-DMCU_HOST", "-fsanitize=undefined",
                        "-fno-sanitize-recover=all", f"-I{kernels}", f"-I{kernels / 'include'}",
                        str(src), str(kernels / "reference" / "mcu_math.c"),
                        str(kernels / "runtime" / "quant.c"), "-lm", "-o", str(exe)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([str(exe)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and r.stdout.strip().endswith("OK"), r.stdout + r.stderr


# --------------------------------------------------------------------------- whole models

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/models is not beside the repo")
MODELS = ["mlperf_tiny/kws_ref_model", "mlperf_tiny/vww_96_int8", "mlperf_tiny/pretrainedResnet_quant",
          "mlperf_tiny/ad01_int8", "mlperf_tiny/str_ww_ref_model", "tflm_examples/hello_world_int8"]


_TFLM_OUTPUTS: dict = {}


def _tflm_outputs(name, inputs):
    """The tflite-micro interpreter's outputs for these inputs (once per model)."""
    if name not in _TFLM_OUTPUTS:
        from tflite_micro.python.tflite_micro import runtime as tflm
        interp = tflm.Interpreter.from_file(str(SHARED / f"{name}.tflite"))
        for i, x in enumerate(inputs):
            interp.set_input(x, i)
        interp.invoke()
        _TFLM_OUTPUTS[name] = [interp.get_output(i) for i in range(len(read_model(SHARED / f"{name}.tflite")[1].outputs))]
    return _TFLM_OUTPUTS[name]


@needs_shared
@pytest.mark.parametrize("core", ["cortex-m0plus", "cortex-m3", "cortex-m4f", "cortex-m7", "cortex-m33", "cortex-m33f"])
@pytest.mark.parametrize("name", MODELS)
def test_int8_models_bit_exact_on_every_core(name, core):
    """Every int8 model in ../shared/models with the optimized kernel set on every core
    (cortex-m4 in test_run_model.py): the DSP code built for Armv7E-M (M4F; M7 with its
    double-precision FPU) and Armv8-M Mainline (M33), the plain-C paths on M0+ and M3."""
    path = SHARED / f"{name}.tflite"
    inputs = random_inputs(read_model(path)[1], 5)
    result = run_model(path, core, inputs, kernels="optimized", **BIG)
    for ours, ref in zip(result.outputs, _tflm_outputs(name, inputs), strict=True):
        np.testing.assert_array_equal(ours, ref, err_msg=f"{name} on {core}")


# --------------------------------------------------------------------------- k_rq's identity


def _tflite_requant(a, m, e):
    """TFLite's MultiplyByQuantizedMultiplier(a, m, -e) for e >= 0, as mcu_quant.h states
    it: saturating rounding doubling high multiply (nudge, truncation toward zero), then
    a rounding right shift (ties away from zero). int64 arrays; |a*m| < 2^62."""
    ab = a * m
    v = ab + np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    y = np.where(v >= 0, v >> 31, -((-v) >> 31))
    mask = (np.int64(1) << e) - 1
    thr = (mask >> 1) + (y < 0)
    return (y >> e) + ((y & mask) > thr)


def _k_rq(a, m, e):
    """k_arm_dsp.h's k_rq: the high word of a*m + lo + (rh + (a >> 31)) * 2^32, shifted by
    e - 1, with lo = 0x40000000 | (a & 0x80000000) and rh = 2^(e-2)."""
    lo = 0x40000000 | ((a >> 31) & 0x80000000)
    hi = (np.int64(1) << (e - 2)) + (a >> 31)
    return ((hi << 32) + lo + a * m) >> 32 >> (e - 1)


def test_k_rq_identity_matches_the_tflite_rule():
    """The closed form the optimized kernels requantize with equals the two-step TFLite
    rule for shift <= -2: random operands over the whole int32 range, small
    accumulators, and every accumulator in [-4096, 4096) against multipliers that make
    rounding ties (powers of two) at every shift."""
    rng = np.random.default_rng(77)
    n = 1_000_000
    a = np.concatenate([rng.integers(-2**31, 2**31, n), rng.integers(-70000, 70000, n),
                        [-2**31, 2**31 - 1, -1, 0, 1]]).astype(np.int64)
    m = rng.integers(2**30, 2**31, a.size, dtype=np.int64)
    m[::5] = rng.choice(np.array([0, 2**30, 2**30 + 1, 3 * 2**29, 2**31 - 1]), m[::5].size)
    e = rng.integers(2, 32, a.size, dtype=np.int64)
    ties_a = np.repeat(np.arange(-4096, 4096, dtype=np.int64), 30)
    ties_e = np.tile(np.arange(2, 32, dtype=np.int64), 8192)
    a, m, e = np.concatenate([a, ties_a]), np.concatenate([m, np.full(ties_a.size, 2**30)]), \
        np.concatenate([e, ties_e])
    got, want = _k_rq(a, m, e), _tflite_requant(a, m, e)
    bad = np.nonzero(got != want)[0]
    assert bad.size == 0, f"first mismatch: a={a[bad[0]]} m={m[bad[0]]} e={e[bad[0]]}"


# --------------------------------------------------------------------------- no DSP without DSP

# DSP-extension (Armv7E-M) instructions: SIMD add/sub, saturating, packing, extend-16 and
# the dual/halfword multiplies. SSAT/USAT, SMULL/SMLAL and SDIV are base Armv7-M.
DSP_MNEMONICS = {
    "smlad", "smladx", "smlald", "smlaldx", "smlsd", "smlsdx", "smlsld", "smlsldx", "smuad",
    "smuadx", "smusd", "smusdx", "smlabb", "smlabt", "smlatb", "smlatt", "smlawb", "smlawt",
    "smulbb", "smulbt", "smultb", "smultt", "smulwb", "smulwt", "smlalbb", "smlalbt",
    "smlaltb", "smlaltt", "smmul", "smmulr", "smmla", "smmlar", "smmls", "smmlsr",
    "sxtb16", "sxtab16", "uxtb16", "uxtab16", "sxtab", "sxtah", "uxtab", "uxtah", "sel",
    "sadd8", "sadd16", "ssub8", "ssub16", "uadd8", "uadd16", "usub8", "usub16", "qadd",
    "qsub", "qdadd", "qdsub", "qadd8", "qadd16", "qsub8", "qsub16", "pkhbt", "pkhtb",
    "ssat16", "usat16", "usad8", "usada8", "shadd8", "shadd16", "uhadd8", "uhadd16",
}


def _code_spans(image):
    """(address, bytes) of every code span ($t to the next mapping symbol) of an image."""
    marks = image.mapping
    spans = []
    for seg in image.segments:
        if not seg.executable:
            continue
        end = seg.vaddr + len(seg.data)
        inside = [(a, k) for a, k in marks if seg.vaddr <= a < end]
        for i, (a, k) in enumerate(inside):
            if k != "t":
                continue
            stop = inside[i + 1][0] if i + 1 < len(inside) else end
            spans.append((a, seg.data[a - seg.vaddr:stop - seg.vaddr]))
    return spans


@pytest.mark.parametrize("core", ["cortex-m0plus", "cortex-m3"])
def test_no_dsp_instruction_in_images_for_cores_without_dsp(core):
    """The whole optimized image for a core without the DSP extension decodes to no DSP
    instruction (so none can execute), and it has the optimized kernels' symbols."""
    import capstone
    from mcusim.cores import get_core
    from mcusim.elfimage import ElfImage
    from mcusim.firmware import build_firmware
    image = ElfImage(build_firmware(get_core(core), kernels="optimized").elf)
    assert "k_conv_2d_s8" in image.symbols and "k_add_s8" in image.symbols
    md = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
    md.skipdata = True
    found = {}
    for address, code in _code_spans(image):
        for insn in md.disasm(code, address):
            m = insn.mnemonic.split(".")[0]
            if m in DSP_MNEMONICS:
                found.setdefault(m, image.describe(insn.address))
    assert not found, f"{core}: DSP instructions in the optimized image: {found}"


def test_dsp_instructions_present_for_cortex_m4():
    """The same check sees the DSP code of the cortex-m4 image (it is not vacuous)."""
    import capstone
    from mcusim.cores import get_core
    from mcusim.elfimage import ElfImage
    from mcusim.firmware import build_firmware
    image = ElfImage(build_firmware(get_core("cortex-m4"), kernels="optimized").elf)
    md = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
    md.skipdata = True
    seen = set()
    for address, code in _code_spans(image):
        seen |= {i.mnemonic.split(".")[0] for i in md.disasm(code, address)} & DSP_MNEMONICS
    assert {"smlad", "sxtb16", "sxtab16", "sel", "ssub8", "smmulr"} <= seen
