/* softmax.c - optimized int8 -> int8 SOFTMAX (see k_softmax.h).
 *
 * The reference arithmetic (kernels/reference/softmax_ref.h) step for step, each
 * fixed-point operation in a cheaper form that gives the same bits, and each exp computed
 * once rather than twice for the first SM_CACHE entries of a row (the cache is on the
 * stack: no arena).
 *
 * Identities (int32 raws; "mul" is TFLite's saturating rounding doubling high multiply,
 * mcu_quant.h):
 *  - mul(a, b) = floor((a*b + 2^30) / 2^31) unless a = b = INT32_MIN (the nudge and the
 *    truncation toward zero amount to that for either sign of a*b; see k_arm_dsp.h), so
 *    mul(a, b) = floor((2a*b + 2^31) / 2^32) = SMMULR(2a, b) when 2a fits in int32.
 *  - For 0 <= r < 2^31 and a constant 2^30 <= c < 2^31, with m = 2^32 - 2c < 2^31:
 *    mul(r, c) = floor((r*2^32 - r*m + 2^31) / 2^32) = SMMLSR(r, m, r).
 *  - A rounding right shift by e of y >= 0 is (y + 2^(e-1)) >> e, and a shift of the
 *    high word of a 64-bit sum combines with the floor that produced that word (nested
 *    floors of divisions by powers of two): each output is one 32x32+64-bit product and
 *    one shift. An entry below diff_min gets exp 0, which adds 0 to the sum and gives the
 *    output -128, as the reference's skipped entries do.
 *  - exp of a Q5 value a < 0 (kfp_exp_on_negative): the polynomial's argument
 *    (a mod 1/4) - 1/4 in Q0 is ((a & (2^24 - 1)) << 5) - 2^29, and the remainder bits
 *    that select the constants exp(-2^k) are bits 24..30 of -(floor(a / 2^24) + 1) * 2^24,
 *    i.e. the 7-bit value ~a >> 24. In the polynomial every operand stays below 2^29 in
 *    magnitude (one SMMULR per mul); its result stays in (0, 2^31), and so does every
 *    product by exp(-2^k) (one SMMULR or SMMLSR each, only for the set bits).
 * Checked against the reference functions when this file was written: the plain-C forms
 * exhaustively (the exp for every Q5 input <= 0, the reciprocal for every input in
 * [0, 2^31)), the DSP forms on the simulated Cortex-M4 for every 127th input; and by
 * tests/test_optimized_kernels.py (these steps on the host, whole rows on the cores).
 *
 * Paths: int8 output with a left-shift (or unit) input multiplier - every real model -
 * runs here: with the DSP extension (SMMULR, SMMLSR) on M4/M4F/M7/M33 (K_VARIANT_DSP),
 * the same steps in plain C with 64-bit products elsewhere (M0+, M3, host; K_VARIANT_C).
 * int16 output, float32 and a right-shift input multiplier (beta * input_scale < 2^-27,
 * which TFLite rejects) use the reference code. */
#include "k_softmax.h"

#include "../reference/softmax_ref.h"
#include "k_arm_dsp.h"
#include "k_variant.h"

/* Exps kept per row between the sum and the output pass (entries beyond are computed
 * again): 128 bytes of stack, more than the class count of the usual classifier head. */
enum { SM_CACHE = 32 };

/* mul(a, b) given a2 = 2a (no overflow): floor((a2*b + 2^31) / 2^32). */
static inline int32_t sm_mul2(int32_t a2, int32_t b) {
#if K_ARM_DSP
  return k_smmulr(a2, b);
#else
  return (int32_t)(((int64_t)a2 * b + ((int64_t)1 << 31)) >> 32);
#endif
}

/* (r * 2^32 - r * m + 2^31) >> 32, i.e. r + floor((2^31 - r*m) / 2^32): SMMLSR. */
static inline int32_t sm_mul_sub(int32_t r, int32_t m) {
#if K_ARM_DSP
  int32_t out;
  __asm__("smmlsr %0, %1, %2, %1" : "=r"(out) : "r"(r), "r"(m));
  return out;
#else
  return (int32_t)(((int64_t)r * ((int64_t)1 << 32) - (int64_t)r * m + ((int64_t)1 << 31)) >> 32);
#endif
}

/* mul(a, b) for any a, b but not both INT32_MIN. */
static inline int32_t sm_mul(int32_t a, int32_t b) {
  return (int32_t)(((int64_t)a * b + ((int64_t)1 << 30)) >> 31);
}

/* The constants exp(-2^k), k = -2 .. 4, of kfp_exp_on_negative in the forms the products
 * need. r in [0, 2^31) times c = exp(-1/4) or exp(-1/2) (c >= 2^30): with
 * m = 2^32 - 2c (< 2^31), mul(r, c) = floor((r (2^32 - m) + 2^31) / 2^32) = sm_mul_sub(r, m).
 * The smaller constants: mul(r, c) = sm_mul2(2c, r) (2c < 2^31). */
#define SM_EXP_M(c) ((int32_t)(((int64_t)1 << 32) - 2 * (int64_t)(c)))
static const int32_t sm_exp_pow2_x2[5] = {
    2 * 790015084, /* exp(-1) */
    2 * 290630308, /* exp(-2) */
    2 * 39332535,  /* exp(-4) */
    2 * 720401,    /* exp(-8) */
    2 * 242,       /* exp(-16) */
};

/* kfp_exp_on_negative(a, 5) for a Q5 value a <= 0: Q0, in [0, INT32_MAX]. */
static inline int32_t sm_exp_q5(int32_t a) {
  if (a == 0) return INT32_MAX;
  /* exp on [-1/4, 0): Taylor polynomial around -1/8 (kfp_exp_quarter), x = arg + 1/8 */
  const int32_t x = (int32_t)(((uint32_t)a << 8) >> 3) - ((int32_t)1 << 28);
  const int32_t x2 = sm_mul2(2 * x, x);
  const int32_t x3 = sm_mul2(2 * x2, x);
  const int32_t x4 = sm_mul2(2 * x2, x2);
  const int32_t x4_over_4 = (x4 + 2) >> 2; /* x4 >= 0 */
  const int32_t t = sm_mul2(2 * (x4_over_4 + x3), 715827883 /* 1/3 */) + x2;
  const int32_t poly = (t + 1) >> 1; /* t >= 0 for every argument */
  int32_t r = 1895147668 /* exp(-1/8) */ + sm_mul2(2 * (x + poly), 1895147668);
  /* the whole quarters: one exact constant per set bit, smallest first */
  uint32_t n = ~(uint32_t)a >> 24;
  if (n & 1u) r = sm_mul_sub(r, SM_EXP_M(1672461947)); /* exp(-1/4) */
  if (n & 2u) r = sm_mul_sub(r, SM_EXP_M(1302514674)); /* exp(-1/2) */
  n >>= 2;
  while (n != 0) {
    r = sm_mul2(sm_exp_pow2_x2[__builtin_ctz(n)], r);
    n &= n - 1;
  }
  return r;
}

/* exp((x - max) * beta * input_scale) for a difference d >= diff_min (the reference's
 * softmax_ref_exp), multiplier M >= 0 with left shift s >= 0. */
static inline uint32_t sm_exp_diff(int32_t d, int32_t mult, int32_t shift) {
  const int32_t x = (int32_t)((uint32_t)d << shift);
  return (uint32_t)sm_exp_q5(sm_mul(x, mult));
}

/* The same for the entries past the cache of long rows: out of line, compiled for size. */
K_COLD static uint32_t sm_exp_diff_far(int32_t d, int32_t mult, int32_t shift) {
  return sm_exp_diff(d, mult, shift);
}

/* kfp_one_over_one_plus_x(a) for a in [0, 2^31): Newton-Raphson from 48/17 - 32/17 x. */
static inline int32_t sm_one_over_one_plus_x(int32_t a) {
  const int32_t half_den = (int32_t)(((uint32_t)a >> 1) + (1u << 30)); /* (1 + a) / 2 */
  int32_t x = 1515870810 /* 48/17 */ + sm_mul2(half_den, 2 * -1010580540 /* -32/17 */);
  for (int i = 0; i < 3; ++i) {
    const int32_t one_minus_hd_x = ((int32_t)1 << 29) - sm_mul(half_den, x);
    x = kfp_add(x, kfp_sat_shl(sm_mul(x, one_minus_hd_x), 2));
  }
  return kfp_sat_shl(x, 1);
}

/* One output from its exp e: min(round(mul(scale, e) / 2^out_shift), 255) - 128 (e and
 * scale >= 0) as floor((e * 2 scale + 2^31 + 2^(out_shift - 1) * 2^32) / 2^(32 + out_shift)),
 * given scale2 = 2 scale and bias = sm_out_bias(out_shift). */
static inline uint64_t sm_out_bias(int32_t out_shift) {
  return ((uint64_t)1 << (out_shift - 1 + 32)) + 0x80000000u;
}

static inline int8_t sm_out(uint32_t e, uint32_t scale2, uint64_t bias, int32_t out_shift) {
  uint32_t q = (uint32_t)(((uint64_t)e * scale2 + bias) >> 32) >> out_shift;
  if (q > 255u) q = 255u;
  return (int8_t)(q - 128u);
}

static void sm_softmax_s8(const k_softmax_params *params, const int8_t *input,
                          int8_t *output, int32_t rows, int32_t depth) {
  const int32_t mult = params->input_multiplier, shift = params->input_left_shift;
  const int32_t diff_min = params->diff_min;
  const int32_t cached = depth < SM_CACHE ? depth : SM_CACHE;
  uint32_t cache[SM_CACHE];
  for (int32_t r = 0; r < rows; ++r) {
    const int8_t *in = input + r * depth;
    int8_t *out = output + r * depth;
    int32_t max = in[0];
    for (int32_t c = 1; c < depth; ++c) {
      if (in[c] > max) max = in[c];
    }
    /* exps and their Q12 sum (rounding shift by 12; wraps as the reference's) */
    uint32_t sum = 0;
    int32_t c = 0;
    for (; c < cached; ++c) {
      const int32_t d = in[c] - max;
      const uint32_t e = d >= diff_min ? sm_exp_diff(d, mult, shift) : 0u;
      cache[c] = e;
      sum += (e + 2048u) >> 12;
    }
    for (; c < depth; ++c) {
      const int32_t d = in[c] - max;
      if (d >= diff_min) sum += (sm_exp_diff_far(d, mult, shift) + 2048u) >> 12;
    }
    /* the reciprocal of the sum: scale in Q0 and out_shift = bits over 1.0 + 23 */
    int32_t scale = 0, out_shift = 23;
    if (sum != 0) {
      const int headroom = __builtin_clz(sum);
      scale = sm_one_over_one_plus_x((int32_t)((sum << headroom) - 0x80000000u));
      out_shift = 12 - headroom + 23;
    }
    if (out_shift > 31) { /* sum >= 512: every output is the lowest step (reference) */
      for (c = 0; c < depth; ++c) out[c] = -128;
      continue;
    }
    const uint32_t scale2 = 2u * (uint32_t)scale;
    const uint64_t bias = sm_out_bias(out_shift);
    for (c = 0; c < cached; ++c) out[c] = sm_out(cache[c], scale2, bias, out_shift);
    for (; c < depth; ++c) {
      const int32_t d = in[c] - max;
      const uint32_t e = d >= diff_min ? sm_exp_diff_far(d, mult, shift) : 0u;
      out[c] = sm_out(e, scale2, bias, out_shift);
    }
  }
}

void k_softmax_s8(const k_softmax_params *params, const int8_t *input, int8_t *output,
                  int32_t rows, int32_t depth) {
  if (params->input_left_shift >= 0 && params->input_left_shift <= 31 &&
      params->input_multiplier >= 0) {
    k_variant(K_ARM_DSP ? K_VARIANT_DSP : K_VARIANT_C);
    sm_softmax_s8(params, input, output, rows, depth);
    return;
  }
  k_softmax_s8_ref(params, input, output, rows, depth);
}

void k_softmax_s8_s16(const k_softmax_params *params, const int8_t *input,
                      int16_t *output, int32_t rows, int32_t depth) {
  k_softmax_s8_s16_ref(params, input, output, rows, depth);
}

void k_softmax_f32(float beta, const float *input, float *output, int32_t rows,
                   int32_t depth) {
  k_softmax_f32_ref(beta, input, output, rows, depth);
}
