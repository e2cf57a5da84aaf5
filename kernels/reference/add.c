/* add.c - reference ADD kernels (int8, float32, int32) over broadcast shapes. */
#include "k_elementwise.h"
#include "add_ref.h"

void k_add_s8(const k_add_s8_params *p, const int8_t *in1, const int8_t *in2, int8_t *out) {
  k_add_s8_ref(p, in1, in2, out);
}

void k_add_f32(const k_arith_f32_params *p, const float *in1, const float *in2, float *out) {
  k_add_f32_ref(p, in1, in2, out);
}

void k_add_s32(const k_arith_s32_params *p, const int32_t *in1, const int32_t *in2,
               int32_t *out) {
  k_add_s32_ref(p, in1, in2, out);
}
