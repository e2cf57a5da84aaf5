"""Write the hand-made regression models of fuzz/regressions/ (the ones a fuzz
campaign found before fuzz/ existed, rebuilt small and readable with mcusim.modelgen).
Inputs libFuzzer found are kept as it minimized them; this script never touches them.

    python fuzz/make_regressions.py        # rewrites fuzz/regressions/hand-*.tflite

Each case names the bug it pins down; tests/test_fuzz_regressions.py runs every file
in fuzz/regressions/ through the sanitized host build and the simulator, expecting
the outcome listed in fuzz/regressions/expected.json."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from mcusim.modelgen import TensorSpec, single_op_model

HERE = Path(__file__).resolve().parent / "regressions"


def q(shape, **kw):
    return TensorSpec(shape, np.int8, scale=0.05, zero_point=0, **kw)


def w8(shape):
    return TensorSpec(None, np.int8, data=np.ones(shape, np.int8), scale=0.02, zero_point=0)


def bias(n):
    return TensorSpec(None, np.int32, data=np.zeros(n, np.int32), scale=0.001, zero_point=0)


def cases() -> dict[str, bytes]:
    out = {}
    # conv_2d.c: `out_c % (in_c / fic)` divided by zero when the input has 0 channels
    # (in_c % fic == 0 passes, in_c / fic == 0): SIGFPE on the host, and on the target
    # (__aeabi_idivmod by 0) a silent 0.
    out["hand-conv2d-zero-input-channels"] = single_op_model(
        "CONV_2D", [q((1, 4, 4, 0)), w8((2, 3, 3, 3)), bias(2)], [q((1, 4, 4, 2))],
        {"padding": "SAME", "stride_w": 1, "stride_h": 1})
    # k_padding.h via conv_2d prepare: `in + stride - 1` overflowed int32 (UB) because
    # strides from the options were never range-checked.
    out["hand-conv2d-huge-stride"] = single_op_model(
        "CONV_2D", [q((1, 4, 4, 3)), w8((2, 3, 3, 3)), bias(2)], [q((1, 1, 1, 2))],
        {"padding": "SAME", "stride_w": 2**31 - 1, "stride_h": 1})
    # ... and (filter - 1) * dilation overflowed for a huge dilation.
    out["hand-dwconv-huge-dilation"] = single_op_model(
        "DEPTHWISE_CONV_2D", [q((1, 4, 4, 2)), w8((1, 3, 3, 2)), bias(2)], [q((1, 4, 4, 2))],
        {"padding": "SAME", "stride_w": 1, "stride_h": 1, "dilation_w_factor": 2**30,
         "dilation_h_factor": 1})
    # pool_2d_common.h: the same overflow with a huge pool stride.
    out["hand-maxpool-huge-stride"] = single_op_model(
        "MAX_POOL_2D", [q((1, 4, 4, 2))], [q((1, 1, 1, 2))],
        {"padding": "SAME", "stride_w": 2**31 - 1, "stride_h": 1, "filter_width": 2,
         "filter_height": 2})
    # fully_connected.c: `batches * out_depth` overflowed int32 (1 Mi batches x 4096
    # units wraps to 0, matching an empty output): the kernel then wrote 4 GiB into a
    # 0-byte tensor.
    out["hand-fc-batches-times-units-overflow"] = single_op_model(
        "FULLY_CONNECTED", [q((1 << 20, 1)), w8((4096, 1)), None], [q((0, 4096))],
        {"fused_activation_function": "NONE"})
    # pad.c: in + before + after overflowed int32.
    out["hand-pad-huge-paddings"] = single_op_model(
        "PAD", [q((1, 4)), TensorSpec(None, np.int32, data=np.array([[0, 0], [2**31 - 1, 2**31 - 1]],
                                                                    np.int32))],
        [q((1, 2))], {})
    # reshape.c: the product of new_shape's dims overflowed int32.
    out["hand-reshape-shape-product-overflow"] = single_op_model(
        "RESHAPE", [q((1, 16)), TensorSpec(None, np.int32, data=np.array([65536, 65536, 16], np.int32))],
        [q((3,))], {})
    # A stale output shape that RESHAPE corrects in prepare, on a graph output: the
    # simulator reshaped the output bytes to the model's shape (ValueError); it now
    # refuses the model with a ModelError (the host build returns the corrected shape).
    out["hand-reshape-stale-output-shape"] = single_op_model(
        "RESHAPE", [TensorSpec((2, 3, 4), np.float32),
                    TensorSpec(None, np.int32, data=np.array([4, -1], np.int32))],
        [TensorSpec((5,), np.float32)])
    return out


def main() -> int:
    HERE.mkdir(exist_ok=True)
    for name, data in cases().items():
        (HERE / f"{name}.tflite").write_bytes(data)
        print(f"{name}.tflite: {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
