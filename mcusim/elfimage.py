"""An ELF firmware image as the machine needs it: loadable bytes at their load
addresses, memory footprint per region, and symbols for naming addresses."""

from __future__ import annotations

import bisect
import dataclasses
import functools
import os
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from .errors import UsageError


@dataclasses.dataclass(frozen=True)
class Segment:
    vaddr: int   # where it lives at run time
    paddr: int   # where its bytes are loaded (LMA): differs for .data
    data: bytes  # file bytes (may be shorter than memsz: .bss, NOLOAD)
    memsz: int
    executable: bool


class ElfImage:
    """Loadable segments, entry, symbols and the code ranges of an ARM ELF."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            with open(self.path, "rb") as f:
                elf = ELFFile(f)
                if elf.get_machine_arch() != "ARM" or elf.elfclass != 32:
                    raise UsageError(f"{self.path} is not a 32-bit ARM ELF (machine "
                                     f"{elf.get_machine_arch()}): build it for Cortex-M")
                self.entry = elf.header.e_entry
                self.segments = [Segment(s["p_vaddr"], s["p_paddr"], s.data(), s["p_memsz"],
                                         bool(s["p_flags"] & 1))
                                 for s in elf.iter_segments() if s["p_type"] == "PT_LOAD" and s["p_memsz"]]
                self._read_symbols(elf)
                self.code_by_unit = _code_by_compile_unit(elf)
        except FileNotFoundError:
            raise UsageError(f"no such firmware file: {self.path}") from None
        except IsADirectoryError:
            raise UsageError(f"{self.path} is a directory, not a firmware ELF") from None
        except (ELFError, ValueError, OSError) as exc:
            raise UsageError(f"{self.path} is not a readable ELF file ({exc})") from None
        if not self.segments:
            raise UsageError(f"{self.path} has nothing to load (no PT_LOAD segments)")

    def _read_symbols(self, elf):
        self.symbols: dict[str, int] = {}
        funcs = []
        self.mapping: list[tuple[int, str]] = []   # ($t/$d, address) marks code and data in .text
        symtab = elf.get_section_by_name(".symtab")
        for sym in symtab.iter_symbols() if symtab else ():
            name, value, kind = sym.name, sym["st_value"], sym["st_info"]["type"]
            if name in ("$t", "$d", "$a") or name.startswith(("$t.", "$d.")):
                self.mapping.append((value & ~1, name[1]))
            elif kind == "STT_FUNC" and name:
                funcs.append((value & ~1, sym["st_size"], name))
                self.symbols[name] = value & ~1
            elif kind in ("STT_OBJECT", "STT_NOTYPE") and name:
                self.symbols.setdefault(name, value)
        funcs.sort()
        self.mapping.sort()
        self._func_starts = [f[0] for f in funcs]
        self.functions = funcs

    def function_at(self, address: int) -> str | None:
        """Name of the function containing `address`, or None."""
        i = bisect.bisect_right(self._func_starts, address & ~1) - 1
        if i < 0:
            return None
        start, size, name = self.functions[i]
        return name if address < start + max(size, 2) else None

    def describe(self, address: int) -> str:
        """'0x08000123 (in conv_2d+0x1a)' or just the hex address."""
        name = self.function_at(address)
        if name is None:
            return f"0x{address:08x}"
        return f"0x{address:08x} (in {name}+0x{(address & ~1) - self.symbols[name]:x})"

    def code_spans(self, lo: int, hi: int) -> list:
        """[lo, hi) minus the literal pools that $d mapping symbols mark, as (start, end)
        pairs; the whole range when the image has no mapping symbols there."""
        marks = sorted((a, k) for a, k in self.mapping if lo <= a < hi)
        spans, pos, code = [], lo, True
        for addr, kind in marks + [(hi, "d")]:
            if code and addr > pos:
                spans.append((pos, addr))
            if kind == "t":
                code, pos = True, addr
            elif kind == "d":
                code = False
        return spans

    def code_ranges(self):
        """(start, bytes) of every executable segment, at its run-time address."""
        return [(s.vaddr, s.data) for s in self.segments if s.executable]


def load_image(path) -> ElfImage:
    """ElfImage of `path`, parsed once per process while the file is unchanged (parsing
    symbols and DWARF costs about a second on the interpreter image)."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        raise UsageError(f"no such firmware file: {path}") from None
    return _cached_image(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _cached_image(path, _mtime_ns, _size):
    return ElfImage(path)


def _code_by_compile_unit(elf) -> dict:
    """{compile unit (source path, or e.g. 'compiler_rt'): bytes of code} from DWARF, or
    {} for an image without debug info."""
    if not elf.has_dwarf_info():
        return {}
    sizes = {}
    try:
        dwarf = elf.get_dwarf_info()
        ranges = dwarf.range_lists()
        for cu in dwarf.iter_CUs():
            top = cu.get_top_DIE()
            name = top.attributes.get("DW_AT_name")
            name = name.value.decode("utf-8", "replace") if name else "?"
            size = 0
            if "DW_AT_ranges" in top.attributes and ranges is not None:
                for r in ranges.get_range_list_at_offset(top.attributes["DW_AT_ranges"].value, cu=cu):
                    if hasattr(r, "begin_offset"):
                        size += r.end_offset - r.begin_offset
            elif "DW_AT_high_pc" in top.attributes:
                high = top.attributes["DW_AT_high_pc"]
                size = high.value if high.form != "DW_FORM_addr" else high.value - top.attributes["DW_AT_low_pc"].value
            sizes[name] = sizes.get(name, 0) + size
    except Exception:  # malformed or unusual DWARF: the breakdown is optional
        return {}
    return sizes
