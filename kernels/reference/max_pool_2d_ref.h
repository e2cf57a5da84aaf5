/* max_pool_2d_ref.h - the reference MAX_POOL_2D kernels (see k_pooling.h).
 *
 * The bodies live in this header, as static inline *_ref functions, so that
 * kernels/optimized/max_pool_2d.c can call them for the paths it does not tune (float32,
 * cores without the DSP extension, unusual parameters); kernels/reference/max_pool_2d.c
 * wraps them under the public names. */
#ifndef MAX_POOL_2D_REF_H
#define MAX_POOL_2D_REF_H

#include "k_padding.h"
#include "k_pooling.h"
#include "mcu_quant.h"

static inline void k_max_pool_2d_s8_ref(const k_pool_params *p, const int8_t *input, int8_t *output) {
  const int32_t in_w = p->in_w, ch = p->channels;
  const int32_t in_row_stride = in_w * ch;
  const int32_t act_min = p->act_min, act_max = p->act_max;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in_b = input + (size_t)b * p->in_h * in_row_stride;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_h;
      int32_t ky_lo, ky_hi;
      k_valid_taps(iy0, p->in_h, p->filter_h, 1, &ky_lo, &ky_hi);
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_w;
        int32_t kx_lo, kx_hi;
        k_valid_taps(ix0, in_w, p->filter_w, 1, &kx_lo, &kx_hi);
        const int8_t *in_win = in_b + (iy0 + ky_lo) * in_row_stride + (ix0 + kx_lo) * ch;
        for (int32_t c = 0; c < ch; ++c) {
          int32_t m = -128;
          const int8_t *in_row = in_win + c;
          for (int32_t ky = ky_lo; ky < ky_hi; ++ky) {
            const int8_t *in_px = in_row;
            for (int32_t kx = kx_lo; kx < kx_hi; ++kx) {
              if (*in_px > m) m = *in_px;
              in_px += ch;
            }
            in_row += in_row_stride;
          }
          *output++ = (int8_t)mcu_clamp_i32(m, act_min, act_max);
        }
      }
    }
  }
}

static inline void k_max_pool_2d_f32_ref(const k_pool_params *p, const float *input, float *output) {
  const int32_t in_w = p->in_w, ch = p->channels;
  const int32_t in_row_stride = in_w * ch;
  const float act_min = p->act_min_f, act_max = p->act_max_f;
  for (int32_t b = 0; b < p->batches; ++b) {
    const float *in_b = input + (size_t)b * p->in_h * in_row_stride;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_h;
      int32_t ky_lo, ky_hi;
      k_valid_taps(iy0, p->in_h, p->filter_h, 1, &ky_lo, &ky_hi);
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_w;
        int32_t kx_lo, kx_hi;
        k_valid_taps(ix0, in_w, p->filter_w, 1, &kx_lo, &kx_hi);
        const float *in_win = in_b + (iy0 + ky_lo) * in_row_stride + (ix0 + kx_lo) * ch;
        for (int32_t c = 0; c < ch; ++c) {
          float m = -3.4028234663852886e38f; /* lowest finite float */
          const float *in_row = in_win + c;
          for (int32_t ky = ky_lo; ky < ky_hi; ++ky) {
            const float *in_px = in_row;
            for (int32_t kx = kx_lo; kx < kx_hi; ++kx) {
              m = *in_px > m ? *in_px : m;
              in_px += ch;
            }
            in_row += in_row_stride;
          }
          m = m < act_min ? act_min : m;
          m = m > act_max ? act_max : m;
          *output++ = m;
        }
      }
    }
  }
}

#endif /* MAX_POOL_2D_REF_H */
