"""Reading a .tflite model on the host (with the TFLite schema module): its inputs and
outputs, operators and their shapes, and the multiply-accumulates each operator does.
The firmware validates the model independently; this side only needs enough to feed
inputs, read outputs and label the per-operator report."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from .errors import ModelError, UsageError

_DTYPES = {schema.TensorType.FLOAT32: np.float32, schema.TensorType.INT32: np.int32,
           schema.TensorType.UINT8: np.uint8, schema.TensorType.INT64: np.int64,
           schema.TensorType.INT16: np.int16, schema.TensorType.INT8: np.int8,
           schema.TensorType.BOOL: np.bool_}
_TYPE_NAMES = {v: k for k, v in vars(schema.TensorType).items() if not k.startswith("_")}
_OP_NAMES = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}


@dataclasses.dataclass(frozen=True)
class TensorInfo:
    index: int
    name: str
    shape: tuple
    dtype: type | None       # numpy dtype, None for types mcusim does not handle
    type_name: str
    scale: float | None
    zero_point: int | None

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * np.dtype(self.dtype).itemsize if self.dtype else 0


@dataclasses.dataclass(frozen=True)
class OpInfo:
    index: int
    name: str                # builtin name, e.g. "CONV_2D"
    inputs: tuple            # tensor indices (-1 = absent)
    outputs: tuple
    macs: int


@dataclasses.dataclass(frozen=True)
class ModelInfo:
    path: str | None
    size: int
    tensors: tuple
    inputs: tuple            # TensorInfo of the model inputs, in order
    outputs: tuple
    ops: tuple


def load_model_bytes(model) -> tuple[bytes, str | None]:
    """(bytes, path or None) from a path or bytes; a missing file is a UsageError."""
    if isinstance(model, (bytes, bytearray, memoryview)):
        return bytes(model), None
    path = Path(model)
    try:
        return path.read_bytes(), str(path)
    except FileNotFoundError:
        raise UsageError(f"no such model file: {path}") from None
    except IsADirectoryError:
        raise UsageError(f"{path} is a directory, not a .tflite model") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def read_model(model) -> tuple[bytes, ModelInfo]:
    """Parse a model (path or bytes). Raises ModelError when it is not a usable .tflite."""
    data, path = load_model_bytes(model)
    label = path or "the model"
    if len(data) < 8 or data[4:8] != b"TFL3":
        ident = data[4:8]
        seen = (f"; its file identifier is {ident.decode()!r}" if len(ident) == 4 and ident.isalnum()
                else f" ({len(data)} bytes)" if len(data) < 8 else "")
        raise ModelError(f"{label} is not a .tflite model (no TFL3 file identifier{seen}): check the file")
    try:
        info = _parse(data, path)
    except ModelError:
        raise
    except Exception as exc:  # the generated schema code raises anything on corrupt bytes
        why = ("an offset or length points outside the file" if type(exc).__name__ in ("error", "IndexError")
               else type(exc).__name__)
        raise ModelError(f"{label} is corrupt or truncated ({why}): re-export the model") from None
    return data, info


def _parse(data: bytes, path) -> ModelInfo:
    model = schema.Model.GetRootAsModel(data, 0)
    if model.SubgraphsLength() < 1:
        raise ModelError(f"{path or 'the model'} has no subgraph")
    graph = model.Subgraphs(0)
    tensors = []
    for i in range(graph.TensorsLength()):
        t = graph.Tensors(i)
        q = t.Quantization()
        scale = zp = None
        if q is not None and q.ScaleLength() > 0:
            scale = float(q.Scale(0))
            zp = int(q.ZeroPoint(0)) if q.ZeroPointLength() > 0 else 0
        shape = tuple(int(d) for d in t.ShapeAsNumpy()) if t.ShapeLength() else ()
        if any(d < 0 for d in shape):
            raise ModelError(f"{path or 'the model'}: tensor {i} has a dynamic or negative dimension "
                             f"{list(shape)}: mcusim needs fixed shapes; re-export the model with them")
        tensors.append(TensorInfo(i, (t.Name() or b"").decode("utf-8", "replace"), shape,
                                  _DTYPES.get(t.Type()), _TYPE_NAMES.get(t.Type(), str(t.Type())), scale, zp))
    codes = []
    for i in range(model.OperatorCodesLength()):
        oc = model.OperatorCodes(i)
        codes.append(max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode()))
    ops = []
    for i in range(graph.OperatorsLength()):
        op = graph.Operators(i)
        code = codes[op.OpcodeIndex()]
        ins = tuple(int(x) for x in op.InputsAsNumpy()) if op.InputsLength() else ()
        outs = tuple(int(x) for x in op.OutputsAsNumpy()) if op.OutputsLength() else ()
        name = _OP_NAMES.get(code, f"BUILTIN_{code}")
        ops.append(OpInfo(i, name, ins, outs, _macs(name, ins, outs, tensors)))
    io = [int(i) for i in graph.InputsAsNumpy()] if graph.InputsLength() else []
    n_in = len(io)
    io += [int(i) for i in graph.OutputsAsNumpy()] if graph.OutputsLength() else []
    if any(not 0 <= i < len(tensors) for i in io):
        raise ModelError(f"{path or 'the model'} is corrupt: a graph input or output names no tensor")
    inputs = tuple(tensors[i] for i in io[:n_in])
    outputs = tuple(tensors[i] for i in io[n_in:])
    return ModelInfo(path, len(data), tuple(tensors), inputs, outputs, tuple(ops))


def _macs(name, ins, outs, tensors) -> int:
    """Multiply-accumulates of one operator, from its tensor shapes."""
    def shape(i):
        return tensors[i].shape if 0 <= i < len(tensors) else ()
    out = shape(outs[0]) if outs else ()
    n_out = int(np.prod(out, dtype=np.int64)) if out else 0
    if name == "CONV_2D" and len(ins) > 1 and len(shape(ins[1])) == 4:
        _, kh, kw, cin = shape(ins[1])
        return n_out * kh * kw * cin
    if name == "DEPTHWISE_CONV_2D" and len(ins) > 1 and len(shape(ins[1])) == 4:
        _, kh, kw, _ = shape(ins[1])
        return n_out * kh * kw
    if name == "FULLY_CONNECTED" and len(ins) > 1 and len(shape(ins[1])) == 2:
        return n_out * shape(ins[1])[1]
    return 0


def random_inputs(info: ModelInfo, seed: int = 0) -> list[np.ndarray]:
    """Deterministic pseudo-random inputs: full-range integers, floats in [-1, 1)."""
    rng = np.random.default_rng(seed)
    arrays = []
    for t in info.inputs:
        if t.dtype is None:
            raise ModelError(f"input {t.name!r} has type {t.type_name}, which mcusim does not support")
        if np.issubdtype(t.dtype, np.floating):
            arrays.append(rng.uniform(-1, 1, t.shape).astype(t.dtype))
        elif t.dtype == np.bool_:
            arrays.append(rng.integers(0, 2, t.shape).astype(np.bool_))
        else:
            lim = np.iinfo(t.dtype)
            arrays.append(rng.integers(lim.min, lim.max, t.shape, endpoint=True).astype(t.dtype))
    return arrays
