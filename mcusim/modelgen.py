"""Build small .tflite models in memory, for tests and synthetic benchmarks.

The TFLite flatbuffer is written directly from the schema's generated object API
(``tflite_micro``'s ``schema_py_generated``); TensorFlow is not needed.

One operator::

    import numpy as np
    from mcusim.modelgen import (TensorSpec, single_op_model, run_reference, as_rng,
                                 quantize_weights, bias_tensor, random_data, op_example,
                                 ModelBuilder)

    rng = as_rng(0)
    x = TensorSpec((1, 8, 8, 3), np.int8, scale=0.05, zero_point=-3, name="x")
    wq, ws = quantize_weights(rng.normal(0, 0.3, (4, 3, 3, 3)), axis=0)  # per-channel
    w = TensorSpec(None, np.int8, data=wq, scale=ws, zero_point=0,     # data: constant
                   quantized_dimension=0)
    b = bias_tensor(np.zeros(4), input_scale=0.05, weight_scale=ws)    # int32 bias
    y = TensorSpec((1, 4, 4, 4), np.int8, scale=0.1, zero_point=5)
    tflite = single_op_model("CONV_2D", [x, w, b], [y],
                             {"padding": "SAME", "stride_w": 2, "stride_h": 2,
                              "fused_activation_function": "RELU6"})
    (out,) = run_reference(tflite, [random_data(rng, (1, 8, 8, 3), np.int8)])

A ready-made representative model per operator (int8 or float32, seeded)::

    ex = op_example("DEPTHWISE_CONV_2D", np.int8, seed=1)   # .model, .inputs, ...
    outs = run_reference(ex.model, ex.inputs)

Several operators::

    mb = ModelBuilder()
    x = mb.add_tensor(TensorSpec((1, 4), np.float32))          # returns tensor index
    c = mb.add_tensor(TensorSpec((1, 4), np.float32, data=np.ones((1, 4))))
    y = mb.add_tensor(TensorSpec((1, 4), np.float32))
    z = mb.add_tensor(TensorSpec((1, 4), np.float32))
    mb.add_op("ADD", [x, c], [y])
    mb.add_op("RELU", [y], [z])
    mb.set_inputs([x]); mb.set_outputs([z])
    tflite = mb.build()

Conventions:

* ``options`` are the builtin options table's fields under their schema names
  (``stride_w``, ``fused_activation_function``, ...; camelCase is accepted too); enum
  fields take the enum's name (``"SAME"``, ``"RELU6"``, ``"INT8"``) or its integer.
  The op's ``BuiltinOptions`` union type is chosen from the op name. Every op that has
  an options table gets one, even with no options given. Defaults are the schema's,
  except: strides default to 1, ``depth_multiplier`` is inferred from the shapes and
  softmax ``beta`` defaults to 1.0.
* ``None`` in an op's inputs is an absent optional input (tensor index -1).
* Buffer 0 is the empty sentinel; every constant tensor gets its own buffer whose
  data is 16-byte aligned in the file (kernels may do word loads from it).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable, Sequence

import flatbuffers
import numpy as np

from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

__all__ = [
    "TensorSpec",
    "ModelBuilder",
    "single_op_model",
    "run_reference",
    "as_rng",
    "random_quant",
    "random_data",
    "quantize",
    "dequantize",
    "quantize_bias",
    "bias_tensor",
    "quantize_weights",
    "options_type_for",
    "BUILTIN_OPS",
    "OpExample",
    "op_example",
    "EXAMPLE_OPS",
]

# --------------------------------------------------------------------------- enums

BUILTIN_OPS: dict[str, int] = {
    k: v for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")
}
_OPTIONS_TYPES: dict[str, int] = {
    k: v for k, v in vars(schema.BuiltinOptions).items() if not k.startswith("_")
}
_TENSOR_TYPES: dict[str, int] = {
    k: v for k, v in vars(schema.TensorType).items() if not k.startswith("_")
}

_NP_TO_TFLITE: dict[np.dtype, int] = {
    np.dtype(np.float32): schema.TensorType.FLOAT32,
    np.dtype(np.float16): schema.TensorType.FLOAT16,
    np.dtype(np.float64): schema.TensorType.FLOAT64,
    np.dtype(np.int8): schema.TensorType.INT8,
    np.dtype(np.uint8): schema.TensorType.UINT8,
    np.dtype(np.int16): schema.TensorType.INT16,
    np.dtype(np.uint16): schema.TensorType.UINT16,
    np.dtype(np.int32): schema.TensorType.INT32,
    np.dtype(np.uint32): schema.TensorType.UINT32,
    np.dtype(np.int64): schema.TensorType.INT64,
    np.dtype(np.uint64): schema.TensorType.UINT64,
    np.dtype(np.bool_): schema.TensorType.BOOL,
}

# Ops whose options table is not simply "<OpNameInCamelCase>Options".
_OPTIONS_OVERRIDES: dict[str, str] = {
    "AVERAGE_POOL_2D": "Pool2DOptions",
    "MAX_POOL_2D": "Pool2DOptions",
    "L2_POOL_2D": "Pool2DOptions",
    "MEAN": "ReducerOptions",
    "SUM": "ReducerOptions",
    "REDUCE_MAX": "ReducerOptions",
    "REDUCE_MIN": "ReducerOptions",
    "REDUCE_PROD": "ReducerOptions",
    "REDUCE_ANY": "ReducerOptions",
    "REDUCE_ALL": "ReducerOptions",
    "MAXIMUM": "MaximumMinimumOptions",
    "MINIMUM": "MaximumMinimumOptions",
    "L2_NORMALIZATION": "L2NormOptions",
    "UNIDIRECTIONAL_SEQUENCE_RNN": "SequenceRNNOptions",
    "CONV_3D_TRANSPOSE": "Conv3DOptions",
    "RANDOM_UNIFORM": "RandomOptions",
    "RANDOM_STANDARD_NORMAL": "RandomOptions",
    "RANDOM_MULTINOMIAL": "RandomOptions",
}

# Options fields that hold an enum, and the enum they hold.
_ENUM_FIELDS: dict[str, type] = {
    "padding": schema.Padding,
    "fusedActivationFunction": schema.ActivationFunctionType,
    "weightsFormat": schema.FullyConnectedOptionsWeightsFormat,
    "mode": schema.MirrorPadMode,
    "kernelType": schema.LSTMKernelType,
    "combiner": schema.CombinerType,
    "type": schema.LSHProjectionType,
    "quantizedBiasType": schema.TensorType,
    "outDataType": schema.TensorType,
    "outputType": schema.TensorType,
    "inDataType": schema.TensorType,
    "idxOutType": schema.TensorType,
    "outType": schema.TensorType,
}


def _squash(name: str) -> str:
    return name.replace("_", "").lower()


_OPTIONS_BY_SQUASHED = {_squash(k): k for k in _OPTIONS_TYPES if k != "NONE"}


def options_type_for(op: str) -> str | None:
    """Name of the BuiltinOptions union member for builtin ``op``, or None if it has none."""
    if op in _OPTIONS_OVERRIDES:
        return _OPTIONS_OVERRIDES[op]
    return _OPTIONS_BY_SQUASHED.get(_squash(op) + "options")


def _op_code(op: str | int) -> int:
    if isinstance(op, (int, np.integer)):
        return int(op)
    try:
        return BUILTIN_OPS[op.upper()]
    except KeyError:
        raise ValueError(f"unknown builtin operator {op!r}") from None


def _op_name(code: int) -> str:
    for k, v in BUILTIN_OPS.items():
        if v == code:
            return k
    return str(code)


def _tensor_type(dtype: Any) -> int:
    if isinstance(dtype, str) and dtype.upper() in _TENSOR_TYPES:
        return _TENSOR_TYPES[dtype.upper()]
    try:
        return _NP_TO_TFLITE[np.dtype(dtype)]
    except (KeyError, TypeError):
        raise ValueError(f"unsupported tensor dtype {dtype!r}") from None


def _snake_to_camel(name: str) -> str:
    parts = name.split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def _camel_to_snake(name: str) -> str:
    out = []
    for ch in name:
        if ch.isupper():
            out.append("_" + ch.lower())
        else:
            out.append(ch)
    return "".join(out)


def _enum_value(enum_cls: type, field: str, value: Any) -> int:
    if isinstance(value, str):
        members = {k: v for k, v in vars(enum_cls).items() if not k.startswith("_")}
        if value.upper() in members:
            return members[value.upper()]
        raise ValueError(
            f"option {_camel_to_snake(field)}: {value!r} is not one of {sorted(members)}"
        )
    return int(value)


# --------------------------------------------------------------------------- tensors


@dataclasses.dataclass
class TensorSpec:
    """Description of one tensor.

    ``data`` (any array-like) makes the tensor constant; it is cast to ``dtype`` and
    reshaped to ``shape`` (``shape`` may be None to take the data's shape).
    ``scale``/``zero_point`` add quantization: a float (per-tensor) or a sequence
    (per-channel along ``quantized_dimension``); a scalar zero point with a per-channel
    scale is repeated for every channel.
    """

    shape: Sequence[int] | None
    dtype: Any = np.int8
    data: Any = None
    scale: float | Sequence[float] | None = None
    zero_point: int | Sequence[int] | None = None
    quantized_dimension: int = 0
    name: str | None = None
    is_variable: bool = False

    def __post_init__(self) -> None:
        self.dtype = np.dtype(self.dtype)
        if self.data is not None:
            arr = np.asarray(self.data)
            if self.shape is None:
                self.shape = arr.shape
            arr = arr.astype(self.dtype).reshape(tuple(self.shape))
            self.data = arr
        if self.shape is None:
            raise ValueError("TensorSpec needs a shape (or data to take it from)")
        self.shape = tuple(int(d) for d in self.shape)

    @property
    def is_constant(self) -> bool:
        return self.data is not None

    @property
    def quantized(self) -> bool:
        return self.scale is not None

    def scales(self) -> list[float]:
        if self.scale is None:
            return []
        return [float(s) for s in np.atleast_1d(np.asarray(self.scale, dtype=np.float64))]

    def zero_points(self) -> list[int]:
        n = len(self.scales())
        if self.zero_point is None:
            return [0] * n
        zp = [int(z) for z in np.atleast_1d(np.asarray(self.zero_point))]
        if len(zp) == 1 and n > 1:
            zp = zp * n
        return zp

    def with_(self, **changes: Any) -> "TensorSpec":
        """A copy with some fields changed (e.g. ``spec.with_(data=None)``)."""
        return dataclasses.replace(self, **changes)


# --------------------------------------------------------------------------- builder


class _AlignedBufferT(schema.BufferT):
    """A Buffer whose data vector starts on an ``align``-byte boundary of the file."""

    def __init__(self, payload: bytes | None, align: int = 16):
        super().__init__()
        self._payload = payload
        self._align = align

    def Pack(self, builder: flatbuffers.Builder) -> int:  # noqa: N802 (schema API)
        data_off = None
        if self._payload:
            n = len(self._payload)
            builder.StartVector(1, n, self._align)
            builder.head -= n
            builder.Bytes[builder.head : builder.head + n] = self._payload
            data_off = builder.EndVector()
        schema.BufferStart(builder)
        if data_off is not None:
            schema.BufferAddData(builder, data_off)
        return schema.BufferEnd(builder)


class ModelBuilder:
    """Assemble a one-subgraph TFLite model tensor by tensor and op by op."""

    def __init__(self, description: str = "mcusim modelgen", subgraph_name: str = "main"):
        self.description = description
        self.subgraph_name = subgraph_name
        self.tensors: list[TensorSpec] = []
        self.ops: list[tuple[int, int, list[int], list[int], str | None, Any]] = []
        self._opcodes: dict[tuple[int, int], int] = {}
        self.inputs: list[int] = []
        self.outputs: list[int] = []

    # -- tensors
    def add_tensor(self, spec: TensorSpec | None = None, /, **fields: Any) -> int:
        """Add a tensor (a TensorSpec, or TensorSpec's fields as keywords); return its index."""
        if spec is None:
            spec = TensorSpec(**fields)
        elif fields:
            spec = spec.with_(**fields)
        if spec.name is None:
            spec = spec.with_(name=f"t{len(self.tensors)}")
        self.tensors.append(spec)
        return len(self.tensors) - 1

    # -- operators
    def add_op(
        self,
        op: str | int,
        inputs: Sequence[int | None],
        outputs: Sequence[int],
        options: dict[str, Any] | None = None,
        version: int = 1,
        options_type: str | None = None,
    ) -> int:
        """Add an operator reading tensor indices ``inputs`` (None → -1) and writing ``outputs``.

        ``options_type`` overrides the BuiltinOptions union member picked from the op name.
        Returns the operator's index in the subgraph.
        """
        code = _op_code(op)
        name = _op_name(code)
        ins = [-1 if i is None else int(i) for i in inputs]
        outs = [int(o) for o in outputs]
        for t in ins + outs:
            if t != -1 and not 0 <= t < len(self.tensors):
                raise ValueError(f"{name}: tensor index {t} does not exist")
        key = (code, int(version))
        if key not in self._opcodes:
            self._opcodes[key] = len(self._opcodes)
        otype = options_type or options_type_for(name)
        opts = self._make_options(name, otype, dict(options or {}), ins, outs)
        self.ops.append((self._opcodes[key], code, ins, outs, otype, opts))
        return len(self.ops) - 1

    def _make_options(self, name, otype, options, ins, outs):
        if otype is None:
            if options:
                raise ValueError(f"{name} has no builtin options table, got {sorted(options)}")
            return None
        cls = getattr(schema, otype + "T")
        obj = cls()
        fields = vars(obj)
        # mcusim defaults that differ from the schema's zeros
        if "strideW" in fields:
            obj.strideW = 1
            obj.strideH = 1
        if otype == "SoftmaxOptions":
            obj.beta = 1.0
        if otype == "DepthwiseConv2DOptions" and len(ins) >= 2 and ins[0] >= 0 and ins[1] >= 0:
            cin = self.tensors[ins[0]].shape[-1]
            cout = self.tensors[ins[1]].shape[-1]
            if cin and cout % cin == 0:
                obj.depthMultiplier = cout // cin
        for key, value in options.items():
            attr = key if key in fields else _snake_to_camel(key)
            if attr not in fields:
                valid = sorted(_camel_to_snake(f) for f in fields)
                raise ValueError(f"{name}: {otype} has no field {key!r}; fields: {valid}")
            if attr in _ENUM_FIELDS and not isinstance(value, (list, tuple, np.ndarray)):
                value = _enum_value(_ENUM_FIELDS[attr], attr, value)
            elif isinstance(value, np.ndarray):
                value = value.tolist()
            elif isinstance(value, tuple):
                value = list(value)
            setattr(obj, attr, value)
        return obj

    # -- graph ends
    def set_inputs(self, indices: Iterable[int]) -> None:
        self.inputs = [int(i) for i in indices]

    def set_outputs(self, indices: Iterable[int]) -> None:
        self.outputs = [int(i) for i in indices]

    # -- serialisation
    def build(self) -> bytes:
        """Serialise to .tflite bytes (schema version 3, file identifier TFL3)."""
        if not self.ops:
            raise ValueError("model has no operators")
        buffers: list[schema.BufferT] = [_AlignedBufferT(None)]
        tensors = []
        for spec in self.tensors:
            t = schema.TensorT()
            t.shape = list(spec.shape)
            t.type = _tensor_type(spec.dtype)
            t.name = spec.name
            t.isVariable = bool(spec.is_variable)
            if spec.is_constant:
                payload = np.ascontiguousarray(spec.data).astype(
                    spec.dtype.newbyteorder("<")
                ).tobytes()
                buffers.append(_AlignedBufferT(payload))
                t.buffer = len(buffers) - 1
            else:
                t.buffer = 0
            if spec.quantized:
                q = schema.QuantizationParametersT()
                q.scale = spec.scales()
                q.zeroPoint = spec.zero_points()
                if len(q.scale) != len(q.zeroPoint):
                    raise ValueError(f"tensor {spec.name}: {len(q.scale)} scales but "
                                     f"{len(q.zeroPoint)} zero points")
                q.quantizedDimension = int(spec.quantized_dimension)
                t.quantization = q
            tensors.append(t)

        opcodes = []
        for (code, version), _ in sorted(self._opcodes.items(), key=lambda kv: kv[1]):
            oc = schema.OperatorCodeT()
            oc.builtinCode = code
            oc.deprecatedBuiltinCode = min(code, schema.BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES)
            oc.version = version
            opcodes.append(oc)

        operators = []
        for opcode_index, _code, ins, outs, otype, opts in self.ops:
            o = schema.OperatorT()
            o.opcodeIndex = opcode_index
            o.inputs = ins
            o.outputs = outs
            if otype is not None:
                o.builtinOptionsType = _OPTIONS_TYPES[otype]
                o.builtinOptions = opts
            operators.append(o)

        sg = schema.SubGraphT()
        sg.tensors = tensors
        sg.inputs = list(self.inputs)
        sg.outputs = list(self.outputs)
        sg.operators = operators
        sg.name = self.subgraph_name

        m = schema.ModelT()
        m.version = 3
        m.operatorCodes = opcodes
        m.subgraphs = [sg]
        m.description = self.description
        m.buffers = buffers

        b = flatbuffers.Builder(1024)
        b.Finish(m.Pack(b), file_identifier=b"TFL3")
        return bytes(b.Output())


def single_op_model(
    op: str | int,
    inputs: Sequence[TensorSpec | None],
    outputs: Sequence[TensorSpec],
    options: dict[str, Any] | None = None,
    version: int = 1,
    options_type: str | None = None,
) -> bytes:
    """A model with one operator. Non-constant inputs become the model's inputs (in
    order), outputs its outputs; ``None`` inputs are absent optional inputs."""
    mb = ModelBuilder(description=f"mcusim modelgen: {op}")
    ins: list[int | None] = []
    model_inputs: list[int] = []
    for spec in inputs:
        if spec is None:
            ins.append(None)
            continue
        idx = mb.add_tensor(spec)
        ins.append(idx)
        if not spec.is_constant:
            model_inputs.append(idx)
    outs = [mb.add_tensor(spec) for spec in outputs]
    mb.add_op(op, ins, outs, options, version=version, options_type=options_type)
    mb.set_inputs(model_inputs)
    mb.set_outputs(outs)
    return mb.build()


# --------------------------------------------------------------------------- reference


def run_reference(
    model: bytes, inputs: Sequence[np.ndarray], arena_size: int | None = None
) -> list[np.ndarray]:
    """Run ``model`` once in the tflite-micro host interpreter; return all outputs.

    The arena defaults to a size derived from the model's tensors (the package's own
    default, 10x the model size, is too small for small models with big activations).
    """
    from tflite_micro.python.tflite_micro import runtime

    if arena_size is None:
        arena_size = _arena_guess(model)
    interp = runtime.Interpreter.from_bytes(bytes(model), arena_size=arena_size)
    for i, x in enumerate(inputs):
        interp.set_input(np.asarray(x), i)
    interp.invoke()
    n_out = len(schema.Model.GetRootAs(model, 0).Subgraphs(0).OutputsAsNumpy())
    return [np.array(interp.get_output(i)) for i in range(n_out)]


_ITEMSIZE = {v: np.dtype(k).itemsize for k, v in _NP_TO_TFLITE.items()}


def _arena_guess(model: bytes) -> int:
    m = schema.Model.GetRootAs(model, 0)
    total = 0
    for s in range(m.SubgraphsLength()):
        sg = m.Subgraphs(s)
        for t in range(sg.TensorsLength()):
            ten = sg.Tensors(t)
            n = int(np.prod(ten.ShapeAsNumpy())) if ten.ShapeLength() else 1
            total += n * _ITEMSIZE.get(ten.Type(), 8) + 64
    return 2 * total + 64 * 1024 + 4 * len(model)


# --------------------------------------------------------------------------- quantization


_INT_RANGES = {
    np.dtype(np.int8): (-128, 127),
    np.dtype(np.uint8): (0, 255),
    np.dtype(np.int16): (-32768, 32767),
    np.dtype(np.int32): (-(2**31), 2**31 - 1),
}


def as_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A numpy Generator from a seed (or the Generator itself)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def random_quant(
    rng: int | np.random.Generator,
    dtype: Any = np.int8,
    scale_range: tuple[float, float] = (0.005, 0.1),
    zero_point_range: tuple[int, int] | None = None,
    channels: int | None = None,
    symmetric: bool = False,
) -> dict[str, Any]:
    """Random quantization parameters, as TensorSpec keywords (``scale``, ``zero_point``
    and, when ``channels`` is given, per-channel lists with zero points 0).

    The scale is log-uniform in ``scale_range``. int8/uint8 zero points default to a
    moderate range around the middle of the type; int16 (and ``symmetric``) use 0.
    """
    rng = as_rng(rng)
    dt = np.dtype(dtype)
    lo, hi = np.log(scale_range[0]), np.log(scale_range[1])
    if channels is not None:
        scales = np.exp(rng.uniform(lo, hi, size=channels)).astype(np.float32)
        return {"scale": [float(s) for s in scales], "zero_point": [0] * channels}
    scale = float(np.float32(np.exp(rng.uniform(lo, hi))))
    if symmetric or dt == np.int16 or dt == np.int32:
        zp = 0
    else:
        if zero_point_range is None:
            zero_point_range = (-64, 64) if dt == np.int8 else (64, 192)
        zp = int(rng.integers(zero_point_range[0], zero_point_range[1] + 1))
    return {"scale": scale, "zero_point": zp}


def random_data(
    rng: int | np.random.Generator,
    shape: Sequence[int],
    dtype: Any = np.int8,
    low: float | None = None,
    high: float | None = None,
) -> np.ndarray:
    """Random array: integers uniform over ``[low, high]`` (default the type's full range,
    int32/int64 ±1000); floats uniform in ``[low, high]`` (default -1..1); bools fair."""
    rng = as_rng(rng)
    dt = np.dtype(dtype)
    shape = tuple(shape)
    if dt.kind == "b":
        return rng.integers(0, 2, size=shape).astype(dt)
    if dt.kind == "f":
        lo = -1.0 if low is None else low
        hi = 1.0 if high is None else high
        return rng.uniform(lo, hi, size=shape).astype(dt)
    if dt in _INT_RANGES and dt.itemsize < 4:
        tlo, thi = _INT_RANGES[dt]
    else:
        tlo, thi = -1000, 1000
    lo = tlo if low is None else int(low)
    hi = thi if high is None else int(high)
    return rng.integers(lo, hi + 1, size=shape, dtype=np.int64).astype(dt)


def _round_away(x: np.ndarray) -> np.ndarray:
    """Round half away from zero, as TFLite's reference kernels (std::round) do."""
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def quantize(x: Any, scale: float | Sequence[float], zero_point: int | Sequence[int] = 0,
             dtype: Any = np.int8, axis: int | None = None) -> np.ndarray:
    """Affine quantization (round half away from zero, saturating); per-channel along
    ``axis``."""
    x = np.asarray(x, dtype=np.float64)
    dt = np.dtype(dtype)
    s = np.asarray(scale, dtype=np.float64)
    z = np.asarray(zero_point, dtype=np.float64)
    if axis is not None and s.ndim == 1:
        bshape = [1] * x.ndim
        bshape[axis] = -1
        s = s.reshape(bshape)
        z = np.broadcast_to(z, np.asarray(scale).shape).reshape(bshape) if z.ndim else z
    lo, hi = _INT_RANGES.get(dt, (np.iinfo(dt).min, np.iinfo(dt).max))
    return np.clip(_round_away(x / s) + z, lo, hi).astype(dt)


def dequantize(q: Any, scale: float | Sequence[float], zero_point: int | Sequence[int] = 0,
               axis: int | None = None) -> np.ndarray:
    """Inverse of :func:`quantize`, as float32."""
    q = np.asarray(q, dtype=np.float64)
    s = np.asarray(scale, dtype=np.float64)
    z = np.asarray(zero_point, dtype=np.float64)
    if axis is not None and s.ndim == 1:
        bshape = [1] * q.ndim
        bshape[axis] = -1
        s = s.reshape(bshape)
        if z.ndim:
            z = np.broadcast_to(z, np.asarray(scale).shape).reshape(bshape)
    return ((q - z) * s).astype(np.float32)


def quantize_weights(w: Any, axis: int | None = None, dtype: Any = np.int8
                     ) -> tuple[np.ndarray, float | list[float]]:
    """Symmetric weight quantization (zero point 0, range ±127 for int8), per-tensor or
    per-channel along ``axis``. Returns ``(q, scale)``; scale is a list if per-channel."""
    w = np.asarray(w, dtype=np.float64)
    qmax = 127 if np.dtype(dtype) == np.int8 else _INT_RANGES[np.dtype(dtype)][1]
    if axis is None:
        m = float(np.max(np.abs(w))) or 1.0
        scale = float(np.float32(m / qmax))
        return quantize(w, scale, 0, dtype), scale
    red = tuple(i for i in range(w.ndim) if i != axis % w.ndim)
    m = np.max(np.abs(w), axis=red)
    m = np.where(m == 0, 1.0, m)
    scales = (m / qmax).astype(np.float32).astype(np.float64)
    return quantize(w, scales, 0, dtype, axis=axis), [float(s) for s in scales]


def quantize_bias(bias: Any, input_scale: float,
                  weight_scale: float | Sequence[float]) -> np.ndarray:
    """int32 bias for a conv/FC: ``round(bias / (input_scale * weight_scale))``,
    per-channel when ``weight_scale`` is a sequence."""
    s = float(input_scale) * np.asarray(weight_scale, dtype=np.float64)
    b = _round_away(np.asarray(bias, dtype=np.float64) / s)
    return np.clip(b, -(2**31), 2**31 - 1).astype(np.int32)


def bias_tensor(bias: Any, input_scale: float, weight_scale: float | Sequence[float],
                name: str | None = None) -> TensorSpec:
    """A constant int32 bias TensorSpec (scale input_scale*weight_scale, zero point 0)
    from float biases."""
    ws = np.asarray(weight_scale, dtype=np.float64)
    bias = np.asarray(bias, dtype=np.float64).reshape(-1)
    q = quantize_bias(bias, input_scale, ws if ws.ndim else float(ws))
    if ws.ndim:
        scale: Any = [float(input_scale) * float(s) for s in ws]
        zp: Any = [0] * len(scale)
    else:
        scale, zp = float(input_scale) * float(ws), 0
    return TensorSpec((len(bias),), np.int32, data=q, scale=scale, zero_point=zp, name=name)


# --------------------------------------------------------------------------- op examples


@dataclasses.dataclass
class OpExample:
    """A one-op model plus deterministic inputs for it."""

    op: str
    model: bytes
    inputs: list[np.ndarray]
    output_shapes: list[tuple[int, ...]]
    output_dtypes: list[np.dtype]


def _q(rng, dtype, **kw):
    return random_quant(rng, dtype, **kw) if np.dtype(dtype) != np.float32 else {}


def _act(rng, shape, dtype, quant):
    """Random activation data: quantized types over their range, floats over ±2."""
    if np.dtype(dtype).kind == "f":
        return random_data(rng, shape, dtype, -2.0, 2.0)
    return random_data(rng, shape, dtype)


EXAMPLE_OPS = (
    "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "AVERAGE_POOL_2D", "MAX_POOL_2D",
    "SOFTMAX", "RESHAPE", "SQUEEZE", "ADD", "SUB", "MUL", "QUANTIZE", "DEQUANTIZE",
    "RELU", "RELU6", "LOGISTIC", "TANH", "HARD_SWISH", "LEAKY_RELU", "MEAN", "PAD",
    "CONCATENATION", "STRIDED_SLICE", "TRANSPOSE",
)


def op_example(op: str, dtype: Any = np.int8, seed: int = 0) -> OpExample:
    """A small, representative one-op model for ``op`` in ``dtype`` (int8 or float32;
    for QUANTIZE/DEQUANTIZE, ``dtype`` is the quantized side), seeded, that runs in the
    reference interpreter. Covers :data:`EXAMPLE_OPS`."""
    rng = as_rng(seed)
    op = op.upper()
    dt = np.dtype(dtype)
    if op in ("QUANTIZE", "DEQUANTIZE") and dt.kind == "f":
        dt = np.dtype(np.int8)
    isf = dt.kind == "f"

    def act(shape, **qkw):
        q = _q(rng, dt, **qkw)
        return TensorSpec(shape, dt, **q)

    def same_q(spec, shape, name=None):
        return TensorSpec(shape, dt, scale=spec.scale, zero_point=spec.zero_point, name=name)

    def i32(values):
        return TensorSpec(None, np.int32, data=np.asarray(values, np.int32))

    opts: dict[str, Any] | None = None
    if op in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
        if op == "CONV_2D":
            x = act((1, 9, 9, 3))
            wf = rng.normal(0, 0.3, size=(4, 3, 3, 3))
            axis, out_shape = 0, (1, 5, 5, 4)
            opts = {"padding": "SAME", "stride_w": 2, "stride_h": 2,
                    "fused_activation_function": "RELU"}
        elif op == "DEPTHWISE_CONV_2D":
            x = act((1, 8, 8, 4))
            wf = rng.normal(0, 0.3, size=(1, 3, 3, 8))
            axis, out_shape = 3, (1, 6, 6, 8)
            opts = {"padding": "VALID", "depth_multiplier": 2}
        else:
            x = act((2, 16))
            wf = rng.normal(0, 0.3, size=(5, 16))
            axis, out_shape = None, (2, 5)
            opts = {"fused_activation_function": "NONE"}
        bf = rng.normal(0, 0.2, size=wf.shape[axis if axis is not None else 0])
        if isf:
            w = TensorSpec(None, dt, data=wf)
            b = TensorSpec(None, dt, data=bf)
        else:
            wq, ws = quantize_weights(wf, axis=axis)
            w = TensorSpec(None, np.int8, data=wq, scale=ws, zero_point=0,
                           quantized_dimension=axis or 0)
            b = bias_tensor(bf, x.scale, ws)
        y = act(out_shape, scale_range=(0.05, 0.2))
        inputs = [x, w, b]
        outputs = [y]
    elif op in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        x = act((1, 8, 8, 3))
        inputs, outputs = [x], [same_q(x, (1, 4, 4, 3))]
        opts = {"padding": "VALID", "stride_w": 2, "stride_h": 2,
                "filter_width": 2, "filter_height": 2}
    elif op == "SOFTMAX":
        x = act((1, 10))
        if isf:
            y = TensorSpec((1, 10), dt)
        elif dt == np.int16:
            y = TensorSpec((1, 10), dt, scale=1 / 32768, zero_point=0)
        else:
            y = TensorSpec((1, 10), dt, scale=1 / 256, zero_point=-128)
        inputs, outputs, opts = [x], [y], {"beta": 1.0}
    elif op == "RESHAPE":
        x = act((1, 2, 3, 4))
        inputs, outputs = [x, i32([1, 24])], [same_q(x, (1, 24))]
        opts = {"new_shape": [1, 24]}
    elif op == "SQUEEZE":
        x = act((1, 1, 1, 6))
        inputs, outputs, opts = [x], [same_q(x, (1, 6))], {"squeeze_dims": [1, 2]}
    elif op in ("ADD", "SUB", "MUL"):
        a, b2 = act((1, 4, 4, 3)), act((1, 4, 4, 3))
        inputs, outputs = [a, b2], [act((1, 4, 4, 3))]
        opts = {"fused_activation_function": "NONE"}
    elif op == "QUANTIZE":
        x = TensorSpec((1, 16), np.float32)
        inputs = [x]
        outputs = [TensorSpec((1, 16), dt, **random_quant(rng, dt))]
    elif op == "DEQUANTIZE":
        inputs = [TensorSpec((1, 16), dt, **random_quant(rng, dt))]
        outputs = [TensorSpec((1, 16), np.float32)]
    elif op in ("RELU", "RELU6", "HARD_SWISH", "LEAKY_RELU"):
        if op == "HARD_SWISH" and dt == np.int16:
            raise ValueError("the reference interpreter has no int16 HARD_SWISH")
        x = act((1, 4, 4, 2))
        inputs, outputs = [x], [act((1, 4, 4, 2))]
        if op == "LEAKY_RELU":
            opts = {"alpha": 0.2}
    elif op in ("LOGISTIC", "TANH"):
        x = act((1, 16), scale_range=(0.02, 0.05) if dt != np.int16 else (1e-4, 3e-4))
        if isf:
            y = TensorSpec((1, 16), dt)
        elif dt == np.int16:
            y = TensorSpec((1, 16), dt, scale=1 / 32768, zero_point=0)
        elif op == "LOGISTIC":
            y = TensorSpec((1, 16), dt, scale=1 / 256, zero_point=-128)
        else:
            y = TensorSpec((1, 16), dt, scale=1 / 128, zero_point=0)
        inputs, outputs = [x], [y]
    elif op == "MEAN":
        x = act((1, 4, 4, 8))
        inputs, outputs = [x, i32([1, 2])], [act((1, 1, 1, 8))]
        opts = {"keep_dims": True}
    elif op == "PAD":
        x = act((1, 4, 4, 2))
        inputs = [x, i32([[0, 0], [1, 1], [2, 0], [0, 0]])]
        outputs = [same_q(x, (1, 6, 6, 2))]
    elif op == "CONCATENATION":
        a = act((1, 4, 4, 2))
        inputs = [a, same_q(a, (1, 4, 4, 3))]
        outputs = [same_q(a, (1, 4, 4, 5))]
        opts = {"axis": 3, "fused_activation_function": "NONE"}
    elif op == "STRIDED_SLICE":
        x = act((1, 6, 6, 4))
        inputs = [x, i32([0, 1, 0, 0]), i32([1, 6, 6, 4]), i32([1, 2, 3, 1])]
        outputs = [same_q(x, (1, 3, 2, 4))]
        opts = {"begin_mask": 0, "end_mask": 0}
    elif op == "TRANSPOSE":
        x = act((1, 2, 3, 4))
        inputs, outputs = [x, i32([0, 3, 1, 2])], [same_q(x, (1, 4, 2, 3))]
    else:
        raise ValueError(f"no example for {op}; examples exist for {EXAMPLE_OPS}")

    model = single_op_model(op, inputs, outputs, opts)
    data = [_act(rng, s.shape, s.dtype, s) for s in inputs if s is not None and not s.is_constant]
    return OpExample(op, model, data, [tuple(s.shape) for s in outputs],
                     [np.dtype(s.dtype) for s in outputs])
