/* hard_swish.c - reference HARD_SWISH kernels (see k_activations.h).
 *
 * int8: TFLite's 16-bit fixed-point scheme. x - zp is put on a "high resolution"
 * scale (times 128, still fits int16); from it come (a) the value on the output scale
 * before the final right shift, and (b) the "relu-ish" factor relu6(x + 3) / 6 in
 * [0, 1] as a Q15 value; the output is their product. The relu-ish left shift is
 * applied in two steps (all but one bit before the multiply, the last bit after) so
 * that saturation only happens where it affects the result; the final product uses a
 * truncating (non-rounding) doubling high multiply, as TFLite does to cancel the
 * rounding bias of the earlier multiplies. */
#include <stdint.h>

#include "k_activations.h"

static inline int16_t sat16(int32_t v) {
  return (int16_t)(v > INT16_MAX ? INT16_MAX : (v < INT16_MIN ? INT16_MIN : v));
}

/* (a * b * 2) >> 16, rounded to nearest (ties away from zero), saturating -1 * -1. */
static inline int16_t srdhm16(int16_t a, int16_t b) {
  if (a == INT16_MIN && b == INT16_MIN) return INT16_MAX;
  const int32_t ab = (int32_t)a * (int32_t)b;
  const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
  return (int16_t)((ab + nudge) / (1 << 15));
}

/* (a * b * 2) >> 16 truncated toward zero, saturating -1 * -1. */
static inline int16_t sdhm16(int16_t a, int16_t b) {
  if (a == INT16_MIN && b == INT16_MIN) return INT16_MAX;
  return (int16_t)(((int32_t)a * (int32_t)b) / (1 << 15));
}

/* x / 2^e rounded half away from zero, with TFLite's int16 semantics: the remainder
 * mask is computed in int16, so for e >= 16 it is all ones and the result is -1 for
 * negative x and +1 otherwise (that case is reachable: output multipliers below
 * 2^-16 happen when the output scale is ~1000x the input scale). */
static inline int16_t rdbp16(int16_t x, int e) {
  const int32_t mask = (int16_t)(((int64_t)1 << e) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  const int32_t shifted = e >= 16 ? (x < 0 ? -1 : 0) : (x >> e);
  return (int16_t)(shifted + (remainder > threshold ? 1 : 0));
}

static inline int16_t sat_shl16(int16_t v, int n) {
  if (n > 16) n = 16; /* any nonzero value saturates by then */
  return sat16((int32_t)((int64_t)v * ((int64_t)1 << n)));
}

void k_hard_swish_s8(const k_hard_swish_params *params, const int8_t *input,
                     int8_t *output, int32_t size) {
  const int32_t izp = params->input_zero_point;
  const int32_t ozp = params->output_zero_point;
  const int16_t omul = params->output_multiplier;
  const int16_t rmul = params->reluish_multiplier;
  const int oshift = -params->output_shift;
  const int rshift = params->reluish_shift;
  for (int32_t i = 0; i < size; ++i) {
    const int16_t hires = (int16_t)(((int32_t)input[i] - izp) * 128);
    const int16_t preshift_out = srdhm16(hires, omul);
    int16_t reluish = hires;
    if (rshift > 0) reluish = sat_shl16(reluish, rshift - 1);
    reluish = srdhm16(reluish, rmul);
    if (rshift > 0) reluish = sat_shl16(reluish, 1);
    if (rshift < 0) reluish = rdbp16(reluish, -rshift);
    /* [-1, 1] -> [0, 1] */
    reluish = (int16_t)(((int32_t)reluish + 32768) >> 1);
    const int16_t pre = sdhm16(reluish, preshift_out);
    int32_t v = (int16_t)(rdbp16(pre, oshift) + ozp);
    if (v > 127) v = 127;
    if (v < -128) v = -128;
    output[i] = (int8_t)v;
  }
}

void k_hard_swish_f32(const float *input, float *output, int32_t size) {
  for (int32_t i = 0; i < size; ++i) {
    const float x = input[i];
    float r = x + 3.0f;
    r = r < 0.0f ? 0.0f : (r > 6.0f ? 6.0f : r);
    output[i] = x * r / 6.0f;
  }
}
