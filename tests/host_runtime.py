"""Native host build of the firmware runtime, for tests.

The same C sources that run on the simulated Cortex-M (kernels/runtime, kernels/ops,
kernels/<kernels>) are compiled with the host gcc (-DMCU_HOST) together with the
host driver kernels/host/, giving an executable

    mcu_host [--io] [--plan] [--arena BYTES] MODEL.tflite INPUT.bin OUTPUT.bin
    mcu_host [--arena BYTES] [--init-only] --mutate MODEL.tflite SEED COUNT

that reads raw input bytes (input tensors concatenated in input order), invokes the
model once and writes the raw output bytes (concatenated in output order); the second
form is the in-process mutation fuzzer behind fuzz_host().

Public API (keep stable; other tests use it):

    build_host(kernels="reference", sanitize=False, bits32=False) -> Path
    run_host(model, inputs, kernels="reference", sanitize=False, timeout=60.0,
             arena_bytes=None, bits32=False, kernel_overflow_ok=False) -> HostResult
    reference_outputs(model, inputs) -> list[np.ndarray]
    reference_arena(model) -> RefArena | None
    model_io(model) -> (inputs: list[TensorSpec], outputs: list[TensorSpec])
    random_inputs(model, seed=0) -> list[np.ndarray]
    fuzz_host(model, seed, count, kernels="reference", sanitize=True, invoke=True) -> FuzzResult

`model` is the .tflite bytes or a path. Builds are cached under
$MCUSIM_HOST_CACHE, else $XDG_CACHE_HOME/mcusim/host, else ~/.cache/mcusim/host,
keyed by a hash of every source, the flags and the compiler version; objects are
compiled in parallel and published with os.replace, so concurrent builds (pytest-xdist)
are safe.
"""
from __future__ import annotations

import concurrent.futures
import dataclasses
import functools
import hashlib
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Sequence, Union

import numpy as np

REPO = Path(__file__).resolve().parent.parent
KERNELS = REPO / "kernels"
SHARED_MODELS = REPO.parent / "shared" / "models"

ModelArg = Union[bytes, bytearray, memoryview, str, os.PathLike]

# MCU_ERR_* codes (kernels/include/mcu_api.h)
MCU_OK = 0
MCU_ERR_MODEL = 1
MCU_ERR_UNSUPPORTED_OP = 2
MCU_ERR_UNSUPPORTED_TYPE = 3
MCU_ERR_HYBRID = 4
MCU_ERR_ARENA = 5
MCU_ERR_PARAMS = 6
MCU_ERR_INTERNAL = 7
MCU_ERR_SLOT = 8
HOST_ERR_USAGE = 10  # host driver: bad arguments / file I/O

# exit codes the sanitizers use in our runs, so they never look like an MCU_ERR code
ASAN_EXIT = 97
UBSAN_EXIT = 98

# TFLite TensorType -> numpy dtype (types the runtime supports)
TFLITE_DTYPES = {
    0: np.dtype(np.float32),
    1: np.dtype(np.float16),
    2: np.dtype(np.int32),
    3: np.dtype(np.uint8),
    4: np.dtype(np.int64),
    6: np.dtype(np.bool_),
    7: np.dtype(np.int16),
    9: np.dtype(np.int8),
}


class HostBuildError(RuntimeError):
    """The host build failed; the message holds the compiler's output."""


@dataclasses.dataclass
class TensorSpec:
    index: int  # tensor index in subgraph 0
    dtype: np.dtype
    shape: tuple
    scale: float = 0.0
    zero_point: int = 0


@dataclasses.dataclass
class HostResult:
    status: int  # 0 or an MCU_ERR_* code; negative = killed by signal; 97/98 = sanitizer
    message: str  # the runtime's message (stderr without sanitizer noise), "" on success
    outputs: list  # list[np.ndarray], typed and shaped per the model; [] on error
    arena_total: int = 0
    arena_persistent: int = 0
    arena_planned: int = 0
    stderr: str = ""  # full stderr of the run
    plan: dict = dataclasses.field(default_factory=dict)  # tensor index -> (arena offset, bytes)

    @property
    def ok(self) -> bool:
        return self.status == 0

    @property
    def sanitizer_error(self) -> bool:
        """True when ASan/UBSan reported something (or the process died on a signal)."""
        return (
            self.status in (ASAN_EXIT, UBSAN_EXIT)
            or self.status < 0
            or "Sanitizer" in self.stderr
            or "runtime error:" in self.stderr
        )


@dataclasses.dataclass
class RefArena:
    total: int
    head: int
    tail: int
    text: str  # the full print_allocations output


# --------------------------------------------------------------------------- build


def _cache_root() -> Path:
    env = os.environ.get("MCUSIM_HOST_CACHE")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "mcusim" / "host"


@functools.lru_cache(maxsize=None)
def _compiler_version(cc: str) -> str:
    if cc == "zig-x86":
        argv = [sys.executable, "-m", "ziglang", "version"]
    else:
        argv = [cc, "--version"]
    out = subprocess.run(argv, capture_output=True, text=True, check=True)
    return cc + " " + (out.stdout.splitlines()[0] if out.stdout else "")


def host_sources(kernels: str = "reference") -> list[Path]:
    """The C files of a host build: runtime, op glue, kernels (optimized falls back to
    reference file by file), host driver."""
    srcs = sorted((KERNELS / "runtime").glob("*.c"))
    srcs += sorted((KERNELS / "ops").glob("*.c"))
    chosen = {p.name: p for p in sorted((KERNELS / "reference").glob("*.c"))}
    if kernels != "reference":
        kdir = KERNELS / kernels
        if not kdir.is_dir():
            raise ValueError(f"no kernel folder kernels/{kernels}")
        for p in sorted(kdir.glob("*.c")):
            chosen[p.name] = p
    srcs += [chosen[k] for k in sorted(chosen)]
    srcs += sorted((KERNELS / "host").glob("*.c"))
    return srcs


def _header_hash() -> str:
    h = hashlib.sha256()
    for p in sorted(KERNELS.rglob("*.h")):
        h.update(str(p.relative_to(KERNELS)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


_build_lock = threading.Lock()
_built: dict = {}


def build_host(kernels: str = "reference", sanitize: bool = False, bits32: bool = False) -> Path:
    """Compile the host driver with gcc (cached). sanitize=True adds
    -fsanitize=address,undefined. bits32=True builds a 32-bit x86 executable with the
    Zig toolchain instead (pointers as on Cortex-M, so arena figures match the
    target's struct sizes); it cannot be combined with sanitize. Returns the path."""
    if bits32:
        if sanitize:
            raise ValueError("bits32 builds have no sanitizers")
        cc_argv = [sys.executable, "-m", "ziglang", "cc", "-target", "x86-linux-musl"]
    else:
        cc_argv = [os.environ.get("MCUSIM_HOST_CC", "gcc")]
    cc = cc_argv[0] if not bits32 else "zig-x86"
    flags = ["-std=c99", "-O2", "-g", "-Wall", "-Wextra", "-DMCU_HOST",
             f"-I{KERNELS / 'include'}", f"-I{KERNELS / 'runtime'}"]
    if sanitize:
        # recoverable UBSan checks + halt_on_error=1: every report still stops the run,
        # and fuzz_host can suppress one class of check in the kernels (see there)
        flags += ["-fsanitize=address,undefined", "-fno-omit-frame-pointer"]
    srcs = host_sources(kernels)
    hh = _header_hash()
    key_h = hashlib.sha256()
    key_h.update(_compiler_version(cc).encode() + b"\0" + " ".join(flags).encode() + hh.encode())
    objs_key = []
    for s in srcs:
        sh = hashlib.sha256(s.read_bytes()).hexdigest()
        key_h.update(str(s.relative_to(KERNELS)).encode() + b"\0" + sh.encode())
        objs_key.append((s, hashlib.sha256((sh + hh + " ".join(flags) + _compiler_version(cc)).encode()).hexdigest()[:24]))
    key = key_h.hexdigest()[:24]
    with _build_lock:
        if key in _built and _built[key].exists():
            return _built[key]
    root = _cache_root()
    exe = root / f"mcu_host-{kernels}{'-san' if sanitize else ''}{'-32' if bits32 else ''}-{key}"
    if exe.exists():
        _built[key] = exe
        return exe
    objdir = root / "obj"
    objdir.mkdir(parents=True, exist_ok=True)

    def compile_one(item):
        src, okey = item
        obj = objdir / f"{src.stem}-{okey}.o"
        if obj.exists():
            return obj
        fd, tmp = tempfile.mkstemp(dir=objdir, suffix=".o.tmp")
        os.close(fd)
        r = subprocess.run([*cc_argv, *flags, "-c", str(src), "-o", tmp], capture_output=True, text=True)
        if r.returncode != 0:
            os.unlink(tmp)
            raise HostBuildError(f"compiling {src.relative_to(REPO)} failed:\n{r.stderr}")
        os.replace(tmp, obj)
        return obj

    with concurrent.futures.ThreadPoolExecutor(max_workers=min(16, (os.cpu_count() or 2) * 2)) as ex:
        objs = list(ex.map(compile_one, objs_key))
    fd, tmp = tempfile.mkstemp(dir=root, suffix=".exe.tmp")
    os.close(fd)
    link = [*cc_argv, *[f for f in flags if f.startswith("-fsanitize") or f == "-g"], *map(str, objs), "-o", tmp, "-lm"]
    r = subprocess.run(link, capture_output=True, text=True)
    if r.returncode != 0:
        os.unlink(tmp)
        raise HostBuildError(f"linking the host driver failed:\n{r.stderr}")
    os.chmod(tmp, 0o755)
    os.replace(tmp, exe)
    with _build_lock:
        _built[key] = exe
    return exe


# --------------------------------------------------------------------------- model


def _model_bytes(model: ModelArg) -> bytes:
    if isinstance(model, (bytes, bytearray, memoryview)):
        return bytes(model)
    return Path(model).read_bytes()


def _schema():
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema
    return schema


def model_io(model: ModelArg):
    """(inputs, outputs) of subgraph 0 as lists of TensorSpec, read with the schema."""
    schema = _schema()
    buf = _model_bytes(model)
    m = schema.Model.GetRootAs(buf, 0)
    sg = m.Subgraphs(0)

    def spec(ti: int) -> TensorSpec:
        t = sg.Tensors(ti)
        shape = tuple(int(d) for d in t.ShapeAsNumpy()) if t.ShapeLength() else ()
        q = t.Quantization()
        scale, zp = 0.0, 0
        if q is not None and q.ScaleLength() >= 1:
            scale = float(q.Scale(0))
            zp = int(q.ZeroPoint(0)) if q.ZeroPointLength() else 0
        return TensorSpec(ti, TFLITE_DTYPES.get(t.Type(), np.dtype(np.uint8)), shape, scale, zp)

    ins = [spec(int(sg.Inputs(i))) for i in range(sg.InputsLength())]
    outs = [spec(int(sg.Outputs(i))) for i in range(sg.OutputsLength())]
    return ins, outs


def random_inputs(model: ModelArg, seed: int = 0) -> list:
    """Random inputs covering each input type's range (floats in [-1, 1))."""
    rng = np.random.default_rng(seed)
    out = []
    for s in model_io(model)[0]:
        if s.dtype.kind == "f":
            a = rng.uniform(-1.0, 1.0, size=s.shape).astype(s.dtype)
        elif s.dtype.kind == "b":
            a = rng.integers(0, 2, size=s.shape).astype(np.bool_)
        else:
            info = np.iinfo(s.dtype)
            lo, hi = max(info.min, -(2**31)), min(info.max, 2**31 - 1)
            a = rng.integers(lo, hi, size=s.shape, endpoint=True).astype(s.dtype)
        out.append(a)
    return out


# --------------------------------------------------------------------------- run


def _parse_stdout(text: str):
    arena = (0, 0, 0)
    outs = []
    plan = {}
    for line in text.splitlines():
        f = line.split()
        if not f:
            continue
        if f[0] == "TENSOR" and len(f) == 4:
            plan[int(f[1])] = (int(f[2]), int(f[3]))
        if f[0] == "ARENA" and len(f) == 4:
            arena = (int(f[1]), int(f[2]), int(f[3]))
        elif f[0] == "OUTPUT" and len(f) >= 4:
            # OUTPUT <i> <type> <ndims> <d0> ...
            ttype, nd = int(f[2]), int(f[3])
            outs.append((ttype, tuple(int(x) for x in f[4:4 + nd])))
    return arena, outs, plan


def _runtime_message(stderr: str) -> str:
    keep = []
    for line in stderr.splitlines():
        if line.startswith("==") or "Sanitizer" in line or "runtime error:" in line:
            break
        keep.append(line)
    return "\n".join(keep).strip()


def run_host(model: ModelArg, inputs: Sequence[np.ndarray], kernels: str = "reference",
             sanitize: bool = False, timeout: float = 60.0, arena_bytes: int | None = None,
             bits32: bool = False, kernel_overflow_ok: bool = False) -> HostResult:
    """Run the model once through the host build. Inputs are written as their raw bytes
    (give them the model's dtypes; shape only needs the right element count).
    arena_bytes: the arena given to the runtime (default 1 MiB, at most 16 MiB).
    bits32: use the 32-bit build (target-like struct sizes in the arena figures).
    kernel_overflow_ok: as for fuzz_host (a damaged model's weights may make a kernel's
    int32 arithmetic wrap, as it does on the target): that one UBSan check is
    suppressed inside kernels/reference and kernels/<kernels>.
    Raises TimeoutError if the run does not finish within `timeout` seconds."""
    exe = build_host(kernels, sanitize, bits32)
    buf = _model_bytes(model)
    raw = b"".join(np.ascontiguousarray(a).tobytes() for a in inputs)
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = f"exitcode={ASAN_EXIT}:detect_leaks=0:abort_on_error=0"
    env["UBSAN_OPTIONS"] = f"exitcode={UBSAN_EXIT}:print_stacktrace=1:halt_on_error=1"
    with tempfile.TemporaryDirectory(prefix="mcu_host_") as td:
        if kernel_overflow_ok:
            supp = Path(td, "ubsan.supp")
            supp.write_text("".join(f"signed-integer-overflow:{KERNELS / d}/*\n"
                                    for d in sorted({"reference", kernels})))
            env["UBSAN_OPTIONS"] += f":suppressions={supp}"
        mp, ip, op = Path(td, "model.tflite"), Path(td, "in.bin"), Path(td, "out.bin")
        mp.write_bytes(buf)
        ip.write_bytes(raw)
        try:
            extra = ["--arena", str(arena_bytes)] if arena_bytes is not None else []
            r = subprocess.run([str(exe), "--io", "--plan", *extra, str(mp), str(ip), str(op)],
                               capture_output=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired as e:
            raise TimeoutError(f"mcu_host did not finish within {timeout} s") from e
        stdout = r.stdout.decode("utf-8", "replace")
        stderr = r.stderr.decode("utf-8", "replace")
        arena, specs, plan = _parse_stdout(stdout)
        outputs = []
        if r.returncode == 0:
            data = op.read_bytes()
            pos = 0
            for ttype, shape in specs:
                dt = TFLITE_DTYPES[ttype]
                n = int(np.prod(shape, dtype=np.int64)) if shape else 1
                nbytes = n * dt.itemsize
                outputs.append(np.frombuffer(data[pos:pos + nbytes], dtype=dt).reshape(shape).copy())
                pos += nbytes
    return HostResult(r.returncode, _runtime_message(stderr), outputs, *arena, stderr=stderr,
                      plan=plan)


@dataclasses.dataclass
class FuzzResult:
    returncode: int  # 0 = every iteration ended without a crash or sanitizer report
    init: dict  # status code -> count, over all iterations
    invoke: dict  # status code -> count, over iterations whose init succeeded
    stderr: str


def fuzz_host(model: ModelArg, seed: int, count: int, kernels: str = "reference",
              sanitize: bool = True, timeout: float = 120.0,
              arena_bytes: int | None = None, invoke: bool = True,
              kernel_overflow_ok: bool = True) -> FuzzResult:
    """Run `count` damaged copies of the model (truncated, bit-flipped, words
    overwritten; deterministic per seed) through init and (invoke=True) invoke in one
    host process (mcu_host --mutate); seed 0 = truncation sweep at every count-th
    length. Raises TimeoutError on a hang.

    kernel_overflow_ok: damaged weights/biases can make a kernel's int32 accumulator
    wrap (as it does on the target, and in the reference interpreter); that one UBSan
    check is then suppressed inside kernels/<kernels>/ only. Every other report, and
    any in the runtime or glue, still fails the run."""
    exe = build_host(kernels, sanitize)
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = f"exitcode={ASAN_EXIT}:detect_leaks=0"
    ub = f"exitcode={UBSAN_EXIT}:print_stacktrace=1:halt_on_error=1"
    with tempfile.TemporaryDirectory(prefix="mcu_fuzz_") as td:
        if kernel_overflow_ok:
            supp = Path(td, "ubsan.supp")
            supp.write_text("".join(f"signed-integer-overflow:{KERNELS / d}/*\n"
                                    for d in sorted({"reference", kernels})))
            ub += f":suppressions={supp}"
        env["UBSAN_OPTIONS"] = ub
        mp = Path(td, "model.tflite")
        mp.write_bytes(_model_bytes(model))
        argv = [str(exe)]
        if arena_bytes is not None:
            argv += ["--arena", str(arena_bytes)]
        if not invoke:
            argv += ["--init-only"]
        argv += ["--mutate", str(mp), str(seed), str(count)]
        try:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired as e:
            raise TimeoutError(f"mcu_host --mutate (seed {seed}) hung or ran over {timeout} s") from e
    init, inv = {}, {}
    for line in r.stdout.splitlines():
        f = line.split()
        if len(f) == 4 and f[0] == "STATUS":
            (init if f[1] == "init" else inv)[int(f[2])] = int(f[3])
    return FuzzResult(r.returncode, init, inv, r.stderr)


# --------------------------------------------------------------------------- reference


def _ref_interpreter(buf: bytes):
    from tflite_micro.python.tflite_micro import runtime
    return runtime.Interpreter.from_bytes(buf)


def reference_outputs(model: ModelArg, inputs: Sequence[np.ndarray]) -> list:
    """Outputs of the tflite-micro reference interpreter for the same inputs."""
    buf = _model_bytes(model)
    it = _ref_interpreter(buf)
    specs = model_io(buf)[0]
    for i, a in enumerate(inputs):
        a = np.asarray(a)
        if i < len(specs) and a.shape != specs[i].shape:
            a = a.reshape(specs[i].shape)
        it.set_input(a, i)
    it.invoke()
    n_out = len(model_io(buf)[1])
    return [np.array(it.get_output(i)) for i in range(n_out)]


_REF_ARENA_SCRIPT = r"""
import sys
from tflite_micro.python.tflite_micro import runtime
it = runtime.Interpreter.from_bytes(open(sys.argv[1], 'rb').read())
sys.stdout.flush()
it.print_allocations()
"""


@functools.lru_cache(maxsize=64)
def _reference_arena_cached(digest: str, buf: bytes):
    with tempfile.TemporaryDirectory(prefix="mcu_ref_") as td:
        mp = Path(td, "m.tflite")
        mp.write_bytes(buf)
        r = subprocess.run([sys.executable, "-c", _REF_ARENA_SCRIPT, str(mp)],
                           capture_output=True, text=True, timeout=120)
    text = r.stdout + r.stderr
    vals = {}
    for line in text.splitlines():
        for k in ("total", "head", "tail"):
            tag = f"Arena allocation {k} "
            if tag in line:
                try:
                    vals[k] = int(line.split(tag, 1)[1].split()[0])
                except (ValueError, IndexError):
                    pass
    if r.returncode != 0 or "total" not in vals:
        return None
    return RefArena(vals["total"], vals.get("head", 0), vals.get("tail", 0), text)


def reference_arena(model: ModelArg):
    """The reference interpreter's arena use (RecordingMicroAllocator's
    print_allocations: total/head/tail bytes), or None if it cannot load the model."""
    buf = _model_bytes(model)
    return _reference_arena_cached(hashlib.sha256(buf).hexdigest(), buf)


def shared_model(relpath: str) -> Path:
    """Path of a model under ../shared/models (may not exist; tests should skip)."""
    return SHARED_MODELS / relpath
