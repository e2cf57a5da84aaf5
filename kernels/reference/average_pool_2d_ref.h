/* average_pool_2d_ref.h - the reference AVERAGE_POOL_2D kernels (see k_pooling.h).
 *
 * The bodies live in this header, as static inline *_ref functions, so that
 * kernels/optimized/average_pool_2d.c can call them for the paths it does not tune (float32,
 * cores without the DSP extension, unusual parameters); kernels/reference/average_pool_2d.c
 * wraps them under the public names. */
#ifndef AVERAGE_POOL_2D_REF_H
#define AVERAGE_POOL_2D_REF_H

#include "k_pooling.h"
#include "window_ref.h"

/* The steps of K_POOL_2D_REF_BODY (window_ref.h): sum the window, divide by its count. */
static inline int32_t k_average_pool_add_s8(int32_t acc, int8_t x) { return acc + x; }
static inline float k_average_pool_add_f32(float acc, float x) { return acc + x; }

static inline int8_t k_average_pool_out_s8(int32_t acc, int32_t count, const k_pool_stage *st) {
  if (count > 0) {
    /* round half away from zero (C division truncates toward zero) */
    acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
  }
  return (int8_t)mcu_clamp_i32(acc, st->act_min, st->act_max);
}

static inline float k_average_pool_out_f32(float acc, int32_t count, const k_pool_stage *st) {
  float avg = count > 0 ? acc / (float)count : 0.0f;
  avg = avg < st->act_min_f ? st->act_min_f : avg;
  avg = avg > st->act_max_f ? st->act_max_f : avg;
  return avg;
}

static inline void k_average_pool_2d_s8_ref(const k_pool_params *p, const int8_t *input, int8_t *output) {
  K_POOL_2D_REF_BODY(int8_t, int32_t, 0, k_average_pool_add_s8, k_average_pool_out_s8);
}

static inline void k_average_pool_2d_f32_ref(const k_pool_params *p, const float *input, float *output) {
  K_POOL_2D_REF_BODY(float, float, 0.0f, k_average_pool_add_f32, k_average_pool_out_f32);
}

#endif /* AVERAGE_POOL_2D_REF_H */
