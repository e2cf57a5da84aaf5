/* logistic.c - reference LOGISTIC kernels (see k_activations.h). */
#include <stdint.h>

#include "k_activations.h"
#include "k_fixedpoint.h"
#include "mcu_math.h"
#include "mcu_quant.h"

void k_logistic_s8(const k_sigmoid_params *params, const int8_t *input, int8_t *output,
                   int32_t size) {
  const int32_t zp = params->input_zero_point;
  const int32_t radius = params->input_range_radius;
  for (int32_t i = 0; i < size; ++i) {
    const int32_t x = (int32_t)input[i] - zp;
    int32_t v;
    if (x <= -radius) {
      v = -128;
    } else if (x >= radius) {
      v = 127;
    } else {
      const int32_t x_q4 = mcu_multiply_by_quantized_multiplier(x, params->input_multiplier,
                                                                params->input_shift);
      /* Q0 -> 1/256 steps, then the implied output zero point -128. */
      v = mcu_rounding_divide_by_pot(kfp_logistic_q4(x_q4), 23) - 128;
      if (v < -128) v = -128;
      if (v > 127) v = 127;
    }
    output[i] = (int8_t)v;
  }
}

void k_logistic_f32(const float *input, float *output, int32_t size) {
  /* Beyond the upper cutoff 1 / (1 + exp(-x)) rounds to 1; below the lower one
   * exp(x) and the logistic agree to float precision (TFLite uses the same split). */
  const float cutoff_upper = 16.619047164916992188f;
  const float cutoff_lower = -9.0f;
  for (int32_t i = 0; i < size; ++i) {
    const float x = input[i];
    float y;
    if (x > cutoff_upper) {
      y = 1.0f;
    } else if (x < cutoff_lower) {
      y = mcu_expf(x);
    } else {
      y = 1.0f / (1.0f + mcu_expf(-x));
    }
    output[i] = y;
  }
}
