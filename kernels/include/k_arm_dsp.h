/* k_arm_dsp.h - building blocks shared by the optimized int8 kernels (kernels/optimized/):
 * the Armv7E-M / Armv8-M DSP extension through ACLE intrinsics, an exact fast form of
 * TFLite's requantization, and packed clamping and storing of int8 results.
 *
 * K_ARM_DSP is 1 when the compiler targets a core with the DSP extension (Cortex-M4,
 * M4F, M7, M33 with DSP: __ARM_FEATURE_DSP). Everything that emits a DSP instruction is
 * inside #if K_ARM_DSP, so an image for a core without it (M0+, M3, or the host build)
 * never contains one; optimized kernels use plain C there (the reference code, or a
 * plain-C path of their own). k_rq and k_rq_prepare are plain C and serve both.
 *
 * Packed int16 layout ("pair order"): SXTB16 splits a word of four int8 values
 * [v0 v1 v2 v3] into the halfword pairs (v0, v2) and, rotated by 8, (v1, v3). The
 * kernels keep activations that they expand to int16 in that same order - (x0, x2)
 * then (x1, x3) for every four consecutive values - so that one SMLAD multiplies two
 * activations by the two weights SXTB16 extracted, with no reordering of the weights.
 *
 * Exact requantization (k_rq): TFLite's MultiplyByQuantizedMultiplier(a, M, shift)
 * for shift <= -2, i.e. a rounding doubling high multiply followed by a rounding right
 * shift by e = -shift (see mcu_quant.h), is
 *     floor((a*M + 2^30 + 2^(30+e) - [a < 0] * 2^31) / 2^(31+e))
 * for any int32 a and any multiplier 0 <= M < 2^31. (The doubling high multiply is
 * floor((a*M + 2^30) / 2^31) for every a*M, as its "nudge" and truncation toward zero
 * amount to that; the rounding shift is floor((y + 2^(e-1) - [y < 0]) / 2^e), and
 * nested floors of divisions combine. y < 0 can be replaced by a < 0: they differ only
 * when -2^30 <= a*M < 0, where both forms give 0 once e >= 1.) With the 64-bit sum in
 * two words, the division is an arithmetic shift of the high word by e - 1, and the
 * 2^(30+e) term only adds 2^(e-2) to the high word (e >= 2): one SMLAL and four
 * single-cycle instructions. Checked against the two-step rule on rounding ties and
 * random operands by tests/test_optimized_kernels.py (test_k_rq_identity_...). */
#ifndef K_ARM_DSP_H
#define K_ARM_DSP_H

#include <stdint.h>

#include "mcu_quant.h"

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define K_ARM_DSP 1
#include <arm_acle.h>
#else
#define K_ARM_DSP 0
#endif

/* For code paths that run rarely (padding borders, odd leftovers, the general
 * requantization): compiled for size, so the fast paths' code is not paid twice. */
#define K_COLD __attribute__((noinline, minsize))

/* For a rarely taken branch inside a hot loop of the plain-C paths (the general
 * requantization of a channel): out of line (K_COLD) on Thumb-1 cores (ARMv6-M: M0,
 * M0+), whose eight low registers the hot loop needs; inline elsewhere, where that
 * measured faster (Cortex-M3). */
#if defined(__ARM_ARCH_ISA_THUMB) && __ARM_ARCH_ISA_THUMB == 1
#define K_RARE K_COLD
#else
#define K_RARE inline __attribute__((always_inline))
#endif

/* 1 when a * b * c <= limit (all >= 1), computed without overflow: guards fast paths
 * whose buffers or lane widths depend on a filter's size. */
static inline int k_product_le(int32_t a, int32_t b, int32_t c, int32_t limit) {
  if (a < 1 || b < 1 || c < 1) return 0;
  return (int64_t)a * b <= limit && (int64_t)a * b * c <= limit;
}

/* Unaligned 32/16-bit accesses (Armv7-M and Armv8-M Mainline allow them for LDR/STR and
 * LDRH/STRH; the compiler emits one instruction). */
static inline uint32_t k_ld32(const void *p) {
  uint32_t v;
  __builtin_memcpy(&v, p, 4);
  return v;
}
static inline void k_st16(void *p, uint32_t v) {
  uint16_t h = (uint16_t)v;
  __builtin_memcpy(p, &h, 2);
}
static inline void k_st32(void *p, uint32_t v) { __builtin_memcpy(p, &v, 4); }

/* Per-output-channel requantization constants for k_rq: valid when k_rq_prepare
 * returns 1 (-31 <= shift <= -2, or a zero multiplier, which gives 0 whatever the
 * shift). */
typedef struct {
  int32_t mult; /* Q31 multiplier M */
  int32_t rh;   /* 2^(e-2): the rounding term, added to the high word */
  int32_t sh;   /* e - 1: the final arithmetic shift of the high word */
} k_rq_ch;

static inline int k_rq_prepare(int32_t mult, int32_t shift, k_rq_ch *c) {
  int32_t e = -shift;
  if (e < 2 || e > 31) { /* (mcu_quantize_multiplier never gives e > 31) */
    if (mult != 0) return 0;
    e = 2;
  }
  c->mult = mult;
  c->sh = e - 1;
  c->rh = (int32_t)1 << (e - 2);
  return 1;
}

/* MultiplyByQuantizedMultiplier(a, c->mult, -(c->sh + 1)), bit-exact (see above). */
static inline int32_t k_rq(int32_t a, int32_t mult, int32_t rh, int32_t sh) {
  const uint32_t lo = 0x40000000u | ((uint32_t)a & 0x80000000u);
  const int32_t hi = rh + (a >> 31);
  const int64_t t = (int64_t)(((uint64_t)(uint32_t)hi << 32) | lo) + (int64_t)a * mult;
  return (int32_t)(t >> 32) >> sh;
}

/* The exact TFLite rule for any (multiplier, shift): the slow path. */
static inline int32_t k_rq_any(int32_t a, int32_t mult, int32_t shift) {
  return mcu_multiply_by_quantized_multiplier(a, mult, shift);
}

/* Fill byte b into all four bytes of a word. */
static inline uint32_t k_splat8(int32_t b) { return (uint32_t)(uint8_t)b * 0x01010101u; }

#if K_ARM_DSP

/* Bytewise signed clamp of four packed int8 values to [lo, hi] (each a splatted byte):
 * SSUB8 sets the GE flags per byte where v >= bound, SEL picks per byte. In asm so that
 * the compiler cannot separate the flag-setting SSUB8 from its SEL. */
static inline uint32_t k_clamp8x4(uint32_t v, uint32_t lo4, uint32_t hi4) {
  uint32_t t;
  __asm__("ssub8 %[t], %[v], %[lo]\n\t"
          "sel %[v], %[v], %[lo]\n\t"
          "ssub8 %[t], %[v], %[hi]\n\t"
          "sel %[v], %[hi], %[v]"
          : [v] "+r"(v), [t] "=&r"(t)
          : [lo] "r"(lo4), [hi] "r"(hi4)
          : "cc");
  return v;
}

/* Two int32 results (already offset) saturated to int8 and packed into the low
 * halfword: byte 0 = a, byte 1 = b (the upper halfword is not meaningful). */
static inline uint32_t k_pack8x2(int32_t a, int32_t b) {
  uint32_t lo = (uint32_t)__ssat(a, 8), hi = (uint32_t)__ssat(b, 8);
  return (lo & 0xffu) | (hi << 8);
}

/* Four int8 values [b0 b1 b2 b3] plus an offset as int16 in pair order:
 * *even = (b0 + off, b2 + off), *odd = (b1 + off, b3 + off). off2 = the offset in
 * both halfwords. Exact: an int8 value plus an input offset (-zero point, in [-127, 128])
 * lies in [-255, 255], so no halfword wraps. */
static inline void k_expand4(uint32_t w, uint32_t off2, uint32_t *even, uint32_t *odd) {
  *even = (uint32_t)__sxtab16(off2, w);
  *odd = (uint32_t)__sxtab16(off2, __ror(w, 8));
}

/* (a * b + 2^31) >> 32: SMMULR. */
static inline int32_t k_smmulr(int32_t a, int32_t b) {
  int32_t r;
  __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
  return r;
}

/* Requantization of a value known to satisfy |a| < 2^30, given as x2 = 2a: for such a,
 * the rounding doubling high multiply floor((a*M + 2^30) / 2^31) is exactly
 * SMMULR(2a, M), and the rounding right shift by e is (y + 2^(e-1) - [a < 0]) >> e
 * (y < 0 may be replaced by a < 0 as in k_rq, for e >= 1). Constants from
 * k_rq2_prepare; e = 0 (no shift) has rh = 0 and mask = 0. */
typedef struct {
  int32_t mult, rh, e, mask;
} k_rq2_ch;

static inline int k_rq2_prepare(int32_t mult, int32_t shift, k_rq2_ch *c) {
  if (shift > 0 || shift < -31) return 0;
  c->mult = mult;
  c->e = -shift;
  c->rh = c->e > 0 ? (int32_t)1 << (c->e - 1) : 0;
  c->mask = c->e > 0 ? -1 : 0;
  return 1;
}

static inline int32_t k_rq2(int32_t x2, const k_rq2_ch *c) {
  const int32_t y = k_smmulr(x2, c->mult);
  return (y + c->rh + ((x2 >> 31) & c->mask)) >> c->e;
}

#endif /* K_ARM_DSP */

#endif /* K_ARM_DSP_H */
