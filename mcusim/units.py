"""Parsing of human sizes and clocks: "256KiB", "1MiB", "64K", "80MHz"."""

import re

from .errors import UsageError

_SIZE_UNITS = {"": 1, "b": 1, "k": 1024, "kib": 1024, "kb": 1024, "m": 1 << 20, "mib": 1 << 20,
               "mb": 1 << 20, "g": 1 << 30, "gib": 1 << 30, "gb": 1 << 30}
_CLOCK_UNITS = {"": 1, "hz": 1, "khz": 10**3, "mhz": 10**6, "ghz": 10**9}
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?|0x[0-9a-fA-F]+)\s*([A-Za-z]*)\s*$")


def _parse(text, units, what, example):
    if isinstance(text, int) and not isinstance(text, bool):
        if text < 0:
            raise UsageError(f"bad {what} {text!r}: must not be negative")
        return text
    m = _NUMBER.match(str(text).replace("_", ""))
    unit = m.group(2).lower() if m else None
    if not m or unit not in units:
        raise UsageError(f"bad {what} {text!r}: write it like {example}")
    number = m.group(1)
    value = int(number, 16) if number.startswith("0x") else float(number) * units[unit]
    if value != int(value):
        raise UsageError(f"bad {what} {text!r}: not a whole number of {'bytes' if what == 'size' else 'Hz'}")
    return int(value)


def parse_size(text) -> int:
    """Bytes from an int or a string like '256KiB', '1MiB', '65536', '64K' (K/M = 1024-based)."""
    return _parse(text, _SIZE_UNITS, "size", "'256KiB', '1MiB' or '65536'")


def parse_clock(text) -> int:
    """Hz from an int or a string like '80MHz', '64000000'."""
    return _parse(text, _CLOCK_UNITS, "clock", "'80MHz' or '64000000'")


def format_size(n: int) -> str:
    """'301 KiB', '2 MiB', '900 B': the unit a reader expects for memory sizes."""
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return f"{n >> 20} MiB"
    if n >= 1024:
        kib = n / 1024
        return f"{kib:.0f} KiB" if kib == int(kib) else f"{kib:.1f} KiB"
    return f"{n} B"
