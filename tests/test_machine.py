"""The machine: semihosting, counters, limits, memory fit, faults, FPU gating, on every core."""

from pathlib import Path

import pytest

from mcusim.cores import get_core
from mcusim.errors import DoesNotFitError, FirmwareFault, LimitReached, UsageError
from mcusim.machine import run_elf
from mcusim.toolchain import build

PROGRAMS = Path(__file__).parent / "programs"
ALL_CORES = ["cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m4f", "cortex-m7", "cortex-m33", "cortex-m33f"]


def program(name, core):
    return build(core, [PROGRAMS / f"{name}.c"], name=name).elf


@pytest.mark.parametrize("core_name", ALL_CORES)
def test_semihosting_output_and_exit_status(core_name):
    core = get_core(core_name)
    result = run_elf(program("hello", core), core)
    assert result.output == "hello from the core\n"
    assert result.exit_status == 3
    assert result.instructions > 20


@pytest.mark.parametrize("core_name", ["cortex-m3", "cortex-m4f", "cortex-m7", "cortex-m33"])
def test_dwt_cyccnt_and_systick_count(core_name):
    core = get_core(core_name)
    assert run_elf(program("counters", core), core).exit_status == 0


def test_instruction_limit_stops_runaway_firmware():
    core = get_core("cortex-m4")
    with pytest.raises(LimitReached, match=r"stopped after [\d,]+ instructions .*in main"):
        run_elf(program("runaway", core), core, max_instructions=100_000)


def test_flash_overflow_is_refused_with_sizes():
    core = get_core("cortex-m4", flash="256KiB")
    with pytest.raises(DoesNotFitError, match=r"needs 30\d(\.\d)? KiB flash, cortex-m4 has 256 KiB: use --flash"):
        run_elf(program("big_const", core), core)
    assert run_elf(program("big_const", core), get_core("cortex-m4", flash="512KiB")).exit_status == 0


def test_sram_overflow_is_refused_with_sizes():
    core = get_core("cortex-m0plus")  # 32 KiB SRAM
    with pytest.raises(DoesNotFitError, match=r"needs 80\.\d KiB SRAM, cortex-m0plus has 32 KiB: use --sram"):
        run_elf(program("big_bss", core), core)


def test_out_of_bounds_store_names_pc_function_and_address():
    core = get_core("cortex-m4")
    with pytest.raises(FirmwareFault) as info:
        run_elf(program("bad_store", core), core)
    message = str(info.value)
    assert "write to unmapped address (4 bytes) 0x30000010" in message
    assert "in poke_bad_address+0x" in message
    assert "r0=0x00001234" in message  # the registers at the fault


def test_fpu_code_refused_on_core_without_fpu_and_runs_with_one():
    m4f = get_core("cortex-m4f")
    elf = program("float_mul", m4f)
    assert run_elf(elf, m4f).exit_status == 0
    with pytest.raises(UsageError, match=r"uses FPU instructions \(v\w+.* in main\) but cortex-m4 is configured without an FPU"):
        run_elf(elf, get_core("cortex-m4"))
    # the same core with --no-fpu refuses it too; soft-float builds run everywhere
    with pytest.raises(UsageError, match="without an FPU"):
        run_elf(elf, get_core("cortex-m4f", fpu=False))
    m4 = get_core("cortex-m4")
    assert run_elf(program("float_mul", m4), m4).exit_status == 0


def test_fpu_instruction_with_cp10_disabled_faults_as_nocp():
    core = get_core("cortex-m4f")
    with pytest.raises(FirmwareFault, match=r"FPU instruction with the FPU disabled \(UsageFault NOCP\).*in main"):
        run_elf(program("fpu_disabled", core), core)


def test_missing_and_non_elf_files_are_usage_errors(tmp_path):
    core = get_core("cortex-m4")
    with pytest.raises(UsageError, match="no such firmware file"):
        run_elf(tmp_path / "missing.elf", core)
    junk = tmp_path / "junk.elf"
    junk.write_bytes(b"not an elf at all" * 10)
    with pytest.raises(UsageError, match="not a readable ELF"):
        run_elf(junk, core)
