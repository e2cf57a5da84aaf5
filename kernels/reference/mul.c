/* mul.c - reference MUL kernels (int8, float32, int32) over broadcast shapes. */
#include "broadcast_ref.h"
#include "k_elementwise.h"
#include "mcu_quant.h"

/* int8: the product of the offset operands rescaled to the output, offset, clamped. */
static inline int8_t mul_s8(const k_mul_s8_params *p, int8_t x, int8_t y) {
  const int32_t prod = (x + p->in1_offset) * (y + p->in2_offset);
  const int32_t r = mcu_multiply_by_quantized_multiplier(prod, p->out_multiplier, (int)p->out_shift) +
                    p->out_offset;
  return (int8_t)mcu_clamp_i32(r, p->act_min, p->act_max);
}

void k_mul_s8(const k_mul_s8_params *p, const int8_t *in1, const int8_t *in2, int8_t *out) {
  K_BCAST_REF_LOOP(&p->shape, int8_t, in1, in2, out, x, y, mul_s8(p, x, y));
}

void k_mul_f32(const k_arith_f32_params *p, const float *in1, const float *in2, float *out) {
  const float lo = p->act_min, hi = p->act_max;
  K_BCAST_REF_LOOP(&p->shape, float, in1, in2, out, x, y, k_clamp_f32(x * y, lo, hi));
}

void k_mul_s32(const k_arith_s32_params *p, const int32_t *in1, const int32_t *in2,
               int32_t *out) {
  K_BCAST_REF_LOOP(&p->shape, int32_t, in1, in2, out, x, y,
                   mcu_clamp_i32((int32_t)((uint32_t)x * (uint32_t)y), p->act_min, p->act_max));
}
