"""Cores and boards as data: one TOML file each in cores/ (or in a directory the user
names with --cores-dir or MCUSIM_CORES_PATH). A Core is immutable; per-run overrides
(flash, SRAM, FPU, clock) make a new one."""

from __future__ import annotations

import dataclasses
import difflib
import os
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from .errors import UsageError
from .units import parse_clock, parse_size

CORES_DIR = Path(__file__).resolve().parent.parent / "cores"
FPU_KINDS = ("none", "fpv4-sp", "fpv5-sp", "fpv5-dp")
ARCHS = ("armv6-m", "armv7-m", "armv7e-m", "armv8-m.main")


@dataclasses.dataclass(frozen=True)
class Core:
    name: str
    description: str
    arch: str
    dsp: bool
    fpu: str
    fpu_option: str | None
    clock_hz: int
    flash_size: int
    sram_size: int
    flash_base: int
    sram_base: int
    unicorn_cpu: str
    zig_cpu: str
    gcc_cpu: str
    timing: dict = dataclasses.field(default_factory=dict, compare=False, repr=False)
    energy: dict = dataclasses.field(default_factory=dict, compare=False, repr=False)
    memory: dict = dataclasses.field(default_factory=dict, compare=False, repr=False)
    source: str = ""

    @property
    def has_fpu(self) -> bool:
        return self.fpu != "none"

    @property
    def flash_end(self) -> int:
        return self.flash_base + self.flash_size

    @property
    def sram_end(self) -> int:
        return self.sram_base + self.sram_size

    def with_overrides(self, *, flash=None, sram=None, fpu: bool | None = None, clock=None) -> "Core":
        """A copy with per-run overrides; sizes and clocks accept strings like '64KiB'/'80MHz'."""
        changes = {}
        if flash is not None:
            changes["flash_size"] = _positive(parse_size(flash), "flash size")
        if sram is not None:
            changes["sram_size"] = _positive(parse_size(sram), "SRAM size")
        if clock is not None:
            changes["clock_hz"] = _positive(parse_clock(clock), "clock")
        if fpu is True and not self.has_fpu:
            if not self.fpu_option:
                raise UsageError(f"{self.name} cannot have an FPU ({self.arch}); drop --fpu")
            changes["fpu"] = self.fpu_option
        elif fpu is False:
            changes["fpu"] = "none"
        return dataclasses.replace(self, **changes) if changes else self

    def summary(self) -> dict:
        """The fields a user compares cores by (for `mcusim cores` and results)."""
        return {"name": self.name, "description": self.description, "arch": self.arch,
                "dsp": self.dsp, "fpu": self.fpu, "clock_hz": self.clock_hz,
                "flash_size": self.flash_size, "sram_size": self.sram_size,
                "flash_base": self.flash_base, "sram_base": self.sram_base}


def _positive(value: int, what: str) -> int:
    if value <= 0:
        raise UsageError(f"{what} must be greater than zero")
    return value


def core_dirs(extra: str | os.PathLike | None = None) -> list[Path]:
    """Where core files are looked up, first match wins: --cores-dir, MCUSIM_CORES_PATH
    (os.pathsep-separated), then the built-in cores/."""
    dirs = []
    if extra:
        dirs.append(Path(extra))
    for part in os.environ.get("MCUSIM_CORES_PATH", "").split(os.pathsep):
        if part:
            dirs.append(Path(part))
    dirs.append(CORES_DIR)
    return dirs


def load_core_file(path: Path) -> Core:
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"cannot read core file {path}: {exc}") from None
    try:
        core = Core(
            name=data["name"], description=data.get("description", data["name"]),
            arch=data["arch"], dsp=bool(data.get("dsp", False)), fpu=data.get("fpu", "none"),
            fpu_option=data.get("fpu_option"), clock_hz=parse_clock(data["clock"]),
            flash_size=parse_size(data["flash"]), sram_size=parse_size(data["sram"]),
            flash_base=int(data.get("flash_base", 0x0800_0000)),
            sram_base=int(data.get("sram_base", 0x2000_0000)),
            unicorn_cpu=data["emulator"]["unicorn_cpu"], zig_cpu=data["compiler"]["zig_cpu"],
            gcc_cpu=data["compiler"]["gcc_cpu"], timing=data.get("timing", {}),
            energy=data.get("energy", {}), memory=data.get("memory", {}), source=str(path))
    except KeyError as exc:
        raise UsageError(f"core file {path} lacks the key {exc.args[0]!r}") from None
    except UsageError as exc:
        raise UsageError(f"core file {path}: {exc}") from None
    if core.fpu not in FPU_KINDS or (core.fpu_option and core.fpu_option not in FPU_KINDS):
        raise UsageError(f"core file {path}: fpu must be one of {', '.join(FPU_KINDS)}")
    if core.arch not in ARCHS:
        raise UsageError(f"core file {path}: arch must be one of {', '.join(ARCHS)}")
    return core


def list_cores(cores_dir=None) -> list[Core]:
    """Every core/board available, by name (a user directory shadows built-in names)."""
    found: dict[str, Core] = {}
    for d in core_dirs(cores_dir):
        for path in sorted(d.glob("*.toml")) if d.is_dir() else []:
            core = load_core_file(path)
            found.setdefault(core.name, core)
    return [found[name] for name in sorted(found)]


def get_core(name: str, cores_dir=None, **overrides) -> Core:
    """The core or board called `name`, with overrides (flash, sram, fpu, clock) applied."""
    if isinstance(name, Core):
        return name.with_overrides(**overrides)
    for d in core_dirs(cores_dir):
        path = d / f"{name}.toml"
        if path.is_file():
            return load_core_file(path).with_overrides(**overrides)
    names = [c.name for c in list_cores(cores_dir)]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    hint = f"did you mean {' or '.join(close)}?" if close else f"known cores: {', '.join(names)}"
    raise UsageError(f"unknown core {name!r}: {hint}")
