/* fully_connected.c - reference FULLY_CONNECTED kernels (see k_fully_connected.h). */
#include "k_fully_connected.h"
#include "fully_connected_ref.h"

size_t k_fully_connected_s8_scratch_size(const k_fc_params *p) {
  (void)p;
  return 0;
}

size_t k_fully_connected_f32_scratch_size(const k_fc_params *p) {
  (void)p;
  return 0;
}

void k_fully_connected_s8(const k_fc_params *p, const int8_t *input, const int8_t *weights,
                          const int32_t *bias, int8_t *output, void *scratch) {
  k_fully_connected_s8_ref(p, input, weights, bias, output, scratch);
}

void k_fully_connected_f32(const k_fc_params *p, const float *input, const float *weights,
                           const float *bias, float *output, void *scratch) {
  k_fully_connected_f32_ref(p, input, weights, bias, output, scratch);
}
