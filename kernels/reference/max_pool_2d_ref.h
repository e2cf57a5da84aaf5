/* max_pool_2d_ref.h - the reference MAX_POOL_2D kernels (see k_pooling.h).
 *
 * The bodies live in this header, as static inline *_ref functions, so that
 * kernels/optimized/max_pool_2d.c can call them for the paths it does not tune (float32,
 * cores without the DSP extension, unusual parameters); kernels/reference/max_pool_2d.c
 * wraps them under the public names. */
#ifndef MAX_POOL_2D_REF_H
#define MAX_POOL_2D_REF_H

#include "k_pooling.h"
#include "window_ref.h"

/* The steps of K_POOL_2D_REF_BODY (window_ref.h): the window's largest value, from the
 * type's lowest. */
static inline int32_t k_max_pool_max_s8(int32_t m, int8_t x) { return x > m ? x : m; }
static inline float k_max_pool_max_f32(float m, float x) { return x > m ? x : m; }

static inline int8_t k_max_pool_out_s8(int32_t m, int32_t count, const k_pool_stage *st) {
  (void)count;
  return (int8_t)mcu_clamp_i32(m, st->act_min, st->act_max);
}

static inline float k_max_pool_out_f32(float m, int32_t count, const k_pool_stage *st) {
  (void)count;
  m = m < st->act_min_f ? st->act_min_f : m;
  m = m > st->act_max_f ? st->act_max_f : m;
  return m;
}

static inline void k_max_pool_2d_s8_ref(const k_pool_params *p, const int8_t *input, int8_t *output) {
  K_POOL_2D_REF_BODY(int8_t, int32_t, -128, k_max_pool_max_s8, k_max_pool_out_s8);
}

static inline void k_max_pool_2d_f32_ref(const k_pool_params *p, const float *input, float *output) {
  K_POOL_2D_REF_BODY(float, float, -3.4028234663852886e38f /* lowest finite float */,
                     k_max_pool_max_f32, k_max_pool_out_f32);
}

#endif /* MAX_POOL_2D_REF_H */
