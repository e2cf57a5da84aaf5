/* sub.c - reference SUB kernels (int8, float32, int32) over broadcast shapes: ADD's
 * (add_ref.h) with the second operand subtracted. */
#include "add_ref.h"
#include "broadcast_ref.h"
#include "k_elementwise.h"
#include "mcu_quant.h"

void k_sub_s8(const k_add_s8_params *p, const int8_t *in1, const int8_t *in2, int8_t *out) {
  const int ls = (int)p->left_shift;
  K_BCAST_REF_LOOP(&p->shape, int8_t, in1, in2, out, x, y,
                   k_add_s8_out(p, k_add_s8_in1(p, x, ls) - k_add_s8_in2(p, y, ls)));
}

void k_sub_f32(const k_arith_f32_params *p, const float *in1, const float *in2, float *out) {
  const float lo = p->act_min, hi = p->act_max;
  K_BCAST_REF_LOOP(&p->shape, float, in1, in2, out, x, y, k_clamp_f32(x - y, lo, hi));
}

void k_sub_s32(const k_arith_s32_params *p, const int32_t *in1, const int32_t *in2,
               int32_t *out) {
  K_BCAST_REF_LOOP(&p->shape, int32_t, in1, in2, out, x, y,
                   mcu_clamp_i32((int32_t)((uint32_t)x - (uint32_t)y), p->act_min, p->act_max));
}
