/* add_ref.h - the reference ADD kernels (int8, float32, int32) over broadcast shapes.
 *
 * The bodies live in this header, as static inline *_ref functions, so that
 * kernels/optimized/add.c can call them for the paths it does not tune (float32,
 * cores without the DSP extension, unusual parameters); kernels/reference/add.c
 * wraps them under the public names. The int8 helpers serve SUB too (sub.c). */
#ifndef ADD_REF_H
#define ADD_REF_H

#include "broadcast_ref.h"
#include "k_elementwise.h"
#include "mcu_quant.h"

/* int8 ADD and SUB: operand 1 or 2 offset by its zero point, shifted left by ls and
 * rescaled to the common scale. */
static inline int32_t k_add_s8_in1(const k_add_s8_params *p, int8_t v, int ls) {
  return mcu_multiply_by_quantized_multiplier((int32_t)((uint32_t)(v + p->in1_offset) << ls),
                                              p->in1_multiplier, (int)p->in1_shift);
}

static inline int32_t k_add_s8_in2(const k_add_s8_params *p, int8_t v, int ls) {
  return mcu_multiply_by_quantized_multiplier((int32_t)((uint32_t)(v + p->in2_offset) << ls),
                                              p->in2_multiplier, (int)p->in2_shift);
}

/* The sum (difference) of two rescaled operands rescaled to the output, offset, clamped. */
static inline int8_t k_add_s8_out(const k_add_s8_params *p, int32_t v) {
  const int32_t r =
      mcu_multiply_by_quantized_multiplier(v, p->out_multiplier, (int)p->out_shift) + p->out_offset;
  return (int8_t)mcu_clamp_i32(r, p->act_min, p->act_max);
}

static inline void k_add_s8_ref(const k_add_s8_params *p, const int8_t *in1, const int8_t *in2, int8_t *out) {
  const int ls = (int)p->left_shift;
  K_BCAST_REF_LOOP(&p->shape, int8_t, in1, in2, out, x, y,
                   k_add_s8_out(p, k_add_s8_in1(p, x, ls) + k_add_s8_in2(p, y, ls)));
}

static inline void k_add_f32_ref(const k_arith_f32_params *p, const float *in1, const float *in2, float *out) {
  const float lo = p->act_min, hi = p->act_max;
  K_BCAST_REF_LOOP(&p->shape, float, in1, in2, out, x, y, k_clamp_f32(x + y, lo, hi));
}

static inline void k_add_s32_ref(const k_arith_s32_params *p, const int32_t *in1, const int32_t *in2,
                                 int32_t *out) {
  K_BCAST_REF_LOOP(&p->shape, int32_t, in1, in2, out, x, y,
                   mcu_clamp_i32((int32_t)((uint32_t)x + (uint32_t)y), p->act_min, p->act_max));
}

#endif /* ADD_REF_H */
