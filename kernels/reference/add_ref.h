/* add_ref.h - the reference ADD kernels (int8, float32, int32) over broadcast shapes.
 *
 * The bodies live in this header, as static inline *_ref functions, so that
 * kernels/optimized/add.c can call them for the paths it does not tune (float32,
 * cores without the DSP extension, unusual parameters); kernels/reference/add.c
 * wraps them under the public names. */
#ifndef ADD_REF_H
#define ADD_REF_H

#include "k_elementwise.h"
#include "mcu_quant.h"

static inline void k_add_s8_ref(const k_add_s8_params *p, const int8_t *in1, const int8_t *in2, int8_t *out) {
  const k_bcast *b = &p->shape;
  const int last = b->ndims - 1;
  const int32_t n = b->dims[last], s1 = b->stride1[last], s2 = b->stride2[last];
  const int ls = (int)p->left_shift;
  int32_t idx[K_BCAST_MAX_DIMS] = {0};
  int32_t o1 = 0, o2 = 0;
  if (b->count == 0) return;
  do {
    const int8_t *a = in1 + o1, *c = in2 + o2;
    for (int32_t i = 0; i < n; ++i) {
      const int32_t x = mcu_multiply_by_quantized_multiplier(
          (int32_t)((uint32_t)(*a + p->in1_offset) << ls), p->in1_multiplier, (int)p->in1_shift);
      const int32_t y = mcu_multiply_by_quantized_multiplier(
          (int32_t)((uint32_t)(*c + p->in2_offset) << ls), p->in2_multiplier, (int)p->in2_shift);
      int32_t r = mcu_multiply_by_quantized_multiplier(x + y, p->out_multiplier,
                                                       (int)p->out_shift) + p->out_offset;
      r = mcu_clamp_i32(r, p->act_min, p->act_max);
      *out++ = (int8_t)r;
      a += s1;
      c += s2;
    }
  } while (k_bcast_next(b, idx, &o1, &o2));
}

static inline void k_add_f32_ref(const k_arith_f32_params *p, const float *in1, const float *in2, float *out) {
  const k_bcast *b = &p->shape;
  const int last = b->ndims - 1;
  const int32_t n = b->dims[last], s1 = b->stride1[last], s2 = b->stride2[last];
  const float lo = p->act_min, hi = p->act_max;
  int32_t idx[K_BCAST_MAX_DIMS] = {0};
  int32_t o1 = 0, o2 = 0;
  if (b->count == 0) return;
  do {
    const float *a = in1 + o1, *c = in2 + o2;
    for (int32_t i = 0; i < n; ++i) {
      float v = *a + *c;
      v = v < lo ? lo : v;
      v = v > hi ? hi : v;
      *out++ = v;
      a += s1;
      c += s2;
    }
  } while (k_bcast_next(b, idx, &o1, &o2));
}

static inline void k_add_s32_ref(const k_arith_s32_params *p, const int32_t *in1, const int32_t *in2,
                                 int32_t *out) {
  const k_bcast *b = &p->shape;
  const int last = b->ndims - 1;
  const int32_t n = b->dims[last], s1 = b->stride1[last], s2 = b->stride2[last];
  int32_t idx[K_BCAST_MAX_DIMS] = {0};
  int32_t o1 = 0, o2 = 0;
  if (b->count == 0) return;
  do {
    const int32_t *a = in1 + o1, *c = in2 + o2;
    for (int32_t i = 0; i < n; ++i) {
      const int32_t v = (int32_t)((uint32_t)*a + (uint32_t)*c);
      *out++ = mcu_clamp_i32(v, p->act_min, p->act_max);
      a += s1;
      c += s2;
    }
  } while (k_bcast_next(b, idx, &o1, &o2));
}

#endif /* ADD_REF_H */
