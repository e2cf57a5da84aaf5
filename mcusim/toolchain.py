"""Cross-compiling C for a Core: the Zig toolchain's clang from the pinned `ziglang`
wheel by default, arm-none-eabi-gcc when asked for (--toolchain gcc). Builds are cached
by a hash of sources, headers, flags and compiler version, so a second identical build
compiles nothing; concurrent builds of the same image are safe (atomic rename)."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .cores import Core
from .errors import ToolchainError, UsageError

KERNELS_DIR = Path(__file__).resolve().parent.parent / "kernels"
TARGET_DIR = KERNELS_DIR / "target"
TOOLCHAINS = ("zig", "gcc")
OPT_LEVELS = ("-O0", "-O1", "-O2", "-O3", "-Os")

# FPU kind -> (zig CPU feature, gcc -mfpu). Zig ignores -mfpu: the FPU is a CPU feature.
_FPU_FLAGS = {"fpv4-sp": ("+vfp4d16sp", "fpv4-sp-d16"), "fpv5-sp": ("+fp_armv8d16sp", "fpv5-sp-d16"),
              "fpv5-dp": ("+fp_armv8d16", "fpv5-d16")}
# -g adds DWARF only (code is unchanged): it tells which source each byte of code came from.
COMMON_FLAGS = ("-std=c99", "-g", "-ffreestanding", "-fomit-frame-pointer", "-ffunction-sections",
                "-fdata-sections", "-Wall", "-Wextra", "-Werror=implicit-function-declaration")


def cache_dir() -> Path:
    """MCUSIM_CACHE, else $XDG_CACHE_HOME/mcusim, else ~/.cache/mcusim."""
    base = os.environ.get("MCUSIM_CACHE")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "mcusim"


@dataclasses.dataclass(frozen=True)
class Compiler:
    name: str          # "zig" or "gcc"
    command: tuple     # argv prefix of the C compiler driver
    version: str       # recorded with every image and in the cache key

    def target_flags(self, core: Core) -> list[str]:
        fpu = _FPU_FLAGS.get(core.fpu)
        if self.name == "zig":
            abi = "eabihf" if fpu else "eabi"
            return [f"-target", f"thumb-freestanding-{abi}", f"-mcpu={core.zig_cpu}{fpu[0] if fpu else ''}"]
        flags = ["-mthumb", f"-mcpu={core.gcc_cpu}"]
        return flags + ([f"-mfpu={fpu[1]}", "-mfloat-abi=hard"] if fpu else ["-mfloat-abi=soft"])

    def link_flags(self) -> list[str]:
        if self.name == "zig":  # zig links its compiler-rt (soft-float, 64-bit division) itself
            return ["-Wl,--gc-sections", "-Wl,--entry=Reset_Handler"]
        return ["-nostdlib", "-Wl,--gc-sections", "-lgcc"]


@functools.lru_cache(maxsize=None)
def get_compiler(name: str = "zig") -> Compiler:
    if name not in TOOLCHAINS:
        raise UsageError(f"unknown toolchain {name!r}: use one of {', '.join(TOOLCHAINS)}")
    if name == "zig":
        command = (sys.executable, "-m", "ziglang", "cc")
        try:
            version = subprocess.run([sys.executable, "-m", "ziglang", "version"], capture_output=True,
                                     text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            raise ToolchainError("the Zig toolchain is missing: reinstall with pip install -e '.[dev]' "
                                 "(it brings the pinned ziglang wheel)") from None
        return Compiler("zig", command, f"zig {version}")
    gcc = shutil.which("arm-none-eabi-gcc")
    if not gcc:
        raise ToolchainError("arm-none-eabi-gcc is not on PATH: install it (Debian/Ubuntu: apt-get install "
                             "gcc-arm-none-eabi) or use the default --toolchain zig")
    version = subprocess.run([gcc, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    return Compiler("gcc", (gcc,), version)


@dataclasses.dataclass(frozen=True)
class Build:
    elf: Path
    compiler: str       # e.g. "zig 0.17.1"
    flags: tuple
    cached: bool        # True when nothing was compiled


def _linker_script(core: Core) -> str:
    text = (TARGET_DIR / "link.ld").read_text()
    return text.replace("FLASH_BASE", hex(core.flash_base)).replace("SRAM_BASE", hex(core.sram_base))


def _hash(parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode())
        h.update(b"\0")
    return h.hexdigest()[:24]


def build(core: Core, sources, *, name: str = "firmware", include_dirs=(), defines=(),
          opt: str = "-O2", toolchain: str = "zig", startup: bool = True) -> Build:
    """Compile and link `sources` (C files) into a bare-metal ELF for `core`.

    With startup=True the image gets kernels/target's vector table, reset code,
    semihosting and minimal libc, so `sources` only need a `main`. Returns the cached
    ELF when an identical build exists."""
    if opt not in OPT_LEVELS:
        raise UsageError(f"bad optimisation level {opt!r}: use one of {', '.join(OPT_LEVELS)}")
    compiler = get_compiler(toolchain)
    sources = [Path(s).resolve() for s in sources]
    if startup:
        sources += [TARGET_DIR / f for f in ("startup.c", "semihost.c", "libc_min.c")]
    includes = [Path(d).resolve() for d in include_dirs] + [TARGET_DIR / "include", TARGET_DIR,
                                                            KERNELS_DIR / "include"]
    flags = (*compiler.target_flags(core), opt, *COMMON_FLAGS, *(f"-D{d}" for d in defines))
    script = _linker_script(core)
    headers = sorted(p for d in includes if d.is_dir() for p in d.glob("*.h"))
    key = _hash([compiler.version, *flags, script, *compiler.link_flags(),
                 *(f"{p}\0".encode() + p.read_bytes() for p in sources + headers)])
    out_dir = cache_dir() / "builds" / f"{name}-{core.name}-{key}"
    elf = out_dir / f"{name}.elf"
    if elf.is_file():
        return Build(elf, compiler.version, flags, cached=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        ld = Path(tmp) / "link.ld"
        ld.write_text(script)
        tmp_elf = Path(tmp) / elf.name
        argv = [*compiler.command, *flags, *(f"-I{d}" for d in includes), *map(str, sources),
                f"-Wl,-T,{ld}", *compiler.link_flags(), "-o", str(tmp_elf)]
        proc = subprocess.run(argv, capture_output=True, text=True)
        if proc.returncode != 0:
            raise ToolchainError(f"{compiler.version} failed building {name} for {core.name}:\n"
                                 f"{proc.stderr.strip()}")
        os.replace(tmp_elf, elf)
    return Build(elf, compiler.version, flags, cached=False)
