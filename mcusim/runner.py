"""run_model: build (cached) the interpreter firmware for a core, put the model in its
flash slot and the inputs in host I/O, run it on the machine, and gather outputs,
cycles, energy and memory into a RunResult."""

from __future__ import annotations

import numpy as np

from . import firmware
from .attribution import OP_END, attribute
from .cores import get_core
from .elfimage import load_image
from .errors import DoesNotFitError, FirmwareFault, InputError, LimitReached, McusimError, ModelError
from .machine import DEFAULT_MAX_INSTRUCTIONS, HOST_IO, Machine
from .model import random_inputs, read_model
from .result import Cycles, Memory, OpResult, RunResult
from .units import format_size, parse_size

STACK_PAINT = 0xC5A5_5A5C.to_bytes(4, "little")

# firmware status code -> (exception, hint appended to the firmware's message)
_STATUS_ERRORS = {1: (ModelError, "the model file is corrupt or not a TFLite flatbuffer"),
                  2: (ModelError, "mcusim does not implement this operator"),
                  3: (ModelError, "mcusim does not implement this tensor type for the operator"),
                  4: (ModelError, "convert the model to full-integer or float quantization"),
                  6: (ModelError, "the operator's parameters are out of the supported range"),
                  7: (FirmwareFault, "internal error in the firmware"),
                  8: (McusimError, "host and firmware disagree on the model slot: rebuild the firmware")}


def check_inputs(info, inputs) -> list[np.ndarray]:
    """The user's inputs as a list matching the model's inputs exactly (count, shape, dtype)."""
    if isinstance(inputs, np.ndarray):
        inputs = [inputs]
    inputs = list(inputs)
    if len(inputs) != len(info.inputs):
        raise InputError(f"the model has {len(info.inputs)} input(s), {len(inputs)} given")
    checked = []
    for i, (arr, spec) in enumerate(zip(inputs, info.inputs)):
        arr = np.asarray(arr)
        want = "x".join(map(str, spec.shape)) or "scalar"
        got = "x".join(map(str, arr.shape)) or "scalar"
        if arr.dtype != np.dtype(spec.dtype):
            raise InputError(f"input {i} ({spec.name!r}) must be {np.dtype(spec.dtype).name} {want}, "
                             f"got {arr.dtype.name} {got}")
        if tuple(arr.shape) != tuple(spec.shape):
            raise InputError(f"input {i} ({spec.name!r}) must have shape {want}, got {got}")
        checked.append(np.ascontiguousarray(arr))
    return checked


def run_model(model, core="cortex-m4", inputs=None, *, kernels: str = firmware.DEFAULT_KERNELS, toolchain: str = "zig",
              opt: str = "-O2", runs: int = 1, stack_reserve=firmware.DEFAULT_STACK_RESERVE, seed: int = 0,
              max_instructions: int = DEFAULT_MAX_INSTRUCTIONS, bare: bool = False, progress=None, cores_dir=None,
              flash=None, sram=None, fpu=None, clock=None, guard_model_reads: bool = False,
              profile: bool = False) -> RunResult:
    """Run a .tflite model (path or bytes) on a simulated core.

    inputs: a list of numpy arrays (or one array), dtype and shape as the model's inputs;
    None uses deterministic pseudo-random inputs (seeded by `seed`) and says so in the
    result's inputs_note. Overrides flash/sram/fpu/clock change the core for this run.
    bare=True also runs the bare-kernel harness and fills each op's bare_cycles.
    progress(done, total) is called as operators of the first inference finish.
    guard_model_reads=True makes any firmware read of the flash after the model slot a
    FirmwareFault (a test aid: slower, off by default).
    profile=True fills result.profile: self and inclusive cycles and calls per function
    (ELF symbols) over the whole run, reset to exit (docs/cost-model.md).
    """
    core = get_core(core, cores_dir, flash=flash, sram=sram, fpu=fpu, clock=clock)
    data, info = read_model(model)
    for i, spec in enumerate(info.inputs):   # before any array of that size is made
        if spec.nbytes > core.sram_size:
            raise DoesNotFitError(f"input {i} ({spec.name!r}) alone needs {format_size(spec.nbytes)}, more than the "
                                  f"{format_size(core.sram_size)} SRAM of {core.name}: use --sram or a smaller model")
    note = ""
    if inputs is None:
        inputs = random_inputs(info, seed)
        note = f"inputs: deterministic pseudo-random (seed {seed})"
    arrays = check_inputs(info, inputs)
    if not 1 <= runs <= 1000:
        raise InputError(f"runs must be between 1 and 1000, got {runs}")
    stack_reserve = parse_size(stack_reserve)

    input_bytes = b"".join(a.tobytes() for a in arrays)
    build = firmware.build_firmware(core, kernels=kernels, toolchain=toolchain, opt=opt)
    on_event = None
    if progress is not None:
        def on_event(ev):
            if ev.kind == OP_END:
                progress(ev.index + 1, len(info.ops))
    image, machine, run, block, stack_peak = _execute(core, build, data, input_bytes, runs, stack_reserve,
                                                      max_instructions, on_event, guard_model_reads,
                                                      profile=profile)
    slot_address = image.symbols["__model_slot"]
    bare_cycles = {}
    if bare:
        bench = firmware.build_firmware(core, kernels=kernels, toolchain=toolchain, opt=opt, bare=True)
        bare_run = _execute(core, bench, data, input_bytes, 1, stack_reserve, max_instructions)[2]
        bare_cycles = {i: cost.cycles for i, cost in attribute(bare_run.events).markers.items()}

    outputs = []
    for i, ((address, nbytes), spec) in enumerate(zip(block["outputs"], info.outputs)):
        if spec.dtype is None or nbytes != spec.nbytes:
            shape = "x".join(map(str, spec.shape)) or "scalar"
            raise ModelError(f"output {i} ({spec.name!r}): the model declares {spec.type_name} {shape} "
                             f"({spec.nbytes} bytes) but its operators produce {nbytes} bytes: the model's "
                             f"output shape is stale or corrupt; re-export the model")
        outputs.append(np.frombuffer(machine.read(address, nbytes), dtype=spec.dtype).reshape(spec.shape).copy())

    att = attribute(run.events)
    ops = [OpResult(op.index, op.name, att.ops[op.index].cycles, att.ops[op.index].instructions,
                    att.ops[op.index].energy_uj, op.macs, bare_cycles.get(op.index),
                    firmware.kernel_used(att.variants.get(op.index)))
           for op in info.ops if op.index in att.ops]
    firmware_bytes = slot_address - core.flash_base
    model_bytes = firmware.SLOT_HEADER.size + len(data)
    static = block["arena_base"] - core.sram_base
    memory = Memory(flash_used=firmware_bytes + model_bytes, flash_limit=core.flash_size,
                    firmware_bytes=firmware_bytes, model_bytes=model_bytes,
                    sram_used=static + block["arena_total"] + stack_peak, sram_limit=core.sram_size,
                    static_bytes=static, arena_used=block["arena_total"], arena_persistent=block["arena_persistent"],
                    arena_planned=block["arena_planned"], stack_peak=stack_peak, stack_reserve=stack_reserve,
                    flash_components={**flash_components(image, firmware_bytes), "model": model_bytes})
    cycles = Cycles(total=run.cycles, init=att.init.cycles, invoke=att.invoke.cycles,
                    kernels=att.kernels.cycles, interpreter_overhead=att.overhead.cycles)
    return RunResult(core=core.name, clock_hz=core.clock_hz, toolchain=build.compiler, kernels=kernels,
                     model=info.path or "<bytes>", cycles=cycles,
                     instructions={"total": run.instructions, "invoke": att.invoke.instructions},
                     energy_uj={"total": run.energy_uj, "invoke": att.invoke.energy_uj}, memory=memory, ops=ops,
                     outputs=outputs, inputs_note=note, console=run.output, arch=core.arch, fpu=core.fpu,
                     profile=run.profile)


def _execute(core, build, data, input_bytes, runs, stack_reserve, max_instructions, on_event=None,
             guard_model_reads=False, measuring=False, profile=False):
    """One firmware run with the model in its slot: (image, machine, run, result block,
    stack peak). Firmware errors become typed exceptions. A run that used up the whole
    stack reserve is a stack overflow whatever else went wrong (it may have overwritten
    the arena): it is reported with the high-water mark a second run measures."""
    image = load_image(build.elf)
    slot = firmware.model_slot(data, HOST_IO, len(input_bytes), runs=runs, stack_reserve=stack_reserve)
    slot_address = image.symbols["__model_slot"]
    guard = (slot_address + len(slot), core.flash_base + core.flash_size) if guard_model_reads else None
    machine = Machine(core, image, max_instructions=max_instructions, flash_extra={slot_address: slot},
                      host_io=input_bytes, on_event=on_event, read_guard=guard, profile=profile)
    stack_low = core.sram_end - stack_reserve
    static_end = image.symbols["__boot_stack"]
    if stack_low <= static_end:
        raise DoesNotFitError(f"the {format_size(stack_reserve)} stack reserve and "
                              f"{format_size(static_end - core.sram_base)} of static data do not fit in "
                              f"{core.name}'s {format_size(core.sram_size)} SRAM: use --sram or a smaller stack reserve")
    machine.write(stack_low, STACK_PAINT * (stack_reserve // 4))

    def overflow():
        block = firmware.parse_result_block(machine.read(image.symbols["mcu_result"], firmware.RESULT_BLOCK.size))
        peak = None if measuring else _measure_stack(core, build, data, input_bytes, runs, stack_reserve,
                                                     max_instructions, block)
        reached = (f"reached {format_size(peak)} (its high-water mark, measured with a larger reserve)"
                   if peak else f"used all of it (high-water mark: {format_size(stack_reserve)} or more)")
        need = f" to at least {format_size(-(-peak // 256) * 256)}" if peak else ""
        return FirmwareFault(f"stack overflow: the stack reserve is {format_size(stack_reserve)} and the firmware's "
                             f"stack {reached}, so it may have overwritten the arena: raise stack_reserve (--stack-reserve){need}")

    try:
        run = machine.run()
    except (FirmwareFault, LimitReached):
        # stopped with the stack below its reserve, or with the reserve used up
        if machine.registers()["sp"] < stack_low or _stack_untouched(machine, stack_low, stack_reserve) == 0:
            raise overflow() from None
        raise
    untouched = _stack_untouched(machine, stack_low, stack_reserve)
    if untouched == 0:
        raise overflow()
    block = firmware.parse_result_block(machine.read(image.symbols["mcu_result"], firmware.RESULT_BLOCK.size))
    if run.exit_status != 0:
        _raise_status(run.exit_status, block, core, stack_reserve)
    return image, machine, run, block, stack_reserve - untouched


def _stack_untouched(machine, stack_low, stack_reserve) -> int:
    """Bytes at the bottom of the stack reserve that still hold the paint."""
    painted = machine.read(stack_low, stack_reserve)
    return next((i for i in range(0, stack_reserve, 4) if painted[i:i + 4] != STACK_PAINT), stack_reserve)


def _measure_stack(core, build, data, input_bytes, runs, stack_reserve, max_instructions, block):
    """The stack high-water mark of the same run with all the SRAM the arena leaves
    over as the reserve, or None when that run cannot tell (fails, or overflows too)."""
    base, total = block["arena_base"], block["arena_total"]
    if not core.sram_base <= base < core.sram_end:
        return None
    room = core.sram_end - base - total if 0 < total < core.sram_end - base else (core.sram_end - base) // 2
    bigger = room // 16 * 16
    if bigger <= stack_reserve:
        return None
    try:
        return _execute(core, build, data, input_bytes, runs, bigger, max_instructions, measuring=True)[4]
    except McusimError:
        return None


_COMPONENTS = (("/kernels/runtime/", "runtime"), ("/kernels/ops/", "operator glue"),
               ("/kernels/reference/", "reference kernels"), ("/kernels/optimized/", "optimized kernels"),
               ("/kernels/target/", "startup and libc"))


def flash_components(image, firmware_bytes: int) -> dict:
    """Firmware flash by part: code per source folder (from DWARF), compiler runtime, and
    the rest (constants, initialised data, vector table)."""
    parts = {}
    for unit, size in image.code_by_unit.items():
        part = next((name for folder, name in _COMPONENTS if folder in unit), "compiler runtime")
        parts[part] = parts.get(part, 0) + size
    parts["constants and data"] = firmware_bytes - sum(parts.values())
    return parts


def _raise_status(status, block, core, stack_reserve):
    message = block["message"] or f"firmware exited with status {status}"
    if status == 5:  # MCU_ERR_ARENA
        raise DoesNotFitError(f"{message} ({core.name} with {format_size(core.sram_size)} SRAM, "
                              f"{format_size(stack_reserve)} kept for the stack): use --sram or a smaller model")
    exc, hint = _STATUS_ERRORS.get(status, (FirmwareFault, "the firmware failed"))
    raise exc(f"{message}: {hint}" if hint not in message else message)
