"""Cycles, instructions and energy of every executed instruction, from the core's
timing table (cores/<core>.toml [timing]), its memory system ([memory]) and its energy
figures ([energy]). The model, its sources and its limits: docs/cost-model.md.

How it counts: the image's code is decoded once with capstone (a linear sweep over the
$t spans that the ELF's mapping symbols mark) into per-halfword arrays of static cost,
and a translation block [s, e) costs the prefix-sum difference P[e] - P[s] — so any
block boundaries Unicorn chooses are handled exactly, including blocks that begin in
the middle of an IT block. Dynamic terms are added on top: taken conditional branches
(charged when the next block does not start at the fall-through address), sequential
pairing rules undone when a block is entered by a jump, IT-block instructions that
execute (a code hook on those few addresses; condition-failed ones cost 1 cycle),
UDIV/SDIV cycles from their operands (a code hook on the divide instructions), and
flash wait states on data reads (a memory hook on the flash range, boards only).

Two interchangeable engines do the per-block work: a C block hook (mcusim/native/,
built with the pinned Zig compiler at first use; the default) and a pure-Python one
(debug: Accounting(..., engine="python") or MCUSIM_ACCOUNTING=python). They share the
arrays and the state layout and give identical counts.

Interface the machine relies on:
  Accounting(image, core, engine=None, options=None, profile=False)  decode once
  .attach(uc, precise_pc=None)   register the hooks (precise_pc: a range for a no-op
                                 memory hook that makes Unicorn report exact PCs in MMIO
                                 callbacks, Machine(mmio_pc="hooks"); see docs)
  .install_pending_hooks()       after emu_start returns: hook the block the run stopped
                                 before and return its address to resume at (or None)
  .resolve_deferred()            after the run: charge the last block's conditionals
  .instructions, .cycles         totals so far (whole blocks)
  .energy_uj                     energy so far (None without an [energy] section)
  .block()                       (address, size, start cycles) of the current block
  .at(pc) -> (cycles, instrs)    totals up to and including the instruction at pc in
                                 the block being executed (for MMIO reads/writes)
  .counters_at(pc)               the same plus energy in µJ (None without figures)
  .resume_after(pc)              a semihosting BKPT at pc returns to pc + 2: uncharge
                                 the rest of the block (Unicorn starts a new one there)
  .set_limit(max_instructions, max_cycles=None)  stop when exceeded; .limit_hit tells
  .fpu_enabled                   False: executing an FP instruction stops with .fp_fault
  .mix() -> {class: {"instructions", "cycles"}}   instruction mix by class
  .profile_data()                per-function counters (Accounting(..., profile=True));
                                 mcusim.profile.profile_of turns them into rows
"""

from __future__ import annotations

import copy
import ctypes
import dataclasses
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import capstone
import numpy as np
from capstone import arm_const as A
from unicorn import UC_HOOK_BLOCK, UC_HOOK_CODE, UC_HOOK_MEM_READ, UC_HOOK_MEM_WRITE, arm_const

from .cores import Core
from .elfimage import ElfImage
from .errors import ToolchainError, UsageError

NATIVE_SOURCE = Path(__file__).resolve().parent / "native" / "costhook.c"
ENGINES = ("native", "python")

# Energy / instruction-mix classes (the C hook knows 2 = branch).
CLASSES = ("alu", "mul", "branch", "load", "store", "flash_load", "fpu", "div", "other")
_CLS = {name: i for i, name in enumerate(CLASSES)}
NCLASS = 10
KIND_EXTRA, KIND_UDIV, KIND_SDIV, KIND_DEFER = 1, 2, 3, 4
EXEC_HOOK_KINDS = (KIND_EXTRA, KIND_UDIV, KIND_SDIV)   # charged by an exec hook when they run
# KIND_DEFER: a KIND_EXTRA instruction whose condition can be evaluated after its block
# from the flags then (nothing after it up to the next branch writes them), so it needs no
# exec hook: see "Conditional instructions" in docs/cost-model.md.
FLOW_CALL, FLOW_RET, FLOW_CCALL = 1, 2, 3   # how an instruction leaves (profile: see costhook.c)
NO_RET = 0xFFFF_FFFF_FFFF_FFFF
RET_SEARCH = 16
STACK_FRAMES = 4096                         # shadow call stack depth (profile)
AJ_PER_PJ = 1_000_000   # energies are kept as integer attojoules

# ---------------------------------------------------------------- instruction classes

# mnemonic (condition code and .w/.n/datatype suffixes removed) -> timing class
_TIMING_CLASS = {}
for _names, _cls in (
    ("mov mvn add adc sub sbc rsb and orr orn eor bic cmp cmn tst teq lsl lsr asr ror rrx adr addw subw "
     "movw movt neg cpy bfc bfi sbfx ubfx clz rbit rev rev16 revsh sxtb sxth uxtb uxth sxtab sxtah uxtab "
     "uxtah sxtb16 uxtb16 sxtab16 uxtab16 ssat usat ssat16 usat16 qadd qsub qdadd qdsub qadd8 qadd16 qsub8 "
     "qsub16 qasx qsax sadd8 sadd16 ssub8 ssub16 sasx ssax uadd8 uadd16 usub8 usub16 uasx usax uqadd8 "
     "uqadd16 uqsub8 uqsub16 uqasx uqsax shadd8 shadd16 shsub8 shsub16 shasx shsax uhadd8 uhadd16 uhsub8 "
     "uhsub16 uhasx uhsax sel pkhbt pkhtb", "alu"),
    ("mul", "mul"), ("mla mls", "mla"), ("smull umull", "mull"), ("smlal umlal umaal", "mlal"),
    ("smlabb smlabt smlatb smlatt smlad smladx smlsd smlsdx smlalbb smlalbt smlaltb smlaltt smlald smlaldx "
     "smlsld smlsldx smmul smmulr smmla smmlar smmls smmlsr smuad smuadx smusd smusdx smulbb smulbt smultb "
     "smultt smulwb smulwt smlawb smlawt usad8 usada8", "dsp_mul"),
    ("sdiv udiv", "div"),
    ("ldr ldrb ldrh ldrsb ldrsh ldrt ldrbt ldrht ldrsbt ldrsht ldrex ldrexb ldrexh lda ldab ldah ldaex "
     "ldaexb ldaexh", "load"),
    ("ldrd", "load_double"), ("ldm ldmia ldmdb ldmfd ldmea", "ldm"), ("pop", "pop"),
    ("str strb strh strt strbt strht strex strexb strexh stl stlb stlh stlex stlexb stlexh", "store"),
    ("strd", "store_double"), ("stm stmia stmdb stmea stmfd", "stm"), ("push", "push"),
    ("b bl bx blx cbz cbnz bxns blxns", "branch"), ("tbb tbh", "table_branch"), ("it", "it"),
    ("nop yield wfe wfi sev", "hint"), ("dmb dsb", "barrier"), ("isb", "isb"),
    ("mrs msr cpsie cpsid", "system"), ("bkpt svc udf clrex csdb sg tt ttt tta ttat pld pldw pli",
                                        "other"),
    ("vadd vsub vabs vneg vcmp vcmpe vcvt vcvtr vcvta vcvtn vcvtp vcvtm vcvtb vcvtt vmov vmrs vmsr vmul "
     "vnmul vseleq vselge vselgt vselvs vmaxnm vminnm vrinta vrintn vrintp vrintm vrintr vrintx vrintz",
     "fp_alu"),
    ("vmla vmls vnmla vnmls vfma vfms vfnma vfnms", "fp_mac"), ("vdiv", "fp_div"), ("vsqrt", "fp_sqrt"),
    ("vldr", "fp_load"), ("vstr", "fp_store"), ("vldm vldmia vldmdb vpop", "fp_ldm"),
    ("vstm vstmia vstmdb vpush", "fp_stm"),
):
    for _n in _names.split():
        _TIMING_CLASS[_n] = _cls

_ENERGY_CLASS = {"alu": "alu", "mul": "mul", "mla": "mul", "mull": "mul", "mlal": "mul", "dsp_mul": "mul",
                 "div": "div", "load": "load", "load_double": "load", "ldm": "load", "pop": "load",
                 "store": "store", "store_double": "store", "stm": "store", "push": "store",
                 "branch": "branch", "table_branch": "branch", "it": "alu", "hint": "other",
                 "barrier": "other", "isb": "other", "system": "other", "other": "other",
                 "fp_alu": "fpu", "fp_mac": "fpu", "fp_div": "fpu", "fp_sqrt": "fpu", "fp_load": "fpu",
                 "fp_store": "fpu", "fp_ldm": "fpu", "fp_stm": "fpu", "fp_mov2": "fpu"}
_LIST_CLASSES = ("ldm", "pop", "stm", "push", "fp_ldm", "fp_stm")
_SINGLE_LOADS = ("ldr", "ldrb", "ldrh", "ldrsb", "ldrsh")
_SINGLE_STORES = ("str", "strb", "strh")

_CC_NAMES = {A.ARM_CC_EQ: "eq", A.ARM_CC_NE: "ne", A.ARM_CC_HS: "hs", A.ARM_CC_LO: "lo", A.ARM_CC_MI: "mi",
             A.ARM_CC_PL: "pl", A.ARM_CC_VS: "vs", A.ARM_CC_VC: "vc", A.ARM_CC_HI: "hi", A.ARM_CC_LS: "ls",
             A.ARM_CC_GE: "ge", A.ARM_CC_LT: "lt", A.ARM_CC_GT: "gt", A.ARM_CC_LE: "le"}
_GPR = {f"r{i}": i for i in range(13)} | {"sb": 9, "sl": 10, "fp": 11, "ip": 12, "sp": 13, "lr": 14, "pc": 15}
# Unicorn register ids of r0-r15, by register number
UC_GPR = [getattr(arm_const, f"UC_ARM_REG_R{i}") for i in range(13)] + [
    arm_const.UC_ARM_REG_SP, arm_const.UC_ARM_REG_LR, arm_const.UC_ARM_REG_PC]


def thumb_decoder():
    """capstone for M-profile Thumb, with operand details."""
    md = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
    md.detail = True
    return md


def is_fp_instruction(insn) -> bool:
    """VFP/FPU instruction (any V* mnemonic, or a coprocessor access to CP10/CP11)."""
    return insn.mnemonic.startswith("v")


def base_mnemonic(insn) -> str:
    """'ldrne.w' -> 'ldr', 'vmov.f32' -> 'vmov', 'adds' -> 'adds'."""
    m = insn.mnemonic.split(".")[0]
    cc = _CC_NAMES.get(insn.cc)
    if cc and m.endswith(cc) and len(m) > 2:
        m = m[:-2]
    return m


def timing_class(insn, m=None) -> str:
    m = m or base_mnemonic(insn)
    if m.startswith("it") and set(m[2:]) <= {"t", "e"}:
        return "it"
    cls = _TIMING_CLASS.get(m)
    if cls is None and m.endswith("s"):
        cls = _TIMING_CLASS.get(m[:-1])
    if cls is None:
        cls = "fp_alu" if m.startswith("v") else "other"
    if cls == "fp_alu" and m == "vmov":
        regs = [op for op in insn.operands if op.type == A.ARM_OP_REG]
        core_regs = sum(1 for op in regs if _rname(insn, op.reg) in _GPR)
        if core_regs == 2:
            cls = "fp_mov2"
    return cls


_REG_NAMES: dict = {}


def _rname(insn, reg) -> str:
    name = _REG_NAMES.get(reg)
    if name is None:
        name = _REG_NAMES[reg] = insn.reg_name(reg) or ""
    return name


def gpr_number(insn, reg):
    """0-15 for a capstone general-purpose register operand, None for anything else."""
    return _GPR.get(_rname(insn, reg)) if reg else None


@dataclasses.dataclass
class Insn:
    """What the model needs to know about one decoded instruction."""
    address: int
    size: int
    mnemonic: str
    tclass: str
    eclass: str
    in_it: bool = False          # inside an IT block (executes conditionally)
    cond_branch: bool = False    # B<cc>/CBZ/CBNZ outside IT: taken or not at run time
    refill: str | None = None    # "immediate" | "call" | "register" | "load": how a taken one refills
    nregs: int = 0               # registers (words) transferred by a list instruction
    fp: bool = False
    div: tuple | None = None     # (Rn, Rm, signed)
    writes: frozenset = frozenset()   # GPRs written
    reads: frozenset = frozenset()    # GPRs read
    addr_regs: frozenset = frozenset()  # GPRs used to form a load/store address
    load_dest: frozenset = frozenset()  # GPRs a single load writes
    sets_flags: bool = False
    reads_flags: bool = False
    writeback: bool = False
    imm_offset: bool = False          # a memory operand without an index register
    cond: int = 14                    # architectural condition (0 EQ ... 13 LE, 14 always)


def analyze(insn, in_it=False) -> Insn:
    m = base_mnemonic(insn)
    tclass = timing_class(insn, m)
    info = Insn(insn.address, insn.size, insn.mnemonic, tclass, _ENERGY_CLASS.get(tclass, "other"), in_it=in_it,
                fp=is_fp_instruction(insn))
    try:
        reads, writes = insn.regs_access()
    except capstone.CsError:
        reads, writes = [], []
    info.reads = frozenset(r for r in (gpr_number(insn, x) for x in reads) if r is not None)
    info.writes = frozenset(r for r in (gpr_number(insn, x) for x in writes) if r is not None)
    names_w = {_rname(insn, x) for x in writes}
    names_r = {_rname(insn, x) for x in reads}
    info.sets_flags = bool(names_w & {"cpsr", "apsr", "apsr_nzcv"})
    info.reads_flags = bool(names_r & {"cpsr", "apsr", "apsr_nzcv"}) or insn.cc not in (A.ARM_CC_AL, A.ARM_CC_INVALID)
    info.writeback = bool(getattr(insn, "writeback", False))
    info.cond = insn.cc - 1 if insn.cc not in (A.ARM_CC_AL, A.ARM_CC_INVALID) else 14
    for op in insn.operands:
        if op.type == A.ARM_OP_MEM:
            info.imm_offset = not op.mem.index
            info.addr_regs = frozenset(r for r in (gpr_number(insn, op.mem.base), gpr_number(insn, op.mem.index))
                                       if r is not None)
    regs = [op for op in insn.operands if op.type == A.ARM_OP_REG]
    if tclass in _LIST_CLASSES:
        if m in ("ldm", "ldmia", "ldmdb", "ldmfd", "ldmea", "stm", "stmia", "stmdb", "stmea", "stmfd",
                 "vldm", "vldmia", "vldmdb", "vstm", "vstmia", "vstmdb"):
            regs = regs[1:]    # the base register
        if tclass in ("fp_ldm", "fp_stm"):   # N counts 32-bit words: a D register is two
            info.nregs = sum(2 if _rname(insn, op.reg).startswith("d") else 1 for op in regs)
        else:
            info.nregs = len(regs)
    writes_pc = 15 in info.writes or any(_rname(insn, op.reg) == "pc" for op in regs
                                         if tclass in ("ldm", "pop"))
    if tclass == "branch":
        if m in ("b", "cbz", "cbnz"):
            info.refill = "immediate"
        elif m == "bl":
            info.refill = "call"
        else:
            info.refill = "register"
        info.cond_branch = (m in ("cbz", "cbnz")) or (m == "b" and insn.cc not in (A.ARM_CC_AL, A.ARM_CC_INVALID)
                                                      and not in_it)
    elif tclass == "table_branch":
        info.refill = "load"
    elif writes_pc and tclass in ("load", "ldm", "pop"):
        info.refill = "load"
    elif writes_pc and tclass == "alu":
        info.refill = "register"
    if tclass == "div" and len(regs) >= 2:
        rn, rm = (regs[1], regs[2]) if len(regs) >= 3 else (regs[0], regs[1])
        info.div = (gpr_number(insn, rn.reg), gpr_number(insn, rm.reg), m == "sdiv")
    if m in _SINGLE_LOADS or m == "ldrd":
        info.load_dest = frozenset(r for r in (gpr_number(insn, op.reg) for op in regs) if r is not None)
    return info


# ---------------------------------------------------------------- the timing table

def _parse_cost(value, what):
    """An int, or 'a+N' / 'a+bN' for list instructions -> (a, b)."""
    if isinstance(value, int):
        return value, 0
    text = str(value).replace(" ", "")
    try:
        if "+" in text and text.endswith("N"):
            a, b = text[:-1].split("+")
            return int(a), int(b) if b else 1
        return int(text), 0
    except ValueError:
        raise UsageError(f"timing table: cannot read {what} = {value!r} (use an integer or 'a+N')") from None


@dataclasses.dataclass
class Timing:
    costs: dict            # timing class -> (base, per register)
    refill: dict           # "immediate"/"call"/"register"/"load" -> P
    it_fail: int
    divide: tuple          # (min, max, quotient bits per cycle)
    load_pipelining: bool
    agu_stall: bool
    store_imm: int | None  # cycles of STR with an immediate offset, if the TRM gives it apart
    dual_issue: bool
    source: str

    @classmethod
    def from_core(cls, core: Core, options: dict | None = None) -> "Timing":
        t = dict(core.timing or {})
        if not t:
            raise UsageError(f"core file {core.source or core.name} has no [timing] table")
        cycles = dict(t.get("cycles", {}))
        chosen = {}
        for opt_name, choices in (t.get("options") or {}).items():
            pick = (options or {}).get(opt_name, choices.get("default"))
            if pick not in choices or pick == "default" or not isinstance(choices[pick], dict):
                names = [k for k in choices if k != "default"]
                raise UsageError(f"{core.name}: timing option {opt_name} must be one of {', '.join(names)}")
            cycles.update(choices[pick])
            chosen[opt_name] = pick
        for name in (options or {}):
            if name not in chosen:
                raise UsageError(f"{core.name} has no timing option {name!r}")
        costs = {k: _parse_cost(v, k) for k, v in cycles.items()}
        div = t.get("divide", {})
        return cls(costs=costs, refill={k: int(v) for k, v in t.get("refill", {}).items()},
                   it_fail=int(t.get("it_fail", 1)),
                   divide=(int(div.get("min", 2)), int(div.get("max", 12)), int(div.get("bits_per_cycle", 3))),
                   load_pipelining=bool(t.get("load_pipelining", False)), agu_stall=bool(t.get("agu_stall", False)),
                   store_imm=cycles.get("store_imm"), dual_issue=bool(t.get("dual_issue", False)),
                   source=str(t.get("source", "")))

    def base(self, info: Insn) -> int:
        cls = info.tclass
        if cls == "fp_mov2" and cls not in self.costs:
            cls = "fp_alu"
        a, b = self.costs.get(cls, self.costs.get("other", (1, 0)))
        if cls == "store" and self.store_imm is not None and base_of(info) in _SINGLE_STORES and \
                len(info.addr_regs) == 1 and info.imm_offset and not info.writeback:
            a = int(self.store_imm)
        return a + b * info.nregs


def divide_cycles(n: int, d: int, signed: bool, div_min=2, div_max=12, bits=3) -> int:
    """UDIV/SDIV cycles. The TRMs give a range (2 to 12 on M3/M4) and say the divider
    terminates early depending on the leading zeros/ones of the operands; the rule used
    here: quotient bits q = clz(|divisor|) - clz(|dividend|) + 1, cycles =
    1 + ceil(q / bits) clamped to [min, max]; a dividend smaller than the divisor (or a
    zero divisor) takes the minimum. See docs/cost-model.md."""
    n &= 0xFFFF_FFFF
    d &= 0xFFFF_FFFF
    if signed:
        n = (-n & 0xFFFF_FFFF) if n & 0x8000_0000 else n
        d = (-d & 0xFFFF_FFFF) if d & 0x8000_0000 else d
    if d == 0 or n < d:
        return div_min
    q = (32 - d.bit_length()) - (32 - n.bit_length()) + 1
    return max(div_min, min(div_max, 1 + (q + bits - 1) // bits))


# ---------------------------------------------------------------- memory and energy

@dataclasses.dataclass
class MemorySystem:
    flash_wait_states: int = 0     # extra cycles per flash access
    data_wait: bool = True         # data reads from flash pay them
    icache: bool = False           # branch-target fetches hit a cache: no fetch penalty
    prefetch: bool = True          # sequential fetches are hidden by the prefetcher
    fetch_line_bytes: int = 8      # width of one instruction fetch from flash (prefetch off)
    data_line_bytes: int = 0       # a data line buffer of this size (0: none)

    @classmethod
    def from_core(cls, core: Core) -> "MemorySystem":
        m = dict(core.memory or {})
        return cls(flash_wait_states=int(m.get("flash_wait_states", 0)), data_wait=bool(m.get("data_wait", True)),
                   icache=bool(m.get("icache", False)), prefetch=bool(m.get("prefetch", True)),
                   fetch_line_bytes=int(m.get("fetch_line_bytes", 8)),
                   data_line_bytes=int(m.get("data_line_bytes", 0)))

    @property
    def fetch_penalty(self) -> int:
        """Extra cycles to fetch a branch target from flash."""
        return 0 if self.icache else self.flash_wait_states


@dataclasses.dataclass
class Energy:
    pj_per_cycle: dict      # class -> picojoules per cycle
    static_mw: float        # static power at the configured clock
    source: str

    @classmethod
    def from_core(cls, core: Core) -> "Energy | None":
        e = dict(core.energy or {})
        if not e:
            return None
        per = dict(e.get("pj_per_cycle", {}))
        default = float(per.get("default", 0.0))
        table = {c: float(per.get(c, default)) for c in CLASSES}
        if "flash_load" not in per:
            table["flash_load"] = table["load"]
        return cls(table, float(e.get("static_mw", 0.0)), str(e.get("source", "")))

    def aj(self) -> list:
        out = [int(round(self.pj_per_cycle[c] * AJ_PER_PJ)) for c in CLASSES]
        return out + [0] * (NCLASS - len(out))


# ---------------------------------------------------------------- the native library

_native_lib = None


def native_library():
    """The compiled block hook: built with the pinned Zig compiler for this host at first
    use, cached in the mcusim cache by a hash of its source."""
    global _native_lib
    if _native_lib is not None:
        return _native_lib
    from .toolchain import cache_dir
    src = NATIVE_SOURCE.read_bytes()
    key = hashlib.sha256(src + sys.platform.encode() + os.uname().machine.encode()).hexdigest()[:16]
    out_dir = cache_dir() / "native"
    lib = out_dir / f"costhook-{key}.so"
    if not lib.is_file():
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
            tmp_lib = Path(tmp) / lib.name
            argv = [sys.executable, "-m", "ziglang", "cc", "-shared", "-O2", "-fPIC", "-o", str(tmp_lib),
                    str(NATIVE_SOURCE)]
            proc = subprocess.run(argv, capture_output=True, text=True)
            if proc.returncode != 0:
                raise ToolchainError(f"building the native cost hook failed:\n{proc.stderr.strip()}\n"
                                     f"(use MCUSIM_ACCOUNTING=python to run without it)")
            os.replace(tmp_lib, lib)
    _native_lib = ctypes.CDLL(str(lib))
    _native_lib.mcusim_state_size.restype = ctypes.c_uint64
    return _native_lib


_P = ctypes.c_void_p
_STATE_FIELDS = [
    ("base", ctypes.c_uint64), ("nhalf", ctypes.c_uint64),
    ("cyc", _P), ("ins", _P), ("nrg", _P), ("fpp", _P), ("start", _P), ("bound", _P),
    ("seq_adj", _P), ("seq_adj_e", _P), ("taken", _P), ("taken_e", _P), ("eclass", _P), ("kind", _P),
    ("exec_extra", _P), ("exec_base", _P), ("div_rn", _P), ("div_rm", _P), ("cond", _P), ("dfp", _P),
    ("cnt_start", _P),
    ("cnt_end", _P), ("cnt_jump", _P), ("class_e", _P),
    ("div_min", ctypes.c_int32), ("div_max", ctypes.c_int32), ("div_bits", ctypes.c_int32),
    ("flash_ws", ctypes.c_int32), ("flash_line_shift", ctypes.c_uint32), ("flash_class", ctypes.c_int32),
    ("load_class", ctypes.c_int32),
    ("max_instructions", ctypes.c_uint64), ("max_cycles", ctypes.c_uint64),
    ("reg_read", _P), ("emu_stop", _P), ("slow", _P), ("reg_write", _P), ("xpsr_regid", ctypes.c_int32),
    ("cycles", ctypes.c_uint64), ("instructions", ctypes.c_uint64), ("energy", ctypes.c_int64),
    ("blk_cycles", ctypes.c_uint64), ("blk_instructions", ctypes.c_uint64), ("blk_energy", ctypes.c_int64),
    ("blk_addr", ctypes.c_uint64), ("blk_size", ctypes.c_uint64),
    ("blk_dyn_cycles", ctypes.c_int64), ("blk_dyn_energy", ctypes.c_int64),
    ("blk_entry_cycles", ctypes.c_int64), ("blk_entry_energy", ctypes.c_int64),
    ("blk_native", ctypes.c_int32), ("next_seq", ctypes.c_uint64),
    ("pending_taken", ctypes.c_int64), ("pending_taken_e", ctypes.c_int64), ("last_line", ctypes.c_uint64),
    ("fp_fault", ctypes.c_uint64), ("fpu_enabled", ctypes.c_int32), ("limit_hit", ctypes.c_int32),
    ("dyn_cycles", ctypes.c_uint64 * NCLASS), ("flash_reads", ctypes.c_uint64),
    ("profile", ctypes.c_int32), ("pc_regid", ctypes.c_int32),
    ("prof_dyn", _P), ("func_id", _P), ("flow", _P), ("fn_entry", _P), ("entry_pp", _P), ("fn_incl", _P),
    ("fn_calls", _P),
    ("fn_active", _P), ("stk_ret", _P), ("stk_cyc", _P), ("stk_fid", _P), ("stk_tail", _P),
    ("stk_depth", ctypes.c_uint64), ("stk_max", ctypes.c_uint64), ("stk_dropped", ctypes.c_uint64),
    ("pending_e", ctypes.c_uint64), ("pending_flow", ctypes.c_int32), ("prof_root", ctypes.c_int32),
    ("prev_fid", ctypes.c_int64), ("slow_fid", ctypes.c_int64), ("prof_outside", ctypes.c_uint64),
    ("defer_pending", ctypes.c_int32), ("uxp", _P), ("rehook", ctypes.c_int32),
    ("rehook_addr", ctypes.c_uint64), ("rehook_size", ctypes.c_uint64),
]


class _NativeState(ctypes.Structure):
    _fields_ = _STATE_FIELDS


class _PyState:
    """The same state for the pure-Python engine."""

    def __init__(self):
        for name, ctype in _STATE_FIELDS:
            setattr(self, name, [0] * NCLASS if name == "dyn_cycles" else 0)


_SLOW_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_uint64, ctypes.c_uint32)


_IT_BITS = 0x0600FC00


def _clear_stale_itstate(uc):
    """See clear_stale_itstate in native/costhook.c (a Unicorn 2.1.4 work-around)."""
    xpsr = uc.reg_read(arm_const.UC_ARM_REG_XPSR)
    if xpsr & _IT_BITS:
        uc.reg_write(arm_const.UC_ARM_REG_XPSR, xpsr & ~_IT_BITS)


def _mem_nop(uc, *_args):
    _clear_stale_itstate(uc)
    return True


# ---------------------------------------------------------------- decoding into arrays

class CodeTables:
    """Per-halfword arrays over the code window of an image, for one core's timing."""

    def __init__(self, image: ElfImage, timing: Timing, memory: MemorySystem, energy: Energy | None):
        self.timing, self.memory, self.energy = timing, memory, energy
        self.class_aj = np.array(energy.aj() if energy else [0] * NCLASS, dtype=np.int64)
        self.md = thumb_decoder()
        execs = [s for s in image.segments if s.executable and s.data]
        if not execs:
            raise UsageError(f"{image.path.name} has no executable segment")
        lo = min(s.vaddr for s in execs) & ~1
        hi = max(s.vaddr + len(s.data) for s in execs)
        self.base, self.nhalf = lo, (hi - lo + 1) // 2
        n = self.nhalf + 1
        self.code = bytearray(hi - lo)
        for s in execs:
            self.code[s.vaddr - lo:s.vaddr - lo + len(s.data)] = s.data
        self.insns: dict[int, Insn] = {}            # halfword index -> Insn
        self.cost = np.zeros(n, np.int64)             # static cycles at an insn start
        self.icount = np.zeros(n, np.int64)
        self.energy_at = np.zeros(n, np.int64)
        self.fpflag = np.zeros(n, np.int64)
        self.start = np.zeros(n, np.uint8)
        self.bound = np.zeros(n, np.uint8)
        self.seq_adj = np.zeros(n, np.int32)
        self.seq_adj_e = np.zeros(n, np.int64)
        self.taken = np.zeros(n, np.int32)
        self.taken_e = np.zeros(n, np.int64)
        self.flow = np.zeros(n, np.uint8)          # FLOW_* of the instruction ending at e
        self.eclass = np.zeros(n, np.uint8)
        self.kind = np.zeros(n, np.uint8)
        self.exec_extra = np.zeros(n, np.int32)
        self.exec_base = np.zeros(n, np.int32)
        self.div_rn = np.zeros(n, np.uint8)
        self.div_rm = np.zeros(n, np.uint8)
        self.cond = np.zeros(n, np.uint8)          # KIND_DEFER: its condition
        self.dfp = np.zeros(n, np.int64)           # prefix count of KIND_DEFER instructions
        self.size = np.zeros(n, np.uint8)
        self.cyc = np.zeros(n, np.int64)
        self.ins = np.zeros(n, np.int64)
        self.nrg = np.zeros(n, np.int64)
        self.fpp = np.zeros(n, np.int64)
        self._place(self._initial_decode(image, lo, hi))
        self._prefix(0)

    def copy(self) -> "CodeTables":
        """An independent copy: the arrays and the instruction map are what runs patch."""
        new = copy.copy(self)
        for name, value in vars(self).items():
            if isinstance(value, np.ndarray):
                setattr(new, name, value.copy())
        new.insns = dict(self.insns)
        return new

    # -- decode

    def _initial_decode(self, image, lo, hi):
        """The linear sweep over every $t span, cached on disk by the code bytes, the
        mapping symbols and this module's source (decoding is core-independent)."""
        import pickle
        from .toolchain import cache_dir
        spans = image.code_spans(lo, hi)
        key = hashlib.sha256(bytes(self.code) + repr((lo, spans)).encode() + Path(__file__).read_bytes() +
                             capstone.__version__.encode()).hexdigest()[:24]
        path = cache_dir() / "decode" / f"{key}.pkl"
        try:
            return pickle.loads(path.read_bytes())
        except (OSError, pickle.PickleError, EOFError, AttributeError, ValueError):
            pass
        infos = []
        for a, b in spans:
            infos += self._sweep(a, b, place=False)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as f:
                f.write(pickle.dumps(infos, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(f.name, path)
        except OSError:
            pass
        return infos

    def _sweep(self, a, b, stop_at_sync=False, place=True):
        """Decode [a, b); with stop_at_sync, stop once an instruction ends on a boundary
        the previous decode already had (the sweeps agree from there on)."""
        pos, it_left = a, 0
        new = []
        while pos < b:
            for insn in self.md.disasm(bytes(self.code[pos - self.base:b - self.base]), pos):
                in_it = it_left > 0
                info = analyze(insn, in_it)
                if in_it:
                    it_left -= 1
                if info.tclass == "it":
                    mask = insn.bytes[0] & 0xF
                    it_left = 4 - ((mask & -mask).bit_length() - 1) if mask else 0
                new.append(info)
                pos = insn.address + insn.size
                if stop_at_sync and self.start[(pos - self.base) >> 1] and not it_left:
                    b = pos
                    break
            if pos < b:   # undecodable halfword (data without a $d mark): skip it
                pos += 2
                it_left = 0
        if place:
            self._place(new)
        return new

    def _clear(self, lo, hi):
        for i in range(lo, hi):
            self.insns.pop(i, None)
        sl = slice(lo, hi)
        for arr in (self.cost, self.icount, self.energy_at, self.fpflag, self.start, self.seq_adj,
                    self.seq_adj_e, self.eclass, self.kind, self.exec_extra, self.exec_base, self.size,
                    self.cond):
            arr[sl] = 0
        self.bound[lo + 1:hi] = 0
        self.taken[lo + 1:hi + 1] = 0
        self.taken_e[lo + 1:hi + 1] = 0
        self.flow[lo + 1:hi + 1] = 0

    def _place(self, infos):
        if not infos:
            return
        t, mem = self.timing, self.memory
        first = (infos[0].address - self.base) >> 1
        last = (infos[-1].address + infos[-1].size - self.base) >> 1
        self._clear(first, last)
        prev = self.insns.get(first - 1) or self.insns.get(first - 2)
        if prev is not None and prev.address + prev.size != infos[0].address:
            prev = None
        paired_prev = False
        flags_kept = _flags_kept_to_branch(infos)
        for j, info in enumerate(infos):
            if prev is not None and prev.address + prev.size != info.address:
                prev, paired_prev = None, False
            i = (info.address - self.base) >> 1
            e = i + info.size // 2
            cls_e = _CLS[info.eclass]
            self.insns[i] = info
            base = t.base(info)
            if info.refill and not info.cond_branch and not info.in_it:
                base += t.refill.get(info.refill, 0) + mem.fetch_penalty
            exec_cost = base
            static = base
            if info.in_it:
                static = t.it_fail
            if info.div:
                rn, rm, signed = info.div
                static = t.it_fail if info.in_it else t.divide[0]
                self.kind[i] = KIND_SDIV if signed else KIND_UDIV
                self.exec_base[i] = static
                self.div_rn[i] = UC_GPR[rn]
                self.div_rm[i] = UC_GPR[rm]
            elif info.in_it and exec_cost != static:
                self.kind[i] = KIND_EXTRA
                self.exec_extra[i] = exec_cost - static
            adj = self._pair_adjust(prev, info, exec_cost, paired_prev)
            paired_prev = adj < 0 and t.dual_issue
            if info.in_it:   # the pairing holds only if it executes: fold it into the executed extra
                if not info.div:
                    extra = exec_cost + adj - static
                    self.kind[i] = KIND_EXTRA if extra else 0
                    self.exec_extra[i] = extra
                adj = 0
            if self.kind[i] == KIND_EXTRA and flags_kept[j]:
                self.kind[i] = KIND_DEFER
                self.cond[i] = info.cond
            line = mem.fetch_line_bytes
            if not mem.prefetch and mem.flash_wait_states and \
                    (info.address + info.size - 1) // line != (info.address - 1) // line:
                adj += mem.flash_wait_states    # a new fetch line, fetched without prefetch
            static += adj
            self.seq_adj[i] = adj
            self.seq_adj_e[i] = adj * int(self.class_aj[cls_e])
            self.cost[i] = static
            self.icount[i] = 1
            self.energy_at[i] = static * int(self.class_aj[cls_e])
            self.fpflag[i] = 1 if info.fp else 0
            self.start[i] = 1
            self.bound[i] = 1
            self.bound[e] = 1
            self.eclass[i] = cls_e
            self.size[i] = info.size
            if info.refill and (info.cond_branch or info.in_it):
                pen = t.refill.get(info.refill, 0) + mem.fetch_penalty
                self.taken[e] = pen
                self.taken_e[e] = pen * int(self.class_aj[_CLS["branch"]])
            self.flow[e] = flow_kind(info)
            prev = info

    def _pair_adjust(self, prev: Insn | None, cur: Insn, cur_cost: int, prev_paired: bool) -> int:
        """The part of cur's cost that depends on prev having executed just before it."""
        t = self.timing
        if prev is None:
            return 0
        adj = 0
        pm, cm = prev.mnemonic.split(".")[0], cur.mnemonic.split(".")[0]
        prev_is_load = prev.tclass == "load" and not prev.refill and base_of(prev) in _SINGLE_LOADS
        cur_single = cur.tclass in ("load", "store") and (base_of(cur) in _SINGLE_LOADS or
                                                          base_of(cur) in _SINGLE_STORES)
        if t.load_pipelining and prev_is_load and cur_single and not cur.refill and cur_cost >= 2 \
                and not (prev.load_dest & cur.addr_regs):
            adj -= 1
        if t.agu_stall and cur.addr_regs and prev.eclass in ("alu", "mul") and prev.tclass != "it" \
                and (prev.writes & cur.addr_regs) and cur.eclass in ("load", "store", "fpu") \
                and cur.tclass not in ("pop", "push"):
            adj += 1
        if t.dual_issue and not prev_paired and cur_cost == 1 and t.base(prev) == 1 \
                and not prev.in_it and not cur.in_it and not prev.refill \
                and prev.eclass in ("alu", "mul", "load", "store") and cur.eclass in ("alu", "mul", "load", "store",
                                                                                     "branch") \
                and not (prev.eclass in ("load", "store") and cur.eclass in ("load", "store")) \
                and not (prev.eclass == "mul" and cur.eclass == "mul") \
                and not (prev.writes & (cur.reads | cur.addr_regs)) \
                and not (prev.sets_flags and cur.reads_flags):
            adj -= 1
        return adj

    def _prefix(self, lo):
        """Recompute the prefix sums from halfword lo on."""
        for src, dst in ((self.cost, self.cyc), (self.icount, self.ins), (self.energy_at, self.nrg),
                         (self.fpflag, self.fpp), ((self.kind == KIND_DEFER).astype(np.int64), self.dfp)):
            acc = np.cumsum(src[lo:-1])
            dst[lo + 1:] = dst[lo] + acc

    def redecode_from(self, address, size) -> bool:
        """A block starts at `address`, which the sweep did not see as an instruction
        boundary (a literal pool without $d, or data decoded as code): decode from it
        until the sweeps agree again. Returns False if it cannot."""
        i = (address - self.base) >> 1
        if address & 1 or i >= self.nhalf:
            return False
        end = min(self.base + 2 * self.nhalf, address + size + 64)
        while True:
            new = self._sweep(address, end, stop_at_sync=True)
            if not new:
                return False
            covered = new[-1].address + new[-1].size
            if covered >= address + size or end >= self.base + 2 * self.nhalf:
                break
            end = min(self.base + 2 * self.nhalf, end + 256)
        self._prefix(i)
        return bool(self.start[i]) and bool(self.bound[(address + size - self.base) >> 1])

def _flags_kept_to_branch(infos) -> list:
    """For each instruction of a decoded run: True when neither it nor any instruction
    after it up to the next branch (inclusive) writes the flags. A translation block
    always ends at a branch at the latest, so the flags at the end of any block holding
    the instruction are the flags its condition was evaluated with."""
    kept = [False] * len(infos)
    after = False                      # what kept[j + 1] says, if j + 1 follows j directly
    for j in range(len(infos) - 1, -1, -1):
        info = infos[j]
        follows = j + 1 < len(infos) and infos[j + 1].address == info.address + info.size
        kept[j] = not info.sets_flags and (info.refill is not None or (follows and after))
        after = kept[j]
    return kept


def condition_passed(cond: int, xpsr: int) -> bool:
    """The Arm condition test (ARMv7-M ARM A7.3) on the NZCV flags of xPSR."""
    n, z, c, v = (xpsr >> 31) & 1, (xpsr >> 30) & 1, (xpsr >> 29) & 1, (xpsr >> 28) & 1
    base = (z, c, n, v, c and not z, n == v, n == v and not z, True)[cond >> 1]
    return bool(base) != bool(cond & 1)


def flow_kind(info: Insn) -> int:
    """FLOW_CALL for BL/BLX (FLOW_CCALL inside an IT block), FLOW_RET for an indirect
    branch that may be a return (BX, POP/LDM/LDR to PC, MOV/ADD PC), else 0."""
    if info.tclass == "branch" and base_of(info) in ("bl", "blx"):
        return FLOW_CCALL if info.in_it else FLOW_CALL
    if info.refill in ("register", "load") and info.tclass != "table_branch":
        return FLOW_RET
    return 0


def base_of(info: Insn) -> str:
    m = info.mnemonic.split(".")[0]
    for cc in _CC_NAMES.values():
        if info.in_it and m.endswith(cc) and len(m) > 2:
            return m[:-2]
    return m


_TABLES: dict = {}       # (image file, its mtime and size, timing, memory, energy) -> CodeTables as built
_TABLES_KEPT = 8


def code_tables(image: ElfImage, timing: Timing, memory: MemorySystem, energy: Energy | None) -> CodeTables:
    """A private copy of the image's tables for this core (a run may patch its copy).
    They are built once per process and configuration (~0.5 s for a 40k-instruction
    image: unpickling the decode and placing it), so that repeated runs of the same
    firmware on the same core (test suites, budgets) skip that setup."""
    stat = os.stat(image.path)
    key = (str(image.path), stat.st_mtime_ns, stat.st_size, repr(timing), repr(memory), repr(energy))
    tables = _TABLES.get(key)
    if tables is None:
        tables = CodeTables(image, timing, memory, energy)
        if len(_TABLES) >= _TABLES_KEPT:
            _TABLES.pop(next(iter(_TABLES)))
        _TABLES[key] = tables
    return tables.copy()


# ---------------------------------------------------------------- accounting

class Accounting:
    def __init__(self, image: ElfImage, core: Core, *, engine: str | None = None, options: dict | None = None,
                 profile: bool = False):
        self.image = image
        self.profile = bool(profile)
        self.core = core
        engine = engine or os.environ.get("MCUSIM_ACCOUNTING") or "native"
        if engine not in ENGINES:
            raise UsageError(f"unknown accounting engine {engine!r}: use one of {', '.join(ENGINES)}")
        self.engine = engine
        self.timing = Timing.from_core(core, options)
        self.memory = MemorySystem.from_core(core)
        self.energy_model = Energy.from_core(core)
        self.tables = code_tables(image, self.timing, self.memory, self.energy_model)
        self.md = thumb_decoder()
        self._uc = None
        self._foreign = {}          # (address, size) -> [(address, cycles, energy, fp)] of code outside the window
        self._foreign_blk = None
        self._foreign_mix = [[0, 0] for _ in range(NCLASS)]   # per class: instructions, cycles outside the window
        self._foreign_prof = {}     # profile: address -> static cycles charged there, outside the window
        self._foreign_flow = {}     # profile: foreign block key -> FLOW_* of its last instruction
        self._keep = []             # ctypes objects the C side points at
        if engine == "native":
            lib = native_library()
            if lib.mcusim_state_size() != ctypes.sizeof(_NativeState):
                raise ToolchainError("the native cost hook and costmodel.py disagree on the state layout")
            self._lib = lib
            self.st = _NativeState()
        else:
            self._lib = None
            self.st = _PyState()
        self._setup_state()

    # -- state

    def _setup_state(self):
        st, tb = self.st, self.tables
        st.base, st.nhalf = tb.base, tb.nhalf
        st.div_min, st.div_max, st.div_bits = self.timing.divide
        ws = self.memory.flash_wait_states if self.memory.data_wait else 0
        st.flash_ws = ws
        lb = self.memory.data_line_bytes
        st.flash_line_shift = lb.bit_length() - 1 if lb > 1 else 0
        st.flash_class, st.load_class = _CLS["flash_load"], _CLS["load"]
        self.cnt_start = np.zeros(tb.nhalf + 1, np.uint64)
        self.cnt_end = np.zeros(tb.nhalf + 1, np.uint64)
        self.cnt_jump = np.zeros(tb.nhalf + 1, np.uint64)
        self.hooked = np.zeros(tb.nhalf + 1, np.uint8)   # 1: an exec hook is registered there
        self.uxp = np.zeros(tb.nhalf + 1, np.int64)
        self._refresh_unhooked()
        st.next_seq = 0xFFFF_FFFF_FFFF_FFFF
        if self.engine == "native":
            for name in ("cyc", "ins", "nrg", "fpp", "start", "bound", "seq_adj", "seq_adj_e", "taken", "taken_e",
                         "eclass", "kind", "exec_extra", "exec_base", "div_rn", "div_rm", "cond", "dfp"):
                setattr(st, name, getattr(tb, name).ctypes.data)
            st.cnt_start = self.cnt_start.ctypes.data
            st.cnt_end = self.cnt_end.ctypes.data
            st.cnt_jump = self.cnt_jump.ctypes.data
            st.class_e = tb.class_aj.ctypes.data
            st.uxp = self.uxp.ctypes.data
        self.fpu_enabled = False
        self.max_instructions = self.max_cycles = None
        if self.profile:
            self._setup_profile()

    def _setup_profile(self):
        """The per-function counters (docs/cost-model.md, "Per-function profile"): dynamic
        cycles per halfword, function ids, and the shadow call stack."""
        from .profile import FunctionMap
        st, tb = self.st, self.tables
        self.function_map = fmap = FunctionMap(self.image)
        nf = len(fmap)
        self.prof_dyn = np.zeros(tb.nhalf + 1, np.int64)
        self.func_id = fmap.ids(tb.base, tb.nhalf)
        self.fn_entry = fmap.entry
        entries = np.zeros(tb.nhalf + 1, np.int32)     # 1 where a function's first instruction is
        for fid, start in enumerate(fmap.entry.tolist()):
            i = (start - tb.base) >> 1 if start != NO_RET and start >= tb.base else -1
            if 0 <= i < tb.nhalf and self.func_id[i] == fid:
                entries[i] = 1
        self.entry_pp = np.zeros(tb.nhalf + 1, np.int32)
        self.entry_pp[1:] = np.cumsum(entries[:-1])
        self.fn_incl = np.zeros(nf, np.uint64)
        self.fn_calls = np.zeros(nf, np.uint64)
        self.fn_active = np.zeros(nf, np.uint32)
        self.stk_ret = np.zeros(STACK_FRAMES, np.uint64)
        self.stk_cyc = np.zeros(STACK_FRAMES, np.uint64)
        self.stk_fid = np.zeros(STACK_FRAMES, np.int32)
        self.stk_tail = np.zeros(STACK_FRAMES, np.uint8)
        st.profile = 1
        st.pc_regid = arm_const.UC_ARM_REG_PC
        st.stk_max = STACK_FRAMES
        st.prev_fid = -1
        if self.engine == "native":
            for name in ("prof_dyn", "func_id", "fn_entry", "entry_pp", "fn_incl", "fn_calls", "fn_active", "stk_ret",
                         "stk_cyc", "stk_fid", "stk_tail"):
                setattr(st, name, getattr(self, name).ctypes.data)
            st.flow = tb.flow.ctypes.data

    @property
    def instructions(self) -> int:
        return int(self.st.instructions)

    @property
    def cycles(self) -> int:
        return int(self.st.cycles)

    @property
    def limit_hit(self) -> bool:
        return bool(self.st.limit_hit)

    @property
    def fp_fault(self):
        return self.st.fp_fault - 1 if self.st.fp_fault else None

    @property
    def fpu_enabled(self) -> bool:
        return bool(self.st.fpu_enabled)

    @fpu_enabled.setter
    def fpu_enabled(self, value):
        self.st.fpu_enabled = 1 if value else 0

    @property
    def flash_reads(self) -> int:
        return int(self.st.flash_reads)

    def _energy_uj(self, energy_aj, cycles):
        if self.energy_model is None:
            return None
        seconds = cycles / self.core.clock_hz
        return energy_aj * 1e-12 + self.energy_model.static_mw * 1e3 * seconds

    @property
    def energy_uj(self):
        """Energy so far in µJ (dynamic per-class energy plus static power over the
        elapsed cycles), or None when the core has no [energy] figures."""
        return self._energy_uj(int(self.st.energy), self.cycles)

    def set_limit(self, max_instructions, max_cycles=None):
        self.max_instructions = max_instructions
        self.max_cycles = max_cycles
        self.st.max_instructions = int(max_instructions or 0)
        self.st.max_cycles = int(max_cycles or 0)

    # -- attaching

    def attach(self, uc, precise_pc=None):
        """Register the hooks. precise_pc: an address range for a no-op memory read and
        write hook, whose presence makes Unicorn keep the PC exact at every load/store so
        that at(pc) is right inside MMIO callbacks (None: leave it out)."""
        self._uc = uc
        from unicorn.unicorn_py3.unicorn import uclib
        flash_hook = (self.st.flash_ws > 0 or (self.energy_model is not None and
                      self.energy_model.pj_per_cycle["flash_load"] != self.energy_model.pj_per_cycle["load"]))
        self._flash_hook = flash_hook
        if self.engine == "python":
            self._py_tables()
            uc.hook_add(UC_HOOK_BLOCK, self._py_block)
            if flash_hook:
                uc.hook_add(UC_HOOK_MEM_READ, self._py_flash, begin=self.core.flash_base,
                            end=self.core.flash_end - 1)
            if precise_pc:
                lo, hi = precise_pc
                uc.hook_add(UC_HOOK_MEM_READ, _mem_nop, begin=lo, end=hi)
                uc.hook_add(UC_HOOK_MEM_WRITE, _mem_nop, begin=lo, end=hi)
            return
        lib, st = self._lib, self.st
        st.reg_read = ctypes.cast(uclib.uc_reg_read, ctypes.c_void_p).value
        st.emu_stop = ctypes.cast(uclib.uc_emu_stop, ctypes.c_void_p).value
        st.reg_write = ctypes.cast(uclib.uc_reg_write, ctypes.c_void_p).value
        st.xpsr_regid = arm_const.UC_ARM_REG_XPSR
        slow = _SLOW_FN(self._slow_native)
        self._keep.append(slow)
        st.slow = ctypes.cast(slow, ctypes.c_void_p).value
        add = self._add_native_hook
        add(UC_HOOK_BLOCK, lib.mcusim_block, 1, 0)
        if precise_pc:
            lo, hi = precise_pc
            add(UC_HOOK_MEM_READ, lib.mcusim_mem_nop, lo, hi)
            add(UC_HOOK_MEM_WRITE, lib.mcusim_mem_nop, lo, hi)
        if flash_hook:
            add(UC_HOOK_MEM_READ, lib.mcusim_flash_read, self.core.flash_base, self.core.flash_end - 1)

    def _add_native_hook(self, kind, fn, begin, end):
        from unicorn.unicorn_py3.unicorn import uclib
        h = ctypes.c_size_t()
        ud = ctypes.cast(ctypes.pointer(self.st), ctypes.c_void_p)
        err = uclib.uc_hook_add(self._uc._uch, ctypes.byref(h), kind, ctypes.cast(fn, ctypes.c_void_p), ud,
                                begin, end)
        if err:
            raise UsageError(f"uc_hook_add failed ({err})")
        self._keep.append(h)

    # -- exec hooks, added when their block first runs

    def _refresh_unhooked(self):
        """uxp: prefix count of exec-hook instructions (KIND_EXTRA, UDIV, SDIV) not hooked yet."""
        kind = self.tables.kind
        flags = (np.isin(kind, EXEC_HOOK_KINDS) & (self.hooked == 0)).astype(np.int64)
        self.uxp[0] = 0
        np.cumsum(flags[:-1], out=self.uxp[1:])
        if self.engine == "python" and hasattr(self, "_L"):
            self._L["uxp"] = self.uxp.tolist()

    def install_pending_hooks(self):
        """The block hook stopped the run before a block whose exec-hook instructions have no
        hook yet (Unicorn walks its whole code-hook list at every hooked instruction, so
        only instructions that run get one): hook them, drop the translations holding them,
        and return the block's address to resume at (None when nothing is pending)."""
        st, tb = self.st, self.tables
        if not st.rehook:
            return None
        st.rehook = 0
        address = int(st.rehook_addr)
        s, e = (address - tb.base) >> 1, (address + int(st.rehook_size) - tb.base) >> 1
        for i in range(s, e):
            if tb.kind[i] in EXEC_HOOK_KINDS and not self.hooked[i]:
                a = tb.base + 2 * i
                if self.engine == "python":
                    self._uc.hook_add(UC_HOOK_CODE, self._py_exec, begin=a, end=a)
                else:
                    self._add_native_hook(UC_HOOK_CODE, self._lib.mcusim_exec, a, a)
                self.hooked[i] = 1
                self._uc.ctl_remove_cache(a, a + int(tb.size[i]))
        self._refresh_unhooked()
        return address

    # -- the slow path (both engines): blocks the arrays do not cover

    def _slow_native(self, address, size):
        try:
            self._slow(address, size)
        except Exception as exc:   # never let an exception cross the C boundary
            print(f"mcusim: cost model slow path failed at 0x{address:08x}: {exc}", file=sys.stderr)
            self.st.limit_hit = 1
        return 0

    def _slow(self, address, size):
        st, tb = self.st, self.tables
        inside = tb.base <= address and address + size <= tb.base + 2 * tb.nhalf
        if inside and tb.redecode_from(address, size):
            self._refresh_unhooked()
            if self.engine == "python":
                self._py_tables()
            st.blk_native = 1
            return
        # code outside the decoded window (e.g. in SRAM): decode this block and charge it here
        key = (address, size, bytes(self._uc.mem_read(address, size)))
        insns = self._foreign.get(key)
        if insns is None:
            insns = []
            for insn in self.md.disasm(key[2], address):
                info = analyze(insn)
                c = self.timing.base(info)
                if info.refill and not info.cond_branch:
                    c += self.timing.refill.get(info.refill, 0)
                if info.div:
                    c = self.timing.divide[1]
                insns.append((insn.address, insn.size, c, c * int(tb.class_aj[_CLS[info.eclass]]), info.fp,
                              _CLS[info.eclass]))
                self._foreign_flow[key] = flow_kind(info)
            self._foreign[key] = insns
        if not self.fpu_enabled:
            for a, _, _, _, fp, _ in insns:
                if fp:
                    st.fp_fault = a + 1
                    self._uc.emu_stop()
                    return
        st.blk_native = 0
        st.blk_cycles, st.blk_instructions, st.blk_energy = st.cycles, st.instructions, st.energy
        st.blk_addr, st.blk_size = address, size
        st.blk_dyn_cycles = st.blk_dyn_energy = st.blk_entry_cycles = st.blk_entry_energy = 0
        self._foreign_blk = insns
        st.cycles += sum(ins[2] for ins in insns)
        st.instructions += len(insns)
        st.energy += sum(ins[3] for ins in insns)
        for ins in insns:
            self._foreign_mix[ins[5]][0] += 1
            self._foreign_mix[ins[5]][1] += ins[2]
        if self.profile:
            prof = self._foreign_prof
            for ins in insns:
                prof[ins[0]] = prof.get(ins[0], 0) + ins[2]
            st.slow_fid = self.function_map.id_at(address)
            st.pending_flow = self._foreign_flow.get(key, 0)
        st.pending_taken = st.pending_taken_e = 0
        if ((st.max_instructions and st.instructions > st.max_instructions) or
                (st.max_cycles and st.cycles > st.max_cycles)):
            st.limit_hit = 1
            self._uc.emu_stop()

    # -- the pure-Python engine (same algorithm as costhook.c)

    def _py_tables(self):
        tb = self.tables
        self._L = {name: getattr(tb, name).tolist() for name in (
            "cyc", "ins", "nrg", "fpp", "start", "bound", "seq_adj", "seq_adj_e", "taken", "taken_e", "eclass",
            "kind", "exec_extra", "exec_base", "div_rn", "div_rm", "flow", "cond", "dfp")}
        self._L["class_e"] = tb.class_aj.tolist()
        self._L["uxp"] = self.uxp.tolist()
        if self.profile:
            self._L["func_id"] = self.func_id.tolist()
            self._L["entry_pp"] = self.entry_pp.tolist()

    def _py_block(self, uc, address, size, _user):
        st, L = self.st, self._L
        if st.defer_pending:
            self.resolve_deferred()
        off = address - st.base
        s, e = off >> 1, (off + size) >> 1
        in_window = address >= st.base and e <= st.nhalf and L["start"][s] and L["bound"][e]
        if in_window and L["uxp"][e] != L["uxp"][s]:
            st.rehook, st.rehook_addr, st.rehook_size = 1, address, size    # install_pending_hooks
            uc.emu_stop()
            return
        prev_seq = st.next_seq
        if address != prev_seq and st.pending_taken:
            st.cycles += st.pending_taken
            st.energy += st.pending_taken_e
            st.dyn_cycles[2] += st.pending_taken
            if st.profile:
                self.prof_dyn[st.pending_e - 1] += st.pending_taken
        now, flow_in = st.cycles, st.pending_flow
        if not in_window:
            st.blk_native = 0
            st.pending_taken = 0
            st.pending_flow = 0
            st.defer_pending = 0
            self._slow(address, size)
            if not st.blk_native:
                st.next_seq = address + size
                if st.profile:
                    self._py_profile_enter(address, now, flow_in, prev_seq, st.slow_fid)
                return
            L = self._L
        fpp = L["fpp"]
        if not st.fpu_enabled and fpp[e] != fpp[s]:
            for i in range(s, e):
                if fpp[i + 1] != fpp[i]:
                    st.fp_fault = st.base + 2 * i + 1
                    break
            uc.emu_stop()
            return
        st.blk_native = 1
        st.blk_cycles, st.blk_instructions, st.blk_energy = st.cycles, st.instructions, st.energy
        st.blk_addr, st.blk_size = address, size
        st.blk_dyn_cycles = st.blk_dyn_energy = 0
        if address != prev_seq:
            st.blk_entry_cycles, st.blk_entry_energy = -L["seq_adj"][s], -L["seq_adj_e"][s]
            self.cnt_jump[s] += 1
        else:
            st.blk_entry_cycles = st.blk_entry_energy = 0
        cyc, nrg = L["cyc"], L["nrg"]
        st.cycles += cyc[e] - cyc[s] + st.blk_entry_cycles
        st.instructions += L["ins"][e] - L["ins"][s]
        st.energy += nrg[e] - nrg[s] + st.blk_entry_energy
        self.cnt_start[s] += 1
        self.cnt_end[e] += 1
        st.next_seq = address + size
        st.pending_taken, st.pending_taken_e = L["taken"][e], L["taken_e"][e]
        st.defer_pending = int(L["dfp"][e] != L["dfp"][s])
        if st.profile:
            st.pending_e = e
            st.pending_flow = L["flow"][e]
            self._py_profile_enter(address, now, flow_in, prev_seq, L["func_id"][s])
            if L["entry_pp"][e] != L["entry_pp"][s + 1]:
                self._py_fall_in(s, e, now)
        if ((st.max_instructions and st.instructions > st.max_instructions) or
                (st.max_cycles and st.cycles > st.max_cycles)):
            st.limit_hit = 1
            uc.emu_stop()

    # the shadow call stack (same as profile_enter in costhook.c)

    def _py_pop(self, now):
        st = self.st
        st.stk_depth -= 1
        k = st.stk_depth
        f = int(self.stk_fid[k])
        self.fn_active[f] -= 1
        if self.fn_active[f] == 0:
            self.fn_incl[f] += np.uint64(now - int(self.stk_cyc[k]))

    def _py_push(self, fid, ret, now, tail):
        st = self.st
        self.fn_calls[fid] += 1
        if st.stk_depth >= st.stk_max:
            st.stk_dropped += 1
            return
        k = st.stk_depth
        st.stk_depth += 1
        self.stk_ret[k], self.stk_cyc[k], self.stk_fid[k], self.stk_tail[k] = ret, now, fid, tail
        self.fn_active[fid] += 1

    def _py_profile_enter(self, address, now, flow, prev_seq, fid):
        st = self.st
        depth = st.stk_depth
        if not st.prof_root:
            st.prof_root = 1
            self._py_push(fid, NO_RET, now, 0)
        elif flow == FLOW_CALL or (flow == FLOW_CCALL and address != prev_seq):
            self._py_push(fid, prev_seq, now, 0)
        elif depth and int(self.stk_ret[depth - 1]) == address:
            self._py_pop(now)
        else:
            found = None
            if flow == FLOW_RET and depth > 1:
                for k in range(depth - 2, max(0, depth - RET_SEARCH) - 1, -1):
                    if int(self.stk_ret[k]) == address:
                        found = k
                        break
            if found is not None:
                while st.stk_depth > found:
                    self._py_pop(now)
            elif fid != st.prev_fid and address == int(self.fn_entry[fid]):
                self._py_tail(fid, now)
        st.prev_fid = fid

    def _py_tail(self, fid, now):
        depth = self.st.stk_depth
        if depth and self.stk_tail[depth - 1]:
            self._py_pop(now)
        self._py_push(fid, NO_RET, now, 1)

    def _py_fall_in(self, s, e, now):
        st, L = self.st, self._L
        pp, fids, cyc = L["entry_pp"], L["func_id"], L["cyc"]
        for i in range(s + 1, e):
            if pp[i + 1] != pp[i] and fids[i] != st.prev_fid:
                self._py_tail(fids[i], now + cyc[i] - cyc[s] + st.blk_entry_cycles)
                st.prev_fid = fids[i]

    def _py_exec(self, uc, address, size, _user):
        st, L = self.st, self._L
        i = (address - st.base) >> 1
        k = L["kind"][i]
        if k == KIND_EXTRA:
            extra = L["exec_extra"][i]
        elif k in (KIND_UDIV, KIND_SDIV):
            n = uc.reg_read(L["div_rn"][i])
            d = uc.reg_read(L["div_rm"][i])
            extra = divide_cycles(n, d, k == KIND_SDIV, st.div_min, st.div_max, st.div_bits) - L["exec_base"][i]
        else:
            return
        en = extra * L["class_e"][L["eclass"][i]]
        st.cycles += extra
        st.energy += en
        st.blk_dyn_cycles += extra
        st.blk_dyn_energy += en
        st.dyn_cycles[L["eclass"][i]] += extra
        if st.profile:
            self.prof_dyn[i] += extra

    def _py_flash(self, uc, access, address, size, value, _user):
        _clear_stale_itstate(uc)
        st, L = self.st, self._L
        st.flash_reads += 1
        if st.flash_line_shift:
            line = (address >> st.flash_line_shift) + 1
            if line == st.last_line:
                return
            st.last_line = line
        ws = st.flash_ws
        ce = L["class_e"]
        en = ws * ce[st.flash_class] + (ce[st.flash_class] - ce[st.load_class])
        st.cycles += ws
        st.energy += en
        st.blk_dyn_cycles += ws
        st.blk_dyn_energy += en
        st.dyn_cycles[st.flash_class] += ws
        if st.profile:
            pc = uc.reg_read(arm_const.UC_ARM_REG_PC) & ~1
            i = (pc - st.base) >> 1
            if pc >= st.base and i < st.nhalf:
                self.prof_dyn[i] += ws
            else:
                st.prof_outside += ws

    # -- conditional instructions evaluated after their block (KIND_DEFER)

    def _deferred(self, upto=None):
        """[(halfword, extra cycles)] of the current block's KIND_DEFER instructions (up to
        and including the one at halfword upto) whose condition holds on the flags now."""
        st, tb = self.st, self.tables
        s = (st.blk_addr - tb.base) >> 1
        e = (st.blk_addr + st.blk_size - tb.base) >> 1 if upto is None else upto + 1
        xpsr = self._uc.reg_read(arm_const.UC_ARM_REG_XPSR)
        return [(i, int(tb.exec_extra[i])) for i in range(s, e)
                if tb.kind[i] == KIND_DEFER and condition_passed(int(tb.cond[i]), xpsr)]

    def resolve_deferred(self):
        """Charge the last block's KIND_DEFER instructions that executed (the block hook
        does this at the next block; the machine calls it once more after the run)."""
        st = self.st
        if not st.defer_pending:
            return
        st.defer_pending = 0
        for i, extra in self._deferred():
            cls = int(self.tables.eclass[i])
            st.cycles += extra
            st.energy += extra * int(self.tables.class_aj[cls])
            st.dyn_cycles[cls] += extra
            if st.profile:
                self.prof_dyn[i] += extra

    # -- queries during a run

    def block(self):
        """(address, size, cycles at its start) of the block being executed."""
        st = self.st
        return int(st.blk_addr), int(st.blk_size), int(st.blk_cycles)

    def _within_block(self, pc):
        st = self.st
        pc &= ~1
        return st.blk_addr <= pc < st.blk_addr + st.blk_size

    def _at(self, pc):
        """(cycles, instructions, energy_aj) up to and including the instruction at pc."""
        st, tb = self.st, self.tables
        pc &= ~1
        if not self._within_block(pc):
            return int(st.cycles), int(st.instructions), int(st.energy)
        if not st.blk_native:
            c = n = en = 0
            for a, sz, cc, ee, _, _ in self._foreign_blk:
                if a > pc:
                    break
                c, n, en = c + cc, n + 1, en + ee
            return (int(st.blk_cycles) + c + int(st.blk_dyn_cycles), int(st.blk_instructions) + n,
                    int(st.blk_energy) + en + int(st.blk_dyn_energy))
        s = (st.blk_addr - tb.base) >> 1
        i = (pc - tb.base) >> 1
        e = i + max(1, int(tb.size[i]) // 2)
        cycles = int(st.blk_cycles) + int(tb.cyc[e] - tb.cyc[s]) + int(st.blk_entry_cycles) + int(st.blk_dyn_cycles)
        instrs = int(st.blk_instructions) + int(tb.ins[e] - tb.ins[s])
        energy = int(st.blk_energy) + int(tb.nrg[e] - tb.nrg[s]) + int(st.blk_entry_energy) + \
            int(st.blk_dyn_energy)
        if st.defer_pending:
            for k, extra in self._deferred(upto=i):
                cycles += extra
                energy += extra * int(tb.class_aj[int(tb.eclass[k])])
        return cycles, instrs, energy

    def at(self, pc: int):
        """(cycles, instructions) up to and including the instruction at pc, which must be
        in the block being executed (true inside MMIO callbacks; see docs)."""
        c, n, _ = self._at(pc)
        return c, n

    def counters_at(self, pc: int):
        """(cycles, instructions, energy in µJ or None) as at(), from one lookup."""
        c, n, e = self._at(pc)
        return c, n, self._energy_uj(e, c)

    def resume_after(self, pc: int):
        """A semihosting BKPT at pc was handled and execution resumes at pc + 2, where
        Unicorn starts a new block: uncharge what the current block counted after pc."""
        st, tb = self.st, self.tables
        pc &= ~1
        if not self._within_block(pc):
            return
        end = st.blk_addr + st.blk_size
        cut = pc + 2
        if cut < end:
            if st.blk_native:
                c, e = (cut - tb.base) >> 1, (end - tb.base) >> 1
                st.cycles -= int(tb.cyc[e] - tb.cyc[c])
                st.instructions -= int(tb.ins[e] - tb.ins[c])
                st.energy -= int(tb.nrg[e] - tb.nrg[c])
                self.cnt_end[e] -= 1
                self.cnt_end[c] += 1
            else:
                for a, sz, cc, ee, _, k in self._foreign_blk:
                    if a >= cut:
                        st.cycles -= cc
                        st.instructions -= 1
                        st.energy -= ee
                        self._foreign_mix[k][0] -= 1
                        self._foreign_mix[k][1] -= cc
                        if self.profile:
                            self._foreign_prof[a] -= cc
            st.blk_size = cut - st.blk_addr
        st.next_seq = cut
        st.pending_taken = st.pending_taken_e = 0
        st.pending_flow = 0

    # -- after a run

    def exec_counts(self) -> np.ndarray:
        """How many times the instruction starting at each halfword of the window ran
        (condition-failed IT instructions included)."""
        return np.cumsum(self.cnt_start.astype(np.int64) - self.cnt_end.astype(np.int64))

    def mix(self) -> dict:
        """Instructions and cycles by class over the whole run so far."""
        tb = self.tables
        counts = self.exec_counts()
        out = {}
        dyn = list(self.st.dyn_cycles)
        for k, name in enumerate(CLASSES):
            sel = tb.start.astype(bool) & (tb.eclass == k)
            n = int(counts[sel].sum())
            c = int((counts[sel] * tb.cost[sel]).sum()) + int(dyn[k]) - \
                int((self.cnt_jump[sel].astype(np.int64) * tb.seq_adj[sel]).sum())
            n += self._foreign_mix[k][0]
            c += self._foreign_mix[k][1]
            if n or c:
                out[name] = {"instructions": n, "cycles": c}
        return out

    def profile_data(self) -> dict:
        """Per-function counters of the run so far, by function id (self.function_map):
        {"map", "self", "inclusive", "calls"} (int64 arrays). Self cycles: the static cost
        of each executed instruction (execution counts x cost, less the pairing part when
        entered by a jump) plus the dynamic cycles charged to it; code outside the window
        by address; dynamic cycles outside it to id 0. Inclusive: closed activations plus
        those still on the shadow stack, closed at the current cycle count."""
        if not self.profile:
            raise UsageError("this run was not profiled: pass profile=True (CLI: --profile)")
        tb, st, fmap = self.tables, self.st, self.function_map
        per_half = self.exec_counts() * tb.cost - self.cnt_jump.astype(np.int64) * tb.seq_adj + self.prof_dyn
        self_ = np.zeros(len(fmap), np.int64)
        np.add.at(self_, self.func_id, per_half)
        for address, cycles in self._foreign_prof.items():
            self_[fmap.id_at(address)] += cycles
        self_[0] += int(st.prof_outside)
        incl = self.fn_incl.astype(np.int64)
        active = self.fn_active.astype(np.int64)
        now = self.cycles
        for k in range(int(st.stk_depth) - 1, -1, -1):     # close the open frames, innermost first
            f = int(self.stk_fid[k])
            active[f] -= 1
            if active[f] == 0:
                incl[f] += now - int(self.stk_cyc[k])
        return {"map": fmap, "self": self_, "inclusive": incl, "calls": self.fn_calls.astype(np.int64)}

    def energy_breakdown(self) -> dict | None:
        """µJ by class (dynamic) plus 'static'."""
        if self.energy_model is None:
            return None
        out = {name: v["cycles"] * self.energy_model.pj_per_cycle[name] * 1e-6 for name, v in self.mix().items()}
        out["static"] = self.energy_model.static_mw * 1e3 * self.cycles / self.core.clock_hz
        return out
