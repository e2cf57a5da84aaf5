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


SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.mark.skipif(not (SHARED / "firmware").is_dir(), reason="../shared is not beside the repo")
@pytest.mark.parametrize("core_name,kernels", [("cortex-m0plus", "optimized"), ("cortex-m4f", "optimized"),
                                               ("cortex-m7", "reference"), ("stm32l4-80mhz", "optimized")])
def test_mmio_pc_from_registers_equals_the_memory_hook_pc(core_name, kernels, monkeypatch):
    """mcusim.mmio_pc finds the accessing instruction without a memory hook: every trace
    event, CYCCNT-derived figure and per-op count equals the one taken with a memory hook
    (Unicorn's exact PC), on our firmware and on the shared TFLM firmware."""
    from mcusim import runner
    from mcusim.elfimage import ElfImage
    from mcusim.machine import Machine

    def run(mode):
        monkeypatch.setattr(runner, "Machine", lambda *a, **k: Machine(*a, mmio_pc=mode, **k))
        r = runner.run_model(SHARED / "models/mlperf_tiny/ad01_int8.tflite", core_name, kernels=kernels,
                             flash="2MiB", sram="1MiB")
        figures = [r.cycles.total, r.cycles.init, r.cycles.invoke, [(op.cycles, op.energy_uj) for op in r.ops]]
        if core_name in ("cortex-m4f", "stm32l4-80mhz"):
            elf = Machine(get_core(core_name, flash="2MiB", sram="640KiB"),
                          ElfImage(SHARED / "firmware/tflm_cmsis_nn_m4f/ad01_int8.elf"), mmio_pc=mode).run()
            figures += [elf.output, [(e.kind, e.index, e.cycles, e.instructions) for e in elf.events]]
        return figures
    assert run("registers") == run("hooks")


def test_mmio_pc_mode_is_checked():
    core = get_core("cortex-m4")
    with pytest.raises(UsageError, match="mmio_pc"):
        from mcusim.elfimage import ElfImage
        from mcusim.machine import Machine
        Machine(core, ElfImage(program("hello", core)), mmio_pc="exact")


def test_mmio_access_without_a_matching_instruction_warns_once():
    """If no instruction of the block can have made an MMIO access (not expected from real
    code), the block's start is used and a warning says so, once per block."""
    from unicorn import UC_ARCH_ARM, UC_MODE_THUMB, Uc

    from mcusim.mmio_pc import MmioPc
    uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB)
    uc.mem_map(0x1000, 0x1000)
    uc.mem_write(0x1000, bytes.fromhex("0120" "7047"))     # movs r0, #1; bx lr: no load or store
    locator = MmioPc(uc)
    with pytest.warns(RuntimeWarning, match="no instruction of the block at 0x00001000"):
        assert locator.locate(0x1000, 4, 0, 0xE0001004, 4) == 0x1000
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert locator.locate(0x1000, 4, 5, 0xE0001004, 4) == 0x1000
