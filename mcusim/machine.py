"""The simulated microcontroller: a Cortex-M core on Unicorn with flash and SRAM of the
configured sizes, the System Control Space registers that startup code touches (CPACR,
DEMCR, VTOR, CPUID, SysTick), the DWT cycle counter, Arm semihosting, the trace port,
and an instruction limit.

Memory map: flash at core.flash_base (read/execute: a store faults), SRAM at
core.sram_base, the PPB at 0xE000_0000, and one page at 0x4FFF_0000 holding the trace
port (a write of (kind << 24) | index is one event) and read-only board info registers
(flash base/size, SRAM base/size, clock) that our own firmware reads its stack top from.
A read-only host I/O region at 0x6000_0000 holds input data the host provides (it stands
for a sensor, so it counts against neither flash nor SRAM).
"""

from __future__ import annotations

import dataclasses
import functools

import capstone
from unicorn import (UC_ARCH_ARM, UC_ERR_EXCEPTION, UC_ERR_FETCH_PROT, UC_ERR_FETCH_UNMAPPED,
                     UC_ERR_INSN_INVALID, UC_ERR_READ_PROT, UC_ERR_READ_UNALIGNED,
                     UC_ERR_READ_UNMAPPED, UC_ERR_WRITE_PROT, UC_ERR_WRITE_UNALIGNED,
                     UC_ERR_WRITE_UNMAPPED, UC_HOOK_INTR, UC_HOOK_MEM_INVALID, UC_HOOK_MEM_READ,
                     UC_MEM_FETCH_PROT,
                     UC_MEM_FETCH_UNMAPPED, UC_MEM_READ_PROT, UC_MEM_READ_UNMAPPED, UC_MEM_WRITE_PROT,
                     UC_MEM_WRITE_UNMAPPED, UC_MODE_THUMB,
                     UC_PROT_ALL, UC_PROT_EXEC, UC_PROT_READ, Uc, UcError, arm_const)

from .costmodel import Accounting, is_fp_instruction
from .profile import profile_of
from .cores import Core
from .elfimage import ElfImage, load_image
from .errors import DoesNotFitError, FirmwareFault, LimitReached, UsageError
from .mmio_pc import MmioPc
from .units import format_size

TRACE_PORT = 0x4FFF_0000
BOARD_INFO = TRACE_PORT + 0x100
PPB_SCS = 0xE000_E000
PPB_DWT = 0xE000_1000
HOST_IO = 0x6000_0000
PAGE = 0x1000
DEFAULT_MAX_INSTRUCTIONS = 4_000_000_000

# CPUID (SCB base + 0x00) per Unicorn model, from each core's Technical Reference Manual.
_CPUID = {"CORTEX_M0": 0x410CC601, "CORTEX_M3": 0x412FC231, "CORTEX_M4": 0x410FC241,
          "CORTEX_M7": 0x411FC272, "CORTEX_M33": 0x410FD214}

_SEMIHOST_APPLICATION_EXIT = 0x20026
_REG_NAMES = [f"r{i}" for i in range(13)] + ["sp", "lr", "pc", "xpsr"]
_REGS = [getattr(arm_const, f"UC_ARM_REG_{n.upper()}") for n in _REG_NAMES]
_MEM_ERRORS = {UC_ERR_READ_UNMAPPED: "read from unmapped address", UC_ERR_WRITE_UNMAPPED:
               "write to unmapped address", UC_ERR_FETCH_UNMAPPED: "instruction fetch from unmapped address",
               UC_ERR_WRITE_PROT: "write to read-only memory (flash)", UC_ERR_READ_PROT: "read from protected memory",
               UC_ERR_FETCH_PROT: "instruction fetch from non-executable memory",
               UC_ERR_READ_UNALIGNED: "unaligned read", UC_ERR_WRITE_UNALIGNED: "unaligned write"}
_ACCESS_NAMES = {UC_MEM_READ_UNMAPPED: "read from unmapped address", UC_MEM_WRITE_UNMAPPED:
                 "write to unmapped address", UC_MEM_FETCH_UNMAPPED: "instruction fetch from unmapped address",
                 UC_MEM_WRITE_PROT: "write to read-only flash at", UC_MEM_READ_PROT: "read from protected address",
                 UC_MEM_FETCH_PROT: "instruction fetch from non-executable address"}


@dataclasses.dataclass
class TraceEvent:
    kind: int
    index: int
    cycles: int
    instructions: int
    energy_uj: float | None = None   # energy up to this event (None: the core has no [energy] figures)


@dataclasses.dataclass
class RunResult:
    exit_status: int
    output: str
    instructions: int
    cycles: int
    events: list
    energy_uj: float | None = None   # total energy (None: the core has no [energy] figures)
    mix: dict = dataclasses.field(default_factory=dict)   # {class: {"instructions", "cycles"}}
    profile: list | None = None      # [mcusim.profile.FunctionProfile] when run with profile=True


def _page_up(n: int) -> int:
    return (n + PAGE - 1) & ~(PAGE - 1)


class Machine:
    """One core, one image. Call run() once; read memory afterwards."""

    def __init__(self, core: Core, image: ElfImage, *, max_instructions: int | None = DEFAULT_MAX_INSTRUCTIONS,
                 echo=None, flash_extra: dict | None = None, host_io: bytes = b"",
                 max_cycles: int | None = None, accounting: str | None = None, timing_options: dict | None = None,
                 on_event=None, read_guard: tuple | None = None, profile: bool = False,
                 mmio_pc: str = "registers"):
        """mmio_pc: how MMIO callbacks (CYCCNT, SysTick, trace port) learn which instruction
        is accessing: "registers" (default: mcusim.mmio_pc, no memory hook) or "hooks" (a
        no-op memory hook over 0x4000_0000-0xFFFF_FFFF makes Unicorn report the exact PC;
        about 2x slower; the reference the tests compare "registers" with).
        read_guard=(start, end): treat any data read in [start, end) as a fault
        (FirmwareFault "read from guarded memory"). Off by default: the hook slows
        every load. run_model(guard_model_reads=True) guards the flash after the model
        slot, so a test can catch the firmware reading past the model's end."""
        self.core = core
        self.image = image
        self.echo = echo                      # a stream that console output is copied to, or None
        self.on_event = on_event              # called with each TraceEvent as it happens (progress)
        self.flash_extra = flash_extra or {}  # address -> bytes written into flash before reset
        self.check_fits()
        self.check_fpu_code()
        uc = self.uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB)
        uc.ctl_set_cpu_model(getattr(arm_const, f"UC_CPU_ARM_{core.unicorn_cpu}"))
        uc.mem_map(core.flash_base, _page_up(core.flash_size), UC_PROT_READ | UC_PROT_EXEC)
        uc.mem_map(core.sram_base, _page_up(core.sram_size), UC_PROT_ALL)
        uc.mmio_map(TRACE_PORT, PAGE, self._board_read, None, self._trace_write, None)
        uc.mmio_map(PPB_SCS, PAGE, self._scs_read, None, self._scs_write, None)
        uc.mmio_map(PPB_DWT, PAGE, self._dwt_read, None, self._dwt_write, None)
        for seg in image.segments:
            if seg.data:
                uc.mem_write(seg.paddr, seg.data)
        for address, data in self.flash_extra.items():
            uc.mem_write(address, bytes(data))
        if host_io:
            uc.mem_map(HOST_IO, _page_up(len(host_io)), UC_PROT_READ)
            uc.mem_write(HOST_IO, bytes(host_io))
        uc.hook_add(UC_HOOK_INTR, self._on_interrupt)
        uc.hook_add(UC_HOOK_MEM_INVALID, self._on_invalid_memory)
        self._guard_hit = None
        if read_guard is not None and read_guard[1] > read_guard[0]:
            uc.hook_add(UC_HOOK_MEM_READ, self._on_guarded_read, None, read_guard[0], read_guard[1] - 1)
        self.accounting = Accounting(image, core, engine=accounting, options=timing_options, profile=profile)
        self.accounting.set_limit(max_instructions, max_cycles)
        self.accounting.fpu_enabled = False
        if mmio_pc not in ("registers", "hooks"):
            raise UsageError(f"mmio_pc must be 'registers' or 'hooks', got {mmio_pc!r}")
        self._mmio = MmioPc(uc) if mmio_pc == "registers" else None
        self._access = (0, 0, None)           # (address, size, value written or None) of the MMIO access
        self.accounting.attach(uc, precise_pc=None if self._mmio else (0x4000_0000, 0xFFFF_FFFF))
        self.output = []
        self.events: list[TraceEvent] = []
        self.exit_status = None
        self._bad_access = None
        self._fault = None
        self._cpacr = 0
        self._demcr = 0
        self._vtor = core.flash_base
        self._dwt_ctrl = 0
        self._cyccnt_base = 0       # CYCCNT = cycles - _cyccnt_base while enabled
        self._cyccnt_frozen = 0
        self._systick = {"ctrl": 0, "load": 0, "start": 0}

    # ---- checks before running ----

    def memory_needs(self) -> tuple[int, int]:
        """(flash bytes, SRAM bytes) the image occupies, from its load and run addresses."""
        flash_end, sram_end = self.core.flash_base, self.core.sram_base
        for seg in self.image.segments:
            for addr, size in ((seg.paddr, len(seg.data)), (seg.vaddr, seg.memsz)):
                if size and self.core.flash_base <= addr < self.core.flash_base + (64 << 20):
                    flash_end = max(flash_end, addr + size)
                elif size and self.core.sram_base <= addr < self.core.sram_base + (64 << 20):
                    sram_end = max(sram_end, addr + size)
                elif size and not (addr == seg.vaddr and seg.paddr != seg.vaddr and not seg.data):
                    raise UsageError(f"{self.image.path.name}: a segment at 0x{addr:08x} lies outside flash "
                                     f"(0x{self.core.flash_base:08x}) and SRAM (0x{self.core.sram_base:08x}) "
                                     f"of {self.core.name}: link it for this memory map")
        for address, data in self.flash_extra.items():
            flash_end = max(flash_end, address + len(data))
        return flash_end - self.core.flash_base, sram_end - self.core.sram_base

    def check_fits(self):
        flash, sram = self.memory_needs()
        for need, have, what, flag in ((flash, self.core.flash_size, "flash", "--flash"),
                                       (sram, self.core.sram_size, "SRAM", "--sram")):
            if need > have:
                raise DoesNotFitError(f"needs {format_size(need)} {what}, {self.core.name} has "
                                      f"{format_size(have)}: use {flag} or a smaller model/image")

    def check_fpu_code(self):
        """Refuse an image with FPU instructions on a core configured without an FPU."""
        found = None if self.core.has_fpu else _first_fp_instruction(self.image)
        if found:
            mnemonic, address, name = found
            raise UsageError(f"{self.image.path.name} uses FPU instructions ({mnemonic} at 0x{address:08x} in "
                             f"{name}) but {self.core.name} is configured without an FPU: rebuild soft-float "
                             f"or choose a core with an FPU")

    # ---- running ----

    def run(self) -> RunResult:
        uc = self.uc
        vectors = self._vtor
        sp = int.from_bytes(uc.mem_read(vectors, 4), "little")
        reset = int.from_bytes(uc.mem_read(vectors + 4, 4), "little")
        uc.reg_write(arm_const.UC_ARM_REG_SP, sp)
        error = None
        acc = self.accounting
        start = reset | 1
        while start is not None:
            try:
                uc.emu_start(start, 0xFFFF_FFFF)
            except UcError as exc:
                error = exc
            resume = acc.install_pending_hooks()     # stopped before a block to hook?
            start = None if resume is None or error is not None else resume | 1
        acc.resolve_deferred()
        if self.exit_status is not None:
            return RunResult(self.exit_status, "".join(self.output), acc.instructions, acc.cycles, self.events,
                             acc.energy_uj, acc.mix(), profile_of(acc) if acc.profile else None)
        if acc.limit_hit:
            spent = (f"{acc.cycles:,} cycles (the cycle limit)" if acc.max_cycles and acc.cycles > acc.max_cycles
                     else f"{acc.instructions:,} instructions (the limit)")
            raise LimitReached(f"stopped after {spent} at "
                               f"{self.image.describe(self._pc())}: runaway firmware, or raise --max-instructions")
        if acc.fp_fault is not None:
            self._raise_fault(f"FPU instruction with the FPU disabled (UsageFault NOCP): "
                              f"{'CPACR does not enable CP10/CP11' if self.core.has_fpu else self.core.name + ' has no FPU'}",
                              acc.fp_fault)
        if self._guard_hit is not None:
            address, size, pc = self._guard_hit
            self._raise_fault(f"read from guarded memory ({size} bytes at 0x{address:08x}, past the end of "
                              f"the model slot)", pc)
        if self._fault:
            self._raise_fault(*self._fault)
        if error is not None:
            if self._bad_access:
                kind, address = self._bad_access
                self._raise_fault(f"{kind} 0x{address:08x}")
            reason = _MEM_ERRORS.get(error.errno) or {
                UC_ERR_INSN_INVALID: f"undefined instruction for {self.core.name} (UsageFault UNDEFINSTR)",
                UC_ERR_EXCEPTION: "unhandled CPU exception (UsageFault/HardFault)"}.get(error.errno, str(error))
            self._raise_fault(reason)
        self._raise_fault("the firmware stopped without exiting through semihosting")

    def _pc(self):
        return self.uc.reg_read(arm_const.UC_ARM_REG_PC)

    def registers(self) -> dict:
        return {name: self.uc.reg_read(reg) for name, reg in zip(_REG_NAMES, _REGS)}

    def _raise_fault(self, reason, pc=None):
        regs = self.registers()
        pc = regs["pc"] if pc is None else pc
        reg_text = " ".join(f"{k}=0x{v:08x}" for k, v in regs.items() if k != "pc")
        raise FirmwareFault(f"firmware fault on {self.core.name}: {reason}, at pc {self.image.describe(pc)}; "
                            f"registers {reg_text}")

    def read(self, address: int, size: int) -> bytes:
        return bytes(self.uc.mem_read(address, size))

    def read_u32(self, address: int) -> int:
        return int.from_bytes(self.read(address, 4), "little")

    def write(self, address: int, data: bytes):
        self.uc.mem_write(address, bytes(data))

    # ---- hooks ----

    def _on_invalid_memory(self, uc, access, address, size, value, _user):
        self._bad_access = (f"{_ACCESS_NAMES.get(access, 'bad access to')} ({size} bytes)", address)
        return False

    def _on_guarded_read(self, uc, access, address, size, value, _user):
        if self._guard_hit is None:
            self._guard_hit = (address, size, self._pc())
        uc.emu_stop()

    def _on_interrupt(self, uc, intno, _user):
        pc = self._pc()
        if intno == 7:  # BKPT: semihosting if it is bkpt 0xab
            insn = self.read(pc, 2)
            if insn == b"\xab\xbe":
                try:
                    self._semihost()
                except UcError:
                    self._fault = ("semihosting call with a pointer outside mapped memory", pc)
                    uc.emu_stop()
                    return
                self.accounting.resume_after(pc)
                uc.reg_write(arm_const.UC_ARM_REG_PC, (pc + 2) | 1)
                return
            self._fault = (f"breakpoint (bkpt 0x{insn[0]:02x}) with no debugger attached", pc)
        elif intno == 2:
            self._fault = ("SVC with no handler (supervisor calls are not modelled)", pc)
        else:
            self._fault = (f"CPU exception {intno} (UsageFault/HardFault)", pc)
        uc.emu_stop()

    def _semihost(self):
        uc = self.uc
        op = uc.reg_read(arm_const.UC_ARM_REG_R0)
        arg = uc.reg_read(arm_const.UC_ARM_REG_R1)
        words = lambda n: [self.read_u32(arg + 4 * i) for i in range(n)]  # noqa: E731
        result = 0
        if op == 0x01:                     # SYS_OPEN: only the console (":tt")
            name_ptr, mode, length = words(3)
            name = self.read(name_ptr, min(length, 64))
            result = (0 if mode < 4 else 1 if mode < 8 else 2) if name == b":tt" else 0xFFFF_FFFF
        elif op == 0x03:                   # SYS_WRITEC
            self._write(self.read(arg, 1))
        elif op == 0x04:                   # SYS_WRITE0
            self._write(self._read_cstring(arg))
        elif op == 0x05:                   # SYS_WRITE: handle, buffer, length -> bytes not written
            handle, buf, length = words(3)
            if handle in (1, 2):
                self._write(self.read(buf, length))
            else:
                result = length
        elif op == 0x06:                   # SYS_READ: nothing to read (EOF)
            result = words(3)[2]
        elif op == 0x09:                   # SYS_ISTTY
            result = 1
        elif op in (0x02, 0x0A, 0x0C, 0x11, 0x13):  # CLOSE, SEEK, FLEN, TIME, ERRNO
            result = 0
        elif op == 0x10:                   # SYS_CLOCK: centiseconds at the core clock
            result = self.accounting.cycles * 100 // self.core.clock_hz
        elif op == 0x15:                   # SYS_GET_CMDLINE: empty
            buf, _ = words(2)
            uc.mem_write(buf, b"\0")
            uc.mem_write(arg + 4, b"\0\0\0\0")
        elif op == 0x16:                   # SYS_HEAPINFO: unknown (zeros: use linker defaults)
            uc.mem_write(self.read_u32(arg), bytes(16))
        elif op == 0x18:                   # SYS_EXIT: r1 is the reason code (AArch32)
            self._exit(0 if arg == _SEMIHOST_APPLICATION_EXIT else 1)
        elif op == 0x20:                   # SYS_EXIT_EXTENDED: [reason, status]
            reason, status = words(2)
            self._exit(status if reason == _SEMIHOST_APPLICATION_EXIT else 1)
        elif op == 0x30:                   # SYS_ELAPSED: 64-bit tick count (cycles)
            uc.mem_write(arg, self.accounting.cycles.to_bytes(8, "little"))
        elif op == 0x31:                   # SYS_TICKFREQ
            result = self.core.clock_hz
        else:
            result = 0xFFFF_FFFF
        uc.reg_write(arm_const.UC_ARM_REG_R0, result)

    def _read_cstring(self, address, limit=1 << 16):
        out = bytearray()
        while len(out) < limit:
            at = address + len(out)
            chunk = self.read(at, 64 - at % 64)  # never cross into an unmapped page
            end = chunk.find(b"\0")
            if end >= 0:
                return bytes(out + chunk[:end])
            out += chunk
        return bytes(out)

    def _write(self, data: bytes):
        text = data.decode("utf-8", "replace")
        self.output.append(text)
        if self.echo is not None:
            self.echo.write(text)
            self.echo.flush()

    def _exit(self, status):
        self.exit_status = status
        self.uc.emu_stop()

    def _access_pc(self):
        """The PC of the instruction making the MMIO access in progress (self._access)."""
        if self._mmio is None:
            return self._pc()
        return self._mmio.locate(*self.accounting.block(), *self._access)

    def _now(self):
        """(cycles, instructions) up to and including the instruction accessing MMIO now."""
        return self.accounting.at(self._access_pc())

    def _trace_write(self, uc, offset, size, value, _user):
        if offset == 0:
            self._access = (TRACE_PORT, size, value)
            self.events.append(TraceEvent(value >> 24, value & 0xFFFFFF,
                                          *self.accounting.counters_at(self._access_pc())))
            if self.on_event is not None:
                self.on_event(self.events[-1])

    def _board_read(self, uc, offset, size, _user):
        core = self.core
        info = {0x100: core.flash_base, 0x104: core.flash_size, 0x108: core.sram_base,
                0x10C: core.sram_end, 0x110: core.clock_hz}
        return info.get(offset, 0)

    def _scs_read(self, uc, offset, size, _user):
        address = PPB_SCS + offset
        self._access = (address, size, None)
        if address == 0xE000ED00:
            return _CPUID.get(self.core.unicorn_cpu, 0)
        if address == 0xE000ED08:
            return self._vtor
        if address == 0xE000ED88:
            return self._cpacr
        if address == 0xE000EDFC:
            return self._demcr
        if address == 0xE000E010:
            return self._systick["ctrl"]
        if address == 0xE000E014:
            return self._systick["load"]
        if address == 0xE000E018:     # SysTick VAL counts down from LOAD at the core clock
            st = self._systick
            if not st["ctrl"] & 1:
                return 0
            return st["load"] - (self._now()[0] - st["start"]) % (st["load"] + 1)
        return 0

    def _scs_write(self, uc, offset, size, value, _user):
        address = PPB_SCS + offset
        self._access = (address, size, value)
        if address == 0xE000ED88:
            # CP10/CP11 access bits exist only with an FPU (RAZ/WI otherwise).
            self._cpacr = value & (0xF << 20) if self.core.has_fpu else 0
            self.accounting.fpu_enabled = self.core.has_fpu and (self._cpacr >> 20) & 0xF == 0xF
        elif address == 0xE000ED08:
            self._vtor = value & ~0x7F
        elif address == 0xE000EDFC:
            self._demcr = value
        elif address == 0xE000E010:
            if value & 1 and not self._systick["ctrl"] & 1:
                self._systick["start"] = self._now()[0]
            self._systick["ctrl"] = value & 0x7
        elif address == 0xE000E014:
            self._systick["load"] = value & 0xFFFFFF
        elif address == 0xE000E018:   # any write clears the counter
            self._systick["start"] = self._now()[0]

    def _cyccnt(self):
        if self._dwt_ctrl & 1 and self._demcr & (1 << 24):
            return (self._now()[0] - self._cyccnt_base) & 0xFFFF_FFFF
        return self._cyccnt_frozen

    def _dwt_read(self, uc, offset, size, _user):
        self._access = (PPB_DWT + offset, size, None)
        if offset == 0x000:
            return self._dwt_ctrl | (4 << 28)   # NUMCOMP = 4
        if offset == 0x004:
            return self._cyccnt()
        return 0

    def _dwt_write(self, uc, offset, size, value, _user):
        self._access = (PPB_DWT + offset, size, value)
        if offset == 0x000:
            current = self._cyccnt()
            self._dwt_ctrl = value & 0x0FFF_FFFF
            self._cyccnt_frozen = current
            self._cyccnt_base = self._now()[0] - current
        elif offset == 0x004:
            self._cyccnt_frozen = value
            self._cyccnt_base = self._now()[0] - value


@functools.lru_cache(maxsize=16)
def _first_fp_instruction(image: ElfImage):
    """(mnemonic, address, function) of the first FPU instruction in the image's code, or
    None. Literal pools (marked by $d mapping symbols) are skipped. Cached per image."""
    md = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
    for start, size, name in image.functions:
        for lo, hi in image.code_spans(start, start + size):
            for insn in md.disasm(_load_bytes(image, lo, hi - lo), lo):
                if is_fp_instruction(insn):
                    return insn.mnemonic, insn.address, name
    return None


def _load_bytes(image, address, size):
    for seg in image.segments:
        if seg.paddr <= address and address + size <= seg.paddr + len(seg.data):
            off = address - seg.paddr
            return seg.data[off:off + size]
    return b""


def run_elf(path, core: Core, *, max_instructions=DEFAULT_MAX_INSTRUCTIONS, echo=None,
            profile: bool = False) -> RunResult:
    """Run a bare-metal ELF to its semihosting exit; raise FirmwareFault/LimitReached.
    profile=True fills RunResult.profile (per-function cycles from the ELF's symbols)."""
    machine = Machine(core, load_image(path), max_instructions=max_instructions, echo=echo, profile=profile)
    return machine.run()
