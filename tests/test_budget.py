"""Budget files and `mcusim check`: every mistake in a file named with its line, limits
compared exactly (equal passes), exit codes 0/1/2/3, JUnit and JSON reports, baselines."""

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from fakes import fake_result

from mcusim.budget import (BudgetFileError, assert_budget, check_budgets, check_result, format_checks,
                           load_budgets)
from mcusim.cli import main
from mcusim.errors import DoesNotFitError, FirmwareFault, UsageError

MODELS = Path(__file__).resolve().parents[1] / "models"
SINE = MODELS / "sine_int8.tflite"


class FakeRunner:
    """Stands in for run_model: returns canned results (or raises) and counts calls."""

    def __init__(self, result=None, error=None):
        self.result, self.error, self.calls = result or fake_result(), error, []

    def __call__(self, model, core, **options):
        self.calls.append((Path(model).name, core, options))
        if self.error:
            raise self.error
        return self.result


def write(tmp_path, text, name="budgets.toml"):
    (tmp_path / "sine_int8.tflite").write_bytes(SINE.read_bytes())
    path = tmp_path / name
    path.write_text(text)
    return path


# ------------------------------------------------------------------ the file, validated

def test_example_budget_file_loads():
    bf = load_budgets(Path(__file__).resolve().parents[1] / "examples" / "budgets.toml")
    assert len(bf.entries) == 3 and all(e.model.is_file() for e in bf.entries)
    assert bf.entries[1].core == "cortex-m4f" and bf.entries[0].core == "cortex-m4"    # [defaults] applies
    assert bf.entries[2].options["sram"] == "16KiB" and bf.entries[2].limits["max_stack"] == 2048


def test_sizes_paths_and_defaults_are_resolved(tmp_path):
    path = write(tmp_path, """
[defaults]
core = "cortex-m7"

[[budget]]
model = "sine_int8.tflite"
max_flash = "256KiB"
max_sram = 40_000
max_cycles = 2_500_000
sram = "64KiB"
fpu = false
""")
    (b,) = load_budgets(path).entries
    assert b.model == tmp_path / "sine_int8.tflite"
    assert b.core == "cortex-m7" and b.options == {"sram": "64KiB", "fpu": False}
    assert b.limits == {"max_flash": 262144, "max_sram": 40000, "max_cycles": 2_500_000}
    assert b.name == "sine_int8 on cortex-m7"


@pytest.mark.parametrize("body, line, words", [
    ('model = "sine_int8.tflite"\nmax_cycle = 5', 3,
     "unknown key 'max_cycle' in [[budget]] #1: did you mean 'max_cycles'?"),
    ('model = "sine_int8.tflite"\nmax_sram = "96KB?"', 3, "bad size '96KB?'"),
    ('model = "missing.tflite"\nmax_cycles = 5', 2, "no such model file"),
    ('core = "cortex-m4"\nmax_cycles = 5', 1, "has no model"),
    ('model = "sine_int8.tflite"\ncore = "cortex-m5"\nmax_cycles = 5', 3, "unknown core 'cortex-m5'"),
    ('model = "sine_int8.tflite"\nmax_cycles = -1', 3, "max_cycles must not be negative"),
    ('model = "sine_int8.tflite"\nmax_latency_ms = "fast"', 3, "max_latency_ms must be a number"),
    ('model = "sine_int8.tflite"\nfpu = "yes"\nmax_cycles = 5', 3, "fpu in [[budget]] #1: must be true or false"),
    ('model = "sine_int8.tflite"\nkernels = "fast"\nmax_cycles = 5', 3, "must be one of reference, optimized"),
    ('model = "sine_int8.tflite"\nclock = "quick"\nmax_cycles = 5', 3, "bad clock 'quick'"),
    ('model = "sine_int8.tflite"\ncore = "cortex-m0plus"\nfpu = true\nmax_cycles = 5', 3, "cannot have an FPU"),
    ('model = "sine_int8.tflite"', 1, "sets no limit"),
    ('model = "sine_int8.tflite"\nmax_regression_pct = 2', 3, "max_regression_pct needs baseline"),
    ('model = "sine_int8.tflite"\nbaseline = "old.json"\nmax_regression_pct = 2', 3, "no such baseline file"),
])
def test_mistakes_are_named_with_their_line(tmp_path, body, line, words):
    path = write(tmp_path, "# budgets\n[[budget]]\n" + body + "\n")
    with pytest.raises(BudgetFileError) as info:
        load_budgets(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{line + 1}: "), message
    assert words in message


def test_errors_in_later_entries_and_defaults_point_at_them(tmp_path):
    path = write(tmp_path, """[defaults]
core = "cortex-m4"
max_sarm = "1KiB"

[[budget]]
model = "sine_int8.tflite"
max_cycles = 5
""")
    with pytest.raises(BudgetFileError, match=r":3: unknown key 'max_sarm' in \[defaults\]: did you mean 'max_sram'"):
        load_budgets(path)
    path = write(tmp_path, """[[budget]]
model = "sine_int8.tflite"
max_cycles = 5

[[budget]]
model = "sine_int8.tflite"
max_flash = "1 MiB!"
""")
    with pytest.raises(BudgetFileError, match=r"budgets.toml:7: \[\[budget\]\] #2 \(sine_int8.tflite\): .*bad size"):
        load_budgets(path)


def test_file_level_mistakes(tmp_path):
    with pytest.raises(BudgetFileError, match="no such budget file"):
        load_budgets(tmp_path / "none.toml")
    with pytest.raises(BudgetFileError, match=r"not valid TOML: .*line 2"):
        load_budgets(write(tmp_path, "[[budget]]\nmodel = \n"))
    with pytest.raises(BudgetFileError, match="no \\[\\[budget\\]\\] entries"):
        load_budgets(write(tmp_path, "# nothing yet\n"))
    with pytest.raises(BudgetFileError, match=r":1: unknown top-level key 'budgets'.*did you mean 'budget'"):
        load_budgets(write(tmp_path, "[[budgets]]\nmodel = 'x'\n"))
    twice = '[[budget]]\nname = "a"\nmodel = "sine_int8.tflite"\nmax_cycles = 1\n'
    with pytest.raises(BudgetFileError, match=r":6: .*name 'a' is already used by \[\[budget\]\] #1"):
        load_budgets(write(tmp_path, twice * 2))


# ------------------------------------------------------------------ checks

def test_limits_compare_exactly_equal_passes():
    r = fake_result(invoke=1000, kernels=900, flash=4096, sram=2048, arena=1024, stack=512)
    checks = check_result(r, {"max_cycles": 1000, "max_flash": "4KiB", "max_sram": 2047, "max_arena": "1KiB",
                              "max_stack": 600, "max_overhead_pct": 10.0, "max_latency_ms": 0.0125})
    assert {c.name: c.passed for c in checks} == {"cycles": True, "latency": True, "flash": True, "sram": False,
                                                  "arena": True, "stack": True, "overhead": True}
    sram = next(c for c in checks if c.name == "sram")
    assert sram.value == 2048 and sram.budget == 2047 and sram.margin == -1
    table = format_checks(checks)
    assert "OVER" in table.splitlines()[4] and "sram" in table.splitlines()[4]


def test_unknown_limit_is_refused():
    with pytest.raises(UsageError, match="unknown budget 'max_cycle': did you mean 'max_cycles'"):
        check_result(fake_result(), {"max_cycle": 1})


def test_missing_energy_figures_fail_the_energy_budget():
    (check,) = check_result(fake_result(energy=None), {"max_energy_uj": 100})
    assert not check.passed and "no energy figures" in check.row()[1]


def test_assert_budget_message_shows_the_per_op_table():
    r = fake_result(invoke=1_000_000)
    assert_budget(r, max_cycles=1_000_000)
    with pytest.raises(AssertionError) as info:
        assert_budget(r, max_cycles=900_000, max_sram="96KiB")
    message = str(info.value)
    assert message.startswith("mcusim budget exceeded: cycles 1,000,000 > 900,000")
    assert "FULLY_CONNECTED" in message and "interpreter overhead" in message    # report.summary
    with pytest.raises(UsageError, match="at least one limit"):
        assert_budget(r)


# ------------------------------------------------------------------ running a file

BUDGETS = """
[[budget]]
name = "holds"
model = "sine_int8.tflite"
max_cycles = 1_000_000
max_sram = "20000"

[[budget]]
name = "too tight"
model = "sine_int8.tflite"
max_cycles = 999_999
max_flash = "1MiB"
"""


def test_check_runs_identical_entries_once_and_reports(tmp_path):
    runner = FakeRunner()
    report = check_budgets(write(tmp_path, BUDGETS), runner=runner)
    assert len(runner.calls) == 1 and runner.calls[0][:2] == ("sine_int8.tflite", "cortex-m4")
    assert [e.status for e in report.entries] == ["pass", "fail"] and report.exit_code == 1
    assert [c.name for c in report.entries[1].failed] == ["cycles"]

    suite = ET.fromstring(report.junit_xml())
    assert suite.get("tests") == "2" and suite.get("failures") == "1" and suite.get("errors") == "0"
    cases = suite.findall("testcase")
    assert [(c.get("name"), c.get("line")) for c in cases] == [("holds", "2"), ("too tight", "8")]
    assert cases[0].find("failure") is None
    assert cases[1].find("failure").get("message") == "cycles 1,000,000 > 999,999"

    data = report.to_dict()
    assert data["schema_version"] == 1 and data["passed"] is False
    assert data["entries"][1]["checks"][0] == {"metric": "cycles", "key": "max_cycles", "value": 1_000_000,
                                              "budget": 999_999, "margin": -1, "passed": False,
                                              "margin_pct": pytest.approx(-1e-4, rel=1e-3)}
    json.dumps(data)     # serialisable


def test_does_not_fit_is_a_failure_and_a_fault_an_error(tmp_path):
    path = write(tmp_path, BUDGETS)
    report = check_budgets(path, runner=FakeRunner(error=DoesNotFitError("arena too small: needs 9 bytes, has 8")))
    assert [e.status for e in report.entries] == ["fail", "fail"] and report.exit_code == 1
    assert "does not fit: arena too small" in ET.fromstring(report.junit_xml()).find("testcase/failure").get("message")
    report = check_budgets(path, runner=FakeRunner(error=FirmwareFault("bad store at 0x0")))
    assert [e.status for e in report.entries] == ["error", "error"] and report.exit_code == 3
    assert ET.fromstring(report.junit_xml()).get("errors") == "2"


def test_all_hold_is_exit_0(tmp_path):
    report = check_budgets(write(tmp_path, BUDGETS.replace("999_999", "1_000_000")), runner=FakeRunner())
    assert report.passed and report.exit_code == 0


def test_baseline_regression(tmp_path):
    base = fake_result(invoke=1_000_000, core="cortex-m4")
    (tmp_path / "old.json").write_text(json.dumps(base.to_dict()))
    text = BUDGETS.split("\n\n[[budget]]")[0].replace("1_000_000", "2_000_000") + \
        '\nbaseline = "old.json"\nmax_regression_pct = 2.0\n'
    path = write(tmp_path, text)
    (b,) = load_budgets(path).entries
    assert b.baseline_cycles == 1_000_000

    grown = check_budgets(path, runner=FakeRunner(fake_result(invoke=1_030_000, kernels=1_020_000)))
    (check,) = [c for c in grown.entries[0].checks if c.name == "regression"]
    assert check.value == pytest.approx(3.0) and not check.passed and grown.exit_code == 1
    assert "1,000,000 -> 1,030,000" in check.row()[1]
    same = check_budgets(path, runner=FakeRunner(fake_result(invoke=1_020_000, kernels=1_010_000)))
    assert same.exit_code == 0

    (tmp_path / "old.json").write_text(json.dumps(fake_result(core="cortex-m7").to_dict()))
    with pytest.raises(BudgetFileError,
                       match=r":7: .*different configuration: core 'cortex-m7' \(budget: 'cortex-m4'\)"):
        load_budgets(path)


def test_a_check_report_serves_as_baseline(tmp_path):
    path = write(tmp_path, BUDGETS)
    report = check_budgets(path, runner=FakeRunner())
    (tmp_path / "prev.json").write_text(json.dumps(report.to_dict()))
    path.write_text(BUDGETS.replace('max_flash = "1MiB"', 'baseline = "prev.json"\nmax_regression_pct = 0')
                    + '\n[[budget]]\nname = "new"\nmodel = "sine_int8.tflite"\nmax_cycles = 5\n'
                      'baseline = "prev.json"\nmax_regression_pct = 0\n')
    entries = load_budgets(path).entries
    assert entries[1].baseline_cycles == 1_000_000
    assert entries[2].baseline_cycles is None and "no result for 'new'" in entries[2].baseline_note


# ------------------------------------------------------------------ the command, for real

def test_cli_check_on_a_real_model(tmp_path, capsys):
    path = write(tmp_path, BUDGETS)
    junit, report = tmp_path / "r.xml", tmp_path / "r.json"
    code = main(["check", str(path), "--junit", str(junit), "--json", str(report)])
    out = capsys.readouterr().out
    assert code == 0, out          # the sine model takes a few thousand cycles: both hold
    assert "[1/2] holds: sine_int8.tflite on cortex-m4" in out and "2 of 2 budget entries hold" in out
    data = json.loads(report.read_text())
    cycles = data["entries"][0]["result"]["cycles"]["invoke"]
    assert 1000 < cycles < 100_000 and data["entries"][0]["checks"][0]["value"] == cycles
    assert ET.parse(junit).getroot().get("failures") == "0"

    path.write_text(BUDGETS.replace("999_999", str(cycles - 1)) + 'baseline = "r.json"\nmax_regression_pct = 0\n')
    code = main(["check", str(path)])
    out = capsys.readouterr().out
    assert code == 1
    (row,) = [line.split() for line in out.splitlines() if line.split()[:2] == ["cycles", f"{cycles:,}"]
              and f"{cycles - 1:,}" in line]
    assert row[2:] == [f"{cycles - 1:,}", "-1", "(-0.0", "%)", "OVER"]
    assert "regression" in out and "1 of 2 budget entries hold; too tight: fail (cycles)" in out


def test_cli_bad_file_is_exit_2_with_one_line(tmp_path):
    path = write(tmp_path, '[[budget]]\nmodel = "sine_int8.tflite"\nmax_sram = "lots"\n')
    proc = subprocess.run([sys.executable, "-m", "mcusim.cli", "check", str(path)], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == f"mcusim: error: {path}:3: [[budget]] #1 (sine_int8.tflite): bad size 'lots': " \
                          "write it like '256KiB', '1MiB' or '65536'\n"


def test_a_reader_that_goes_away_stops_the_printing_not_the_check(tmp_path):
    class ClosedPipe:
        writes = 0

        def write(self, text):
            self.writes += 1
            raise BrokenPipeError

        def flush(self):
            pass

    runner, echo = FakeRunner(), ClosedPipe()
    report = check_budgets(write(tmp_path, BUDGETS), runner=runner, echo=echo)
    assert len(report.entries) == 2 and report.exit_code == 1 and echo.writes == 1
