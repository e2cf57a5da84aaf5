/* conv_2d_ref.h - the reference CONV_2D kernels (see k_conv_2d.h for the arithmetic).
 *
 * The bodies live in this header, as static inline *_ref functions, so that
 * kernels/optimized/conv_2d.c can call them for the paths it does not tune (float32,
 * cores without the DSP extension, unusual parameters); kernels/reference/conv_2d.c
 * wraps them under the public names. */
#ifndef CONV_2D_REF_H
#define CONV_2D_REF_H

#include "k_conv_2d.h"
#include "k_padding.h"
#include "mcu_quant.h"

static inline void k_conv_2d_s8_ref(const k_conv_params *p, const int8_t *input, const int8_t *filter,
                                    const int32_t *bias, int8_t *output, void *scratch) {
  (void)scratch;
  const int32_t in_w = p->in_w, in_c = p->in_c, fic = p->filter_in_c;
  const int32_t fw = p->filter_w, out_c = p->out_c;
  const int32_t dil_h = p->dilation_h, dil_w = p->dilation_w;
  const int32_t in_off = p->input_offset, out_off = p->output_offset;
  const int32_t act_min = p->act_min, act_max = p->act_max;
  const int32_t oc_per_group = out_c / (in_c / fic);
  const int32_t filter_oc_stride = p->filter_h * fw * fic;
  const int32_t in_row_stride = in_w * in_c;
  const int32_t in_tap_stride_w = dil_w * in_c;
  const int32_t in_tap_stride_h = dil_h * in_row_stride;

  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in_b = input + (size_t)b * p->in_h * in_row_stride;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_h;
      int32_t ky_lo, ky_hi;
      k_valid_taps(iy0, p->in_h, p->filter_h, dil_h, &ky_lo, &ky_hi);
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_w;
        int32_t kx_lo, kx_hi;
        k_valid_taps(ix0, in_w, fw, dil_w, &kx_lo, &kx_hi);
        /* first in-bounds tap of the window, channel 0 */
        const int8_t *in_win = in_b + (iy0 + ky_lo * dil_h) * in_row_stride +
                               (ix0 + kx_lo * dil_w) * in_c;
        const int32_t n_kx = kx_hi - kx_lo;
        for (int32_t oc = 0; oc < out_c; ++oc) {
          const int32_t group = oc / oc_per_group;
          const int8_t *f_row = filter + oc * filter_oc_stride + (ky_lo * fw + kx_lo) * fic;
          const int8_t *in_row = in_win + group * fic;
          int32_t acc = 0;
          for (int32_t ky = ky_lo; ky < ky_hi; ++ky) {
            const int8_t *in_px = in_row;
            const int8_t *f_px = f_row;
            for (int32_t kx = 0; kx < n_kx; ++kx) {
              for (int32_t ic = 0; ic < fic; ++ic) {
                acc += ((int32_t)in_px[ic] + in_off) * (int32_t)f_px[ic];
              }
              in_px += in_tap_stride_w;
              f_px += fic;
            }
            in_row += in_tap_stride_h;
            f_row += fw * fic;
          }
          if (bias != NULL) acc += bias[oc];
          acc = mcu_multiply_by_quantized_multiplier(acc, p->out_mult[oc], p->out_shift[oc]);
          acc += out_off;
          *output++ = (int8_t)mcu_clamp_i32(acc, act_min, act_max);
        }
      }
    }
  }
}

static inline void k_conv_2d_f32_ref(const k_conv_params *p, const float *input, const float *filter,
                                     const float *bias, float *output, void *scratch) {
  (void)scratch;
  const int32_t in_w = p->in_w, in_c = p->in_c, fic = p->filter_in_c;
  const int32_t fw = p->filter_w, out_c = p->out_c;
  const int32_t dil_h = p->dilation_h, dil_w = p->dilation_w;
  const float act_min = p->act_min_f, act_max = p->act_max_f;
  const int32_t oc_per_group = out_c / (in_c / fic);
  const int32_t filter_oc_stride = p->filter_h * fw * fic;
  const int32_t in_row_stride = in_w * in_c;
  const int32_t in_tap_stride_w = dil_w * in_c;
  const int32_t in_tap_stride_h = dil_h * in_row_stride;

  for (int32_t b = 0; b < p->batches; ++b) {
    const float *in_b = input + (size_t)b * p->in_h * in_row_stride;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      const int32_t iy0 = oy * p->stride_h - p->pad_h;
      int32_t ky_lo, ky_hi;
      k_valid_taps(iy0, p->in_h, p->filter_h, dil_h, &ky_lo, &ky_hi);
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        const int32_t ix0 = ox * p->stride_w - p->pad_w;
        int32_t kx_lo, kx_hi;
        k_valid_taps(ix0, in_w, fw, dil_w, &kx_lo, &kx_hi);
        const float *in_win = in_b + (iy0 + ky_lo * dil_h) * in_row_stride +
                              (ix0 + kx_lo * dil_w) * in_c;
        const int32_t n_kx = kx_hi - kx_lo;
        for (int32_t oc = 0; oc < out_c; ++oc) {
          const int32_t group = oc / oc_per_group;
          const float *f_row = filter + oc * filter_oc_stride + (ky_lo * fw + kx_lo) * fic;
          const float *in_row = in_win + group * fic;
          float acc = 0.0f;
          for (int32_t ky = ky_lo; ky < ky_hi; ++ky) {
            const float *in_px = in_row;
            const float *f_px = f_row;
            for (int32_t kx = 0; kx < n_kx; ++kx) {
              for (int32_t ic = 0; ic < fic; ++ic) acc += in_px[ic] * f_px[ic];
              in_px += in_tap_stride_w;
              f_px += fic;
            }
            in_row += in_tap_stride_h;
            f_row += fw * fic;
          }
          acc += bias != NULL ? bias[oc] : 0.0f;
          acc = acc < act_min ? act_min : acc;
          acc = acc > act_max ? act_max : acc;
          *output++ = acc;
        }
      }
    }
  }
}

#endif /* CONV_2D_REF_H */
