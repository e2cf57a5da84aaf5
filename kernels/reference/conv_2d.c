/* conv_2d.c - reference CONV_2D kernels (see k_conv_2d.h for the arithmetic). */
#include "k_conv_2d.h"
#include "conv_2d_ref.h"

size_t k_conv_2d_s8_scratch_size(const k_conv_params *p) {
  (void)p;
  return 0;
}

size_t k_conv_2d_f32_scratch_size(const k_conv_params *p) {
  (void)p;
  return 0;
}

void k_conv_2d_s8(const k_conv_params *p, const int8_t *input, const int8_t *filter,
                  const int32_t *bias, int8_t *output, void *scratch) {
  k_conv_2d_s8_ref(p, input, filter, bias, output, scratch);
}

void k_conv_2d_f32(const k_conv_params *p, const float *input, const float *filter,
                   const float *bias, float *output, void *scratch) {
  k_conv_2d_f32_ref(p, input, filter, bias, output, scratch);
}
