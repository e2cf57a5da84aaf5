"""Budgets: memory, cycle, latency and energy limits a model must keep on a core, read
from a TOML file and checked by running the model (`mcusim check`), so that CI fails a
change that breaks one. The same checks back the pytest plugin's assert helper.

A budget file holds one [[budget]] table per (model, run options) and an optional
[defaults] table merged into each:

    [[budget]]
    model = "models/kws_dscnn_int8.tflite"   # relative to this file's directory
    core = "cortex-m4"                       # and any run option (see RUN_KEYS)
    max_cycles = 2_500_000                   # limits (see METRICS)
    max_sram = "96KiB"
    baseline = "previous.json"               # optional, with max_regression_pct
    max_regression_pct = 2.0

Every problem with the file is a BudgetFileError (exit 2) naming the file, the line and
the key; a budget exceeded is a failed check (exit 1), never an exception.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import re
import sys
import time
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from .errors import DoesNotFitError, McusimError, UsageError
from .firmware import DEFAULT_KERNELS, KERNEL_SETS
from .units import format_size, parse_clock, parse_size

REPORT_SCHEMA_VERSION = 1


class BudgetFileError(UsageError):
    """The budget file is unreadable or wrong: unknown key, bad value, missing model."""

    exit_code = 2


# ------------------------------------------------------------------------------ metrics

@dataclasses.dataclass(frozen=True)
class Metric:
    key: str          # the budget key, e.g. "max_cycles"
    name: str         # what is shown, e.g. "cycles"
    kind: str         # count | size | ms | uj | pct
    what: str         # one line for the docs and error messages

    def value(self, result) -> float:
        return _GETTERS[self.key](result)

    def parse(self, raw):
        """The limit as a number (sizes accept '64KiB'); raises UsageError when bad."""
        if self.kind == "size":
            return parse_size(raw)
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise UsageError(f"{self.key} must be a number, got {raw!r}")
        if raw < 0:
            raise UsageError(f"{self.key} must not be negative, got {raw!r}")
        return raw

    def format(self, v) -> str:
        if self.kind == "count":
            return f"{int(round(v)):,}"
        if self.kind == "size":
            return format_size(int(v))
        if self.kind == "ms":
            return f"{v:.3f} ms"
        if self.kind == "uj":
            return f"{v:.2f} uJ"
        return f"{v:.2f} %" if v == 0 or abs(v) >= 0.01 else f"{v:.2g} %"

    def format_delta(self, v) -> str:
        sign = "+" if v >= 0 else "-"
        if self.kind == "size":
            return sign + format_size(int(abs(v)))
        if self.kind == "pct":
            return f"{sign}{abs(v):.2f} pt"
        return sign + self.format(abs(v))


METRICS = (
    Metric("max_cycles", "cycles", "count", "cycles of one inference (invoke)"),
    Metric("max_latency_ms", "latency", "ms", "invoke cycles / core clock, in milliseconds"),
    Metric("max_energy_uj", "energy", "uj", "energy of one inference, in microjoules"),
    Metric("max_flash", "flash", "size", "firmware image + model"),
    Metric("max_sram", "sram", "size", "static data + arena + stack peak"),
    Metric("max_arena", "arena", "size", "tensor arena the model needs (persistent + planned)"),
    Metric("max_stack", "stack", "size", "stack high-water mark"),
    Metric("max_overhead_pct", "overhead", "pct", "interpreter overhead, % of invoke cycles"),
)
REGRESSION = Metric("max_regression_pct", "regression", "pct",
                    "growth of invoke cycles over the baseline, in %")
METRIC_BY_KEY = {m.key: m for m in METRICS}
LIMIT_KEYS = tuple(METRIC_BY_KEY)

_GETTERS = {
    "max_cycles": lambda r: r.cycles.invoke,
    "max_latency_ms": lambda r: r.latency_ms,
    "max_energy_uj": lambda r: r.energy_uj["invoke"],
    "max_flash": lambda r: r.memory.flash_used,
    "max_sram": lambda r: r.memory.sram_used,
    "max_arena": lambda r: r.memory.arena_used,
    "max_stack": lambda r: r.memory.stack_peak,
    "max_overhead_pct": lambda r: r.cycles.overhead_pct,
}

# run options a budget entry may set: key -> (check/convert, description)
_CHOICES = {"kernels": KERNEL_SETS, "toolchain": ("zig", "gcc"),
            "opt": ("-O0", "-O1", "-O2", "-O3", "-Os")}


def _str(raw):
    if not isinstance(raw, str) or not raw:
        raise UsageError(f"must be a non-empty string, got {raw!r}")
    return raw


def _bool(raw):
    if not isinstance(raw, bool):
        raise UsageError(f"must be true or false, got {raw!r}")
    return raw


def _int(raw):
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise UsageError(f"must be a whole number, got {raw!r}")
    return raw


def _choice(key):
    def check(raw):
        if raw not in _CHOICES[key]:
            raise UsageError(f"must be one of {', '.join(_CHOICES[key])}, got {raw!r}")
        return raw
    return check


def _size_str(raw):
    parse_size(raw)  # validate; run_model parses it again
    return raw


def _clock_str(raw):
    parse_clock(raw)
    return raw


RUN_KEYS = {"model": _str, "name": _str, "core": _str, "cores_dir": _str, "flash": _size_str, "sram": _size_str,
            "fpu": _bool, "clock": _clock_str, "kernels": _choice("kernels"), "toolchain": _choice("toolchain"),
            "opt": _choice("opt"), "seed": _int, "runs": _int, "stack_reserve": _size_str,
            "max_instructions": _int}
ENTRY_KEYS = (*RUN_KEYS, *LIMIT_KEYS, "baseline", "max_regression_pct")
# the keys of an entry that are passed to run_model
RUN_OPTIONS = ("flash", "sram", "fpu", "clock", "kernels", "toolchain", "opt", "seed", "runs", "stack_reserve",
               "max_instructions", "cores_dir")


def parse_limits(limits: dict) -> dict:
    """{key: limit} with sizes as bytes; UsageError naming the key for an unknown key or
    a bad value. Used by the pytest plugin, which has no file to point at."""
    parsed = {}
    for key, raw in limits.items():
        if raw is None:
            continue
        if key not in METRIC_BY_KEY:
            raise UsageError(f"unknown budget {key!r}{_did_you_mean(key, LIMIT_KEYS)}")
        try:
            parsed[key] = METRIC_BY_KEY[key].parse(raw)
        except UsageError as exc:
            raise UsageError(f"{key}: {exc}") from None
    return parsed


# ------------------------------------------------------------------------------ checks

@dataclasses.dataclass
class Check:
    """One metric against its budget."""
    key: str
    name: str
    kind: str
    value: float
    budget: float
    passed: bool
    detail: str = ""

    @property
    def margin(self) -> float | None:
        return None if self.value is None else self.budget - self.value

    @property
    def margin_pct(self) -> float | None:
        """Margin as a share of the budget (None for a zero budget or a % metric)."""
        if self.kind == "pct" or not self.budget or self.value is None:
            return None
        return 100.0 * self.margin / self.budget

    def row(self) -> tuple:
        """(metric, value, budget, margin, status) as display strings."""
        metric = METRIC_BY_KEY.get(self.key, REGRESSION)
        if self.value is None:
            return self.name, f"n/a {self.detail}", metric.format(self.budget), "", "OVER"
        margin = metric.format_delta(self.margin)
        if self.margin_pct is not None:
            margin += f" ({self.margin_pct:.1f} %)"
        value = metric.format(self.value) + (f" {self.detail}" if self.detail else "")
        return self.name, value, metric.format(self.budget), margin, "ok" if self.passed else "OVER"

    def to_dict(self) -> dict:
        return {"metric": self.name, "key": self.key, "value": self.value, "budget": self.budget,
                "margin": self.margin, "margin_pct": self.margin_pct, "passed": self.passed,
                **({"detail": self.detail} if self.detail else {})}


def check_result(result, limits: dict, baseline_cycles: int | None = None,
                 max_regression_pct: float | None = None) -> list[Check]:
    """Each limit in `limits` (keys of METRICS; sizes may be strings) checked against a
    RunResult, in METRICS order; plus the regression check when a baseline is given.
    A value equal to its budget passes."""
    limits = parse_limits(limits)
    checks = []
    for metric in METRICS:
        if metric.key in limits:
            value, budget = metric.value(result), limits[metric.key]
            if value is None:     # e.g. energy on a core whose file has no [energy] figures
                checks.append(Check(metric.key, metric.name, metric.kind, None, budget, False,
                                    detail=f"({result.core} has no {metric.name} figures)"))
            else:
                checks.append(Check(metric.key, metric.name, metric.kind, value, budget, value <= budget))
    if baseline_cycles is not None and max_regression_pct is not None:
        now = result.cycles.invoke
        growth = 100.0 * (now - baseline_cycles) / baseline_cycles if baseline_cycles else 0.0
        checks.append(Check(REGRESSION.key, REGRESSION.name, "pct", growth, float(max_regression_pct),
                            growth <= max_regression_pct, detail=f"({baseline_cycles:,} -> {now:,} cycles)"))
    return checks


def format_checks(checks: list[Check], indent: str = "  ") -> str:
    rows = [("metric", "value", "budget", "margin", "")] + [c.row() for c in checks]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join(indent + f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:>{widths[2]}}  "
                     f"{r[3]:>{widths[3]}}  {r[4]}".rstrip() for r in rows)


def budget_failure_message(result, checks: list[Check]) -> str | None:
    """None when every check passed; otherwise the exceeded metrics, the table of all
    checks and the run's per-operator summary (what a failing test should show)."""
    failed = [c for c in checks if not c.passed]
    if not failed:
        return None
    from .report import summary
    over = ", ".join(f"{c.name} {c.row()[1]} > {c.row()[2]}" for c in failed)
    return (f"mcusim budget exceeded: {over}\n\n{format_checks(checks)}\n\n{summary(result)}")


def assert_budget(result, **limits):
    """Raise AssertionError (message: exceeded metrics, the budget table and the per-op
    summary) unless `result` keeps every limit, e.g. assert_budget(r, max_cycles=2e6,
    max_sram="96KiB"). baseline_cycles=N with max_regression_pct=P checks growth."""
    __tracebackhide__ = True
    baseline = limits.pop("baseline_cycles", None)
    regression = limits.pop("max_regression_pct", None)
    if (baseline is None) != (regression is None):
        raise UsageError("baseline_cycles and max_regression_pct go together")
    if not limits and regression is None:
        raise UsageError(f"assert_budget needs at least one limit: {', '.join(LIMIT_KEYS)}")
    checks = check_result(result, limits, baseline, regression)
    message = budget_failure_message(result, checks)
    if message:
        raise AssertionError(message)
    return checks


# ------------------------------------------------------------------------------ the file

@dataclasses.dataclass
class Budget:
    """One [[budget]] entry, validated; paths resolved against the file's directory."""
    name: str
    model: Path
    core: str
    options: dict            # run_model keyword options
    limits: dict             # metric key -> limit (sizes in bytes)
    line: int                # where the entry starts in the file
    baseline: Path | None = None
    baseline_cycles: int | None = None
    baseline_note: str = ""
    max_regression_pct: float | None = None

    def run_key(self) -> tuple:
        return (str(self.model), self.core, tuple(sorted(self.options.items())))


@dataclasses.dataclass
class BudgetFile:
    path: Path
    entries: list


class _Locator:
    """Line numbers of keys in the TOML text (tomllib gives none): the n-th [[budget]]
    header and the `key =` line below it."""

    _HEADER = re.compile(r"^\s*\[\[\s*budget\s*\]\]")
    _TABLE = re.compile(r"^\s*\[")

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.entries = [i + 1 for i, line in enumerate(self.lines) if self._HEADER.match(line)]
        self.defaults = next((i + 1 for i, line in enumerate(self.lines)
                              if re.match(r"^\s*\[\s*defaults\s*\]", line)), None)

    def table(self, section) -> int | None:
        if section is None:
            return None
        return self.defaults if section == "defaults" else (
            self.entries[section] if section < len(self.entries) else None)

    def key(self, section, key) -> int | None:
        start = self.table(section)
        if start is None:
            return self._top_level(key)
        pattern = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*=")
        for i in range(start, len(self.lines)):
            if self._TABLE.match(self.lines[i]):
                break
            if pattern.match(self.lines[i]):
                return i + 1
        return start

    def _top_level(self, key) -> int | None:
        pattern = re.compile(rf"^\s*(?:\[+\s*)?{re.escape(key)}\b")
        return next((i + 1 for i, line in enumerate(self.lines) if pattern.match(line)), None)


def _did_you_mean(key, known) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f": did you mean {close[0]!r}?" if close else ""


def load_budgets(path, *, cores_dir=None) -> BudgetFile:
    """Read and validate a budget file: every key known, every value well-formed, every
    model and baseline present, every core known. Nothing is run."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise BudgetFileError(f"no such budget file: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BudgetFileError(f"cannot read budget file {path}: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BudgetFileError(f"{path}: not valid TOML: {exc}") from None
    loc = _Locator(text)

    def fail(section, key, message):
        line = loc.key(section, key) if key else loc.table(section)
        where = f"{path}:{line}" if line else str(path)
        raise BudgetFileError(f"{where}: {message}")

    for key in data:
        if key not in ("budget", "defaults"):
            fail(None, key, f"unknown top-level key {key!r}: a budget file holds [[budget]] tables "
                            f"and an optional [defaults] table{_did_you_mean(key, ('budget', 'defaults'))}")
    entries = data.get("budget")
    if isinstance(entries, dict):
        fail(None, "budget", "budget must be an array of tables: write [[budget]] (two brackets), not [budget]")
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        raise BudgetFileError(f"{path}: no [[budget]] entries (write one [[budget]] table per model)")
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        fail(None, "defaults", "defaults must be a table: [defaults]")
    for key in defaults:
        if key not in ENTRY_KEYS or key == "name":
            fail("defaults", key, f"unknown key {key!r} in [defaults]{_did_you_mean(key, ENTRY_KEYS)}")

    base = path.resolve().parent
    budgets, names = [], {}
    for n, raw in enumerate(entries):
        label = f"[[budget]] #{n + 1}"
        for key in raw:
            if key not in ENTRY_KEYS:
                fail(n, key, f"unknown key {key!r} in {label}{_did_you_mean(key, ENTRY_KEYS)} "
                             f"(limits: {', '.join(LIMIT_KEYS)}, max_regression_pct)")
        entry = {**defaults, **raw}
        section = {k: (n if k in raw else "defaults") for k in entry}

        def bad(key, message):
            fail(section.get(key, n), key, message)

        run = {}
        for key, check in RUN_KEYS.items():
            if key in entry:
                try:
                    run[key] = check(entry[key])
                except UsageError as exc:
                    bad(key, f"{key} in {label}: {exc}")
        if "model" not in run:
            fail(n, None, f"{label} has no model: add model = \"path/to/model.tflite\"")
        model = (base / run.pop("model")).resolve()
        if not model.is_file():
            bad("model", f"{label}: no such model file {model}")
        label = f"{label} ({model.name})"
        core = run.pop("core", "cortex-m4")
        if "cores_dir" in run:
            run["cores_dir"] = str(base / run["cores_dir"])
        try:
            from .cores import get_core
            core_name = get_core(core, run.get("cores_dir") or cores_dir, flash=run.get("flash"),
                                 sram=run.get("sram"), fpu=run.get("fpu"), clock=run.get("clock")).name
        except UsageError as exc:
            bad("core", f"{label}: {exc}")
        limits = {}
        for key in LIMIT_KEYS:
            if key in entry:
                try:
                    limits[key] = METRIC_BY_KEY[key].parse(entry[key])
                except UsageError as exc:
                    bad(key, f"{label}: {exc}")
        regression = entry.get("max_regression_pct")
        if regression is not None:
            try:
                regression = REGRESSION.parse(regression)
            except UsageError as exc:
                bad("max_regression_pct", f"{label}: {exc}")
        if ("baseline" in entry) != (regression is not None):
            given, missing = (("baseline", "max_regression_pct") if "baseline" in entry
                              else ("max_regression_pct", "baseline"))
            bad(given, f"{label}: {given} needs {missing} as well")
        if not limits and regression is None:
            fail(n, None, f"{label} sets no limit: add at least one of {', '.join(LIMIT_KEYS)}")
        name = run.pop("name", None) or f"{model.stem} on {core}"
        if name in names:
            if "name" in raw:
                bad("name", f"{label}: name {name!r} is already used by [[budget]] #{names[name] + 1}")
            name = f"{name} #{n + 1}"
        names[name] = n
        budget = Budget(name=name, model=model, core=core, options={k: run[k] for k in RUN_OPTIONS if k in run},
                        limits=limits, line=loc.table(n) or 0, max_regression_pct=regression)
        if "baseline" in entry:
            try:
                budget.baseline = base / _str(entry["baseline"])
                budget.baseline_cycles, budget.baseline_note = _read_baseline(
                    budget.baseline, name, model, core_name, run.get("kernels", DEFAULT_KERNELS))
            except UsageError as exc:
                bad("baseline", f"{label}: {exc}")
        budgets.append(budget)
    return BudgetFile(path, budgets)


def _read_baseline(path: Path, name: str, model: Path, core: str, kernels: str):
    """Invoke cycles of the baseline: a saved `mcusim run --json` result for the same
    model, core and kernels, or a saved `mcusim check --json` report (the entry of the
    same name; none there means no regression check yet). Returns (cycles, note)."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise UsageError(f"no such baseline file {path}: save one with `mcusim run MODEL --json {path.name}`") \
            from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"baseline {path} is not a JSON file ({exc})") from None
    if isinstance(data, dict) and "entries" in data:     # a `mcusim check --json` report
        entry = next((e for e in data["entries"] if e.get("name") == name), None)
        if entry is None or not entry.get("result"):
            return None, f"no result for {name!r} in baseline {path.name}"
        data = entry["result"]
    if not isinstance(data, dict) or data.get("schema_version") != 1 or "cycles" not in data:
        raise UsageError(f"baseline {path} is not a saved mcusim result (`mcusim run MODEL --json FILE`)")
    mismatch = [f"{what} {theirs!r} (budget: {ours!r})" for what, theirs, ours in
                (("core", data.get("core"), core), ("kernels", data.get("kernels"), kernels),
                 ("model", Path(str(data.get("model"))).name, model.name)) if theirs != ours]
    if mismatch:
        raise UsageError(f"baseline {path} is a run of a different configuration: {', '.join(mismatch)}")
    return int(data["cycles"]["invoke"]), ""


# ------------------------------------------------------------------------------ running

@dataclasses.dataclass
class EntryReport:
    budget: Budget
    status: str                      # pass | fail | error
    checks: list
    result: object = None            # RunResult, None when the run failed
    error: str = ""                  # the run's error (does-not-fit is a fail, others an error)
    exit_code: int = 0               # of the error
    seconds: float = 0.0

    @property
    def failed(self) -> list:
        return [c for c in self.checks if not c.passed]

    def to_dict(self) -> dict:
        b = self.budget
        return {"name": b.name, "line": b.line, "model": str(b.model), "core": b.core, "options": b.options,
                "status": self.status, "error": self.error or None,
                "checks": [c.to_dict() for c in self.checks],
                **({"baseline": str(b.baseline), "baseline_cycles": b.baseline_cycles} if b.baseline else {}),
                "seconds": round(self.seconds, 3),
                "result": self.result.to_dict() if self.result is not None else None}


@dataclasses.dataclass
class CheckReport:
    path: Path
    entries: list

    @property
    def passed(self) -> bool:
        return all(e.status == "pass" for e in self.entries)

    @property
    def exit_code(self) -> int:
        """0 all hold; the error's code (2 bad input, 3 fault) if an entry could not run;
        else 1 if any budget was exceeded."""
        errors = [e.exit_code for e in self.entries if e.status == "error"]
        if errors:
            return max(errors)
        return 0 if self.passed else 1

    def to_dict(self) -> dict:
        return {"schema_version": REPORT_SCHEMA_VERSION, "budget_file": str(self.path), "passed": self.passed,
                "entries": [e.to_dict() for e in self.entries]}

    def junit_xml(self) -> str:
        import xml.etree.ElementTree as ET
        suite = ET.Element("testsuite", name=f"mcusim budgets ({self.path.name})", tests=str(len(self.entries)),
                           failures=str(sum(e.status == "fail" for e in self.entries)),
                           errors=str(sum(e.status == "error" for e in self.entries)),
                           time=f"{sum(e.seconds for e in self.entries):.3f}")
        for e in self.entries:
            case = ET.SubElement(suite, "testcase", classname=f"mcusim.budget.{self.path.stem}",
                                 name=e.budget.name, file=str(self.path), line=str(e.budget.line),
                                 time=f"{e.seconds:.3f}")
            props = ET.SubElement(case, "properties")
            for c in e.checks:
                row = c.row()
                ET.SubElement(props, "property", name=c.name, value=f"{row[1]} (budget {row[2]}, {row[4]})")
            table = format_checks(e.checks) if e.checks else ""
            if e.status == "fail":
                message = e.error or "; ".join(f"{c.name} {c.row()[1]} > {c.row()[2]}" for c in e.failed)
                ET.SubElement(case, "failure", message=message, type="BudgetExceeded").text = \
                    "\n\n".join(x for x in (e.error, table) if x)
            elif e.status == "error":
                ET.SubElement(case, "error", message=e.error, type="McusimError").text = e.error
            if e.result is not None:
                from .report import summary
                ET.SubElement(case, "system-out").text = (table + "\n\n" if table else "") + summary(e.result)
        ET.indent(suite)
        return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"


def _describe(b: Budget) -> str:
    opts = ", ".join(f"{k}={v}" for k, v in b.options.items())
    auto = f"{b.model.stem} on {b.core}"
    return (b.name if b.name.startswith(auto) else f"{b.name}: {b.model.name} on {b.core}") + \
        (f" [{opts}]" if opts else "")


class _Echo:
    """Prints progress lines; a reader that goes away (`mcusim check ... | head`) stops the
    printing, not the check: the entries still run and the reports are still written."""

    def __init__(self, stream):
        self.stream = stream

    def __call__(self, line: str):
        if self.stream is None:
            return
        try:
            print(line, file=self.stream, flush=True)
        except BrokenPipeError:
            if self.stream is sys.stdout:     # keep the interpreter's exit flush from failing too
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            self.stream = None


def check_budgets(path_or_file, *, echo=None, runner=None, cores_dir=None) -> CheckReport:
    """Run every entry of a budget file (identical runs once) and check its limits.
    echo: a stream to print progress and tables to as entries finish (None: quiet).
    runner: run_model or a stand-in with its signature."""
    if runner is None:
        from .runner import run_model as runner
    bf = path_or_file if isinstance(path_or_file, BudgetFile) else load_budgets(path_or_file, cores_dir=cores_dir)
    say = _Echo(echo)
    cache, reports = {}, []
    total = len(bf.entries)
    for i, b in enumerate(bf.entries):
        say(f"[{i + 1}/{total}] {_describe(b)}")
        start = time.perf_counter()
        key = b.run_key()
        result, error, code, status = None, "", 0, "pass"
        if key in cache:
            result, error, code = cache[key]
        else:
            options = dict(b.options)
            if cores_dir and "cores_dir" not in options:
                options["cores_dir"] = cores_dir
            try:
                result = runner(b.model, b.core, **options)
            except DoesNotFitError as exc:
                error, code = f"does not fit: {' '.join(str(exc).split())}", 1
            except McusimError as exc:
                error, code = " ".join(str(exc).split()), exc.exit_code
            cache[key] = (result, error, code)
        checks = []
        if result is not None:
            checks = check_result(result, b.limits, b.baseline_cycles, b.max_regression_pct)
            status = "pass" if all(c.passed for c in checks) else "fail"
        else:
            status = "fail" if code == 1 else "error"
        report = EntryReport(b, status, checks, result, error, code if status == "error" else 0,
                             time.perf_counter() - start)
        reports.append(report)
        if checks:
            say(format_checks(checks))
        if b.baseline_note:
            say(f"  note: {b.baseline_note}")
        if error:
            say(f"  {'FAIL' if status == 'fail' else 'ERROR'}: {error}")
        say(f"  => {status.upper()}" + (f" ({', '.join(c.name for c in report.failed)} over budget)"
                                        if report.failed else "") + "\n")
    report = CheckReport(bf.path, reports)
    held = sum(e.status == "pass" for e in reports)
    line = f"{held} of {total} budget entr{'y' if total == 1 else 'ies'} hold"
    bad = [e for e in reports if e.status != "pass"]
    if bad:
        line += "; " + "; ".join(f"{e.budget.name}: {e.status}" + (f" ({', '.join(c.name for c in e.failed)})"
                                                                   if e.failed else "") for e in bad)
    say(line)
    return report


# ------------------------------------------------------------------------------ CLI

def cmd_check(args) -> int:
    from .report import write_json, write_text
    report = check_budgets(args.budgets, echo=sys.stdout, cores_dir=args.cores_dir)
    if args.json:
        write_json(args.json, report.to_dict())
    if args.junit:
        write_text(args.junit, report.junit_xml())
    return report.exit_code


def add_parser(sub):
    """Register `mcusim check` on the CLI's subparsers."""
    p = sub.add_parser("check", help="run the models of a budget file and fail when a budget is exceeded",
                       description="Run every [[budget]] entry of a TOML budget file and compare cycles, latency, "
                                   "energy, flash, SRAM, arena, stack and interpreter overhead with their limits. "
                                   "Exit 0 when all hold, 1 when any is exceeded (or a model does not fit), "
                                   "2 for a bad budget file or input, 3 for a firmware fault.")
    p.add_argument("budgets", help="the budget file (TOML)")
    p.add_argument("--junit", metavar="OUT", help="write a JUnit XML report (one test case per entry)")
    p.add_argument("--json", metavar="OUT", help="write a JSON report (usable as a later run's baseline)")
    p.add_argument("--cores-dir", help="directory with extra core/board TOML files")
    p.set_defaults(func=cmd_check)
    return p
