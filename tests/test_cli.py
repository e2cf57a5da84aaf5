"""The command line: help, cores, elf, and one-line errors with documented exit codes."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mcusim.cores import get_core
from mcusim.toolchain import build

PROGRAMS = Path(__file__).parent / "programs"


def mcusim(*args):
    return subprocess.run([sys.executable, "-m", "mcusim.cli", *map(str, args)], capture_output=True, text=True)


@pytest.mark.parametrize("args", [["--help"], ["elf", "--help"], ["cores", "--help"]])
def test_help(args):
    proc = mcusim(*args)
    assert proc.returncode == 0
    assert "usage: mcusim" in proc.stdout


def test_cores_lists_every_core_as_table_and_json():
    table = mcusim("cores").stdout
    for name in ["cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m4f", "cortex-m7", "cortex-m33", "cortex-m33f"]:
        assert name in table
    data = json.loads(mcusim("cores", "--json").stdout)
    m7 = next(c for c in data if c["name"] == "cortex-m7")
    assert m7["fpu"] == "fpv5-dp" and m7["arch"] == "armv7e-m" and m7["flash_size"] == 2 << 20


def test_user_cores_dir_adds_a_board(tmp_path):
    base = (Path(__file__).parents[1] / "cores" / "cortex-m4f.toml").read_text()
    (tmp_path / "myboard.toml").write_text(base.replace('name = "cortex-m4f"', 'name = "myboard"')
                                           .replace('sram = "256KiB"', 'sram = "40KiB"'))
    data = json.loads(mcusim("cores", "--json", "--cores-dir", tmp_path).stdout)
    assert next(c for c in data if c["name"] == "myboard")["sram_size"] == 40 * 1024


def test_elf_passes_output_and_exit_status_through(tmp_path):
    elf = build(get_core("cortex-m4"), [PROGRAMS / "hello.c"], name="hello").elf
    out = tmp_path / "run.json"
    proc = mcusim("elf", elf, "--core", "cortex-m4", "--json", out)
    assert proc.stdout == "hello from the core\n"
    assert proc.returncode == 3
    data = json.loads(out.read_text())
    assert data["exit_status"] == 3 and data["instructions"] > 0 and data["core"] == "cortex-m4"


@pytest.mark.parametrize("args, code, words", [
    (["elf", "missing.elf"], 2, "no such firmware file"),
    (["elf", "x.elf", "--core", "cortex-m5"], 2, "unknown core 'cortex-m5'"),
    (["elf", "x.elf", "--sram", "64KB?"], 2, "bad size '64KB?'"),
    (["elf", "x.elf", "--clock", "fast"], 2, "bad clock 'fast'"),
    (["elf", "x.elf", "--core", "cortex-m0plus", "--fpu"], 2, "cortex-m0plus cannot have an FPU"),
])
def test_user_errors_are_one_line_with_exit_code(args, code, words):
    proc = mcusim(*args)
    assert proc.returncode == code
    assert words in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_fault_and_limit_exit_3():
    core = get_core("cortex-m4")
    proc = mcusim("elf", build(core, [PROGRAMS / "bad_store.c"], name="bad_store").elf)
    assert proc.returncode == 3 and "poke_bad_address" in proc.stderr
    proc = mcusim("elf", build(core, [PROGRAMS / "runaway.c"], name="runaway").elf, "--max-instructions", 5000)
    assert proc.returncode == 3 and "the limit" in proc.stderr
