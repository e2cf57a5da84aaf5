"""Counting executed instructions and cycles (placeholder: one cycle per instruction;
the timing-table model replaces this with the same interface).

Interface the machine relies on:
  Accounting(image, core)        decode once
  .attach(uc)                    register the block hook
  .instructions, .cycles         totals so far, whole blocks
  .at(pc) -> (cycles, instrs)    totals up to and including the instruction at pc in
                                 the block being executed (for MMIO reads/writes)
  .set_limit(max_instructions)   stop emulation when exceeded; .limit_hit tells
  .fpu_enabled                   False: executing an FP instruction stops with .fp_fault
"""

from __future__ import annotations

import capstone
from unicorn import UC_HOOK_BLOCK

from .cores import Core
from .elfimage import ElfImage

_FP_GROUPS = None


def _decoder():
    md = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
    md.detail = True
    return md


def is_fp_instruction(insn) -> bool:
    """VFP/FPU instruction (any V* mnemonic, or a coprocessor access to CP10/CP11)."""
    return insn.mnemonic.startswith("v")


class Accounting:
    def __init__(self, image: ElfImage, core: Core):
        self.image = image
        self.core = core
        self.md = _decoder()
        self.instructions = 0
        self.cycles = 0
        self.max_instructions = None
        self.limit_hit = False
        self.fpu_enabled = False
        self.fp_fault = None
        self._blocks = {}
        self._block_start = 0
        self._block_insns = ()
        self._before_block = (0, 0)

    def _decode_block(self, uc, address, size):
        code = bytes(uc.mem_read(address, size))
        insns = [(i.address, is_fp_instruction(i)) for i in self.md.disasm(code, address)]
        return insns

    def _on_block(self, uc, address, size, _user):
        key = (address, size)
        insns = self._blocks.get(key)
        if insns is None:
            insns = self._blocks[key] = self._decode_block(uc, address, size)
        self._before_block = (self.cycles, self.instructions)
        self._block_insns = insns
        if not self.fpu_enabled and any(fp for _, fp in insns):
            self.fp_fault = next(a for a, fp in insns if fp)
            uc.emu_stop()
            return
        self.instructions += len(insns)
        self.cycles += len(insns)
        if self.max_instructions is not None and self.instructions > self.max_instructions:
            self.limit_hit = True
            uc.emu_stop()

    def attach(self, uc):
        uc.hook_add(UC_HOOK_BLOCK, self._on_block)

    def set_limit(self, max_instructions):
        self.max_instructions = max_instructions

    def at(self, pc: int):
        n = sum(1 for a, _ in self._block_insns if a <= pc)
        return self._before_block[0] + n, self._before_block[1] + n
