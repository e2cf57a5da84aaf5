"""Which instruction made an MMIO access, found without a memory hook.

Inside an MMIO callback Unicorn 2.1.4 reports the PC of the translation block's first
instruction, not of the accessing one, unless a memory hook exists; and while any memory
hook exists Unicorn sends every load and store through its slow path, which made whole
runs about 2x slower. QEMU does keep the guest's general-purpose registers current at
every memory access (a load/store may fault, so register values are written back before
it), so the accessing instruction can be found among the block's memory instructions
from the registers at the callback:

1. candidates: the block's loads (for a read) or stores (for a write) at or after the
   instruction matched by the previous MMIO access of the same block execution (accesses
   come in program order; LDM/STM/PUSH/POP make several);
2. a candidate matches when the bytes it would access with the current registers hold
   the accessed bytes; the accessing instruction always matches (its own writeback has
   not happened yet);
3. a store matches only if its source register holds the value being written;
4. of several matches the first is taken: an earlier instruction that matches but did
   not make this access would have to have had its address registers changed since it
   ran, and (for a store) to have stored the same value.

`docs/cost-model.md` ("Reading the counters from firmware") states the rule;
`tests/test_machine.py` checks it against the memory-hook PC on every shared model.
"""

from __future__ import annotations

import dataclasses
import warnings

import capstone.arm_const as A

from .costmodel import UC_GPR, thumb_decoder, gpr_number

_LIST_LOADS = {"ldm", "ldmia", "ldmfd", "ldmdb", "ldmea", "pop", "vldm", "vldmia", "vldmdb", "vpop"}
_LIST_STORES = {"stm", "stmia", "stmea", "stmdb", "stmfd", "push", "vstm", "vstmia", "vstmdb", "vpush"}
_DESCENDING = {"ldmdb", "ldmea", "stmdb", "stmfd", "push", "vldmdb", "vstmdb", "vpush"}
_NO_ACCESS = {"pld", "pli", "pldw"}


@dataclasses.dataclass(frozen=True)
class Access:
    """The memory access of one instruction, as a function of its registers."""
    pc: int
    write: bool
    base: int                  # Unicorn register id
    index: int | None          # Unicorn register id of an index register
    shift: int                 # LSL of the index
    disp: int                  # byte offset from the base (0 for post-indexed forms)
    nbytes: int                # bytes accessed
    values: tuple = ()         # stores: Unicorn ids of the registers stored, word by word (() = unknown)


def _width(m: str, insn) -> int:
    if m.startswith(("vldr", "vstr")):
        return 8 if any(op.type == A.ARM_OP_REG and insn.reg_name(op.reg).startswith("d")
                        for op in insn.operands) else 4
    if m in ("ldrd", "strd"):
        return 8
    if m == "tbh" or m.startswith(("ldrh", "strh", "ldrsh")):
        return 2
    if m == "tbb" or m.startswith(("ldrb", "strb", "ldrsb")):
        return 1
    return 4


def _access(insn) -> Access | None:
    m = insn.mnemonic.split(".")[0]
    if m in _NO_ACCESS:
        return None
    regs = [op for op in insn.operands if op.type == A.ARM_OP_REG]
    if m in _LIST_LOADS or m in _LIST_STORES:
        if m in ("push", "pop", "vpush", "vpop"):
            base = 13
        else:
            base = gpr_number(insn, regs[0].reg)
            regs = regs[1:]
        n = 4 * sum(2 if insn.reg_name(op.reg).startswith("d") else 1 for op in regs)
        return Access(insn.address, m in _LIST_STORES, UC_GPR[base], None, 0,
                      -n if m in _DESCENDING else 0, n, _gprs(insn, regs) if m in _LIST_STORES else ())
    mem = [op for op in insn.operands if op.type == A.ARM_OP_MEM]
    if not mem or not m.startswith(("ldr", "str", "vldr", "vstr", "tb", "lda", "stl")):
        return None
    op = mem[0]
    base = gpr_number(insn, op.mem.base)
    if base is None or base == 15:      # PC-relative literals are in flash, never MMIO
        return None
    index = gpr_number(insn, op.mem.index) if op.mem.index else None
    store = m.startswith(("str", "vstr", "stl"))
    return Access(insn.address, store, UC_GPR[base],
                  None if index is None else UC_GPR[index], op.shift.value if index is not None else 0,
                  0 if insn.post_index else op.mem.disp, _width(m, insn),
                  _gprs(insn, regs[1:] if m.startswith("strex") else regs) if store else ())


def _gprs(insn, ops) -> tuple:
    """Unicorn ids of the general-purpose registers among ops (() if any is not one)."""
    numbers = [gpr_number(insn, op.reg) for op in ops]
    return () if None in numbers else tuple(UC_GPR[r] for r in numbers)


class MmioPc:
    """Locates the instruction of each MMIO access in the block being executed."""

    def __init__(self, uc):
        self.uc = uc
        self.md = thumb_decoder()
        self._blocks: dict = {}            # (address, code bytes) -> [Access]
        self._last = (None, None, -1, 0)   # (block address, block start cycles, access index, address)
        self._unmatched: set = set()       # blocks already warned about

    def _block(self, address, size):
        code = bytes(self.uc.mem_read(address, size))
        found = self._blocks.get((address, code))
        if found is None:
            found = [a for a in map(_access, self.md.disasm(code, address)) if a is not None]
            self._blocks[(address, code)] = found
        return found

    def _matches(self, a: Access, regs: dict, address: int, size: int, value) -> bool:
        def reg(r):
            if r not in regs:
                regs[r] = self.uc.reg_read(r)
            return regs[r]
        start = (reg(a.base) + a.disp + (0 if a.index is None else reg(a.index) << a.shift)) & 0xFFFF_FFFF
        if not (start <= address and address + size <= start + a.nbytes):
            return False
        if value is None or not a.values:
            return True
        word, byte = divmod(address - start, 4)
        if word >= len(a.values):
            return True
        mask = (1 << (8 * size)) - 1
        return (reg(a.values[word]) >> (8 * byte)) & mask == value & mask

    def locate(self, block_address, block_size, block_cycles, address, size, value=None) -> int:
        """The PC of the instruction accessing [address, address + size) now (a write of
        value, or a read when value is None), in the block [block_address, + block_size)
        that started at cycle count block_cycles (which tells one execution of a block
        from the next); the block's address when no instruction matches."""
        write = value is not None
        accesses = self._block(block_address, block_size)
        last_block, last_cycles, last, last_address = self._last
        if (last_block, last_cycles) != (block_address, block_cycles):
            last = -1
        # the last matched instruction again only for its next word (LDM, STM, LDRD ...)
        first = last if last >= 0 and address > last_address else last + 1
        regs: dict = {}
        chosen = next((k for k in range(first, len(accesses))
                       if accesses[k].write == write and self._matches(accesses[k], regs, address, size, value)),
                      None)
        if chosen is None:
            if block_address not in self._unmatched:
                self._unmatched.add(block_address)
                warnings.warn(f"no instruction of the block at 0x{block_address:08x} matches the MMIO access to "
                              f"0x{address:08x}: counters read there are taken at the block's start (up to one "
                              f"block early); Machine(mmio_pc='hooks') is exact", RuntimeWarning, stacklevel=3)
            return block_address
        self._last = (block_address, block_cycles, chosen, address)
        return accesses[chosen].pc
