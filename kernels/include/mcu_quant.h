/* mcu_quant.h - TFLite integer quantization arithmetic.
 *
 * These follow the rules TFLite documents for quantized kernels: a real multiplier
 * M is represented as a Q31 value in [0.5, 1) and a power-of-two shift; a product is
 * rescaled with a saturating rounding doubling high multiply followed by a rounding
 * right shift (round half away from zero). Kernels must use exactly these to be
 * bit-exact with the reference interpreter.
 */
#ifndef MCU_QUANT_H
#define MCU_QUANT_H

#include <stdint.h>

/* (a * b * 2) >> 32 with rounding to nearest, saturating the single overflow case. */
static inline int32_t mcu_sat_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == b && a == INT32_MIN) return INT32_MAX;
  int64_t ab = (int64_t)a * (int64_t)b;
  int64_t nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
  /* Division (not a shift): truncation toward zero is what the rule specifies. */
  return (int32_t)((ab + nudge) / (1LL << 31));
}

/* x / 2^exponent rounded to nearest, ties away from zero. 0 <= exponent <= 31. */
static inline int32_t mcu_rounding_divide_by_pot(int32_t x, int exponent) {
  int32_t mask = (int32_t)((1u << exponent) - 1u); /* 32-bit: no 64-bit shift call on M0 */
  int32_t remainder = x & mask;
  int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* x * multiplier * 2^shift, multiplier in Q31. shift > 0 is a left shift. */
static inline int32_t mcu_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier,
                                                           int shift) {
  int left = shift > 0 ? shift : 0;
  int right = shift > 0 ? 0 : -shift;
  return mcu_rounding_divide_by_pot(
      mcu_sat_rounding_doubling_high_mul((int32_t)((uint32_t)x << left), multiplier), right);
}

static inline int32_t mcu_clamp_i32(int32_t v, int32_t lo, int32_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

/* Split a positive real multiplier into Q31 multiplier and shift (as TFLite's
 * QuantizeMultiplier: frexp, round half away from zero, renormalise 1.0, flush
 * multipliers below 2^-31 to zero). Implemented in kernels/runtime/quant.c. */
void mcu_quantize_multiplier(double real, int32_t *multiplier, int *shift);

/* Fused activation (TFLite ActivationFunctionType) clamp range for a quantized output. */
void mcu_activation_range_quantized(int activation, float scale, int32_t zero_point,
                                    int32_t qmin, int32_t qmax, int32_t *lo, int32_t *hi);
/* Same for float outputs. */
void mcu_activation_range_float(int activation, float *lo, float *hi);

enum { MCU_ACT_NONE = 0, MCU_ACT_RELU = 1, MCU_ACT_RELU_N1_TO_1 = 2, MCU_ACT_RELU6 = 3 };

#endif /* MCU_QUANT_H */
