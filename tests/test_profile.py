"""Per-function profile (mcusim/profile.py; the counters in mcusim/costmodel.py and
mcusim/native/costhook.c; docs/cost-model.md "Per-function profile").

tests/programs/calls.c has a known call structure written in assembly, so self cycles,
inclusive cycles and calls are derived below from the Cortex-M4 TRM's table (the same
constants as tests/test_costmodel.py), not taken from the simulator.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mcusim.cores import get_core
from mcusim.elfimage import ElfImage, load_image
from mcusim.errors import UsageError
from mcusim.machine import Machine, run_elf
from mcusim.profile import UNKNOWN, FunctionMap, profile_of, profile_table
from mcusim.runner import run_model
from mcusim.toolchain import build

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "programs"
MODELS = HERE.parent / "models"
SHARED_FW = HERE.parent.parent / "shared" / "firmware" / "tflm_cmsis_nn_m4f"

# Cortex-M4, ARM DDI 0439B Table 3-1; P from the Cortex-M3 TRM's notes.
ALU = 1
BRANCH = 1                       # B<cc>/CBZ not taken; + P when taken
P_IMM, P_CALL, P_REG, P_LOAD = 1, 1, 2, 3
PUSH = POP = lambda n: 1 + n     # noqa: E731  1+N (+P when POP loads PC)

# g: MOVS; 10 x SUBS; BNE taken 9 times, not taken once; BX LR
G = ALU + 10 * ALU + 9 * (BRANCH + P_IMM) + BRANCH + (BRANCH + P_REG)
# f: PUSH {lr}; BL g; POP {pc}
F = PUSH(1) + (BRANCH + P_CALL) + (POP(1) + P_LOAD)
# t: B.W g (a tail call)
T = BRANCH + P_IMM
# r(n > 0): CBZ not taken; PUSH {lr}; SUBS; BL r; POP {pc}.  r(0): CBZ taken; BX LR
R_N = BRANCH + PUSH(1) + ALU + (BRANCH + P_CALL) + (POP(1) + P_LOAD)
R_0 = (BRANCH + P_IMM) + (BRANCH + P_REG)



def _calls_elf(core):
    return build(core, [PROGRAMS / "calls.c"], name="calls").elf


def _rows(result):
    return {row.name: row for row in result.profile}


def _shared(name):
    path = SHARED_FW / name
    if not path.is_file():
        pytest.skip("needs /work/shared/firmware")
    return path


def _tflm_core():
    return get_core("cortex-m4f", flash="2MiB", sram="640KiB")


@pytest.mark.parametrize("engine", ["native", "python"])
def test_known_call_structure(engine):
    core = get_core("cortex-m4")
    machine = Machine(core, load_image(_calls_elf(core)), accounting=engine, profile=True)
    result = machine.run()
    p = _rows(result)
    assert (p["g"].self_cycles, p["g"].inclusive_cycles, p["g"].calls) == (3 * G, 3 * G, 3)   # 2 via f, 1 via t
    assert (p["f"].self_cycles, p["f"].inclusive_cycles, p["f"].calls) == (2 * F, 2 * F + 2 * G, 2)
    assert (p["t"].self_cycles, p["t"].inclusive_cycles, p["t"].calls) == (T, T + G, 1)
    # recursion, r(3) then r(5000): every call counted, the inclusive time once (outermost
    # frames only), also when the recursion is deeper than the shadow stack
    r_self = (3 + 5000) * R_N + 2 * R_0
    assert (p["r"].self_cycles, p["r"].inclusive_cycles, p["r"].calls) == (r_self, r_self, 4 + 5001)
    assert machine.accounting.st.stk_dropped > 0
    # w unwinds past v straight into u: v's frame is closed with w's, u's stays right
    assert (p["u"].calls, p["v"].calls, p["w"].calls) == (1, 1, 1)
    assert p["w"].inclusive_cycles == p["w"].self_cycles
    assert p["v"].inclusive_cycles == p["v"].self_cycles + p["w"].inclusive_cycles
    assert p["u"].inclusive_cycles == p["u"].self_cycles + p["v"].inclusive_cycles
    main = p["main"]
    assert main.calls == 1
    assert main.inclusive_cycles == main.self_cycles + sum(p[name].inclusive_cycles for name in "ftru")
    root = p["Reset_Handler"]
    assert (root.inclusive_cycles, root.calls) == (result.cycles, 1)
    assert sum(row.self_cycles for row in result.profile) == result.cycles
    assert sum(row.self_pct for row in result.profile) == pytest.approx(100.0)
    assert result.profile == sorted(result.profile, key=lambda r: -r.self_cycles)
    assert UNKNOWN not in p      # every instruction of this image is inside a symbol


def test_both_engines_give_the_same_profile_with_it_blocks_divides_and_sram_code():
    # The cost-model microbenchmarks: IT blocks (executed and failed), UDIV/SDIV,
    # LDR pipelining undone on jump entry, and a call into code in SRAM (outside the
    # decoded image: the slow path charges it).
    core = get_core("cortex-m4f")
    image = ElfImage(build(core, [HERE / "costmodel_bench.c"], name="costbench").elf)
    a, b = (Machine(core, image, accounting=engine, profile=True).run() for engine in ("native", "python"))
    assert a.profile == b.profile
    assert (a.cycles, a.instructions) == (b.cycles, b.instructions)
    assert sum(row.self_cycles for row in a.profile) == a.cycles
    assert a.mix["div"]["cycles"] > a.mix["div"]["instructions"] * 2      # operand-dependent divides ran
    assert UNKNOWN in _rows(a)            # the two instructions in SRAM have no symbol


def test_profile_is_off_by_default():
    core = get_core("cortex-m4")
    machine = Machine(core, load_image(_calls_elf(core)))
    result = machine.run()
    assert result.profile is None
    assert machine.accounting.st.profile == 0
    with pytest.raises(UsageError, match="profile=True"):
        machine.accounting.profile_data()
    # profiling changes no count
    profiled = Machine(core, load_image(_calls_elf(core)), profile=True).run()
    assert (profiled.cycles, profiled.instructions, profiled.mix) == (result.cycles, result.instructions, result.mix)


def test_function_map_aliases_sizeless_symbols_and_unknown_code():
    class _Image:
        functions = [(0x100, 0x20, "a"), (0x100, 0x20, "a_alias"), (0x120, 0, "b"), (0x140, 0x10, "c"),
                     (0x144, 0x4, "inner")]
    fmap = FunctionMap(_Image())
    name = lambda addr: fmap.names[fmap.id_at(addr)]   # noqa: E731
    assert name(0x100) == name(0x11E) == "a_alias"     # the name ElfImage.function_at gives
    assert name(0x13E) == "b"                          # no size: extends to the next symbol
    assert (name(0x142), name(0x146), name(0x148)) == ("c", "inner", "c")
    assert name(0x150) == name(0x50) == UNKNOWN
    ids = fmap.ids(0x100, 0x30)
    assert [fmap.names[i] for i in ids[[0, 0x10, 0x20, 0x23, 0x28, 0x2F]]] == \
        ["a_alias", "b", "c", "inner", UNKNOWN, UNKNOWN]


def test_model_run_self_cycles_add_up_to_the_total():
    result = run_model(MODELS / "sine_int8.tflite", "cortex-m4", profile=True)
    assert sum(row.self_cycles for row in result.profile) == result.cycles.total
    root = max(result.profile, key=lambda r: r.inclusive_cycles)
    assert root.inclusive_cycles == result.cycles.total and root.calls == 1
    assert all(row.inclusive_cycles >= row.self_cycles for row in result.profile if row.name != UNKNOWN)
    data = result.to_dict()
    assert data["profile"][0] == {"name": result.profile[0].name, "self_cycles": result.profile[0].self_cycles,
                                  "inclusive_cycles": result.profile[0].inclusive_cycles,
                                  "calls": result.profile[0].calls}
    assert "profile" not in run_model(MODELS / "sine_int8.tflite", "cortex-m4").to_dict()


def test_model_profile_native_equals_python(monkeypatch):
    native = run_model(MODELS / "sine_int8.tflite", "cortex-m4f", profile=True)
    monkeypatch.setenv("MCUSIM_ACCOUNTING", "python")
    python = run_model(MODELS / "sine_int8.tflite", "cortex-m4f", profile=True)
    assert native.cycles == python.cycles
    assert native.profile == python.profile


def test_tflm_profile_names_a_cmsis_nn_kernel_among_the_top_five():
    result = run_elf(_shared("kws_ref_model.elf"), _tflm_core(), profile=True)
    top5 = [row.name for row in result.profile[:5]]
    assert any(name.startswith("arm_") and name.endswith("_s8") or name.startswith("arm_nn_") for name in top5), \
        top5
    assert sum(row.self_cycles for row in result.profile) == result.cycles
    rows = _rows(result)
    assert rows["arm_convolve_s8"].inclusive_cycles > rows["arm_nn_mat_mult_kernel_s8_s16"].inclusive_cycles
    text = profile_table(result.profile, 5)
    assert text.splitlines()[1].startswith(top5[0]) and "more functions" in text.splitlines()[-1]
    # TFLM's C++ functions appear as written in its source, not as mangled symbols
    assert "tflite::MicroInterpreter::Invoke()" in rows
    assert not any(row.name.startswith("_Z") for row in result.profile)


def test_tflm_with_flash_wait_states_native_equals_python():
    # Flash wait states (a memory hook, dynamic) and taken-branch fetch penalties on a
    # real workload: both engines, Σ self == total.
    board = get_core("stm32l4-80mhz")
    core = dataclasses.replace(_tflm_core(), memory={**board.memory, "icache": False}, energy=board.energy)
    image = ElfImage(_shared("ad01_int8.elf"))
    a, b = (Machine(core, image, accounting=engine, profile=True) for engine in ("native", "python"))
    ra, rb = a.run(), b.run()
    assert ra.profile == rb.profile
    assert sum(row.self_cycles for row in ra.profile) == ra.cycles
    assert int(a.accounting.prof_dyn.sum()) > 0
    assert profile_of(a.accounting, image) == ra.profile


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "mcusim.cli", *map(str, args)], capture_output=True, text=True)


def test_cli_elf_profile_table_and_json(tmp_path):
    core = get_core("cortex-m4")
    out = tmp_path / "run.json"
    proc = _cli("elf", _calls_elf(core), "--core", "cortex-m4", "--profile", "3", "--json", out)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("function"))
    assert lines[header + 1].split()[0] == "r" and lines[header + 2].split()[:2] == ["g", str(3 * G)]
    assert "more functions" in lines[header + 4]
    data = json.loads(out.read_text())
    assert sum(row["self_cycles"] for row in data["profile"]) == data["cycles"]
    assert "profile" not in json.loads((_cli("elf", _calls_elf(core), "--json", out), out.read_text())[1])


def test_cli_run_profile(tmp_path):
    out = tmp_path / "run.json"
    proc = _cli("run", MODELS / "sine_int8.tflite", "--profile", "--json", out)
    assert proc.returncode == 0, proc.stderr
    assert "profile: the 20 functions" in proc.stdout
    data = json.loads(out.read_text())
    assert sum(row["self_cycles"] for row in data["profile"]) == data["cycles"]["total"]


@pytest.mark.parametrize("args,top", [(["--profile", "MODEL"], 20), (["--profile", "3", "MODEL"], 3),
                                      (["MODEL", "--profile", "3"], 3), (["--profile=2", "MODEL"], 2)])
def test_cli_profile_option_anywhere(args, top):
    model = str(MODELS / "sine_int8.tflite")
    proc = _cli("run", *[model if a == "MODEL" else a for a in args])
    assert proc.returncode == 0, proc.stderr
    assert f"profile: the {top} functions" in proc.stdout
