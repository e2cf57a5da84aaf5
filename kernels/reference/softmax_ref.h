/* softmax_ref.h - the reference SOFTMAX kernels (see k_softmax.h).
 *
 * The bodies live in this header, as static inline *_ref functions, so that
 * kernels/optimized/softmax.c can call them for the paths it does not tune (float32,
 * int16 output, unusual parameters, cores without a tuned path);
 * kernels/reference/softmax.c wraps them under the public names. */
#ifndef SOFTMAX_REF_H
#define SOFTMAX_REF_H

#include <stdint.h>

#include "k_fixedpoint.h"
#include "k_softmax.h"
#include "mcu_math.h"
#include "mcu_quant.h"

enum { kScaledDiffIntegerBits = 5, kAccumulationIntegerBits = 12 };

/* exp((x - max) * beta * input_scale) in Q0 for a difference d = x - max >= diff_min. */
static inline int32_t softmax_ref_exp(const k_softmax_params *p, int32_t d) {
  const int32_t scaled =
      mcu_multiply_by_quantized_multiplier(d, p->input_multiplier, p->input_left_shift);
  return kfp_exp_on_negative(scaled, kScaledDiffIntegerBits);
}

/* The per-row reciprocal of the Q12 sum: a Q0 value in [0.5, 1) and the number of bits
 * the sum exceeds 1.0 by. */
static inline int32_t softmax_ref_reciprocal(int32_t sum_q12, int *bits_over_unit) {
  if (sum_q12 == 0) { /* only after wrap-around (depth >= 4096), see below */
    *bits_over_unit = 0;
    return 0;
  }
  const int headroom_plus_one = __builtin_clz((uint32_t)sum_q12);
  *bits_over_unit = kAccumulationIntegerBits - headroom_plus_one;
  const int32_t shifted_sum_minus_one =
      (int32_t)(((uint32_t)sum_q12 << headroom_plus_one) - ((uint32_t)1 << 31));
  return kfp_one_over_one_plus_x(shifted_sum_minus_one);
}

/* One row: returns the fixed-point reciprocal and its shift for the second pass. */
static inline int32_t softmax_ref_row_scale(const k_softmax_params *p, const int8_t *in,
                                            int32_t depth, int32_t *max_out, int *bits) {
  int32_t max = in[0];
  for (int32_t c = 1; c < depth; ++c) {
    if (in[c] > max) max = in[c];
  }
  /* The Q12 sum wraps (as TFLite's does) only when more than 4095 entries sit near
   * the row maximum; wrap without undefined behaviour. */
  uint32_t sum = 0;
  for (int32_t c = 0; c < depth; ++c) {
    const int32_t d = (int32_t)in[c] - max;
    if (d >= p->diff_min) {
      sum += (uint32_t)mcu_rounding_divide_by_pot(softmax_ref_exp(p, d),
                                                  kAccumulationIntegerBits);
    }
  }
  *max_out = max;
  return softmax_ref_reciprocal((int32_t)sum, bits);
}

/* One output of a row as an integer of `bits` bits (8 or 16, zero point at the lowest
 * value): d = input - row max, scale and out_shift from softmax_ref_row_scale. */
static inline int32_t softmax_ref_out(const k_softmax_params *p, int32_t d, int32_t scale,
                                      int out_shift, int bits) {
  const int32_t lo = -(1 << (bits - 1)), hi = (1 << (bits - 1)) - 1;
  if (d < p->diff_min) return lo;
  const int32_t v = mcu_rounding_divide_by_pot(
                        mcu_sat_rounding_doubling_high_mul(scale, softmax_ref_exp(p, d)), out_shift) + lo;
  return v > hi ? hi : v < lo ? lo : v;
}

static inline void k_softmax_s8_ref(const k_softmax_params *params, const int8_t *input,
                                    int8_t *output, int32_t rows, int32_t depth) {
  for (int32_t r = 0; r < rows; ++r) {
    const int8_t *in = input + r * depth;
    int8_t *out = output + r * depth;
    int32_t max;
    int bits;
    const int32_t scale = softmax_ref_row_scale(params, in, depth, &max, &bits);
    const int out_shift = bits + 31 - 8;
    if (out_shift > 31) {
      /* Sum of exps >= 512: every probability is below 1/512 and rounds to the lowest
       * step. (The reference interpreter asserts here instead.) */
      for (int32_t c = 0; c < depth; ++c) out[c] = -128;
      continue;
    }
    for (int32_t c = 0; c < depth; ++c) out[c] = (int8_t)softmax_ref_out(params, in[c] - max, scale, out_shift, 8);
  }
}

static inline void k_softmax_s8_s16_ref(const k_softmax_params *params, const int8_t *input,
                                        int16_t *output, int32_t rows, int32_t depth) {
  for (int32_t r = 0; r < rows; ++r) {
    const int8_t *in = input + r * depth;
    int16_t *out = output + r * depth;
    int32_t max;
    int bits;
    const int32_t scale = softmax_ref_row_scale(params, in, depth, &max, &bits);
    const int out_shift = bits + 31 - 16;
    for (int32_t c = 0; c < depth; ++c) {
      out[c] = (int16_t)softmax_ref_out(params, in[c] - max, scale, out_shift, 16);
    }
  }
}

static inline void k_softmax_f32_ref(float beta, const float *input, float *output,
                                     int32_t rows, int32_t depth) {
  for (int32_t r = 0; r < rows; ++r) {
    const float *in = input + r * depth;
    float *out = output + r * depth;
    float max = in[0];
    for (int32_t c = 1; c < depth; ++c) {
      if (in[c] > max) max = in[c];
    }
    float sum = 0.0f;
    for (int32_t c = 0; c < depth; ++c) {
      const float e = mcu_expf((in[c] - max) * beta);
      out[c] = e;
      sum += e;
    }
    for (int32_t c = 0; c < depth; ++c) out[c] = out[c] / sum;
  }
}

#endif /* SOFTMAX_REF_H */
