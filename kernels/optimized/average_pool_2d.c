/* average_pool_2d.c - optimized AVERAGE_POOL_2D kernels (see k_pooling.h).
 *
 * int8 on cores with the DSP extension (K_ARM_DSP): four channels at a time. Each
 * window value word is added into two halfword-pair sums by SXTAB16 (channels 0 and 2,
 * then 1 and 3 after a rotation), which cannot overflow for windows of up to 256
 * values (|sum| <= 128 * 256 = 32768 fits int16 from -32768). Each sum is then divided
 * by the number of in-bounds values with the reference's rounding (half away from
 * zero), clamped and stored. Larger windows, cores without DSP and float32 use the
 * reference code (kernels/reference/average_pool_2d_ref.h). */
#include "k_pooling.h"

#include "../reference/average_pool_2d_ref.h"
#include "k_arm_dsp.h"
#include "k_variant.h"
#include "k_padding.h"
#include "mcu_quant.h"

#if K_ARM_DSP

static inline int32_t avg_div(int32_t acc, int32_t count) {
  return acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
}

static void avg_s8_dsp(const k_pool_params *p, const int8_t *input, int8_t *output) {
  const int32_t in_w = p->in_w, ch = p->channels, c4 = ch & ~3;
  const int32_t row = in_w * ch;
  const int32_t act_min = p->act_min, act_max = p->act_max;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in_b = input + (size_t)b * p->in_h * row;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_h;
      int32_t ky_lo, ky_hi;
      k_valid_taps(iy0, p->in_h, p->filter_h, 1, &ky_lo, &ky_hi);
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_w;
        int32_t kx_lo, kx_hi;
        k_valid_taps(ix0, in_w, p->filter_w, 1, &kx_lo, &kx_hi);
        const int32_t n_ky = ky_hi - ky_lo, n_kx = kx_hi - kx_lo;
        const int32_t count = n_ky * n_kx;
        const int8_t *win = in_b + (iy0 + ky_lo) * row + (ix0 + kx_lo) * ch;
        int32_t c = 0;
        for (; c < c4; c += 4) {
          int32_t se = 0, so = 0; /* (c0, c2) and (c1, c3) halfword sums */
          const int8_t *r = win + c;
          for (int32_t ky = 0; ky < n_ky; ++ky, r += row) {
            const int8_t *x = r;
            for (int32_t kx = 0; kx < n_kx; ++kx, x += ch) {
              const uint32_t w = k_ld32(x);
              se = __sxtab16(se, w);
              so = __sxtab16(so, __ror(w, 8));
            }
          }
          int32_t v0 = (int16_t)se, v2 = se >> 16, v1 = (int16_t)so, v3 = so >> 16;
          if (count > 0) {
            v0 = avg_div(v0, count);
            v1 = avg_div(v1, count);
            v2 = avg_div(v2, count);
            v3 = avg_div(v3, count);
          }
          *output++ = (int8_t)mcu_clamp_i32(v0, act_min, act_max);
          *output++ = (int8_t)mcu_clamp_i32(v1, act_min, act_max);
          *output++ = (int8_t)mcu_clamp_i32(v2, act_min, act_max);
          *output++ = (int8_t)mcu_clamp_i32(v3, act_min, act_max);
        }
        for (; c < ch; ++c) {
          int32_t acc = 0;
          const int8_t *r = win + c;
          for (int32_t ky = 0; ky < n_ky; ++ky, r += row) {
            for (int32_t kx = 0; kx < n_kx; ++kx) acc += r[kx * ch];
          }
          if (count > 0) acc = avg_div(acc, count);
          *output++ = (int8_t)mcu_clamp_i32(acc, act_min, act_max);
        }
      }
    }
  }
}

#endif /* K_ARM_DSP */

void k_average_pool_2d_s8(const k_pool_params *p, const int8_t *input, int8_t *output) {
#if K_ARM_DSP
  if (k_product_le(p->filter_h, p->filter_w, 1, 256)) {
    k_variant(K_VARIANT_DSP);
    avg_s8_dsp(p, input, output);
    return;
  }
#endif
  k_average_pool_2d_s8_ref(p, input, output);
}

void k_average_pool_2d_f32(const k_pool_params *p, const float *input, float *output) {
  k_average_pool_2d_f32_ref(p, input, output);
}
