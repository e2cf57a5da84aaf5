"""Per-function profile of a run, from the ELF's function symbols: self (flat) cycles,
inclusive cycles and calls per function. The counting happens in the cost model's
block hook (mcusim/costmodel.py, mcusim/native/costhook.c) when an Accounting is made
with profile=True; this module names the functions and turns the counters into rows.
What is exact and what is approximated: docs/cost-model.md, "Per-function profile".

    FunctionMap(image)             function ids for the ELF's STT_FUNC symbols (0: none)
    profile_of(accounting) -> [FunctionProfile]   sorted by self cycles, largest first
    profile_table(rows, top) -> str               the text table the CLI prints
"""

from __future__ import annotations

import bisect
import dataclasses

import cxxfilt
import numpy as np

UNKNOWN = "(unknown)"          # code outside every function symbol
NO_RET = 0xFFFF_FFFF_FFFF_FFFF


def demangle(name: str) -> str:
    """A C++ symbol as written in the source (cxxfilt: the C++ runtime's own demangler);
    anything else, or when the runtime library is missing, unchanged."""
    try:
        return cxxfilt.demangle(name)
    except cxxfilt.Error:
        return name


@dataclasses.dataclass(frozen=True)
class FunctionProfile:
    name: str
    self_cycles: int        # cycles of the function's own instructions, dynamic terms included
    inclusive_cycles: int   # cycles from entering it to returning (callees included; outermost frames)
    calls: int              # BL/BLX into it, tail calls to it, and 1 for the reset function
    self_pct: float         # 100 * self_cycles / total cycles of the run

    def to_dict(self) -> dict:
        return {"name": self.name, "self_cycles": self.self_cycles, "inclusive_cycles": self.inclusive_cycles,
                "calls": self.calls}


class FunctionMap:
    """Function ids over an image's function symbols. Id 0 is UNKNOWN. Symbols with the
    same start and size (aliases) share one id under the name ElfImage.function_at
    gives; a symbol without a size extends to the next symbol's start; where ranges
    overlap, the symbol that starts later wins."""

    def __init__(self, image):
        unique = {}                     # (start, size) -> name: aliases collapse
        for start, size, name in sorted(image.functions):
            unique[(start, size)] = name    # the last in sort order, as function_at picks
        funcs = [(start, start + size if size else None, name) for (start, size), name in sorted(unique.items())]
        starts = [f[0] for f in funcs]
        for k, (start, end, name) in enumerate(funcs):
            if end is None:
                later = next((s for s in starts[k + 1:] if s > start), start + 2)
                funcs[k] = (start, later, name)
        self.names = [UNKNOWN] + [demangle(f[2]) for f in funcs]
        self._funcs = funcs
        self._starts = starts
        self.entry = np.array([NO_RET] + starts, dtype=np.uint64)   # by id
        self._cache: dict = {}

    def __len__(self):
        return len(self.names)

    def ids(self, base: int, nhalf: int) -> np.ndarray:
        """int32 id of the function containing each halfword [base, base + 2 * nhalf]."""
        out = np.zeros(nhalf + 1, np.int32)
        for k, (start, end, _) in enumerate(self._funcs):
            lo = max(0, (start - base) >> 1)
            hi = min(nhalf + 1, (end - base + 1) >> 1)
            if lo < hi:
                out[lo:hi] = k + 1
        return out

    def id_at(self, address: int) -> int:
        """The id of the function containing address (same rules as ids())."""
        address &= ~1
        fid = self._cache.get(address)
        if fid is None:
            fid = 0
            for k in range(bisect.bisect_right(self._starts, address) - 1, -1, -1):
                start, end, _ = self._funcs[k]
                if start <= address < end:
                    fid = k + 1
                    break
            self._cache[address] = fid
        return fid


def profile_of(accounting, image=None) -> list[FunctionProfile]:
    """The profile of the run so far: one row per function that ran (self, inclusive or
    calls non-zero), plus UNKNOWN for code outside every symbol, sorted by self cycles
    (largest first). Σ self_cycles == accounting.cycles. The accounting must have been
    made with profile=True (image: the image it runs, only checked)."""
    data = accounting.profile_data()
    if image is not None and image is not accounting.image and str(image.path) != str(accounting.image.path):
        raise ValueError("profile_of: the image is not the one the accounting runs")
    fmap = data["map"]
    total = accounting.cycles
    self_ = data["self"]
    rows = []
    for fid in np.nonzero(self_ | data["inclusive"] | data["calls"])[0]:
        s = int(self_[fid])
        rows.append(FunctionProfile(fmap.names[fid], s, int(data["inclusive"][fid]), int(data["calls"][fid]),
                                    100.0 * s / total if total else 0.0))
    rows.sort(key=lambda r: (-r.self_cycles, -r.inclusive_cycles, r.name))
    return rows


def profile_table(rows, top: int | None = 20) -> str:
    """Text table of the first `top` rows (all with None), with a line for the rest."""
    shown = list(rows if top is None else rows[:top])
    total = sum(r.self_cycles for r in rows)
    width = min(60, max([len("function")] + [len(r.name) for r in shown]))
    lines = [f"{'function':<{width}} {'self cycles':>14} {'self %':>7} {'inclusive':>14} {'calls':>10}"]
    for r in shown:
        name = r.name if len(r.name) <= width else r.name[:width - 3] + "..."
        lines.append(f"{name:<{width}} {r.self_cycles:>14,} {r.self_pct:>6.2f}% {r.inclusive_cycles:>14,} "
                     f"{r.calls:>10,}")
    rest = rows[len(shown):]
    if rest:
        cycles = sum(r.self_cycles for r in rest)
        pct = 100.0 * cycles / total if total else 0.0
        lines.append(f"{f'({len(rest)} more functions)':<{width}} {cycles:>14,} {pct:>6.2f}%")
    return "\n".join(lines)
