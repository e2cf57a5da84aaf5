/* max_pool_2d.c - reference MAX_POOL_2D kernels (see k_pooling.h). */
#include "k_pooling.h"
#include "max_pool_2d_ref.h"

void k_max_pool_2d_s8(const k_pool_params *p, const int8_t *input, int8_t *output) {
  k_max_pool_2d_s8_ref(p, input, output);
}

void k_max_pool_2d_f32(const k_pool_params *p, const float *input, float *output) {
  k_max_pool_2d_f32_ref(p, input, output);
}
