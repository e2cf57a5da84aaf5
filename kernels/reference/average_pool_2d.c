/* average_pool_2d.c - reference AVERAGE_POOL_2D kernels (see k_pooling.h). */
#include "k_pooling.h"
#include "average_pool_2d_ref.h"

void k_average_pool_2d_s8(const k_pool_params *p, const int8_t *input, int8_t *output) {
  k_average_pool_2d_s8_ref(p, input, output);
}

void k_average_pool_2d_f32(const k_pool_params *p, const float *input, float *output) {
  k_average_pool_2d_f32_ref(p, input, output);
}
