/* relu.c - reference RELU kernels (see k_activations.h). */
#include <stdint.h>

#include "k_activations.h"
#include "mcu_quant.h"

/* Keeps zp + v from overflowing for absurd scale ratios without changing any result
 * (anything beyond +-2^24 clamps to the type's range anyway). */
#define RELU_PRECLAMP(v) ((v) > (1 << 24) ? (1 << 24) : ((v) < -(1 << 24) ? -(1 << 24) : (v)))

#define RELU_QUANTIZED(T)                                                               \
  const int32_t izp = params->input_zero_point;                                         \
  const int32_t ozp = params->output_zero_point;                                        \
  const int32_t lo = params->act_min, hi = params->act_max;                             \
  for (int32_t i = 0; i < size; ++i) {                                                  \
    int32_t v = mcu_multiply_by_quantized_multiplier((int32_t)input[i] - izp,           \
                                                     params->multiplier, params->shift);\
    v = RELU_PRECLAMP(v) + ozp;                                                         \
    output[i] = (T)(v < lo ? lo : (v > hi ? hi : v));                                   \
  }

void k_relu_s8(const k_relu_params *params, const int8_t *input, int8_t *output,
               int32_t size) {
  RELU_QUANTIZED(int8_t)
}

void k_relu_s16(const k_relu_params *params, const int16_t *input, int16_t *output,
                int32_t size) {
  RELU_QUANTIZED(int16_t)
}

void k_relu_f32(const float *input, float *output, int32_t size) {
  for (int32_t i = 0; i < size; ++i) {
    const float x = input[i];
    output[i] = x < 0.0f ? 0.0f : x;
  }
}
