/* leaky_relu.c - reference LEAKY_RELU kernels (see k_activations.h). */
#include <stdint.h>

#include "k_activations.h"
#include "mcu_quant.h"

#define LEAKY_RELU_QUANTIZED(T, QMIN, QMAX)                                             \
  const int32_t izp = params->input_zero_point;                                         \
  const int32_t ozp = params->output_zero_point;                                        \
  for (int32_t i = 0; i < size; ++i) {                                                  \
    const int32_t x = (int32_t)input[i] - izp;                                          \
    int32_t v = x >= 0 ? mcu_multiply_by_quantized_multiplier(                          \
                             x, params->identity_multiplier, params->identity_shift)    \
                       : mcu_multiply_by_quantized_multiplier(                          \
                             x, params->alpha_multiplier, params->alpha_shift);         \
    /* pre-clamp: no overflow in + ozp, same result after the final clamp */            \
    v = (v > (1 << 24) ? (1 << 24) : (v < -(1 << 24) ? -(1 << 24) : v)) + ozp;         \
    output[i] = (T)(v < (QMIN) ? (QMIN) : (v > (QMAX) ? (QMAX) : v));                   \
  }

void k_leaky_relu_s8(const k_leaky_relu_params *params, const int8_t *input,
                     int8_t *output, int32_t size) {
  LEAKY_RELU_QUANTIZED(int8_t, INT8_MIN, INT8_MAX)
}

void k_leaky_relu_s16(const k_leaky_relu_params *params, const int16_t *input,
                      int16_t *output, int32_t size) {
  LEAKY_RELU_QUANTIZED(int16_t, INT16_MIN, INT16_MAX)
}

void k_leaky_relu_f32(float alpha, const float *input, float *output, int32_t size) {
  for (int32_t i = 0; i < size; ++i) {
    const float x = input[i];
    output[i] = x > 0.0f ? x : x * alpha;
  }
}
