"""The cost model (mcusim/costmodel.py, cores/*.toml [timing]/[memory]/[energy]).

Microbenchmarks: tests/costmodel_bench.c holds short hand-written Thumb sequences; on
ARMv7-M and later each is measured by the firmware as a DWT_CYCCNT difference, on
ARMv6-M as a trace-port window. A CYCCNT read (or trace-port write) counts up to and
including the reading instruction, so every window is "the body + the closing access"
(an LDR of CYCCNT: 2 cycles on M3/M4, or a STR to the trace port on M0+: 2 cycles).
The expected numbers are derived below from the cited TRM tables, not taken from the
simulator.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from mcusim.cores import get_core
from mcusim.costmodel import Accounting, divide_cycles
from mcusim.elfimage import ElfImage
from mcusim.errors import FirmwareFault, LimitReached
from mcusim.machine import Machine
from mcusim.toolchain import build

HERE = Path(__file__).resolve().parent
BENCH_C = HERE / "costmodel_bench.c"
SHARED_FW = HERE.parent.parent / "shared" / "firmware" / "tflm_cmsis_nn_m4f"

# ---- Cortex-M4: ARM DDI 0439B Table 3-1 (instruction set summary), 3.3.2 (load/store
# timings), Table 7-1 (FPU instruction set). P (refill) from the Cortex-M3 TRM's notes:
# 1 for a taken branch with an immediate.
M4_ALU = 1          # ADD, SUB, CMP, NOP, IT (Table 3-1)
M4_LDR = 2          # LDR (Table 3-1)
M4_LDR_PIPED = 1    # 3.3.2: an LDR after an LDR, address independent of its result: one cycle less
M4_AGU_STALL = 1    # 3.3.2: address from the preceding data-processing result: one more cycle
M4_LDM = lambda n: 1 + n  # noqa: E731  (Table 3-1: LDM 1+N)
M4_BRANCH_NOT_TAKEN = 1
M4_P_IMM = 1
M4_P_REG = 2        # "taken branches with register operand: normally 2 cycles of pipeline reload"
M4_MLA = 1
M4_UMULL = 1
M4_DIV_MIN, M4_DIV_MAX = 2, 12   # Table 3-1: SDIV/UDIV "2 to 12"
M4_VDIV = 14                     # Table 7-1
M4_VADD = M4_VMUL = 1
M4_VFMA = 3
IT_FAIL = 1                      # a condition-failed IT-block instruction
# ---- Cortex-M3: ARM DDI 0337I Table 3-1: MLA 2, UMULL "3 to 5" (charged at 5).
M3_MLA, M3_UMULL = 2, 5
# ---- Cortex-M0+: ARM DDI 0484C Table 3-1.
M0_ALU, M0_LDR, M0_STR = 1, 2, 2
M0_MULS_FAST, M0_MULS_SMALL = 1, 32
M0_BCC_TAKEN, M0_BCC_NOT_TAKEN = 2, 1
M0_BL, M0_BX = 3, 2
M0_PUSH = M0_POP = lambda n: 1 + n  # noqa: E731
# ---- STM32L4 at 80 MHz: RM0351, 4 flash wait states.
L4_WS = 4

CLOSE_LDR = M4_LDR   # the closing CYCCNT read (after a non-load instruction)


_images: dict = {}


def bench_image(core_name):
    core = get_core(core_name)
    if core.name not in _images:
        _images[core.name] = ElfImage(build(core, [BENCH_C], name="costbench").elf)
    return core, _images[core.name]


_results: dict = {}

NAMES = ["add", "ldr", "ldr_dep", "ldm", "loop", "agu", "mla", "umull", "sdiv_early", "sdiv_mid", "udiv_worst",
         "it_fail", "it_pass", "flash", "pairs", "vdiv", "fp", "sram_call", "it_pass_flags"]


def run_bench(core_name, engine="native", core=None, **kw):
    key = (core_name, engine, repr(core), repr(sorted(kw.items())))
    if key not in _results:
        base_core, image = bench_image(core_name)
        m = Machine(core or base_core, image, accounting=engine, **kw)
        result = m.run()
        assert result.exit_status == 0, result.output
        if "results" in image.symbols:
            values = [m.read_u32(image.symbols["results"] + 4 * i) for i in range(len(NAMES))]
            out = dict(zip(NAMES, values))
        else:
            ev = {}
            for e in result.events:
                ev.setdefault(e.index, []).append(e.cycles)
            out = {i: c[1] - c[0] for i, c in ev.items()}
        _results[key] = (out, result, m)
    return _results[key]


# ------------------------------------------------------------------ Cortex-M4

M4_EXPECTED = {
    "add": 10 * M4_ALU + CLOSE_LDR,                                            # 10 x ADD
    "ldr": M4_ALU + (M4_LDR + 3 * M4_LDR_PIPED) + M4_ALU + CLOSE_LDR,          # nop, 4 independent LDRs, nop
    "ldr_dep": M4_ALU + M4_LDR + M4_LDR + M4_ALU + CLOSE_LDR,                  # 2nd LDR's address = 1st's result
    "ldm": M4_ALU + M4_LDM(8) + M4_ALU + CLOSE_LDR,                            # LDM of 8 registers
    "loop": 10 * M4_ALU + 9 * (M4_BRANCH_NOT_TAKEN + M4_P_IMM) + M4_BRANCH_NOT_TAKEN + CLOSE_LDR,  # 10 iterations
    "agu": M4_ALU + (M4_LDR + M4_AGU_STALL) + M4_ALU + CLOSE_LDR,              # ADD r5; LDR [r5]
    "mla": M4_MLA + CLOSE_LDR,
    "umull": M4_UMULL + CLOSE_LDR,
    "sdiv_early": M4_DIV_MIN + CLOSE_LDR,   # 5 / 7: dividend < divisor, terminates at once
    "sdiv_mid": 1 + 2 + CLOSE_LDR,          # 100 / 7: 5 quotient bits, 1 + ceil(5 / 3) (mcusim's rule)
    "udiv_worst": M4_DIV_MAX + CLOSE_LDR,   # 0xFFFFFFFF / 1: 32 quotient bits, the worst case
    "it_fail": M4_ALU + M4_ALU + IT_FAIL + M4_ALU + M4_ALU + CLOSE_LDR,       # CMP, ITE, LDRNE (fails), ADDEQ, NOP
    "it_pass": M4_ALU + M4_ALU + M4_LDR + M4_LDR_PIPED + M4_ALU + CLOSE_LDR,  # CMP, ITT, LDREQ, LDREQ, NOP
    "it_pass_flags": M4_ALU + M4_ALU + M4_LDR + M4_LDR_PIPED + M4_ALU + CLOSE_LDR,  # the same, CMP for NOP
    "flash": 4 * M4_ALU + 3 * M4_LDR + CLOSE_LDR,                             # zero wait states
    "pairs": 10 * M4_ALU + CLOSE_LDR,                                         # no dual issue on M4
    "vdiv": M4_VDIV + CLOSE_LDR,
    "fp": M4_VADD + M4_VMUL + M4_VFMA + CLOSE_LDR,
    # BLX r4 (1+P, register) into two instructions in SRAM (outside the decoded image:
    # the slow path decodes them): ADDS (1), BX LR (1+P, register)
    "sram_call": (1 + M4_P_REG) + M4_ALU + (1 + M4_P_REG) + CLOSE_LDR,
}


@pytest.mark.parametrize("name", sorted(M4_EXPECTED))
def test_cortex_m4f_microbenchmarks(name):
    out, _, _ = run_bench("cortex-m4f")
    assert out[name] == M4_EXPECTED[name]


def test_conditional_loads_are_charged_both_ways():
    """it_pass's LDREQs keep the flags to the end of their block, so their condition is
    tested after it (KIND_DEFER); it_pass_flags's are followed by a CMP and need exec
    hooks. Both counts are exact (test_cortex_m4f_microbenchmarks)."""
    from mcusim.costmodel import KIND_DEFER, KIND_EXTRA
    _, _, m = run_bench("cortex-m4f")
    tb, symbols = m.accounting.tables, m.image.symbols

    def kinds(fn):
        lo = ((symbols[fn] & ~1) - tb.base) >> 1
        inside = [i for i in range(lo, lo + 64) if m.image.describe(tb.base + 2 * i).endswith(f"(in {fn}+0x{2 * (i - lo):x})")]
        return {int(tb.kind[i]) for i in inside} - {0}
    assert kinds("bench_it_pass") == {KIND_DEFER}
    assert kinds("bench_it_pass_flags") == {KIND_EXTRA}


def test_exec_hooks_only_where_code_ran():
    """Exec hooks are added as their block first runs (the run stops before the block,
    hooks it, resumes): every exec-hook instruction that ran has one, no other has."""
    from mcusim.costmodel import EXEC_HOOK_KINDS
    _, _, m = run_bench("cortex-m4f")
    acc = m.accounting
    needs = np.isin(acc.tables.kind, EXEC_HOOK_KINDS)
    ran = acc.exec_counts() > 0
    assert (needs & ran).sum() >= 4      # the three divides and an LDREQ of it_pass_flags
    assert np.array_equal(acc.hooked.astype(bool), needs & ran)


def test_cortex_m3_multiply_and_divide():
    out, _, _ = run_bench("cortex-m3")
    assert out["mla"] == M3_MLA + CLOSE_LDR
    assert out["umull"] == M3_UMULL + CLOSE_LDR
    assert out["udiv_worst"] == M4_DIV_MAX + CLOSE_LDR    # DDI 0337I: "2 to 12" as on the M4
    assert out["loop"] == M4_EXPECTED["loop"]
    assert out["ldr"] == M4_EXPECTED["ldr"]


def test_cortex_m33_uses_the_m4_table_as_proxy():
    # The M33 TRM publishes no cycle table: cores/cortex-m33.toml uses the M4's (documented).
    out, _, _ = run_bench("cortex-m33")
    for name in ("add", "ldr", "ldm", "loop", "udiv_worst"):
        assert out[name] == M4_EXPECTED[name]


def test_cortex_m7_dual_issue_approximation():
    # mcusim's M7 approximation (cores/cortex-m7.toml): single-cycle ALU and loads; the
    # younger of two adjacent independent single-cycle instructions issues for free.
    out, _, _ = run_bench("cortex-m7")
    # 10 dependent ADDs (r0 each time): only the first pairs with the CYCCNT load before
    # it; the closing load pairs with the last ADD.
    assert out["add"] == 0 + 9 * 1 + 0
    # ADD r0; ADD r1 five times: the first pairs with the CYCCNT load, then every second
    # ADD pairs with the one before: 0,1,0,1,... = 5; the closing load pairs with the last.
    assert out["pairs"] == 5 + 0


# ------------------------------------------------------------------ Cortex-M0+

def test_cortex_m0plus_windows():
    out, _, _ = run_bench("cortex-m0plus")
    assert out[1] == 10 * M0_ALU + M0_STR                                     # 10 x ADDS
    assert out[2] == M0_MULS_FAST + M0_STR                                    # MULS, fast multiplier
    assert out[3] == 10 * M0_ALU + 9 * M0_BCC_TAKEN + M0_BCC_NOT_TAKEN + M0_STR   # counted loop
    assert out[4] == 2 * M0_LDR + M0_STR                                      # no load pipelining
    assert out[5] == M0_PUSH(8) + M0_POP(8) + M0_STR
    assert out[6] == M0_BL + M0_BX + M0_STR


def test_cortex_m0plus_small_multiplier_option():
    out, _, _ = run_bench("cortex-m0plus", timing_options={"multiplier": "small"})
    assert out[2] == M0_MULS_SMALL + M0_STR
    assert out[1] == 10 * M0_ALU + M0_STR


# ------------------------------------------------------------------ memory system

def test_flash_wait_states_on_data_loads():
    out, _, _ = run_bench("stm32l4-80mhz")
    # three loads from three different 32-byte lines of flash_table, each pays the wait states
    assert out["flash"] == M4_EXPECTED["flash"] + 3 * L4_WS
    # loads from SRAM and code fetches (ART instruction cache) do not
    assert out["ldr"] == M4_EXPECTED["ldr"]
    assert out["loop"] == M4_EXPECTED["loop"]


def test_flash_wait_states_on_branch_target_fetch_without_cache():
    core, _ = bench_image("stm32l4-80mhz")
    nocache = dataclasses.replace(core, memory={**core.memory, "icache": False})
    out, _, _ = run_bench("stm32l4-80mhz", core=nocache)
    # each of the 9 taken BNEs refetches its target from flash: + 4 wait states each
    assert out["loop"] == M4_EXPECTED["loop"] + 9 * L4_WS


def test_zero_wait_state_core_preset_has_no_memory_penalty():
    out, _, _ = run_bench("cortex-m4f")
    assert out["flash"] == 4 * M4_ALU + 3 * M4_LDR + CLOSE_LDR


# ------------------------------------------------------------------ engines, energy, limits

@pytest.mark.parametrize("core_name", ["cortex-m4f", "cortex-m0plus", "stm32l4-80mhz"])
def test_python_engine_gives_identical_counts(core_name):
    a, ra, _ = run_bench(core_name, "native")
    b, rb, _ = run_bench(core_name, "python")
    assert a == b
    assert (ra.instructions, ra.cycles, ra.energy_uj, ra.mix) == (rb.instructions, rb.cycles, rb.energy_uj, rb.mix)


def test_mix_adds_up_to_the_totals():
    _, r, _ = run_bench("stm32l4-80mhz")
    assert sum(v["instructions"] for v in r.mix.values()) == r.instructions
    assert sum(v["cycles"] for v in r.mix.values()) == r.cycles
    assert r.mix["div"]["instructions"] == 3 and r.mix["fpu"]["instructions"] >= 4


def test_energy_is_cycles_times_the_board_figure():
    # stm32l4-80mhz: every class at 300 pJ/cycle (DS10198: 100 uA/MHz x 3.0 V), no static term
    _, r, m = run_bench("stm32l4-80mhz")
    assert r.energy_uj == pytest.approx(r.cycles * 300e-12 * 1e6, rel=1e-12)
    assert m.accounting.energy_breakdown()["static"] == 0


def test_trace_events_carry_energy_windows():
    core = dataclasses.replace(get_core("rp2040-133mhz"), name="m0plus-board-test")
    _, image = bench_image("cortex-m0plus")
    core = dataclasses.replace(core, flash_base=0x0800_0000)   # the bench image is linked for 0x0800_0000
    m = Machine(core, image)
    r = m.run()
    ev = [e for e in r.events if e.index == 1]
    window_uj = ev[1].energy_uj - ev[0].energy_uj
    assert window_uj == pytest.approx((ev[1].cycles - ev[0].cycles) * 500e-12 * 1e6, rel=1e-9)
    assert r.energy_uj is not None and get_core("cortex-m4f").energy == {}


def test_limits_on_instructions_and_cycles():
    core, image = bench_image("cortex-m4f")
    with pytest.raises(LimitReached, match="instructions .the limit"):
        Machine(core, image, max_instructions=50).run()
    with pytest.raises(LimitReached, match="cycles .the cycle limit"):
        Machine(core, image, max_cycles=60).run()
    m = Machine(core, image, max_cycles=60)
    with pytest.raises(LimitReached):
        m.run()
    assert 60 < m.accounting.cycles < 60 + 64


class _NoCpacr(Machine):
    """A machine whose CPACR ignores writes: the FPU stays disabled."""

    def _scs_write(self, uc, offset, size, value, user):
        if offset != 0xD88:
            super()._scs_write(uc, offset, size, value, user)


@pytest.mark.parametrize("engine", ["native", "python"])
def test_fp_instruction_with_fpu_disabled_faults(engine):
    core, image = bench_image("cortex-m4f")
    with pytest.raises(FirmwareFault, match="FPU disabled") as exc:
        _NoCpacr(core, image, accounting=engine).run()
    assert "(in bench_vdiv+0xc)" in str(exc.value)   # the address of the VDIV itself


def test_blocks_outside_the_linear_sweep_are_resynchronised():
    # Without mapping symbols the sweep decodes literal pools as code and loses the
    # instruction boundaries after them; blocks starting there take the slow path.
    core, image = bench_image("cortex-m4f")
    stripped = ElfImage(image.path)
    stripped.mapping = []
    for engine in ("native", "python"):
        m = Machine(core, stripped, accounting=engine)
        m.run()
        values = [m.read_u32(image.symbols["results"] + 4 * i) for i in range(len(NAMES))]
        assert dict(zip(NAMES, values)) == run_bench("cortex-m4f")[0]


def test_divide_rule_endpoints():
    assert divide_cycles(5, 7, False) == M4_DIV_MIN
    assert divide_cycles(123, 0, False) == M4_DIV_MIN
    assert divide_cycles(0xFFFF_FFFF, 1, False) == M4_DIV_MAX
    assert divide_cycles(0x8000_0000, 1, True) == M4_DIV_MAX       # |INT_MIN| / 1
    assert divide_cycles(-100 & 0xFFFF_FFFF, 7, True) == divide_cycles(100, 7, False)


# ------------------------------------------------------------------ a real workload

class _DwtReadsZero(Machine):
    """DWT registers read as zero, as on the simulator that measured the README's counts."""

    def _dwt_read(self, uc, offset, size, user):
        return 0


def _shared(name):
    path = SHARED_FW / name
    if not path.is_file():
        pytest.skip("needs /work/shared/firmware")
    return path


def _tflm_core():
    return get_core("cortex-m4f", flash="2MiB", sram="640KiB")


@pytest.mark.parametrize("name,expected", [("kws_ref_model.elf", 8_400_050), ("ad01_int8.elf", 667_204)])
def test_tflm_instruction_count_matches_independent_measurement(name, expected):
    # The README's counts were measured on a simulator whose DWT_CYCCNT read 0, so the
    # firmware printed "INIT_CYCLES 0"/"INVOKE_CYCLES 0": with CYCCNT reading 0 the count
    # from reset to exit must be exactly theirs. (With a working CYCCNT the firmware
    # prints more digits and executes about 12 more instructions per digit.)
    result = _DwtReadsZero(_tflm_core(), ElfImage(_shared(name))).run()
    assert "INIT_CYCLES 0" in result.output
    assert result.instructions == expected


def test_tflm_native_and_python_agree_exactly():
    image = ElfImage(_shared("kws_ref_model.elf"))
    runs = [Machine(_tflm_core(), image, accounting=engine).run() for engine in ("native", "python")]
    a, b = runs
    assert "808080808080808080778089" in a.output
    assert (a.instructions, a.cycles, a.mix, a.output) == (b.instructions, b.cycles, b.mix, b.output)
    assert [dataclasses.astuple(e) for e in a.events] == [dataclasses.astuple(e) for e in b.events]
    assert a.cycles > a.instructions   # loads, multi-cycle instructions and taken branches cost more


def test_accounting_rejects_unknown_options():
    from mcusim.errors import UsageError
    core, image = bench_image("cortex-m0plus")
    with pytest.raises(UsageError, match="multiplier"):
        Accounting(image, core, options={"multiplier": "medium"})
    with pytest.raises(UsageError, match="no timing option"):
        Accounting(image, core, options={"cache": "on"})


@pytest.mark.parametrize("engine", ["python"])
def test_resume_after_a_semihosting_bkpt_uncharges_the_rest_of_the_block(engine):
    # A block [f, f+n) charged whole; a BKPT at its 2nd instruction returns to the 3rd,
    # where Unicorn starts a new block: after resume_after the totals must equal one
    # pass over the block, not one and a bit.
    core, image = bench_image("cortex-m4f")
    acc = Accounting(image, core, engine=engine)
    acc._py_tables()
    tb = acc.tables
    f = image.symbols["bench_add"]
    starts = [f + 2 * k for k in range(40) if tb.start[(f - tb.base) // 2 + k]][:6]
    end = starts[5]
    acc._py_block(None, f, end - f, None)
    once = (acc.cycles, acc.instructions)
    k = next(k for k in range(4) if starts[k + 1] == starts[k] + 2)   # a 16-bit instruction, like BKPT
    acc.resume_after(starts[k])           # pretend it is the BKPT
    acc._py_block(None, starts[k + 1], end - starts[k + 1], None)
    assert (acc.cycles, acc.instructions) == once
    assert acc.exec_counts()[(starts[k + 1] - tb.base) // 2] == 1


def test_tflm_on_a_board_with_wait_states_native_and_python_agree():
    # ad01 on an M4F with the STM32L4's memory system and energy figures (but the TFLM
    # image's memory map): flash data hooks, branch fetch penalties and energy classes
    # on a real workload, both engines.
    board = get_core("stm32l4-80mhz")
    core = dataclasses.replace(_tflm_core(), memory={**board.memory, "icache": False}, energy=board.energy)
    image = ElfImage(_shared("ad01_int8.elf"))
    a, b = (Machine(core, image, accounting=engine).run() for engine in ("native", "python"))
    assert (a.instructions, a.cycles, a.energy_uj, a.mix) == (b.instructions, b.cycles, b.energy_uj, b.mix)
    assert "c2f30d2321232a37" in a.output
    plain = Machine(_tflm_core(), image).run()
    assert a.cycles > plain.cycles and a.mix["flash_load"]["cycles"] > 0
    assert sum(v["cycles"] for v in a.mix.values()) == a.cycles
    # The flash read hook must not change what the firmware does: Unicorn 2.1.4 leaves a
    # stale IT state after a memory hook fires inside an IT block unless the hook clears it
    # (costhook.c clear_stale_itstate); without that this run faults. Same count as the
    # README's with CYCCNT reading 0:
    assert _DwtReadsZero(core, image).run().instructions == 667_204


def test_code_tables_are_built_once_and_copied_per_run():
    """Repeated runs of one image on one core reuse the decoded tables (setup cost), each
    run on its own copy: what one run patches, the next does not see."""
    from mcusim.costmodel import Accounting
    core, image = bench_image("cortex-m4f")
    a, b = Accounting(image, core), Accounting(image, core)
    assert a.tables is not b.tables and a.tables.insns is not b.tables.insns
    assert np.array_equal(a.tables.cyc, b.tables.cyc) and not np.shares_memory(a.tables.cyc, b.tables.cyc)
    a.tables.cost[:] = 0
    assert Accounting(image, core).tables.cost.any()
