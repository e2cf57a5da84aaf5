"""The interpreter firmware: which sources make an image for a (core, FPU, kernels,
toolchain), and the model slot the host writes into flash before reset (layout shared
with kernels/target/main.c)."""

from __future__ import annotations

import functools
import re
import struct

from .cores import Core
from .errors import UsageError
from .toolchain import KERNELS_DIR, Build, build

KERNEL_SETS = ("reference", "optimized")
# optimized is the default: it uses the DSP extension where the core has it, and plain-C
# paths (or the reference code) elsewhere, always bit-exact with the reference set.
DEFAULT_KERNELS = "optimized"
SLOT_MAGIC = 0x5355434D          # "MCUS"
SLOT_VERSION = 1
SLOT_HEADER = struct.Struct("<8I")
DEFAULT_STACK_RESERVE = 8 * 1024
# result_block in kernels/target/main.c: 8 words, 2 x MCU_MAX_IO words, the message
MAX_IO = 16
MESSAGE_LEN = 160
RESULT_BLOCK = struct.Struct(f"<8I{MAX_IO}I{MAX_IO}I{MESSAGE_LEN}s")
RESULT_FIELDS = ("status", "arena_base", "arena_size", "arena_total", "arena_persistent", "arena_planned",
                 "interp_bytes", "n_outputs")


def firmware_sources(kernels: str = DEFAULT_KERNELS) -> list:
    """Runtime, operator glue, the chosen kernel set (an optimized set falls back to the
    reference file of the same name where it has none), and the target main."""
    if kernels not in KERNEL_SETS:
        raise UsageError(f"unknown kernel set {kernels!r}: use one of {', '.join(KERNEL_SETS)}")
    chosen = {p.name: p for p in (KERNELS_DIR / "reference").glob("*.c")}
    if kernels == "optimized":
        chosen.update({p.name: p for p in (KERNELS_DIR / "optimized").glob("*.c")})
    return sorted([*(KERNELS_DIR / "runtime").glob("*.c"), *(KERNELS_DIR / "ops").glob("*.c"),
                   *chosen.values(), KERNELS_DIR / "target" / "main.c"])


def build_firmware(core: Core, *, kernels: str = DEFAULT_KERNELS, toolchain: str = "zig", opt: str = "-O2",
                   bare: bool = False) -> Build:
    """The (cached) interpreter image for this core's ISA and FPU setting; with bare=True
    the image also runs the bare-kernel harness (kernels/bench/) after the inference."""
    sources = firmware_sources(kernels) + ([KERNELS_DIR / "bench" / "bare.c"] if bare else [])
    return build(core, sources, name=f"{'bench' if bare else 'interp'}-{kernels}", opt=opt, toolchain=toolchain,
                 include_dirs=[KERNELS_DIR / "runtime", KERNELS_DIR / "ops", KERNELS_DIR / "reference",
                               KERNELS_DIR / "bench"], defines=["MCU_BENCH"] if bare else [])


@functools.cache
def _variant_names() -> dict:
    text = (KERNELS_DIR / "include" / "k_variant.h").read_text()
    return {int(value): "optimized-" + name.lower().replace("_", "-")
            for name, value in re.findall(r"^\s*K_VARIANT_(\w+) = (\d+),", text, re.M)}


def kernel_used(variants) -> str:
    """What an operator's kernel calls ran, from the KERNEL trace events in its window
    (kernels/include/k_variant.h): "reference" when none came (no optimized path, or a
    fallback), else e.g. "optimized-dsp-3x3"; distinct paths of several calls joined by "+"."""
    names = _variant_names()
    used = dict.fromkeys(names.get(v, f"optimized-{v}") for v in variants or ())
    return "+".join(used) or "reference"


def model_slot(model: bytes, input_addr: int, input_len: int, *, runs: int = 1,
               stack_reserve: int = DEFAULT_STACK_RESERVE) -> bytes:
    """Header + model, the model 16-byte aligned (the flatbuffer's own alignment
    guarantees hold relative to its start). Inputs live at input_addr (host I/O)."""
    model_offset = _align(SLOT_HEADER.size)
    header = SLOT_HEADER.pack(SLOT_MAGIC, SLOT_VERSION, model_offset, len(model), input_addr, input_len,
                              runs, stack_reserve)
    return header.ljust(model_offset, b"\0") + model


def parse_result_block(raw: bytes) -> dict:
    values = RESULT_BLOCK.unpack(raw)
    result = dict(zip(RESULT_FIELDS, values[:8]))
    n = min(result["n_outputs"], MAX_IO)
    result["outputs"] = list(zip(values[8:8 + n], values[8 + MAX_IO:8 + MAX_IO + n]))
    result["message"] = values[-1].split(b"\0", 1)[0].decode("utf-8", "replace")
    return result


def _align(n: int, a: int = 16) -> int:
    return (n + a - 1) // a * a
