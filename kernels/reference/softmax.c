/* softmax.c - reference SOFTMAX kernels (see k_softmax.h). */
#include "k_softmax.h"
#include "softmax_ref.h"

void k_softmax_s8(const k_softmax_params *params, const int8_t *input, int8_t *output,
                  int32_t rows, int32_t depth) {
  k_softmax_s8_ref(params, input, output, rows, depth);
}

void k_softmax_s8_s16(const k_softmax_params *params, const int8_t *input,
                      int16_t *output, int32_t rows, int32_t depth) {
  k_softmax_s8_s16_ref(params, input, output, rows, depth);
}

void k_softmax_f32(float beta, const float *input, float *output, int32_t rows,
                   int32_t depth) {
  k_softmax_f32_ref(beta, input, output, rows, depth);
}
