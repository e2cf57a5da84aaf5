/* conv_2d_ref.h - the reference CONV_2D kernels (see k_conv_2d.h for the arithmetic).
 *
 * The bodies live in this header, as static inline *_ref functions, so that
 * kernels/optimized/conv_2d.c can call them for the paths it does not tune (float32,
 * cores without the DSP extension, unusual parameters); kernels/reference/conv_2d.c
 * wraps them under the public names. */
#ifndef CONV_2D_REF_H
#define CONV_2D_REF_H

#include "k_conv_2d.h"
#include "window_ref.h"

/* The loop nest of both kernels (see window_ref.h): element type T, accumulator type
 * ACC, and TAP, OUT the per-type k_conv_tap_* and k_conv_out_*. Reads the kernel's
 * arguments p, input, filter, bias and output. */
#define K_CONV_2D_REF_BODY(T, ACC, TAP, OUT)                                                   \
  const int32_t in_c = p->in_c, fic = p->filter_in_c, fw = p->filter_w, out_c = p->out_c;      \
  const k_conv_stage st = K_CONV_STAGE(p);                                                     \
  const int32_t dil_h = p->dilation_h, dil_w = p->dilation_w;                                  \
  const int32_t oc_per_group = out_c / (in_c / fic);                                           \
  const int32_t filter_oc_stride = p->filter_h * fw * fic;                                     \
  const int32_t in_tap_stride_w = dil_w * in_c;                                                \
  const int32_t in_row_stride = p->in_w * in_c;                                                \
  const int32_t in_tap_stride_h = dil_h * in_row_stride;                                       \
  K_FOR_EACH_WINDOW(T, p, input, in_c, dil_h, dil_w, {                                         \
    const int32_t n_kx = kx_hi - kx_lo;                                                        \
    for (int32_t oc = 0; oc < out_c; ++oc) {                                                   \
      const int32_t group = oc / oc_per_group;                                                 \
      const T *f_row = filter + oc * filter_oc_stride + (ky_lo * fw + kx_lo) * fic;            \
      const T *in_row = in_win + group * fic;                                                  \
      ACC acc = 0;                                                                             \
      for (int32_t ky = ky_lo; ky < ky_hi; ++ky) {                                             \
        const T *in_px = in_row;                                                               \
        const T *f_px = f_row;                                                                 \
        for (int32_t kx = 0; kx < n_kx; ++kx) {                                                \
          for (int32_t ic = 0; ic < fic; ++ic) acc = TAP(acc, in_px[ic], f_px[ic], &st);       \
          in_px += in_tap_stride_w;                                                            \
          f_px += fic;                                                                         \
        }                                                                                      \
        in_row += in_tap_stride_h;                                                             \
        f_row += fw * fic;                                                                     \
      }                                                                                        \
      *output++ = OUT(acc, bias, oc, p->out_mult, p->out_shift, &st);                          \
    }                                                                                          \
  })

static inline void k_conv_2d_s8_ref(const k_conv_params *p, const int8_t *input, const int8_t *filter,
                                    const int32_t *bias, int8_t *output, void *scratch) {
  (void)scratch;
  K_CONV_2D_REF_BODY(int8_t, int32_t, k_conv_tap_s8, k_conv_out_s8);
}

static inline void k_conv_2d_f32_ref(const k_conv_params *p, const float *input, const float *filter,
                                     const float *bias, float *output, void *scratch) {
  (void)scratch;
  K_CONV_2D_REF_BODY(float, float, k_conv_tap_f32, k_conv_out_f32);
}

#endif /* CONV_2D_REF_H */
