"""The result of running a model: what mcusim reports, as data. `to_dict()` is the JSON
schema documented in the README (versioned by SCHEMA_VERSION)."""

from __future__ import annotations

import dataclasses

import numpy as np

SCHEMA_VERSION = 1


@dataclasses.dataclass
class OpResult:
    index: int
    op: str
    cycles: int
    instructions: int
    energy_uj: float
    macs: int
    bare_cycles: int | None = None
    kernel: str = "reference"     # the code that ran: "reference" or "optimized-<path>" (firmware.kernel_used)

    @property
    def cycles_per_mac(self) -> float | None:
        return self.cycles / self.macs if self.macs else None


@dataclasses.dataclass
class Cycles:
    total: int                    # reset to exit
    init: int                     # interpreter init: parse, allocate, prepare
    invoke: int                   # one inference
    kernels: int                  # sum of the operators' windows in that inference
    interpreter_overhead: int     # invoke - kernels

    @property
    def overhead_pct(self) -> float:
        return 100.0 * self.interpreter_overhead / self.invoke if self.invoke else 0.0


@dataclasses.dataclass
class Memory:
    flash_used: int               # firmware image + model
    flash_limit: int
    firmware_bytes: int
    model_bytes: int
    sram_used: int                # static + arena used + stack peak
    sram_limit: int
    static_bytes: int             # .data + .bss + interpreter struct
    arena_used: int
    arena_persistent: int
    arena_planned: int
    stack_peak: int
    stack_reserve: int
    flash_components: dict = dataclasses.field(default_factory=dict)  # part -> bytes, incl. "model"


@dataclasses.dataclass
class RunResult:
    core: str
    clock_hz: int
    toolchain: str
    kernels: str
    model: str
    cycles: Cycles
    instructions: dict            # {"total", "invoke"}
    energy_uj: dict               # {"total", "invoke"}
    memory: Memory
    ops: list                     # OpResult per operator, in execution order
    outputs: list                 # numpy arrays, dtype and shape as the model says
    inputs_note: str = ""
    console: str = ""
    arch: str = ""                # e.g. "armv7e-m"
    fpu: str = "none"             # the FPU the core was configured with for this run
    profile: list | None = None   # [mcusim.profile.FunctionProfile], sorted by self cycles (profile=True)

    @property
    def latency_ms(self) -> float:
        return 1000.0 * self.cycles.invoke / self.clock_hz

    def to_dict(self) -> dict:
        return {
            "schema_version": SCHEMA_VERSION,
            "core": self.core, "arch": self.arch, "fpu": self.fpu, "clock_hz": self.clock_hz, "toolchain": self.toolchain,
            "kernels": self.kernels, "model": self.model,
            "cycles": {**dataclasses.asdict(self.cycles)},
            "interpreter_overhead_pct": round(self.cycles.overhead_pct, 4),
            "instructions": dict(self.instructions),
            "energy_uj": dict(self.energy_uj),
            "latency_ms": self.latency_ms,
            "memory": dataclasses.asdict(self.memory),
            "ops": [{**dataclasses.asdict(op)} for op in self.ops],
            "outputs": [np.asarray(o).tolist() for o in self.outputs],
            "inputs_note": self.inputs_note,
            **({"profile": [row.to_dict() for row in self.profile]} if self.profile is not None else {}),
        }
