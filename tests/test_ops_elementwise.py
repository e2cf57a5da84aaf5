"""Conformance of the elementwise and tensor-manipulation operators against the
tflite-micro reference interpreter: ADD, SUB, MUL, MEAN, PAD, CONCATENATION,
STRIDED_SLICE, TRANSPOSE, RESHAPE, SQUEEZE.

Every case is a single-operator model (mcusim.modelgen) run once through the host build
of our runtime (host_runtime.run_host) and once through the reference interpreter.
int8 and int32 outputs must be bit-exact; float32 outputs must satisfy

    |ours - ref| <= FLOAT_ATOL + FLOAT_RTOL * |ref|      (FLOAT_RTOL = FLOAT_ATOL = 1e-6)

(the float kernels do the reference's operations in the reference's order, so on the
host they match exactly; the tolerance only leaves room for a compiler's FMA
contraction on a core with an FPU).

Cases come from seeded numpy RNGs: ranks 1-6, NumPy broadcasting, fused activations,
random per-tensor quantization with edge values (-128 / 127, extreme zero points and
scale ratios), negative axes, masks and strides, constant second operands.

Behaviour of the reference these tests pin down (see also the glue files' comments):
* int32 ADD ignores its fused activation; int32 SUB and MUL apply it; int32 arithmetic
  wraps.
* int8 CONCATENATION with an input quantized differently from the output is refused by
  the reference; we requantize with TFLite's rule, checked here against numpy.
* int8 PAD copies the data unchanged even when the output scale differs, padding with
  the output zero point.
* STRIDED_SLICE's ellipsis_mask, new_axis_mask and offset are ignored by the reference
  (wrong shapes); we refuse them.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

import host_runtime as hr
from mcusim.modelgen import TensorSpec, run_reference, single_op_model

FLOAT_RTOL = 1e-6
FLOAT_ATOL = 1e-6

ACTS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]


@dataclasses.dataclass
class Case:
    name: str
    op: str
    inputs: list  # TensorSpec | None
    output: TensorSpec
    options: dict
    feeds: list  # np.ndarray per non-constant input
    expect: Any = None  # expected outputs when the reference cannot run the model

    def model(self) -> bytes:
        return single_op_model(self.op, self.inputs, [self.output], self.options)


def _assert_same(ours: np.ndarray, ref: np.ndarray, where: str) -> None:
    assert ours.dtype == ref.dtype, where
    assert ours.shape == ref.shape, f"{where}: shape {ours.shape} != reference {ref.shape}"
    if ours.dtype.kind == "f":
        np.testing.assert_allclose(ours, ref, rtol=FLOAT_RTOL, atol=FLOAT_ATOL, err_msg=where)
    else:
        if not np.array_equal(ours, ref):
            diff = np.abs(ours.astype(np.int64) - ref.astype(np.int64))
            raise AssertionError(
                f"{where}: {int((diff != 0).sum())} of {diff.size} elements differ, "
                f"max |diff| {int(diff.max())}"
            )


def check(case: Case) -> None:
    model = case.model()
    res = hr.run_host(model, case.feeds)
    assert res.ok, f"{case.name}: status {res.status}: {res.message}"
    if case.expect is not None:
        refs = case.expect
    else:
        refs = run_reference(model, case.feeds)
    assert len(res.outputs) == len(refs)
    for ours, ref in zip(res.outputs, refs):
        _assert_same(ours, np.asarray(ref), case.name)


# --------------------------------------------------------------------------- helpers


def _quant(rng, lo=0.003, hi=0.5, zp=(-128, 127)):
    scale = float(np.float32(np.exp(rng.uniform(np.log(lo), np.log(hi)))))
    return {"scale": scale, "zero_point": int(rng.integers(zp[0], zp[1] + 1))}


def _data(rng, shape, dtype, edges=True):
    dt = np.dtype(dtype)
    shape = tuple(shape)
    if dt == np.int8:
        a = rng.integers(-128, 128, size=shape).astype(np.int8)
        if edges and a.size >= 4:
            flat = a.reshape(-1)
            flat[0], flat[-1] = -128, 127
        return a
    if dt == np.int32:
        return rng.integers(-100000, 100001, size=shape).astype(np.int32)
    if dt == np.int16:
        return rng.integers(-32768, 32768, size=shape).astype(np.int16)
    return rng.uniform(-8.0, 8.0, size=shape).astype(np.float32)


def _spec(shape, dtype, q=None, data=None):
    q = q or {}
    return TensorSpec(tuple(shape), dtype, data=data, **q)


def _ids(cases):
    return [c.name for c in cases]


# --------------------------------------------------------------------------- ADD/SUB/MUL

# (shape1, shape2) pairs; the output is their broadcast
_BIN_SHAPES = [
    ((7,), (7,)),
    ((3, 5), (3, 5)),
    ((2, 3, 4), (2, 3, 4)),
    ((2, 4, 4, 3), (2, 4, 4, 3)),
    ((2, 2, 3, 2, 3), (2, 2, 3, 2, 3)),
    ((1, 4, 4, 8), (8,)),
    ((1, 4, 4, 8), (1, 1, 1, 8)),
    ((2, 1, 4, 1), (1, 3, 1, 5)),
    ((3, 1), (1, 4)),
    ((1,), (2, 3)),
    ((), (3, 4)),
    ((3, 4), ()),
    ((2, 3, 1, 4, 1), (3, 5, 1, 6)),
    ((2, 1, 3, 1, 2, 2), (1, 2, 1, 2, 1, 2)),
    ((4, 1, 5), (4, 6, 5)),
    ((1, 6, 6, 16), (1, 6, 6, 1)),
]


def _bin_cases(op: str) -> list[Case]:
    rng = np.random.default_rng({"ADD": 11, "SUB": 12, "MUL": 13}[op])
    cases = []
    for i, (s1, s2) in enumerate(_BIN_SHAPES):
        out_shape = np.broadcast_shapes(s1, s2)
        for dtype in (np.int8, np.float32, np.int32):
            act = ACTS[(i + {np.int8: 0, np.float32: 1, np.int32: 2}[dtype]) % 4]
            const2 = i % 5 == 3
            if dtype == np.int8:
                q1, q2 = _quant(rng), _quant(rng)
                if op == "MUL":
                    qo = _quant(rng, 0.002, 2.0)
                else:
                    qo = _quant(rng, 0.005, 1.0)
            else:
                q1 = q2 = qo = None
            d1, d2 = _data(rng, s1, dtype), _data(rng, s2, dtype)
            if dtype == np.int32 and op == "MUL":
                d1 = rng.integers(-70000, 70001, size=s1).astype(np.int32)  # products wrap
            in2 = _spec(s2, dtype, q2, data=d2 if const2 else None)
            feeds = [d1] if const2 else [d1, d2]
            name = f"{op}-{np.dtype(dtype).name}-{s1}x{s2}-{act}{'-const' if const2 else ''}"
            cases.append(Case(name, op, [_spec(s1, dtype, q1), in2], _spec(out_shape, dtype, qo),
                              {"fused_activation_function": act}, feeds))
    # int8 edge quantization: extreme scale ratios, zero points at the ends of the range
    for j, (qa, qb, qo) in enumerate([
        ({"scale": 1.0, "zero_point": -128}, {"scale": 0.001, "zero_point": 127},
         {"scale": 0.0005, "zero_point": 0}),
        ({"scale": 0.02, "zero_point": 127}, {"scale": 0.02, "zero_point": 127},
         {"scale": 0.04, "zero_point": -128}),
        ({"scale": 0.5, "zero_point": 0}, {"scale": 0.25, "zero_point": 0},
         {"scale": 8.0, "zero_point": 0}),
        ({"scale": 0.007, "zero_point": -5}, {"scale": 0.3, "zero_point": 10},
         {"scale": 0.0001, "zero_point": 3}),
    ]):
        shape = (4, 64)
        d1 = np.tile(np.arange(-128, 128, dtype=np.int16), 1)[:256].reshape(shape).astype(np.int8)
        d2 = rng.permutation(d1.reshape(-1)).reshape(shape).astype(np.int8)
        for act in ("NONE", "RELU6"):
            cases.append(Case(f"{op}-int8-edgeq{j}-{act}", op, [_spec(shape, np.int8, qa),
                              _spec(shape, np.int8, qb)], _spec(shape, np.int8, qo),
                              {"fused_activation_function": act}, [d1, d2]))
    # random int8 cases: random ranks 1-5, random broadcasting, random quantization
    for j in range(25):
        nd = int(rng.integers(1, 6))
        full = [int(rng.integers(1, 6)) for _ in range(nd)]
        s1 = tuple(1 if rng.random() < 0.3 else n for n in full)
        s2 = tuple(1 if rng.random() < 0.3 else n for n in full)[int(rng.integers(0, nd)):]
        if rng.random() < 0.5:
            s1, s2 = s2, s1
        out_shape = np.broadcast_shapes(s1, s2)
        act = ACTS[j % 4]
        qo = _quant(rng, 0.002, 2.0) if op == "MUL" else _quant(rng, 0.005, 1.0)
        cases.append(Case(f"{op}-int8-rand{j}-{s1}x{s2}-{act}", op,
                          [_spec(s1, np.int8, _quant(rng)), _spec(s2, np.int8, _quant(rng))],
                          _spec(out_shape, np.int8, qo), {"fused_activation_function": act},
                          [_data(rng, s1, np.int8), _data(rng, s2, np.int8)]))
    # int32 overflow values
    big = np.array([2**31 - 1, -(2**31), 65536, -65536, 46341, -1, 0, 7], np.int32)
    other = np.array([3, -1, 65536, 65537, 46341, -(2**31), 2**31 - 1, -9], np.int32)
    for act in ("NONE", "RELU"):
        cases.append(Case(f"{op}-int32-wrap-{act}", op, [_spec((8,), np.int32),
                          _spec((8,), np.int32)], _spec((8,), np.int32),
                          {"fused_activation_function": act}, [big, other]))
    return cases


_ADD_CASES = _bin_cases("ADD")
_SUB_CASES = _bin_cases("SUB")
_MUL_CASES = _bin_cases("MUL")


@pytest.mark.parametrize("case", _ADD_CASES, ids=_ids(_ADD_CASES))
def test_add(case):
    check(case)


@pytest.mark.parametrize("case", _SUB_CASES, ids=_ids(_SUB_CASES))
def test_sub(case):
    check(case)


@pytest.mark.parametrize("case", _MUL_CASES, ids=_ids(_MUL_CASES))
def test_mul(case):
    check(case)


# --------------------------------------------------------------------------- MEAN


def _mean_cases() -> list[Case]:
    rng = np.random.default_rng(21)
    cases = []
    fixed = [((1, 7, 7, 16), [1, 2]), ((2, 5, 5, 3), [2, 1]), ((1, 10, 10, 8), [1, 2]),
             ((3, 4), [0, 1]), ((6,), [0]), ((2, 3, 4), [-1]), ((2, 3, 4, 5), [0, 3]),
             ((2, 3, 4, 5), [1, 1, -3]), ((2, 3, 4, 5, 2), [1, 3]), ((4, 1, 3), [1]),
             ((1, 49, 10), [1]), ((2, 3, 4), [])]
    for i in range(40):
        if i < len(fixed):
            shape, axes = fixed[i]
        else:
            nd = int(rng.integers(1, 6))
            shape = tuple(int(rng.integers(1, 7)) for _ in range(nd))
            k = int(rng.integers(1, nd + 1))
            axes = [int(a) for a in rng.choice(nd, k, replace=False)]
            axes = [a - nd if rng.random() < 0.3 else a for a in axes]
        nd = len(shape)
        red = {a % nd for a in axes}
        for dtype in (np.int8, np.float32):
            keep = bool((i + (dtype == np.float32)) % 2)
            oshape = tuple(1 if d in red else s for d, s in enumerate(shape)) if keep else \
                tuple(s for d, s in enumerate(shape) if d not in red)
            if dtype == np.int8:
                qi = _quant(rng)
                qo = dict(qi) if i % 4 == 0 else _quant(rng, 0.002, 0.6)
            else:
                qi = qo = None
            axis_t = TensorSpec((len(axes),), np.int32, data=np.array(axes, np.int32))
            cases.append(Case(f"MEAN-{np.dtype(dtype).name}-{shape}-ax{axes}-keep{int(keep)}"
                              f"{'-sameq' if dtype == np.int8 and qo == qi else ''}", "MEAN",
                              [_spec(shape, dtype, qi), axis_t], _spec(oshape, dtype, qo),
                              {"keep_dims": keep}, [_data(rng, shape, dtype)]))
    # large reductions: the count folded into the multiplier, extreme values
    for n, q in ((1000, {"scale": 0.05, "zero_point": -128}), (4096, {"scale": 0.01, "zero_point": 127})):
        shape = (1, n, 3)
        d = np.full(shape, 127, np.int8)
        d[0, ::3, :] = -128
        qo = {"scale": 0.003, "zero_point": 2}
        cases.append(Case(f"MEAN-int8-big{n}", "MEAN", [_spec(shape, np.int8, q),
                          TensorSpec((1,), np.int32, data=np.array([1], np.int32))],
                          _spec((1, 3), np.int8, qo), {"keep_dims": False}, [d]))
    return cases


_MEAN_CASES = _mean_cases()


@pytest.mark.parametrize("case", _MEAN_CASES, ids=_ids(_MEAN_CASES))
def test_mean(case):
    check(case)


# --------------------------------------------------------------------------- PAD


def _pad_cases() -> list[Case]:
    rng = np.random.default_rng(31)
    cases = []
    shapes = [(5,), (3, 4), (2, 3, 4), (1, 5, 5, 3), (2, 3, 2, 2, 3), (1, 8, 8, 4)]
    for i in range(30):
        shape = shapes[i % len(shapes)]
        nd = len(shape)
        pads = rng.integers(0, 3, size=(nd, 2)).astype(np.int32)
        if i % 5 == 0:
            pads[:] = 0
            pads[-2 if nd > 1 else 0] = [1, 2]
        if i % 7 == 3:
            pads[-1] = [0, 0]
        dtype = [np.int8, np.float32, np.int32][i % 3]
        q = _quant(rng) if dtype == np.int8 else None
        oshape = tuple(int(s + a + b) for s, (a, b) in zip(shape, pads))
        cases.append(Case(f"PAD-{np.dtype(dtype).name}-{shape}-{pads.tolist()}", "PAD",
                          [_spec(shape, dtype, q), TensorSpec((nd, 2), np.int32, data=pads)],
                          _spec(oshape, dtype, q), {}, [_data(rng, shape, dtype)]))
    # int8 output quantization differs: data copied, pad value = output zero point
    shape = (1, 3, 3, 2)
    pads = np.array([[0, 0], [1, 1], [2, 0], [0, 1]], np.int32)
    oshape = (1, 5, 5, 3)
    cases.append(Case("PAD-int8-outq-differs", "PAD",
                      [_spec(shape, np.int8, {"scale": 0.1, "zero_point": 0}),
                       TensorSpec((4, 2), np.int32, data=pads)],
                      _spec(oshape, np.int8, {"scale": 0.2, "zero_point": -77}), {},
                      [_data(rng, shape, np.int8)]))
    return cases


_PAD_CASES = _pad_cases()


@pytest.mark.parametrize("case", _PAD_CASES, ids=_ids(_PAD_CASES))
def test_pad(case):
    check(case)


# --------------------------------------------------------------------------- CONCATENATION


def _requant_concat(xs, qs, qo, axis):
    """TFLite's rule for a differently quantized int8 input, in float32."""
    outs = []
    inv = np.float32(1.0) / np.float32(qo["scale"])
    for x, q in zip(xs, qs):
        if q["scale"] == qo["scale"] and q["zero_point"] == qo["zero_point"]:
            outs.append(x)
            continue
        s = np.float32(q["scale"]) * inv
        b = np.float32(-q["zero_point"]) * s
        v = (x.astype(np.float32) * s).astype(np.float32) + b
        r = np.sign(v) * np.floor(np.abs(v) + np.float32(0.5))
        outs.append(np.clip(r.astype(np.int64) + qo["zero_point"], -128, 127).astype(np.int8))
    return np.concatenate(outs, axis=axis)


def _concat_cases() -> list[Case]:
    rng = np.random.default_rng(41)
    cases = []
    for i in range(30):
        nd = int(rng.integers(1, 6))
        base = [int(rng.integers(1, 5)) for _ in range(nd)]
        axis = int(rng.integers(0, nd))
        n_in = int(rng.integers(1, 5))
        shapes = []
        for _ in range(n_in):
            s = list(base)
            s[axis] = int(rng.integers(1, 4))
            shapes.append(tuple(s))
        oshape = list(base)
        oshape[axis] = sum(s[axis] for s in shapes)
        opt_axis = axis - nd if i % 3 == 1 else axis
        dtype = [np.int8, np.float32, np.int32][i % 3]
        q = _quant(rng) if dtype == np.int8 else None
        feeds = [_data(rng, s, dtype) for s in shapes]
        const_first = i % 4 == 2
        ins = [_spec(s, dtype, q, data=feeds[0] if (j == 0 and const_first) else None)
               for j, s in enumerate(shapes)]
        cases.append(Case(f"CONCATENATION-{np.dtype(dtype).name}-{shapes}-axis{opt_axis}"
                          f"{'-const' if const_first else ''}", "CONCATENATION", ins,
                          _spec(oshape, dtype, q), {"axis": opt_axis},
                          feeds[1:] if const_first else feeds))
    # int8 with differing input quantization (the reference refuses; numpy expects)
    for j in range(4):
        shapes = [(2, 3, 4), (2, 1, 4), (2, 2, 4)]
        qs = [_quant(rng) for _ in shapes]
        qo = _quant(rng) if j else dict(qs[0])  # j == 0: first input shares the output's
        feeds = [_data(rng, s, np.int8) for s in shapes]
        cases.append(Case(f"CONCATENATION-int8-diffq{j}", "CONCATENATION",
                          [_spec(s, np.int8, q) for s, q in zip(shapes, qs)],
                          _spec((2, 6, 4), np.int8, qo), {"axis": 1}, feeds,
                          expect=[_requant_concat(feeds, qs, qo, 1)]))
    return cases


_CONCAT_CASES = _concat_cases()


@pytest.mark.parametrize("case", _CONCAT_CASES, ids=_ids(_CONCAT_CASES))
def test_concatenation(case):
    check(case)


def test_concatenation_diffq_refused_by_reference():
    """The reason the differing-quantization cases use a numpy expectation."""
    case = next(c for c in _CONCAT_CASES if c.name == "CONCATENATION-int8-diffq1")
    with pytest.raises(RuntimeError):
        run_reference(case.model(), case.feeds)


# --------------------------------------------------------------------------- STRIDED_SLICE


def _slice_expected_shape(shape, begin, end, strides, bm, em, sm):
    """Output shape under TFLite's rules (numpy slicing plus shrink)."""
    out = []
    for d, n in enumerate(shape):
        if d >= len(begin):
            out.append(n)
            continue
        s = strides[d]
        b = None if (bm >> d) & 1 else begin[d]
        e = None if (em >> d) & 1 else end[d]
        if (sm >> d) & 1:
            continue
        out.append(len(range(n)[slice(b, e, s)]))
    return tuple(out)


def _slice_numpy(x, begin, end, strides, bm, em, sm):
    idx = []
    for d in range(x.ndim):
        if d >= len(begin):
            idx.append(slice(None))
        elif (sm >> d) & 1:
            idx.append(begin[d])
        else:
            idx.append(slice(None if (bm >> d) & 1 else begin[d],
                             None if (em >> d) & 1 else end[d], strides[d]))
    return np.array(x[tuple(idx)])


def _slice_cases() -> list[Case]:
    rng = np.random.default_rng(51)
    cases = []
    fixed = [
        ((4, 5), [1, 1], [3, 4], [1, 1], 0, 0, 0),
        ((4, 5), [3, -1], [-5, -6], [-1, -2], 0, 0, 0),
        ((4, 5), [-1, 1], [0, 4], [1, 1], 0, 0, 1),
        ((1, 8, 8, 3), [0, 1, 0, 0], [1, 7, 8, 3], [1, 2, 3, 1], 0, 0, 0),
        ((1, 8, 8, 3), [0, 0, 0, 1], [0, 0, 0, 2], [1, 1, 1, 1], 7, 7, 8),
        ((2, 3, 4), [0, 0, 0], [0, 0, 0], [1, 1, 1], 7, 7, 0),
        ((2, 3, 4), [1, 0, 0], [2, 3, 4], [1, 1, 1], 0, 0, 1),
        ((6, 6), [10, -10], [-10, 10], [-1, 1], 0, 0, 0),
        ((3, 4, 5), [0, 1], [3, 3], [1, 1], 0, 0, 0),  # shorter begin/end than rank
        ((2, 3, 4, 5, 2), [1, 0, 3, 4, 0], [2, 3, 0, 0, 2], [1, 2, -1, -2, 1], 0, 0, 1),
        ((2, 2, 3, 2, 2, 4), [0, 0, 0, 0, 0, 3], [2, 2, 3, 2, 2, 0], [1, 1, 2, 1, 1, -1], 0, 0, 0),
    ]
    for i in range(50):
        if i < len(fixed):
            shape, begin, end, strides, bm, em, sm = fixed[i]
        else:
            nd = int(rng.integers(1, 5)) if i % 5 else 5  # the reference handles rank <= 4
            shape = tuple(int(rng.integers(1, 7)) for _ in range(nd))
            begin, end, strides = [], [], []
            for n in shape:
                s = int(rng.choice([1, 1, 2, 3, -1, -2]))
                if rng.random() < 0.25:  # anywhere, often out of range or empty
                    b, e = int(rng.integers(-n - 2, n + 2)), int(rng.integers(-n - 2, n + 2))
                else:  # a non-empty run, begin and end sometimes counted from the end
                    b = int(rng.integers(0, n))
                    e = b + s * int(rng.integers(1, n + 1))
                    if e < 0:
                        e = -n - 1 - int(rng.integers(0, 2))
                    elif rng.random() < 0.3 and e < n:
                        e -= n
                    if rng.random() < 0.3:
                        b -= n
                begin.append(b)
                end.append(e)
                strides.append(s)
            bm = int(rng.integers(0, 1 << nd))
            em = int(rng.integers(0, 1 << nd))
            sm = 0
            if rng.random() < 0.4:  # shrink one in-range axis with a positive stride
                d = int(rng.integers(0, nd))
                begin[d] = int(rng.integers(-shape[d], shape[d]))
                strides[d] = 1
                bm &= ~(1 << d)
                sm = 1 << d
        oshape = _slice_expected_shape(shape, begin, end, strides, bm, em, sm)
        dtype = [np.float32, np.int8, np.int32][i % 3]
        q = {"scale": 0.1, "zero_point": 3} if dtype == np.int8 else None
        k = len(begin)
        prm = [TensorSpec((k,), np.int32, data=np.array(v, np.int32)) for v in (begin, end, strides)]
        name = f"STRIDED_SLICE-{np.dtype(dtype).name}-{shape}-b{begin}-e{end}-s{strides}-m{bm},{em},{sm}"
        x = _data(rng, shape, dtype)
        # the reference handles rank <= 4, full-length begin/end/strides and non-empty
        # outputs only; other cases are checked against numpy slicing
        expect = None
        if len(shape) > 4 or k < len(shape) or 0 in oshape:
            expect = [_slice_numpy(x, begin, end, strides, bm, em, sm)]
        cases.append(Case(name, "STRIDED_SLICE", [_spec(shape, dtype, q), *prm],
                          _spec(oshape, dtype, q),
                          {"begin_mask": bm, "end_mask": em, "shrink_axis_mask": sm},
                          [x], expect=expect))
    return cases


_SLICE_CASES = _slice_cases()


def test_strided_slice_numpy_model_agrees_with_reference():
    """The numpy expectation used above for cases the reference cannot run is the same
    rule the reference applies, on every case it can run."""
    n = 0
    for c in _SLICE_CASES:
        if c.expect is not None:
            continue
        begin, end, strides = (spec.data.tolist() for spec in c.inputs[1:])
        o = c.options
        want = _slice_numpy(c.feeds[0], begin, end, strides, o["begin_mask"], o["end_mask"],
                            o["shrink_axis_mask"])
        got = run_reference(c.model(), c.feeds)[0]
        assert want.shape == got.shape and np.array_equal(want, got), c.name
        n += 1
    assert n >= 15


@pytest.mark.parametrize("case", _SLICE_CASES, ids=_ids(_SLICE_CASES))
def test_strided_slice(case):
    check(case)


# --------------------------------------------------------------------------- TRANSPOSE


def _transpose_cases() -> list[Case]:
    rng = np.random.default_rng(61)
    cases = []
    fixed = [((2, 3), [1, 0]), ((1, 4, 5, 3), [0, 3, 1, 2]), ((2, 3, 4), [0, 1, 2]),
             ((2, 3, 4, 5), [0, 2, 1, 3]), ((2, 3, 4, 5, 2), [4, 0, 3, 1, 2]),
             ((3, 1, 4), [2, 1, 0])]
    for i in range(24):
        if i < len(fixed):
            shape, perm = fixed[i]
        else:
            nd = int(rng.integers(2, 6))
            shape = tuple(int(rng.integers(1, 6)) for _ in range(nd))
            perm = [int(p) for p in rng.permutation(nd)]
        dtype = [np.int8, np.float32, np.int32][i % 3]
        q = {"scale": 0.05, "zero_point": -1} if dtype == np.int8 else None
        oshape = tuple(shape[p] for p in perm)
        x = _data(rng, shape, dtype)
        # the reference has no int32 TRANSPOSE: numpy is the expectation there
        expect = [np.ascontiguousarray(x.transpose(perm))] if dtype == np.int32 else None
        cases.append(Case(f"TRANSPOSE-{np.dtype(dtype).name}-{shape}-{perm}", "TRANSPOSE",
                          [_spec(shape, dtype, q),
                           TensorSpec((len(perm),), np.int32, data=np.array(perm, np.int32))],
                          _spec(oshape, dtype, q), {}, [x], expect=expect))
    return cases


_TRANSPOSE_CASES = _transpose_cases()


@pytest.mark.parametrize("case", _TRANSPOSE_CASES, ids=_ids(_TRANSPOSE_CASES))
def test_transpose(case):
    check(case)


# --------------------------------------------------------------------------- RESHAPE / SQUEEZE


def _reshape_cases() -> list[Case]:
    rng = np.random.default_rng(71)
    cases = []
    specs = [((1, 4, 4, 8), (1, 128), "tensor"), ((2, 3, 4), (6, -1), "tensor"),
             ((2, 3, 4), (4, 6), "option"), ((1, 1, 1, 10), (1, 10), "option"),
             ((24,), (2, 3, 2, 2), "none"), ((3, 5), (-1,), "tensor"),
             ((2, 3, 4, 5, 1), (5, 4, 3, 2), "tensor"), ((1, 6), (2, 1, 3), "both")]
    for i, (ishape, new, how) in enumerate(specs):
        for dtype in (np.int8, np.float32):
            q = {"scale": 0.02, "zero_point": 5} if dtype == np.int8 else None
            oshape = np.empty(ishape).reshape(new).shape
            ins = [_spec(ishape, dtype, q)]
            opts = {}
            if how in ("tensor", "both"):
                ins.append(TensorSpec((len(new),), np.int32, data=np.array(new, np.int32)))
            if how in ("option", "both"):
                opts["new_shape"] = [int(x) for x in oshape]
            cases.append(Case(f"RESHAPE-{np.dtype(dtype).name}-{ishape}-{new}-{how}", "RESHAPE",
                              ins, _spec(oshape, dtype, q), opts, [_data(rng, ishape, dtype)]))
    return cases


def _squeeze_cases() -> list[Case]:
    rng = np.random.default_rng(81)
    cases = []
    for ishape, dims in [((1, 1, 1, 10), [1, 2]), ((1, 3, 1, 4), []), ((1, 3, 1, 4), [-2]),
                         ((1, 1, 5), None), ((2, 1, 1, 3, 1), [1, 4]), ((1,), [0])]:
        for dtype in (np.int8, np.float32):
            q = {"scale": 0.02, "zero_point": -5} if dtype == np.int8 else None
            drop = [d % len(ishape) for d in dims] if dims else \
                [d for d, n in enumerate(ishape) if n == 1]
            oshape = tuple(n for d, n in enumerate(ishape) if d not in drop)
            opts = {} if dims is None else {"squeeze_dims": dims}
            cases.append(Case(f"SQUEEZE-{np.dtype(dtype).name}-{ishape}-{dims}", "SQUEEZE",
                              [_spec(ishape, dtype, q)], _spec(oshape, dtype, q), opts,
                              [_data(rng, ishape, dtype)]))
    return cases


_RESHAPE_CASES = _reshape_cases()
_SQUEEZE_CASES = _squeeze_cases()


@pytest.mark.parametrize("case", _RESHAPE_CASES, ids=_ids(_RESHAPE_CASES))
def test_reshape(case):
    check(case)


@pytest.mark.parametrize("case", _SQUEEZE_CASES, ids=_ids(_SQUEEZE_CASES))
def test_squeeze(case):
    check(case)


# --------------------------------------------------------------------------- refusals


def _status(model, feeds):
    return hr.run_host(model, feeds)


def test_add_int16_unsupported_type():
    x = TensorSpec((4,), np.int16, scale=0.01, zero_point=0)
    m = single_op_model("ADD", [x, x], [x])
    r = _status(m, [np.zeros(4, np.int16)] * 2)
    assert r.status == hr.MCU_ERR_UNSUPPORTED_TYPE
    assert "ADD" in r.message


def test_add_shapes_not_broadcastable():
    m = single_op_model("ADD", [TensorSpec((3,), np.float32), TensorSpec((4,), np.float32)],
                        [TensorSpec((4,), np.float32)])
    r = _status(m, [np.zeros(3, np.float32), np.zeros(4, np.float32)])
    assert r.status == hr.MCU_ERR_PARAMS
    assert "ADD" in r.message


def test_pad_non_constant_paddings_refused():
    m = single_op_model("PAD", [TensorSpec((3,), np.float32), TensorSpec((1, 2), np.int32)],
                        [TensorSpec((5,), np.float32)])
    r = _status(m, [np.zeros(3, np.float32), np.array([[1, 1]], np.int32)])
    assert r.status == hr.MCU_ERR_PARAMS
    assert "PAD" in r.message and "constant" in r.message


def test_concatenation_activation_refused():
    x = TensorSpec((2, 2), np.float32)
    m = single_op_model("CONCATENATION", [x, x], [TensorSpec((2, 4), np.float32)],
                        {"axis": 1, "fused_activation_function": "RELU"})
    r = _status(m, [np.zeros((2, 2), np.float32)] * 2)
    assert r.status == hr.MCU_ERR_PARAMS
    assert "CONCATENATION" in r.message


@pytest.mark.parametrize("mask", ["ellipsis_mask", "new_axis_mask"])
def test_strided_slice_unsupported_masks_refused(mask):
    c = [TensorSpec((2,), np.int32, data=np.array(v, np.int32)) for v in ([0, 0], [2, 2], [1, 1])]
    m = single_op_model("STRIDED_SLICE", [TensorSpec((2, 2), np.float32), *c],
                        [TensorSpec((2, 2), np.float32)], {mask: 1})
    r = _status(m, [np.zeros((2, 2), np.float32)])
    assert r.status == hr.MCU_ERR_PARAMS
    assert mask in r.message


def test_transpose_bad_perm_refused():
    m = single_op_model("TRANSPOSE", [TensorSpec((2, 3), np.float32),
                                      TensorSpec((2,), np.int32, data=np.array([0, 0], np.int32))],
                        [TensorSpec((2, 3), np.float32)])
    r = _status(m, [np.zeros((2, 3), np.float32)])
    assert r.status == hr.MCU_ERR_PARAMS
    assert "perm" in r.message


def test_mean_uses_scratch_and_output_shape_checked():
    m = single_op_model("MEAN", [TensorSpec((2, 3), np.float32),
                                 TensorSpec((1,), np.int32, data=np.array([1], np.int32))],
                        [TensorSpec((3,), np.float32)], {"keep_dims": False})
    r = _status(m, [np.zeros((2, 3), np.float32)])
    assert r.status == hr.MCU_ERR_PARAMS
    assert "MEAN" in r.message


def test_reshape_output_shape_set_in_prepare():
    """A model whose output tensor shape is stale (wrong element count): the shape
    comes from the shape input, is written to the output in prepare, and the arena
    planner sizes the output from it. (The reference refuses this model.)"""
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    m = single_op_model("RESHAPE", [TensorSpec((2, 3, 4), np.float32),
                                    TensorSpec((2,), np.int32, data=np.array([4, -1], np.int32))],
                        [TensorSpec((5,), np.float32)])
    r = hr.run_host(m, [x])
    assert r.ok, r.message
    assert r.outputs[0].shape == (4, 6)
    assert np.array_equal(r.outputs[0], x.reshape(4, 6))


def test_squeeze_output_shape_set_in_prepare():
    x = np.arange(6, dtype=np.int8).reshape(1, 2, 1, 3)
    m = single_op_model("SQUEEZE", [TensorSpec((1, 2, 1, 3), np.int8, scale=0.1, zero_point=0)],
                        [TensorSpec((6,), np.int8, scale=0.1, zero_point=0)],
                        {"squeeze_dims": [0, 2]})
    r = hr.run_host(m, [x])
    assert r.ok, r.message
    assert r.outputs[0].shape == (2, 3)
    assert np.array_equal(r.outputs[0], x.reshape(2, 3))


def _run_expect(model, feeds, want):
    r = hr.run_host(model, feeds)
    assert r.ok, r.message
    _assert_same(r.outputs[0], want, "numpy expectation")


def test_pad_6d_and_int64_paddings():
    """Beyond the reference (5-D PAD, int32 paddings only): checked against numpy."""
    rng = np.random.default_rng(91)
    x = _data(rng, (2, 2, 3, 2, 2, 3), np.int8)
    pads = np.array([[1, 0], [0, 1], [0, 0], [1, 1], [0, 0], [2, 1]], np.int64)
    oshape = tuple(int(v) for v in np.array(x.shape) + pads.sum(1))
    m = single_op_model("PAD", [TensorSpec(x.shape, np.int8, scale=0.1, zero_point=-9),
                                TensorSpec((6, 2), np.int64, data=pads)],
                        [TensorSpec(oshape, np.int8, scale=0.1, zero_point=-9)])
    _run_expect(m, [x], np.pad(x, pads, constant_values=-9))


def test_transpose_6d():
    """Beyond the reference (5-D TRANSPOSE): checked against numpy."""
    rng = np.random.default_rng(92)
    for perm in ([5, 0, 3, 1, 4, 2], [0, 1, 2, 3, 5, 4], [1, 2, 3, 4, 5, 0]):
        x = _data(rng, (2, 3, 2, 2, 3, 2), np.float32)
        m = single_op_model("TRANSPOSE", [TensorSpec(x.shape, np.float32),
                                          TensorSpec((6,), np.int32, data=np.array(perm, np.int32))],
                            [TensorSpec(x.transpose(perm).shape, np.float32)])
        _run_expect(m, [x], np.ascontiguousarray(x.transpose(perm)))
