/* relu6.c - reference RELU6 kernels (see k_activations.h). Quantized RELU6 is a clamp
 * in the input's own quantization (TFLite does not requantize it). */
#include <stdint.h>

#include "k_activations.h"

void k_clamp_s8(int32_t lo, int32_t hi, const int8_t *input, int8_t *output,
                int32_t size) {
  for (int32_t i = 0; i < size; ++i) {
    const int32_t x = input[i];
    output[i] = (int8_t)(x < lo ? lo : (x > hi ? hi : x));
  }
}

void k_clamp_s16(int32_t lo, int32_t hi, const int16_t *input, int16_t *output,
                 int32_t size) {
  for (int32_t i = 0; i < size; ++i) {
    const int32_t x = input[i];
    output[i] = (int16_t)(x < lo ? lo : (x > hi ? hi : x));
  }
}

void k_relu6_f32(const float *input, float *output, int32_t size) {
  for (int32_t i = 0; i < size; ++i) {
    const float x = input[i];
    output[i] = x < 0.0f ? 0.0f : (x > 6.0f ? 6.0f : x);
  }
}
