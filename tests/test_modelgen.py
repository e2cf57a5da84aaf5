"""mcusim.modelgen builds models that the reference interpreter loads and runs correctly."""

import numpy as np
import pytest

from mcusim.modelgen import (
    EXAMPLE_OPS,
    ModelBuilder,
    TensorSpec,
    as_rng,
    bias_tensor,
    dequantize,
    op_example,
    options_type_for,
    quantize,
    quantize_bias,
    quantize_weights,
    random_data,
    random_quant,
    run_reference,
    single_op_model,
)
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema


@pytest.mark.parametrize("dtype", [np.int8, np.float32], ids=["int8", "float32"])
@pytest.mark.parametrize("op", EXAMPLE_OPS)
def test_op_example_runs_in_reference(op, dtype):
    ex = op_example(op, dtype, seed=3)
    outs = run_reference(ex.model, ex.inputs)
    assert len(outs) == len(ex.output_shapes)
    for out, shape, dt in zip(outs, ex.output_shapes, ex.output_dtypes):
        assert out.shape == shape
        assert out.dtype == dt


def test_examples_are_deterministic():
    a = op_example("CONV_2D", np.int8, seed=7)
    b = op_example("CONV_2D", np.int8, seed=7)
    c = op_example("CONV_2D", np.int8, seed=8)
    assert a.model == b.model
    assert all(np.array_equal(x, y) for x, y in zip(a.inputs, b.inputs))
    assert a.model != c.model


def test_float_add_matches_numpy():
    rng = as_rng(0)
    x = TensorSpec((2, 3, 4), np.float32, name="x")
    c_data = random_data(rng, (2, 3, 4), np.float32)
    c = TensorSpec(None, np.float32, data=c_data, name="c")
    y = TensorSpec((2, 3, 4), np.float32, name="y")
    model = single_op_model("ADD", [x, c], [y], {"fused_activation_function": "RELU"})
    xin = random_data(rng, (2, 3, 4), np.float32)
    (out,) = run_reference(model, [xin])
    np.testing.assert_allclose(out, np.maximum(xin + c_data, 0), rtol=0, atol=1e-6)


def test_two_input_sub_order():
    a = TensorSpec((4,), np.float32)
    b = TensorSpec((4,), np.float32)
    model = single_op_model("SUB", [a, b], [TensorSpec((4,), np.float32)])
    (out,) = run_reference(model, [np.arange(4, dtype=np.float32), np.ones(4, np.float32)])
    np.testing.assert_array_equal(out, np.arange(4) - 1)


def test_reshape_int8_is_identity_on_bytes():
    q = dict(scale=0.1, zero_point=3)
    x = TensorSpec((1, 2, 3, 4), np.int8, **q)
    shape = TensorSpec(None, np.int32, data=[1, 6, 4])
    model = single_op_model("RESHAPE", [x, shape], [TensorSpec((1, 6, 4), np.int8, **q)],
                            {"new_shape": [1, 6, 4]})
    xin = random_data(1, (1, 2, 3, 4), np.int8)
    (out,) = run_reference(model, [xin])
    np.testing.assert_array_equal(out, xin.reshape(1, 6, 4))


def test_float_fully_connected_matches_numpy():
    rng = as_rng(5)
    w = rng.normal(size=(3, 8)).astype(np.float32)
    b = rng.normal(size=3).astype(np.float32)
    model = single_op_model(
        "FULLY_CONNECTED",
        [TensorSpec((2, 8), np.float32), TensorSpec(None, np.float32, data=w),
         TensorSpec(None, np.float32, data=b)],
        [TensorSpec((2, 3), np.float32)],
    )
    x = random_data(rng, (2, 8), np.float32)
    (out,) = run_reference(model, [x])
    np.testing.assert_allclose(out, x @ w.T + b, rtol=1e-5, atol=1e-5)


def test_int8_fully_connected_close_to_float_math():
    rng = as_rng(11)
    xq = random_quant(rng, np.int8)
    wf = rng.normal(0, 0.3, size=(4, 16))
    wq, ws = quantize_weights(wf)
    bf = rng.normal(0, 0.1, size=4)
    yq = {"scale": 0.05, "zero_point": -10}
    model = single_op_model(
        "FULLY_CONNECTED",
        [TensorSpec((1, 16), np.int8, **xq),
         TensorSpec(None, np.int8, data=wq, scale=ws, zero_point=0),
         bias_tensor(bf, xq["scale"], ws)],
        [TensorSpec((1, 4), np.int8, **yq)],
    )
    x = random_data(rng, (1, 16), np.int8, -40, 40)
    (out,) = run_reference(model, [x])
    want = dequantize(x, **xq) @ dequantize(wq, ws).T + quantize_bias(bf, xq["scale"], ws) * (
        xq["scale"] * ws)
    expected = quantize(want, yq["scale"], yq["zero_point"], np.int8)
    assert np.max(np.abs(out.astype(int) - expected.astype(int))) <= 1


def test_dequantize_matches_formula():
    q = dict(scale=0.037, zero_point=-7)
    model = single_op_model("DEQUANTIZE", [TensorSpec((1, 256), np.int8, **q)],
                            [TensorSpec((1, 256), np.float32)])
    x = np.arange(-128, 128, dtype=np.int8).reshape(1, 256)
    (out,) = run_reference(model, [x])
    np.testing.assert_allclose(out, dequantize(x, **q), rtol=1e-6)


def test_multi_op_builder_chains_ops():
    mb = ModelBuilder()
    x = mb.add_tensor(TensorSpec((1, 4), np.float32, name="x"))
    c = mb.add_tensor(shape=(1, 4), dtype=np.float32, data=[[-2, 1, -1, 3]])
    y = mb.add_tensor(TensorSpec((1, 4), np.float32))
    z = mb.add_tensor(TensorSpec((1, 4), np.float32))
    mb.add_op("ADD", [x, c], [y])
    mb.add_op("RELU", [y], [z])
    mb.set_inputs([x])
    mb.set_outputs([z])
    model = mb.build()
    (out,) = run_reference(model, [np.array([[1, 1, 1, 1]], np.float32)])
    np.testing.assert_array_equal(out, [[0, 2, 0, 4]])
    m = schema.Model.GetRootAs(model, 0)
    assert m.OperatorCodesLength() == 2
    assert m.Subgraphs(0).OperatorsLength() == 2


def test_optional_input_none_is_minus_one():
    model = single_op_model(
        "FULLY_CONNECTED",
        [TensorSpec((1, 4), np.float32),
         TensorSpec(None, np.float32, data=np.eye(4, dtype=np.float32)), None],
        [TensorSpec((1, 4), np.float32)],
    )
    op = schema.Model.GetRootAs(model, 0).Subgraphs(0).Operators(0)
    assert list(op.InputsAsNumpy()) == [0, 1, -1]
    (out,) = run_reference(model, [np.array([[1, 2, 3, 4]], np.float32)])
    np.testing.assert_array_equal(out, [[1, 2, 3, 4]])


def test_options_are_written_with_enum_names():
    ex = op_example("CONV_2D", np.int8)
    m = schema.Model.GetRootAs(ex.model, 0)
    op = m.Subgraphs(0).Operators(0)
    assert op.BuiltinOptionsType() == schema.BuiltinOptions.Conv2DOptions
    o = schema.Conv2DOptions()
    o.Init(op.BuiltinOptions().Bytes, op.BuiltinOptions().Pos)
    assert (o.Padding(), o.StrideW(), o.StrideH()) == (schema.Padding.SAME, 2, 2)
    assert o.FusedActivationFunction() == schema.ActivationFunctionType.RELU
    assert o.DilationWFactor() == 1


@pytest.mark.parametrize("op,expected", [
    ("CONV_2D", "Conv2DOptions"), ("DEPTHWISE_CONV_2D", "DepthwiseConv2DOptions"),
    ("AVERAGE_POOL_2D", "Pool2DOptions"), ("MAX_POOL_2D", "Pool2DOptions"),
    ("MEAN", "ReducerOptions"), ("STRIDED_SLICE", "StridedSliceOptions"),
    ("HARD_SWISH", "HardSwishOptions"), ("LEAKY_RELU", "LeakyReluOptions"),
    ("FULLY_CONNECTED", "FullyConnectedOptions"), ("RELU", None), ("LOGISTIC", None),
])
def test_options_type_mapping(op, expected):
    assert options_type_for(op) == expected


def test_bad_option_names_are_rejected():
    x = TensorSpec((1, 4), np.float32)
    with pytest.raises(ValueError, match="no field 'stride'"):
        single_op_model("ADD", [x, x], [x], {"stride": 2})
    with pytest.raises(ValueError, match="not one of"):
        single_op_model("ADD", [x, x], [x], {"fused_activation_function": "RELU7"})
    with pytest.raises(ValueError, match="no builtin options"):
        single_op_model("RELU", [x], [x], {"alpha": 1.0})
    with pytest.raises(ValueError, match="unknown builtin operator"):
        single_op_model("NOT_AN_OP", [x], [x])


def test_constant_buffers_are_16_byte_aligned():
    ex = op_example("DEPTHWISE_CONV_2D", np.int8)
    m = schema.Model.GetRootAs(ex.model, 0)
    assert m.Buffers(0).DataLength() == 0
    seen = 0
    for i in range(1, m.BuffersLength()):
        b = m.Buffers(i)
        if b.DataLength():
            start = b._tab.Vector(b._tab.Offset(4))
            assert start % 16 == 0
            seen += 1
    assert seen == 2  # filter and bias


def test_per_channel_quantization_written():
    ex = op_example("DEPTHWISE_CONV_2D", np.int8)
    sg = schema.Model.GetRootAs(ex.model, 0).Subgraphs(0)
    w = sg.Tensors(sg.Operators(0).Inputs(1))
    assert w.Quantization().ScaleLength() == 8
    assert w.Quantization().QuantizedDimension() == 3
    assert list(w.Quantization().ZeroPointAsNumpy()) == [0] * 8


def test_quant_helpers():
    rng = as_rng(0)
    q = random_quant(rng, np.int8)
    assert set(q) == {"scale", "zero_point"} and 0.005 <= q["scale"] <= 0.1
    assert random_quant(rng, np.int16)["zero_point"] == 0
    pc = random_quant(rng, np.int8, channels=3)
    assert len(pc["scale"]) == 3 and pc["zero_point"] == [0, 0, 0]
    np.testing.assert_array_equal(quantize([0.0, 0.1, 20.0, -10.0, 0.05, -0.05], 0.1, 1), [1, 2, 127, -99, 2, 0])
    np.testing.assert_array_equal(quantize_bias([1.0, -1.0], 0.5, [0.1, 0.2]), [20, -10])
    wq, ws = quantize_weights(np.array([[1.0, -2.0], [0.5, 0.25]]), axis=0)
    np.testing.assert_array_equal(wq, [[64, -127], [127, 64]])
    assert ws == pytest.approx([2 / 127, 0.5 / 127])
    assert np.array_equal(random_data(4, (3, 3)), random_data(4, (3, 3)))


# --------------------------------------------------------------------------- models/

import importlib.util  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"


def _load_build_models():
    spec = importlib.util.spec_from_file_location("_mcusim_build_models",
                                                  MODELS_DIR / "build_models.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


build_models = _load_build_models()


def _io_quant(model, which):
    sg = schema.Model.GetRootAs(model, 0).Subgraphs(0)
    t = sg.Tensors(sg.Inputs(0) if which == "in" else sg.Outputs(0))
    q = t.Quantization()
    return q.Scale(0), q.ZeroPoint(0)


def _op_names(model):
    m = schema.Model.GetRootAs(model, 0)
    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    sg = m.Subgraphs(0)
    return [names[m.OperatorCodes(sg.Operators(i).OpcodeIndex()).BuiltinCode()]
            for i in range(sg.OperatorsLength())]


@pytest.mark.parametrize("name", list(build_models.MODELS))
def test_shipped_model_runs_and_matches_its_recipe(name):
    data = (MODELS_DIR / name).read_bytes()
    assert len(data) < 100_000
    net = build_models.MODELS[name][0]()
    assert _op_names(data) == net.ops()
    dtype = np.float32 if name.endswith("float32.tflite") else np.int8
    rng = as_rng(0)
    outs = []
    for _ in range(4):
        if dtype == np.int8:
            x = random_data(rng, net.nodes[0].shape, np.int8)
        else:
            x = random_data(rng, net.nodes[0].shape, np.float32, *net.input_range)
        (y,) = run_reference(data, [x])
        assert y.shape == net.nodes[-1].shape and y.dtype == dtype
        outs.append(y)
    outs = np.stack(outs)
    assert len(np.unique(outs)) > 1 or outs.size == 4  # not a constant output
    if dtype == np.int8:
        assert np.mean((outs == -128) | (outs == 127)) < 0.5  # calibrated, not saturated


def test_build_is_deterministic():
    a, _ = build_models.build("kws_dscnn_int8.tflite")
    b, _ = build_models.build("kws_dscnn_int8.tflite")
    assert a == b


@pytest.mark.parametrize("net_name", ["kws_dscnn", "vww_mobilenet", "resnet8"])
def test_int8_models_track_their_float_version(net_name):
    net = getattr(build_models, net_name)()
    fm = build_models.emit(net, "float32")
    im = build_models.emit(net, "int8", build_models.calibrate(net))
    si, zi = _io_quant(im, "in")
    so, zo = _io_quant(im, "out")
    rng = as_rng(1)
    for _ in range(3):
        xq = random_data(rng, net.nodes[0].shape, np.int8)
        (yf,) = run_reference(fm, [dequantize(xq, si, zi)])
        (yq,) = run_reference(im, [xq])
        assert np.max(np.abs(dequantize(yq, so, zo) - yf)) < 0.1  # softmax probabilities


def test_sine_int8_approximates_sine():
    data = (MODELS_DIR / "sine_int8.tflite").read_bytes()
    si, zi = _io_quant(data, "in")
    so, zo = _io_quant(data, "out")
    xs = np.linspace(0, 2 * math.pi, 40)
    errs = []
    for x in xs:
        (y,) = run_reference(data, [quantize([[x]], si, zi)])
        errs.append(abs(float(dequantize(y, so, zo)[0, 0]) - math.sin(x)))
    assert np.mean(errs) < 0.08 and max(errs) < 0.25


def test_module_docstring_examples_run():
    import re

    import mcusim.modelgen as mg

    blocks = re.findall(r"::\n\n((?:    .*\n|\n)+)", mg.__doc__)
    assert len(blocks) == 3
    code = "\n".join("\n".join(line[4:] for line in b.splitlines()) for b in blocks)
    exec(compile(code, "modelgen docstring", "exec"), {})
