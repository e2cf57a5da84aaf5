"""Hand-made RunResults for tests that check presentation and budget logic without
simulating anything (real runs are covered by the tests that need one)."""

import numpy as np

from mcusim.result import Cycles, Memory, OpResult, RunResult


def fake_result(invoke=1_000_000, kernels=990_000, flash=100_000, sram=20_000, arena=12_000, stack=1_000,
                energy=5.0, core="cortex-m4", model="sine_int8.tflite", clock=80_000_000, kernel_set="optimized",
                op_cycles=None, op_names=None):
    """A consistent RunResult. op_cycles: each operator's cycles (default: two operators
    sharing `kernels`); invoke is then kernels + (invoke - kernels) as given."""
    overhead = invoke - kernels
    if op_cycles is None:
        op_cycles = [kernels // 2, kernels - kernels // 2]
    kernels = sum(op_cycles)
    invoke = kernels + overhead
    names = op_names or ["FULLY_CONNECTED"] * len(op_cycles)
    op_energy = [energy * c / invoke if energy is not None else None for c in op_cycles]
    ops = [OpResult(i, name, c, c * 3 // 4, e, 16 * (i + 1)) for i, (name, c, e) in
           enumerate(zip(names, op_cycles, op_energy))]
    memory = Memory(flash_used=flash, flash_limit=1 << 20, firmware_bytes=flash - 2000, model_bytes=2000,
                    sram_used=sram, sram_limit=256 << 10, static_bytes=sram - arena - stack, arena_used=arena,
                    arena_persistent=1000, arena_planned=arena - 1000, stack_peak=stack, stack_reserve=8192)
    return RunResult(core=core, clock_hz=clock, toolchain="zig 0.17.1", kernels=kernel_set, model=model,
                     cycles=Cycles(total=invoke + 5000, init=5000, invoke=invoke, kernels=kernels,
                                   interpreter_overhead=overhead),
                     instructions={"total": invoke, "invoke": invoke}, energy_uj={"total": energy, "invoke": energy},
                     memory=memory, ops=ops, outputs=[np.zeros((1, 1), np.int8)])
