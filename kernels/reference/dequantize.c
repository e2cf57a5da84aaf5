/* dequantize.c - reference DEQUANTIZE kernels (see k_quantize.h). */
#include <stdint.h>

#include "k_quantize.h"

#define DEQUANTIZE(NAME, TI)                                                           \
  void NAME(const k_dequantize_params *p, const TI *in, float *out, int32_t size) {    \
    const float scale = p->scale;                                                      \
    const int32_t zp = p->zero_point;                                                  \
    for (int32_t i = 0; i < size; ++i) out[i] = scale * (float)((int32_t)in[i] - zp);  \
  }

DEQUANTIZE(k_dequantize_s8_f32, int8_t)
DEQUANTIZE(k_dequantize_u8_f32, uint8_t)
DEQUANTIZE(k_dequantize_s16_f32, int16_t)
