/* k_arm_v6m.h - what the optimized kernels' ARMv6-M (Cortex-M0+) code shares: the
 * callee-saved register save/restore of its naked asm routines, and k_rq (k_arm_dsp.h)
 * without a long multiply. */
#ifndef K_ARM_V6M_H
#define K_ARM_V6M_H

#include <stdint.h>

/* Save r4-r11 at entry / restore them and return: PUSH/POP reach only r0-r7, LR, PC. */
#define K_V6M_SAVE_R4_R11 \
  "push {r4-r7, lr}\n\tmov r4, r8\n\tmov r5, r9\n\tmov r6, r10\n\tmov r7, r11\n\tpush {r4-r7}\n\t"
#define K_V6M_RESTORE_R4_R11_RETURN \
  "pop {r4-r7}\n\tmov r8, r4\n\tmov r9, r5\n\tmov r10, r6\n\tmov r11, r7\n\tpop {r4-r7, pc}\n\t"

/* k_rq (k_arm_dsp.h) of one value, with M, rh and sh as k_rq_prepare gives them, without
 * a long multiply (ARMv6-M has none: the compiler would call __aeabi_lmul): the 64-bit
 * a * M from four 16 x 16 -> 32 products, a = ah 2^16 + al, M = mh 2^16 + ml (al, ml
 * unsigned; every partial product fits 32 bits), carries into the high word exact. */
static inline int32_t k_rq_v6m(int32_t a, int32_t M, int32_t rh, int32_t sh) {
  const uint32_t al = (uint32_t)a & 0xffffu, ml = (uint32_t)M & 0xffffu;
  const int32_t ah = a >> 16, mh = M >> 16;
  const uint32_t p0 = al * ml;
  const int32_t p1 = ah * (int32_t)ml, p2 = (int32_t)al * mh;
  int32_t hi = rh + (a >> 31) + ah * mh + (p1 >> 16) + (p2 >> 16);
  uint32_t t = (0x40000000u | ((uint32_t)a & 0x80000000u)) + p0, u;
  hi += t < p0;
  u = (uint32_t)p1 << 16;
  t += u;
  hi += t < u;
  u = (uint32_t)p2 << 16;
  t += u;
  hi += t < u;
  return hi >> sh;
}

/* k_rq_v6m's 64-bit product in Thumb-1, for the asm kernels: r7:r6 (high:low words) +=
 * a * M, with a in r0 (destroyed), M = mh 2^16 + ml in r2 (mh, signed) and r1 (ml,
 * unsigned 16 bits), both kept; T1, T2, T3: scratch low registers. 18 instructions, 4 MULS. */
#define K_V6M_MULACC64(T1, T2, T3)                                                         \
  "uxth " T1 ", r0\n\tasrs " T2 ", r0, #16\n\tmov r0, " T1 "\n\tmuls r0, r1, r0\n\t"              \
  "muls " T1 ", r2, " T1 "\n\tmov " T3 ", " T2 "\n\tmuls " T3 ", r2, " T3 "\n\t"                     \
  "muls " T2 ", r1, " T2 "\n\tadds r6, r6, r0\n\tadcs r7, " T3 "\n\t"                             \
  "lsls r0, " T2 ", #16\n\tasrs " T2 ", " T2 ", #16\n\tadds r6, r6, r0\n\tadcs r7, " T2 "\n\t"     \
  "lsls r0, " T1 ", #16\n\tasrs " T1 ", " T1 ", #16\n\tadds r6, r6, r0\n\tadcs r7, " T1 "\n\t"

#endif /* K_ARM_V6M_H */
