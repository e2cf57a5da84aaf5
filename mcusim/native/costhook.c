/* costhook.c - the cost model's per-block accounting at native speed.
 *
 * Registered on the Unicorn handle through its C API (uc_hook_add) by
 * mcusim/costmodel.py, which owns every array below (numpy buffers that live as long
 * as the Accounting object) and the state struct (a ctypes Structure with the same
 * layout). Nothing here allocates; nothing here is called concurrently.
 *
 * The model (docs/cost-model.md):
 *   - static cost: per-instruction cycles, instruction counts and energy are prefix
 *     sums over the halfwords of the decoded code window, so a translation block
 *     [s, e) costs P[e] - P[s] whatever Unicorn's block boundaries are;
 *   - seq_adj[i]: the part of instruction i's cost that holds only when the
 *     instruction before it in memory executed just before it (load pipelining,
 *     address-generation stall, M7 dual issue, fetch-line crossing); undone when a
 *     block is entered from anywhere else;
 *   - taken[e]: refill penalty of a conditional branch-type instruction that ends at
 *     halfword e, charged at the next block start when that start is not the
 *     fall-through address;
 *   - conditional (IT-block) instructions whose executed cost differs from the
 *     condition-failed cost: when no instruction from them up to the next branch writes
 *     the flags (KIND_DEFER), their condition is tested on the flags at the next block
 *     start (resolve_deferred); the others get exec hooks. Every UC_HOOK_CODE hook
 *     lengthens the list Unicorn walks at each hooked instruction, so few is fast;
 *   - exec hooks (UC_HOOK_CODE on single addresses): the conditional instructions
 *     above that cannot wait, and UDIV/SDIV whose cycles follow from their operands.
 *     They are added as their block first runs: the block hook stops the run before
 *     such a block (rehook), Python hooks it, drops its translations and resumes there;
 *   - flash data reads (UC_HOOK_MEM_READ on the flash range): wait states.
 * With profiling on (profile = 1; docs/cost-model.md "Per-function profile"), dynamic
 * cycles are also kept per halfword (prof_dyn, charged to the instruction that caused
 * them) and a shadow call stack gives each function's calls and inclusive cycles.
 * Blocks outside the window, or starting where the linear-sweep decode did not put an
 * instruction boundary, go to the Python slow path (it re-decodes and patches the
 * arrays in place, or charges the block itself).
 */
#include <stdint.h>
#include <stddef.h>

#define NCLASS 10
#define KIND_EXTRA 1
#define KIND_UDIV 2
#define KIND_SDIV 3
#define KIND_DEFER 4
#define FLOW_CALL 1      /* flow[e]: the instruction ending at e is BL/BLX */
#define FLOW_RET 2       /*          an indirect branch (BX, POP/LDM/LDR PC, MOV PC) */
#define FLOW_CCALL 3     /*          BL/BLX inside an IT block (a call only if taken) */
#define NO_RET UINT64_MAX
#define RET_SEARCH 16    /* frames searched below the top for a return address */

typedef int (*reg_read_fn)(void *uc, int regid, void *value);
typedef int (*reg_write_fn)(void *uc, int regid, const void *value);
typedef int (*emu_stop_fn)(void *uc);
typedef int (*slow_fn)(uint64_t address, uint32_t size);

typedef struct {
    /* configuration (set once by Python) */
    uint64_t base;              /* address of halfword 0 of the window */
    uint64_t nhalf;             /* halfwords in the window */
    const int64_t *cyc;         /* [nhalf+1] prefix sums of static cycles */
    const int64_t *ins;         /* [nhalf+1] prefix instruction counts */
    const int64_t *nrg;         /* [nhalf+1] prefix energy, attojoules */
    const int64_t *fpp;         /* [nhalf+1] prefix count of FP instructions */
    const uint8_t *start;       /* [nhalf+1] 1: an instruction starts here (decoded) */
    const uint8_t *bound;       /* [nhalf+1] 1: an instruction starts or ends here */
    const int32_t *seq_adj;     /* [nhalf+1] sequential-only part of the cost at i */
    const int64_t *seq_adj_e;
    const int32_t *taken;       /* [nhalf+1] penalty if the insn ending at e branched */
    const int64_t *taken_e;
    const uint8_t *eclass;      /* [nhalf+1] energy class of the instruction at i */
    const uint8_t *kind;        /* [nhalf+1] exec-hook kind of the instruction at i */
    const int32_t *exec_extra;  /* [nhalf+1] KIND_EXTRA: cycles added when executed */
    const int32_t *exec_base;   /* [nhalf+1] DIV: static cycles already charged */
    const uint8_t *div_rn;      /* [nhalf+1] DIV: Unicorn register ids */
    const uint8_t *div_rm;
    const uint8_t *cond;        /* [nhalf+1] KIND_DEFER: condition (0 EQ ... 14 always) */
    const int64_t *dfp;         /* [nhalf+1] prefix count of KIND_DEFER instructions */
    uint64_t *cnt_start;        /* [nhalf+1] block executions starting at i */
    uint64_t *cnt_end;          /* [nhalf+1] block executions ending at i */
    uint64_t *cnt_jump;         /* [nhalf+1] blocks entered at i other than by fall-through */
    const int64_t *class_e;     /* [NCLASS] energy per cycle, attojoules */
    int32_t div_min, div_max, div_bits;  /* divide timing: see costmodel.divide_cycles */
    int32_t flash_ws;           /* wait states per flash data access (0: hook absent) */
    uint32_t flash_line_shift;  /* log2 line bytes of the data line buffer (0: none) */
    int32_t flash_class;        /* energy class of flash reads */
    int32_t load_class;
    uint64_t max_instructions;  /* 0: no limit */
    uint64_t max_cycles;        /* 0: no limit */
    reg_read_fn reg_read;
    emu_stop_fn emu_stop;
    slow_fn slow;
    reg_write_fn reg_write;
    int32_t xpsr_regid;
    /* state */
    uint64_t cycles, instructions;
    int64_t energy;
    uint64_t blk_cycles, blk_instructions;   /* totals before the current block */
    int64_t blk_energy;
    uint64_t blk_addr, blk_size;             /* current block */
    int64_t blk_dyn_cycles, blk_dyn_energy;  /* dynamic terms charged inside it */
    int64_t blk_entry_cycles, blk_entry_energy; /* entry adjustment of it */
    int32_t blk_native;                      /* 1: the block is in the window */
    uint64_t next_seq;                       /* fall-through address of the last block */
    int64_t pending_taken, pending_taken_e;  /* taken-branch penalty if next is not next_seq */
    uint64_t last_line;                      /* flash line in the data line buffer + 1 */
    uint64_t fp_fault;                       /* address + 1 of a refused FP instruction */
    int32_t fpu_enabled;
    int32_t limit_hit;
    uint64_t dyn_cycles[NCLASS];             /* dynamic cycles by energy class */
    uint64_t flash_reads;
    /* per-function profile (all NULL / 0 unless profile = 1) */
    int32_t profile;
    int32_t pc_regid;
    int64_t *prof_dyn;          /* [nhalf+1] dynamic cycles charged to the instruction at i */
    const int32_t *func_id;     /* [nhalf+1] function id of halfword i (0: no symbol) */
    const uint8_t *flow;        /* [nhalf+1] FLOW_* of the instruction ending at e */
    const uint64_t *fn_entry;   /* [nfunc] entry address of each function (NO_RET: none) */
    const int32_t *entry_pp;    /* [nhalf+1] function entries at halfwords < i */
    uint64_t *fn_incl;          /* [nfunc] inclusive cycles (outermost activations) */
    uint64_t *fn_calls;         /* [nfunc] calls (BL/BLX into it, tail calls, the reset) */
    uint32_t *fn_active;        /* [nfunc] activations on the shadow stack */
    uint64_t *stk_ret;          /* [stk_max] shadow call stack: return address */
    uint64_t *stk_cyc;          /*           cycles when the callee was entered */
    int32_t *stk_fid;           /*           callee */
    uint8_t *stk_tail;          /*           1: entered by a tail call (no return address) */
    uint64_t stk_depth, stk_max, stk_dropped;
    uint64_t pending_e;         /* end halfword of the last native block */
    int32_t pending_flow;       /* FLOW_* of the last block's final instruction */
    int32_t prof_root;          /* 1: the root frame is pushed */
    int64_t prev_fid;           /* function of the last block */
    int64_t slow_fid;           /* function of a block charged by the slow path */
    uint64_t prof_outside;      /* dynamic cycles of code outside the window */
    int32_t defer_pending;      /* 1: the current block holds KIND_DEFER instructions */
    const int64_t *uxp;         /* [nhalf+1] prefix count of exec-hook instructions not hooked yet */
    int32_t rehook;             /* 1: stopped before the block below: Python hooks it, resumes there */
    uint64_t rehook_addr, rehook_size;
} acct_t;

static inline void check_limits(acct_t *a, void *uc) {
    if ((a->max_instructions && a->instructions > a->max_instructions) ||
        (a->max_cycles && a->cycles > a->max_cycles)) {
        a->limit_hit = 1;
        a->emu_stop(uc);
    }
}

/* ---- per-function profile: a shadow call stack (docs/cost-model.md) ---- */

static inline void prof_pop(acct_t *a, uint64_t now) {
    uint64_t k = --a->stk_depth;
    int32_t f = a->stk_fid[k];
    if (--a->fn_active[f] == 0) a->fn_incl[f] += now - a->stk_cyc[k];
}

static inline void prof_push(acct_t *a, int32_t fid, uint64_t ret, uint64_t now, uint8_t tail) {
    a->fn_calls[fid]++;
    if (a->stk_depth >= a->stk_max) {
        a->stk_dropped++;
        return;
    }
    uint64_t k = a->stk_depth++;
    a->stk_ret[k] = ret;
    a->stk_cyc[k] = now;
    a->stk_fid[k] = fid;
    a->stk_tail[k] = tail;
    a->fn_active[fid]++;
}

/* Another function's entry reached by a jump, or by falling through into it: a tail
 * call. A tail frame has no return address; it replaces a tail frame on top, and it is
 * popped with the frame below it when that frame's return address is reached. */
static inline void prof_tail(acct_t *a, int32_t fid, uint64_t now) {
    if (a->stk_depth && a->stk_tail[a->stk_depth - 1]) prof_pop(a, now);
    prof_push(a, fid, NO_RET, now, 1);
}

/* A block of function fid starts at address; now = cycles before its own cost; flow =
 * how the previous block ended; prev_seq = its fall-through address. */
static void profile_enter(acct_t *a, uint64_t address, uint64_t now, int32_t flow, uint64_t prev_seq,
                          int32_t fid) {
    if (!a->prof_root) {                 /* the reset: the root frame, never returned from */
        a->prof_root = 1;
        prof_push(a, fid, NO_RET, now, 0);
    } else if (flow == FLOW_CALL || (flow == FLOW_CCALL && address != prev_seq)) {
        prof_push(a, fid, prev_seq, now, 0);
    } else if (a->stk_depth && a->stk_ret[a->stk_depth - 1] == address) {
        prof_pop(a, now);
    } else {
        uint64_t found = NO_RET;
        if (flow == FLOW_RET && a->stk_depth > 1) {   /* unwinding past tail or lost frames */
            uint64_t lo = a->stk_depth > RET_SEARCH ? a->stk_depth - RET_SEARCH : 0;
            for (uint64_t k = a->stk_depth - 1; k-- > lo;) {
                if (a->stk_ret[k] == address) {
                    found = k;
                    break;
                }
            }
        }
        if (found != NO_RET) {
            while (a->stk_depth > found) prof_pop(a, now);
        } else if (fid != a->prev_fid && address == a->fn_entry[fid]) {
            prof_tail(a, fid, now);
        }
    }
    a->prev_fid = fid;
}

/* The block [s, e) runs on into other functions' entries (code falling through from
 * one function into the next): each entry is a tail call at the cycles before it. */
static void profile_fall_in(acct_t *a, uint64_t s, uint64_t e, uint64_t now) {
    for (uint64_t i = s + 1; i < e; i++) {
        if (a->entry_pp[i + 1] != a->entry_pp[i] && a->func_id[i] != a->prev_fid) {
            prof_tail(a, a->func_id[i], now + (uint64_t)(a->cyc[i] - a->cyc[s] + a->blk_entry_cycles));
            a->prev_fid = a->func_id[i];
        }
    }
}

/* The Arm condition test (ARMv7-M ARM A7.3) on the NZCV flags of xPSR. */
static inline int condition_passed(uint32_t cond, uint32_t xpsr) {
    uint32_t n = (xpsr >> 31) & 1, z = (xpsr >> 30) & 1, c = (xpsr >> 29) & 1, v = (xpsr >> 28) & 1;
    uint32_t r;
    switch (cond >> 1) {
    case 0: r = z; break;
    case 1: r = c; break;
    case 2: r = n; break;
    case 3: r = v; break;
    case 4: r = c && !z; break;
    case 5: r = n == v; break;
    case 6: r = n == v && !z; break;
    default: r = 1; break;
    }
    return (int)(r ^ (cond & 1));
}

/* The block that just ended: charge its KIND_DEFER instructions whose condition holds
 * on the flags now (= the flags they were tested with: see the top of this file). */
static void resolve_deferred(acct_t *a, void *uc) {
    uint32_t xpsr = 0;
    a->defer_pending = 0;
    a->reg_read(uc, a->xpsr_regid, &xpsr);
    uint64_t s = (a->blk_addr - a->base) >> 1, e = (a->blk_addr + a->blk_size - a->base) >> 1;
    for (uint64_t i = s; i < e; i++) {
        if (a->kind[i] != KIND_DEFER || !condition_passed(a->cond[i], xpsr)) continue;
        int64_t extra = a->exec_extra[i];
        a->cycles += (uint64_t)extra;
        a->energy += extra * a->class_e[a->eclass[i]];
        a->dyn_cycles[a->eclass[i]] += (uint64_t)extra;
        if (a->profile) a->prof_dyn[i] += extra;
    }
}

void mcusim_block(void *uc, uint64_t address, uint32_t size, void *user) {
    acct_t *a = (acct_t *)user;
    if (a->defer_pending) resolve_deferred(a, uc);
    uint64_t off = address - a->base;
    uint64_t s = off >> 1, e = (off + size) >> 1;
    int in_window = address >= a->base && e <= a->nhalf && a->start[s] && a->bound[e];
    if (in_window && a->uxp[e] != a->uxp[s]) {   /* an exec-hook instruction without its hook */
        a->rehook = 1;                            /* stop before the block: Python hooks it */
        a->rehook_addr = address;
        a->rehook_size = size;
        a->emu_stop(uc);
        return;
    }
    uint64_t prev_seq = a->next_seq;
    /* the previous block's last instruction: a conditional branch that was taken */
    if (address != prev_seq && a->pending_taken) {
        a->cycles += (uint64_t)a->pending_taken;
        a->energy += a->pending_taken_e;
        a->dyn_cycles[2] += (uint64_t)a->pending_taken;   /* class 2 = branch */
        if (a->profile) a->prof_dyn[a->pending_e - 1] += a->pending_taken;
    }
    uint64_t now = a->cycles;
    int32_t flow_in = a->pending_flow;
    if (!in_window) {
        a->blk_native = 0;
        a->pending_taken = 0;
        a->pending_flow = 0;
        a->defer_pending = 0;
        a->slow(address, size);      /* charges the block, or patches and comes back */
        if (!a->blk_native) {
            a->next_seq = address + size;
            if (a->profile) profile_enter(a, address, now, flow_in, prev_seq, (int32_t)a->slow_fid);
            return;
        }
        /* patched: the arrays now cover the block */
    }
    if (!a->fpu_enabled && a->fpp[e] != a->fpp[s]) {
        for (uint64_t i = s; i < e; i++) {
            if (a->fpp[i + 1] != a->fpp[i]) {
                a->fp_fault = a->base + 2 * i + 1;
                break;
            }
        }
        a->emu_stop(uc);
        return;
    }
    a->blk_native = 1;
    a->blk_cycles = a->cycles;
    a->blk_instructions = a->instructions;
    a->blk_energy = a->energy;
    a->blk_addr = address;
    a->blk_size = size;
    a->blk_dyn_cycles = 0;
    a->blk_dyn_energy = 0;
    if (address != prev_seq) {
        a->blk_entry_cycles = -(int64_t)a->seq_adj[s];
        a->blk_entry_energy = -a->seq_adj_e[s];
        a->cnt_jump[s]++;
    } else {
        a->blk_entry_cycles = 0;
        a->blk_entry_energy = 0;
    }
    a->cycles += (uint64_t)(a->cyc[e] - a->cyc[s] + a->blk_entry_cycles);
    a->instructions += (uint64_t)(a->ins[e] - a->ins[s]);
    a->energy += a->nrg[e] - a->nrg[s] + a->blk_entry_energy;
    a->cnt_start[s]++;
    a->cnt_end[e]++;
    a->next_seq = address + size;
    a->pending_taken = a->taken[e];
    a->pending_taken_e = a->taken_e[e];
    a->defer_pending = a->dfp[e] != a->dfp[s];
    if (a->profile) {
        a->pending_e = e;
        a->pending_flow = a->flow[e];
        profile_enter(a, address, now, flow_in, prev_seq, a->func_id[s]);
        if (a->entry_pp[e] != a->entry_pp[s + 1]) profile_fall_in(a, s, e, now);
    }
    check_limits(a, uc);
}

static inline uint32_t clz32(uint32_t x) { return x ? (uint32_t)__builtin_clz(x) : 32u; }

int32_t mcusim_divide_cycles(const acct_t *a, uint32_t n, uint32_t d, int is_signed) {
    if (is_signed) {
        n = (int32_t)n < 0 ? 0u - n : n;
        d = (int32_t)d < 0 ? 0u - d : d;
    }
    if (d == 0 || n < d) return a->div_min;
    int32_t q = (int32_t)clz32(d) - (int32_t)clz32(n) + 1;   /* quotient bits */
    int32_t c = 1 + (q + a->div_bits - 1) / a->div_bits;
    if (c < a->div_min) c = a->div_min;
    if (c > a->div_max) c = a->div_max;
    return c;
}

void mcusim_exec(void *uc, uint64_t address, uint32_t size, void *user) {
    acct_t *a = (acct_t *)user;
    (void)size;
    uint64_t i = (address - a->base) >> 1;
    if (address < a->base || i >= a->nhalf) return;
    int64_t extra;
    uint8_t k = a->kind[i];
    if (k == KIND_EXTRA) {
        extra = a->exec_extra[i];
    } else if (k == KIND_UDIV || k == KIND_SDIV) {
        uint32_t n = 0, d = 0;
        a->reg_read(uc, a->div_rn[i], &n);
        a->reg_read(uc, a->div_rm[i], &d);
        extra = mcusim_divide_cycles(a, n, d, k == KIND_SDIV) - a->exec_base[i];
    } else {
        return;
    }
    int64_t en = extra * a->class_e[a->eclass[i]];
    a->cycles += (uint64_t)extra;
    a->energy += en;
    a->blk_dyn_cycles += extra;
    a->blk_dyn_energy += en;
    a->dyn_cycles[a->eclass[i]] += (uint64_t)extra;
    if (a->profile) a->prof_dyn[i] += extra;
}

/* Unicorn 2.1.4 work-around (seen on this project, docs/cost-model.md): when a memory hook
 * fires for an access made inside an IT block, Unicorn restores the CPU state of that
 * instruction, IT bits included, into env->condexec_bits; the translated code never
 * writes them back when the IT block ends inside the same translation block, so the next
 * block is translated as if still in the IT block (a B<cc> there is UNDEFINED). Clearing
 * the IT bits here is right: if the block ends inside the IT block, QEMU stores the true
 * IT state at the block's end anyway. */
static inline void clear_stale_itstate(acct_t *a, void *uc) {
    uint32_t xpsr = 0;
    a->reg_read(uc, a->xpsr_regid, &xpsr);
    if (xpsr & 0x0600FC00u) {
        xpsr &= ~0x0600FC00u;
        a->reg_write(uc, a->xpsr_regid, &xpsr);
    }
}

int mcusim_flash_read(void *uc, int type, uint64_t address, int size, int64_t value, void *user) {
    acct_t *a = (acct_t *)user;
    (void)type; (void)size; (void)value;
    clear_stale_itstate(a, uc);
    a->flash_reads++;
    if (a->flash_line_shift) {
        uint64_t line = (address >> a->flash_line_shift) + 1;
        if (line == a->last_line) return 1;
        a->last_line = line;
    }
    int64_t ws = a->flash_ws;
    int64_t en = ws * a->class_e[a->flash_class] + (a->class_e[a->flash_class] - a->class_e[a->load_class]);
    a->cycles += (uint64_t)ws;
    a->energy += en;
    a->blk_dyn_cycles += ws;
    a->blk_dyn_energy += en;
    a->dyn_cycles[a->flash_class] += (uint64_t)ws;
    if (a->profile) {   /* the PC is exact inside a memory hook: charge the loading instruction */
        uint32_t pc = 0;
        a->reg_read(uc, a->pc_regid, &pc);
        pc &= ~1u;
        uint64_t i = ((uint64_t)pc - a->base) >> 1;
        if (pc >= a->base && i < a->nhalf) a->prof_dyn[i] += ws;
        else a->prof_outside += (uint64_t)ws;
    }
    return 1;
}

/* The layout check: Python compares this with ctypes.sizeof of its Structure. */
uint64_t mcusim_state_size(void) { return sizeof(acct_t); }

/* A memory hook that does nothing: while any UC_HOOK_MEM_READ/WRITE hook exists, Unicorn
 * keeps the guest PC exact at every load and store, so MMIO callbacks see the PC of the
 * accessing instruction (without one they see the block's start). */
int mcusim_mem_nop(void *uc, int type, uint64_t address, int size, int64_t value, void *user) {
    (void)type; (void)address; (void)size; (void)value;
    clear_stale_itstate((acct_t *)user, uc);
    return 1;
}
