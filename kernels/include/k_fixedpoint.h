/* k_fixedpoint.h - Q-format transcendental functions for the int8 activation and
 * softmax kernels (exp, logistic, tanh, 1/(1+x)).
 *
 * Notation: a "Qi" value is an int32 raw r standing for r / 2^(31-i), i.e. i integer
 * bits and 31-i fraction bits; Q0 spans [-1, 1). The products below are the
 * saturating rounding doubling high multiply of mcu_quant.h, which multiplies two
 * Qi/Qj values into a Q(i+j) value. "Rescaling" a Qi value to Qj multiplies its raw by
 * 2^(i-j): a saturating left shift when i > j, a rounding right shift otherwise.
 *
 * These are the fixed-point schemes TFLite's integer LOGISTIC, TANH and SOFTMAX are
 * defined by (the gemmlowp fixed-point library's exp on negative values: a 4th order
 * Taylor polynomial around -1/8 on [-1/4, 0) combined with exact multipliers
 * exp(-2^k); Newton-Raphson reciprocal with the 48/17 - 32/17 x seed); constants are
 * round(value * 2^31) of the stated real numbers. Results are bit-exact with the
 * reference interpreter (checked over the whole int8 input range in
 * tests/test_ops_activations.py).
 *
 * Everything is static inline: these run per element and are meant to be folded for
 * the constant integer-bit counts used by the callers.
 */
#ifndef K_FIXEDPOINT_H
#define K_FIXEDPOINT_H

#include <stdint.h>

#include "mcu_quant.h"

#define KFP_ONE_Q0 INT32_MAX /* 1.0 saturated to Q0 */

/* Wrapping add/sub (the raw fixed-point +/- never saturates). */
static inline int32_t kfp_add(int32_t a, int32_t b) {
  return (int32_t)((uint32_t)a + (uint32_t)b);
}
static inline int32_t kfp_sub(int32_t a, int32_t b) {
  return (int32_t)((uint32_t)a - (uint32_t)b);
}

static inline int32_t kfp_mul(int32_t a, int32_t b) {
  return mcu_sat_rounding_doubling_high_mul(a, b);
}

/* x * 2^n saturated to int32, 0 <= n <= 30. */
static inline int32_t kfp_sat_shl(int32_t x, int n) {
  const int32_t limit = (int32_t)(((uint32_t)1 << (31 - n)) - 1u);
  if (x > limit) return INT32_MAX;
  if (x < -limit) return INT32_MIN;
  return (int32_t)((uint32_t)x << n);
}

/* (a + b) / 2 rounded half away from zero, computed without overflow. */
static inline int32_t kfp_rounding_half_sum(int32_t a, int32_t b) {
  int64_t s = (int64_t)a + (int64_t)b;
  return (int32_t)((s + (s >= 0 ? 1 : -1)) / 2);
}

/* exp(a) for a Q0 value a in [-1/4, 0): Taylor polynomial around -1/8. Returns Q0. */
static inline int32_t kfp_exp_quarter(int32_t a) {
  const int32_t exp_minus_one_eighth = 1895147668; /* exp(-1/8) */
  const int32_t one_third = 715827883;             /* 1/3 */
  const int32_t x = kfp_add(a, (int32_t)1 << 28);  /* x = a + 1/8 */
  const int32_t x2 = kfp_mul(x, x);
  const int32_t x3 = kfp_mul(x2, x);
  const int32_t x4 = kfp_mul(x2, x2);
  const int32_t x4_over_4 = mcu_rounding_divide_by_pot(x4, 2);
  /* x^2/2 + x^3/6 + x^4/24 = ((x^4/4 + x^3) / 3 + x^2) / 2 */
  const int32_t poly = mcu_rounding_divide_by_pot(
      kfp_add(kfp_mul(kfp_add(x4_over_4, x3), one_third), x2), 1);
  return kfp_add(exp_minus_one_eighth, kfp_mul(exp_minus_one_eighth, kfp_add(x, poly)));
}

/* exp(a) for a <= 0 given in Q(ibits), 1 <= ibits <= 5. Returns Q0 (exp(0) saturates
 * to KFP_ONE_Q0). a is split as a = (a mod 1/4) - 1/4 - n/4: the first part goes to
 * the polynomial, each set bit of n multiplies by the exact constant exp(-2^k). */
static inline int32_t kfp_exp_on_negative(int32_t a, int ibits) {
  static const int32_t exp_minus_pow2[7] = {
      1672461947, /* exp(-1/4) */
      1302514674, /* exp(-1/2) */
      790015084,  /* exp(-1) */
      290630308,  /* exp(-2) */
      39332535,   /* exp(-4) */
      720401,     /* exp(-8) */
      242,        /* exp(-16) */
  };
  const int fbits = 31 - ibits;
  const int32_t quarter = (int32_t)1 << (fbits - 2);
  const int32_t a_mod_quarter_minus_quarter = kfp_sub(a & (quarter - 1), quarter);
  int32_t result = kfp_exp_quarter(kfp_sat_shl(a_mod_quarter_minus_quarter, ibits));
  const int32_t remainder = kfp_sub(a_mod_quarter_minus_quarter, a);
  for (int k = -2; k <= 4; ++k) {
    if (ibits > k && (remainder & ((int32_t)1 << (fbits + k)))) {
      result = kfp_mul(result, exp_minus_pow2[k + 2]);
    }
  }
  if (a == 0) result = KFP_ONE_Q0;
  return result;
}

/* Newton-Raphson iterations for 1 / (2 * half_den) on Q2, half_den = (1 + a) / 2. */
static inline int32_t kfp_nr_reciprocal_q2(int32_t half_den) {
  const int32_t c48_over_17 = 1515870810;      /* 48/17 in Q2 */
  const int32_t cneg32_over_17 = -1010580540;  /* -32/17 in Q2 */
  const int32_t one_q2 = (int32_t)1 << 29;
  int32_t x = kfp_add(c48_over_17, kfp_mul(half_den, cneg32_over_17));
  for (int i = 0; i < 3; ++i) {
    const int32_t one_minus_hd_x = kfp_sub(one_q2, kfp_mul(half_den, x));
    x = kfp_add(x, kfp_sat_shl(kfp_mul(x, one_minus_hd_x), 2));
  }
  return x; /* ~ 1 / half_den = 2 / (1 + a), in Q2 */
}

/* 1 / (1 + a) for a Q0 value a in [0, 1). Returns Q0. */
static inline int32_t kfp_one_over_one_plus_x(int32_t a) {
  const int32_t x = kfp_nr_reciprocal_q2(kfp_rounding_half_sum(a, KFP_ONE_Q0));
  return kfp_sat_shl(x, 1); /* halve (Q2 -> Q1 reinterpretation), then Q1 -> Q0 */
}

/* (1 - a) / (1 + a) for a Q0 value a in [0, 1). Returns Q0. */
static inline int32_t kfp_one_minus_x_over_one_plus_x(int32_t a) {
  const int32_t x = kfp_nr_reciprocal_q2(kfp_rounding_half_sum(a, KFP_ONE_Q0));
  return kfp_sat_shl(kfp_sub(x, (int32_t)1 << 29), 2);
}

/* logistic(a) for a Q4 value. Returns Q0. */
static inline int32_t kfp_logistic_q4(int32_t a) {
  if (a == 0) return (int32_t)1 << 30;
  const int32_t abs_a = a > 0 ? a : -a;
  const int32_t pos = kfp_one_over_one_plus_x(kfp_exp_on_negative(-abs_a, 4));
  return a > 0 ? pos : kfp_sub(KFP_ONE_Q0, pos);
}

/* tanh(a) for a Q4 value. Returns Q0. exp(-2|a|) reads the same raw as Q5. */
static inline int32_t kfp_tanh_q4(int32_t a) {
  if (a == 0) return 0;
  const int32_t neg_abs = a < 0 ? a : -a;
  const int32_t t = kfp_one_minus_x_over_one_plus_x(kfp_exp_on_negative(neg_abs, 5));
  return a < 0 ? -t : t;
}

#endif /* K_FIXEDPOINT_H */
