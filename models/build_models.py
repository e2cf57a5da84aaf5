"""Build the synthetic test models in models/ (deterministic, seeded).

    python models/build_models.py            # writes models/*.tflite, prints a summary
    python models/build_models.py --check    # builds in memory, compares with the files

Each network is described once in float (weights drawn from a seeded generator, He
initialisation so activations keep a sensible spread), written as a float32 model, and
quantized to int8 the way the TFLite converter does it: activations asymmetric int8
with ranges calibrated by running the float model in the tflite-micro reference
interpreter on seeded random inputs plus the two constant extreme inputs (every
intermediate tensor exposed as an output); conv/depthwise weights per-channel symmetric int8, fully-connected weights per-tensor;
biases int32 at input_scale * weight_scale; pooling and reshape outputs keep their
input's quantization; softmax outputs 1/256, -128. The architectures follow the
MLPerf Tiny tasks, scaled down so the simulator runs them quickly. The sine model is a
small MLP really fitted to sin(x) (numpy gradient descent, finishing quantization-aware),\nlike TFLM's hello_world.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from mcusim.modelgen import (  # noqa: E402
    ModelBuilder,
    TensorSpec,
    bias_tensor,
    quantize_weights,
)

SEED = 20240601
CALIBRATION_SAMPLES = 32


# --------------------------------------------------------------------------- float graph


@dataclasses.dataclass
class Node:
    name: str
    op: str  # INPUT, CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, AVERAGE_POOL_2D, ...
    inputs: list[int]
    shape: tuple[int, ...]
    weights: np.ndarray | None = None
    bias: np.ndarray | None = None
    options: dict[str, Any] = dataclasses.field(default_factory=dict)
    quant: str = "calibrate"  # calibrate | same | softmax
    macs: int = 0


def _out_dim(n: int, k: int, s: int, padding: str) -> int:
    return math.ceil(n / s) if padding == "SAME" else math.ceil((n - k + 1) / s)


class Net:
    """A float network built layer by layer; nodes are referred to by index."""

    def __init__(self, name: str, input_shape: tuple[int, ...], input_range: tuple[float, float],
                 seed: int):
        self.name = name
        self.rng = np.random.default_rng(seed)
        self.input_range = input_range
        self.nodes: list[Node] = [Node("input", "INPUT", [], tuple(input_shape))]

    def _add(self, node: Node) -> int:
        self.nodes.append(node)
        return len(self.nodes) - 1

    def _he(self, shape, fan_in, gain=2.0):
        return self.rng.normal(0.0, math.sqrt(gain / fan_in), size=shape).astype(np.float32)

    def _bias(self, n):
        return self.rng.normal(0.0, 0.05, size=n).astype(np.float32)

    def conv(self, x, cout, k, stride=1, padding="SAME", act="RELU", name=None):
        n, h, w, cin = self.nodes[x].shape
        kh, kw = (k, k) if isinstance(k, int) else k
        oh, ow = _out_dim(h, kh, stride, padding), _out_dim(w, kw, stride, padding)
        return self._add(Node(
            name or f"conv{len(self.nodes)}", "CONV_2D", [x], (n, oh, ow, cout),
            self._he((cout, kh, kw, cin), kh * kw * cin), self._bias(cout),
            {"padding": padding, "stride_w": stride, "stride_h": stride,
             "fused_activation_function": act},
            macs=oh * ow * cout * kh * kw * cin))

    def dwconv(self, x, k=3, stride=1, padding="SAME", act="RELU", name=None):
        n, h, w, c = self.nodes[x].shape
        oh, ow = _out_dim(h, k, stride, padding), _out_dim(w, k, stride, padding)
        return self._add(Node(
            name or f"dw{len(self.nodes)}", "DEPTHWISE_CONV_2D", [x], (n, oh, ow, c),
            self._he((1, k, k, c), k * k), self._bias(c),
            {"padding": padding, "stride_w": stride, "stride_h": stride,
             "depth_multiplier": 1, "fused_activation_function": act},
            macs=oh * ow * c * k * k))

    def fc(self, x, units, act="NONE", gain=2.0, name=None):
        shape = self.nodes[x].shape
        fan_in = shape[-1]
        return self._add(Node(
            name or f"fc{len(self.nodes)}", "FULLY_CONNECTED", [x], (shape[0], units),
            self._he((units, fan_in), fan_in, gain), self._bias(units),
            {"fused_activation_function": act}, macs=units * fan_in))

    def avgpool(self, x, k=None, stride=None, name=None):
        n, h, w, c = self.nodes[x].shape
        kh, kw = (h, w) if k is None else (k, k)
        s = stride or 1
        oh, ow = _out_dim(h, kh, s, "VALID"), _out_dim(w, kw, s, "VALID")
        return self._add(Node(
            name or f"avgpool{len(self.nodes)}", "AVERAGE_POOL_2D", [x], (n, oh, ow, c),
            options={"padding": "VALID", "stride_w": s, "stride_h": s,
                     "filter_width": kw, "filter_height": kh, "fused_activation_function": "NONE"},
            quant="same"))

    def reshape(self, x, shape, name=None):
        return self._add(Node(name or f"reshape{len(self.nodes)}", "RESHAPE", [x], tuple(shape),
                              options={"new_shape": list(shape)}, quant="same"))

    def add(self, a, b, act="NONE", name=None):
        return self._add(Node(name or f"add{len(self.nodes)}", "ADD", [a, b],
                              self.nodes[a].shape, options={"fused_activation_function": act}))

    def softmax(self, x, name=None):
        return self._add(Node(name or "softmax", "SOFTMAX", [x], self.nodes[x].shape,
                              options={"beta": 1.0}, quant="softmax"))

    # -- facts
    def ops(self) -> list[str]:
        return [n.op for n in self.nodes[1:]]

    def macs(self) -> int:
        return sum(n.macs for n in self.nodes)


# --------------------------------------------------------------------------- emitting


def _range_quant(lo: float, hi: float) -> tuple[float, int]:
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo < 1e-6:
        hi = lo + 1e-6
    scale = float(np.float32((hi - lo) / 255.0))
    zp = int(np.clip(round(-128 - lo / scale), -128, 127))
    return scale, zp


def emit(net: Net, dtype: str, ranges: dict[int, tuple[float, float]] | None = None,
         expose_all: bool = False) -> bytes:
    """Write ``net`` as a float32 or int8 model (int8 needs calibration ``ranges``)."""
    mb = ModelBuilder(description=f"mcusim synthetic {net.name} ({dtype})")
    tensor: dict[int, int] = {}
    quant: dict[int, tuple[float, int]] = {}
    isf = dtype == "float32"

    def act_spec(i: int, node: Node) -> TensorSpec:
        if isf:
            return TensorSpec(node.shape, np.float32, name=node.name)
        if node.quant == "same":
            q = quant[node.inputs[0]]
        elif node.quant == "softmax":
            q = (1.0 / 256.0, -128)
        elif i == 0:
            q = _range_quant(*net.input_range)
        else:
            q = _range_quant(*ranges[i])
        quant[i] = q
        return TensorSpec(node.shape, np.int8, scale=q[0], zero_point=q[1], name=node.name)

    for i, node in enumerate(net.nodes):
        out = mb.add_tensor(act_spec(i, node))
        tensor[i] = out
        ins = [tensor[j] for j in node.inputs]
        if node.weights is not None:
            axis = {"CONV_2D": 0, "DEPTHWISE_CONV_2D": 3, "FULLY_CONNECTED": None}[node.op]
            if isf:
                w = TensorSpec(None, np.float32, data=node.weights, name=node.name + "/weights")
                b = TensorSpec(None, np.float32, data=node.bias, name=node.name + "/bias")
            else:
                wq, ws = quantize_weights(node.weights, axis=axis)
                w = TensorSpec(None, np.int8, data=wq, scale=ws, zero_point=0,
                               quantized_dimension=axis or 0, name=node.name + "/weights")
                b = bias_tensor(node.bias, quant[node.inputs[0]][0], ws, name=node.name + "/bias")
            ins += [mb.add_tensor(w), mb.add_tensor(b)]
        elif node.op == "RESHAPE":
            ins.append(mb.add_tensor(TensorSpec(None, np.int32, data=np.array(node.shape, np.int32),
                                                name=node.name + "/shape")))
        if node.op != "INPUT":
            mb.add_op(node.op, ins, [out], node.options)
    mb.set_inputs([tensor[0]])
    last = len(net.nodes) - 1
    mb.set_outputs([tensor[i] for i in range(1, len(net.nodes))] if expose_all else [tensor[last]])
    return mb.build()


def calibrate(net: Net, samples: int = CALIBRATION_SAMPLES) -> dict[int, tuple[float, float]]:
    """Min/max of every node's output over seeded random inputs, from the float model."""
    from tflite_micro.python.tflite_micro import runtime

    from mcusim.modelgen import _arena_guess

    model = emit(net, "float32", expose_all=True)
    interp = runtime.Interpreter.from_bytes(model, arena_size=_arena_guess(model) * 4)
    rng = np.random.default_rng(SEED + 1)
    lo_in, hi_in = net.input_range
    ranges = {i: (math.inf, -math.inf) for i in range(1, len(net.nodes))}
    shape = net.nodes[0].shape
    # the two extreme constant inputs, then uniform random ones
    xs = [np.full(shape, lo_in, np.float32), np.full(shape, hi_in, np.float32)]
    xs += [rng.uniform(lo_in, hi_in, size=shape).astype(np.float32) for _ in range(samples)]
    for x in xs:
        interp.set_input(x, 0)
        interp.invoke()
        for k, i in enumerate(range(1, len(net.nodes))):
            y = interp.get_output(k)
            lo, hi = ranges[i]
            ranges[i] = (min(lo, float(y.min())), max(hi, float(y.max())))
    return ranges


# --------------------------------------------------------------------------- networks


def kws_dscnn() -> Net:
    """DS-CNN keyword spotting (MLPerf Tiny KWS), 32 channels and 3 DS blocks instead of
    64 and 4: 49x10x1 MFCC features -> 12 classes."""
    n = Net("kws_dscnn", (1, 49, 10, 1), (-1.0, 1.0), SEED + 10)
    x = n.conv(0, 32, (10, 4), stride=2, name="conv0")
    for b in range(3):
        x = n.dwconv(x, 3, name=f"block{b}/dw")
        x = n.conv(x, 32, 1, name=f"block{b}/pw")
    x = n.avgpool(x, name="avgpool")
    x = n.reshape(x, (1, 32), name="flatten")
    x = n.fc(x, 12, gain=25.0, name="logits")
    n.softmax(x)
    return n


def vww_mobilenet() -> Net:
    """MobileNetV1-like visual wake words (MLPerf Tiny VWW) at 48x48x3, widths 8-64:
    48x48x3 image -> 2 classes."""
    n = Net("vww_mobilenet", (1, 48, 48, 3), (-1.0, 1.0), SEED + 20)
    x = n.conv(0, 8, 3, stride=2, act="RELU6", name="conv0")
    for i, (cout, s) in enumerate([(16, 1), (32, 2), (32, 1), (64, 2)]):
        x = n.dwconv(x, 3, stride=s, act="RELU6", name=f"block{i}/dw")
        x = n.conv(x, cout, 1, act="RELU6", name=f"block{i}/pw")
    x = n.avgpool(x, name="avgpool")
    x = n.reshape(x, (1, 64), name="flatten")
    x = n.fc(x, 2, gain=100.0, name="logits")
    n.softmax(x)
    return n


def resnet8() -> Net:
    """ResNet-8 (MLPerf Tiny image classification), widths 8/16/32 and a stride-2 stem:
    32x32x3 image -> 10 classes. 9 CONV_2D, 3 ADD."""
    n = Net("resnet8", (1, 32, 32, 3), (-1.0, 1.0), SEED + 30)
    x = n.conv(0, 8, 3, stride=2, name="stem")
    # block 1: identity shortcut
    y = n.conv(x, 8, 3, name="block1/conv1")
    y = n.conv(y, 8, 3, act="NONE", name="block1/conv2")
    x = n.add(x, y, act="RELU", name="block1/add")
    # blocks 2, 3: strided, 1x1 projection shortcut
    for b, c in ((2, 16), (3, 32)):
        y = n.conv(x, c, 3, stride=2, name=f"block{b}/conv1")
        y = n.conv(y, c, 3, act="NONE", name=f"block{b}/conv2")
        s = n.conv(x, c, 1, stride=2, act="NONE", name=f"block{b}/shortcut")
        x = n.add(s, y, act="RELU", name=f"block{b}/add")
    x = n.avgpool(x, name="avgpool")
    x = n.reshape(x, (1, 32), name="flatten")
    x = n.fc(x, 10, gain=10.0, name="logits")
    n.softmax(x)
    return n


def ad_autoencoder() -> Net:
    """Fully-connected autoencoder (MLPerf Tiny anomaly detection), 10 FC layers with a
    128-wide input instead of 640: 128 -> 64x4 -> 8 -> 64x4 -> 128."""
    n = Net("ad_autoencoder", (1, 128), (-1.0, 1.0), SEED + 40)
    x = 0
    widths = [64, 64, 64, 64, 8, 64, 64, 64, 64]
    for i, w in enumerate(widths):
        x = n.fc(x, w, act="RELU", name=f"fc{i}")
    n.fc(x, 128, act="NONE", gain=1.0, name=f"fc{len(widths)}")
    return n


def sine() -> Net:
    """TFLM hello_world-like sine regression: 1 -> 16 -> 16 -> 1, ReLU; weights fitted
    to y = sin(x) on [0, 2pi] by full-batch Adam in numpy, quantization-aware at the end."""
    n = Net("sine", (1, 1), (0.0, 2 * math.pi), SEED + 50)
    a = n.fc(0, 16, act="RELU", name="fc0")
    b = n.fc(a, 16, act="RELU", name="fc1")
    c = n.fc(b, 1, act="NONE", gain=1.0, name="fc2")
    _fit_sine([n.nodes[a], n.nodes[b], n.nodes[c]], np.random.default_rng(SEED + 51))
    return n


def _fake_quant(v: np.ndarray, lo: float, hi: float) -> np.ndarray:
    scale, zp = _range_quant(lo, hi)
    return (np.clip(np.round(v / scale) + zp, -128, 127) - zp) * scale


def _fake_quant_weights(w: np.ndarray) -> np.ndarray:
    scale = max(float(np.max(np.abs(w))), 1e-8) / 127.0
    return np.clip(np.round(w / scale), -127, 127) * scale


def _fit_sine(layers: list[Node], rng: np.random.Generator, steps: int = 4000,
              qat_steps: int = 3000) -> None:
    """Full-batch Adam on MSE; the last ``qat_steps`` steps see int8 weights and
    activations in the forward pass (straight-through gradients), so the int8 model
    keeps the float model's accuracy."""
    x = np.linspace(0, 2 * math.pi, 256).reshape(-1, 1)
    y = np.sin(x) + rng.normal(0, 0.02, size=x.shape)
    params = []
    for L in layers:
        params += [L.weights.astype(np.float64), L.bias.astype(np.float64)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    lr, b1, b2 = 0.01, 0.9, 0.999
    for t in range(1, steps + qat_steps + 1):
        qat = t > steps
        fq = (lambda a: _fake_quant(a, float(a.min()), float(a.max()))) if qat else (lambda a: a)
        fw = _fake_quant_weights if qat else (lambda w: w)
        w0, c0, w1, c1, w2, c2 = params
        w0, w1, w2 = fw(w0), fw(w1), fw(w2)
        xi = _fake_quant(x, 0.0, 2 * math.pi) if qat else x
        h0 = xi @ w0.T + c0
        a0 = fq(np.maximum(h0, 0))
        h1 = a0 @ w1.T + c1
        a1 = fq(np.maximum(h1, 0))
        out = a1 @ w2.T + c2
        g = 2 * (out - y) / len(x)
        grads = [None] * 6
        grads[4], grads[5] = g.T @ a1, g.sum(0)
        g1 = (g @ w2) * (h1 > 0)
        grads[2], grads[3] = g1.T @ a0, g1.sum(0)
        g0 = (g1 @ w1) * (h0 > 0)
        grads[0], grads[1] = g0.T @ xi, g0.sum(0)
        step = lr if not qat else lr * 0.1
        for k in range(6):
            m[k] = b1 * m[k] + (1 - b1) * grads[k]
            v[k] = b2 * v[k] + (1 - b2) * grads[k] ** 2
            mh, vh = m[k] / (1 - b1 ** t), v[k] / (1 - b2 ** t)
            params[k] = params[k] - step * mh / (np.sqrt(vh) + 1e-8)
    for i, L in enumerate(layers):
        L.weights = params[2 * i].astype(np.float32)
        L.bias = params[2 * i + 1].astype(np.float32)


# --------------------------------------------------------------------------- catalogue

# file name -> (network factory, dtype)
MODELS: dict[str, tuple[Any, str]] = {
    "kws_dscnn_int8.tflite": (kws_dscnn, "int8"),
    "kws_dscnn_float32.tflite": (kws_dscnn, "float32"),
    "vww_mobilenet_int8.tflite": (vww_mobilenet, "int8"),
    "vww_mobilenet_float32.tflite": (vww_mobilenet, "float32"),
    "resnet8_int8.tflite": (resnet8, "int8"),
    "ad_autoencoder_int8.tflite": (ad_autoencoder, "int8"),
    "sine_int8.tflite": (sine, "int8"),
    "sine_float32.tflite": (sine, "float32"),
}


def build(name: str) -> tuple[bytes, Net]:
    factory, dtype = MODELS[name]
    net = factory()
    if dtype == "float32":
        return emit(net, "float32"), net
    return emit(net, "int8", calibrate(net)), net


def build_all() -> dict[str, tuple[bytes, Net]]:
    return {name: build(name) for name in MODELS}


def _op_summary(ops: list[str]) -> str:
    counts: dict[str, int] = {}
    for o in ops:
        counts[o] = counts.get(o, 0) + 1
    return ", ".join(f"{o}×{c}" if c > 1 else o for o, c in counts.items())


def summary(built: dict[str, tuple[bytes, Net]]) -> str:
    rows = ["| file | bytes | MACs | operators | input → output |",
            "|---|---|---|---|---|"]
    for name, (data, net) in built.items():
        dt = MODELS[name][1]
        shp = lambda s: "×".join(str(d) for d in s)  # noqa: E731
        rows.append(f"| {name} | {len(data)} | {net.macs()} | {_op_summary(net.ops())} | "
                    f"{dt} {shp(net.nodes[0].shape)} → {dt} {shp(net.nodes[-1].shape)} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE, help="output folder (default: models/)")
    ap.add_argument("--check", action="store_true",
                    help="build in memory and report files that differ; write nothing")
    args = ap.parse_args(argv)
    built = build_all()
    status = 0
    for name, (data, _net) in built.items():
        path = args.out / name
        if args.check:
            same = path.exists() and path.read_bytes() == data
            print(f"{'same' if same else 'DIFFERS'}  {path}")
            status |= 0 if same else 1
        else:
            path.write_bytes(data)
    if not args.check:
        print(summary(built))
    return status


if __name__ == "__main__":
    sys.exit(main())
