/* quantize.c - reference QUANTIZE kernels (see k_quantize.h). */
#include <stdint.h>

#include "k_quantize.h"
#include "mcu_quant.h"

/* clamp(round_half_away(x / scale) + zero_point, qmin, qmax). |x / scale| >= 2^31
 * saturates by sign and NaN gives the zero point (TFLite leaves those to the float
 * to int conversion of the host CPU, see tests/test_ops_activations.py). */
static inline int32_t quantize_one(const k_quantize_params *p, float x) {
  const float q = x / p->scale;
  int32_t v;
  if (q < 2147483648.0f && q > -2147483648.0f) {
    int32_t t = (int32_t)q; /* toward zero */
    const float frac = q - (float)t; /* exact: |q| < 2^23 or q is an integer */
    if (frac >= 0.5f) ++t;
    if (frac <= -0.5f) --t;
    if (t > 0 && p->zero_point > INT32_MAX - t) return p->qmax;
    if (t < 0 && p->zero_point < INT32_MIN - t) return p->qmin;
    v = t + p->zero_point;
  } else if (q >= 2147483648.0f) {
    return p->qmax;
  } else if (q <= -2147483648.0f) {
    return p->qmin;
  } else {
    v = p->zero_point; /* NaN */
  }
  return v < p->qmin ? p->qmin : (v > p->qmax ? p->qmax : v);
}

void k_quantize_f32_s8(const k_quantize_params *params, const float *input,
                       int8_t *output, int32_t size) {
  for (int32_t i = 0; i < size; ++i) output[i] = (int8_t)quantize_one(params, input[i]);
}

void k_quantize_f32_s16(const k_quantize_params *params, const float *input,
                        int16_t *output, int32_t size) {
  for (int32_t i = 0; i < size; ++i) output[i] = (int16_t)quantize_one(params, input[i]);
}

/* out = clamp(zp_out + (in - zp_in) * M). Inputs are at most 16 bits, so x - zp_in
 * cannot overflow for zero points in the type's range. */
#define REQUANTIZE(NAME, TI, TO, QMIN, QMAX)                                           \
  void NAME(const k_requantize_params *p, const TI *in, TO *out, int32_t size) {       \
    const int32_t izp = p->input_zero_point, ozp = p->output_zero_point;               \
    const int32_t m = p->multiplier;                                                   \
    const int s = p->shift;                                                            \
    for (int32_t i = 0; i < size; ++i) {                                               \
      const int64_t v =                                                                \
          (int64_t)mcu_multiply_by_quantized_multiplier((int32_t)in[i] - izp, m, s) +  \
          ozp;                                                                         \
      out[i] = (TO)(v < (QMIN) ? (QMIN) : (v > (QMAX) ? (QMAX) : v));                  \
    }                                                                                  \
  }

REQUANTIZE(k_requantize_s8_s8, int8_t, int8_t, INT8_MIN, INT8_MAX)
REQUANTIZE(k_requantize_s8_u8, int8_t, uint8_t, 0, UINT8_MAX)
REQUANTIZE(k_requantize_u8_s8, uint8_t, int8_t, INT8_MIN, INT8_MAX)
REQUANTIZE(k_requantize_s8_s16, int8_t, int16_t, INT16_MIN, INT16_MAX)
REQUANTIZE(k_requantize_s8_s32, int8_t, int32_t, INT32_MIN, INT32_MAX)
REQUANTIZE(k_requantize_s16_s8, int16_t, int8_t, INT8_MIN, INT8_MAX)
REQUANTIZE(k_requantize_s16_s16, int16_t, int16_t, INT16_MIN, INT16_MAX)
REQUANTIZE(k_requantize_s16_s32, int16_t, int32_t, INT32_MIN, INT32_MAX)
