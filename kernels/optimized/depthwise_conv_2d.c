/* depthwise_conv_2d.c - optimized DEPTHWISE_CONV_2D kernels (see k_depthwise_conv_2d.h).
 *
 * int8, depth multiplier 1, on cores with the DSP extension (K_ARM_DSP): channels are
 * taken four at a time (one word of int8 per tap). For each group of four channels the
 * filter taps are expanded once to int16 pairs and the requantization constants are
 * prepared (both on the stack); then every output pixel of the group accumulates its
 * taps with SXTAB16 (input plus offset, split into the (c0, c2) and (c1, c3) pairs) and
 * SMLABB/SMLATT (one product per channel), taps in the padding being skipped. Interior
 * pixels of 3x3 filters run an unrolled tap sequence. The four results are requantized
 * exactly (k_rq), packed, clamped with SSUB8/SEL and stored as one word. Leftover
 * channels (count not a multiple of 4) use a per-channel loop.
 *
 * No scratch memory. Other depth multipliers, cores without DSP and float32 use the
 * reference code (kernels/reference/depthwise_conv_2d_ref.h). */
#include "k_depthwise_conv_2d.h"

#include "../reference/depthwise_conv_2d_ref.h"
#include "k_arm_dsp.h"
#include "k_padding.h"
#include "mcu_quant.h"

#if K_ARM_DSP

#define DW_MAX_TAPS 64 /* expanded filter taps kept on the stack for one channel group */

static inline int dw_fast_ok(const k_dw_conv_params *p) {
  return p->depth_multiplier == 1 && p->filter_h * p->filter_w <= DW_MAX_TAPS;
}

typedef struct {
  int32_t mult[4], rh[4], sh[4];
  int fast; /* all four channels have k_rq constants */
  const int32_t *any_mult, *any_shift; /* for the general path */
} dw_rq4;

static inline uint32_t dw_store4(const dw_rq4 *q, int32_t a0, int32_t a1, int32_t a2,
                                 int32_t a3, int32_t off, uint32_t lo4, uint32_t hi4) {
  int32_t v0, v1, v2, v3;
  if (q->fast) {
    v0 = k_rq(a0, q->mult[0], q->rh[0], q->sh[0]);
    v1 = k_rq(a1, q->mult[1], q->rh[1], q->sh[1]);
    v2 = k_rq(a2, q->mult[2], q->rh[2], q->sh[2]);
    v3 = k_rq(a3, q->mult[3], q->rh[3], q->sh[3]);
  } else {
    v0 = k_rq_any(a0, q->any_mult[0], q->any_shift[0]);
    v1 = k_rq_any(a1, q->any_mult[1], q->any_shift[1]);
    v2 = k_rq_any(a2, q->any_mult[2], q->any_shift[2]);
    v3 = k_rq_any(a3, q->any_mult[3], q->any_shift[3]);
  }
  const uint32_t h0 = k_pack8x2(v0 + off, v1 + off), h1 = k_pack8x2(v2 + off, v3 + off);
  return k_clamp8x4((h0 & 0xffffu) | (h1 << 16), lo4, hi4);
}

/* One tap for four channels: x = 4 int8 inputs, we/wo = weights (c0, c2) / (c1, c3). */
#define DW_TAP(xw, we, wo)                          \
  do {                                              \
    const uint32_t x_ = (xw);                       \
    const int32_t xe_ = __sxtab16(off2, x_);        \
    const int32_t xo_ = __sxtab16(off2, __ror(x_, 8)); \
    a0 = __smlabb(xe_, (int32_t)(we), a0);          \
    a2 = __smlatt(xe_, (int32_t)(we), a2);          \
    a1 = __smlabb(xo_, (int32_t)(wo), a1);          \
    a3 = __smlatt(xo_, (int32_t)(wo), a3);          \
  } while (0)

static void dw_s8_dsp(const k_dw_conv_params *p, const int8_t *input, const int8_t *filter,
                      const int32_t *bias, int8_t *output) {
  const int32_t C = p->out_c, in_w = p->in_w, in_h = p->in_h;
  const int32_t fh = p->filter_h, fw = p->filter_w, taps = fh * fw;
  const int32_t dil_h = p->dilation_h, dil_w = p->dilation_w;
  const int32_t out_h = p->out_h, out_w = p->out_w;
  const int32_t off = p->input_offset, out_off = p->output_offset;
  const uint32_t off2 = ((uint32_t)off & 0xffffu) * 0x10001u;
  const uint32_t lo4 = k_splat8(p->act_min), hi4 = k_splat8(p->act_max);
  const int32_t row = in_w * C;
  const int is3x3 = fh == 3 && fw == 3;
  const int32_t c4 = C & ~3;
  uint32_t wexp[2 * DW_MAX_TAPS];

  for (int32_t c = 0; c < c4; c += 4) {
    /* expanded filter and requantization constants of channels c .. c+3 */
    for (int32_t t = 0; t < taps; ++t) {
      const uint32_t w = k_ld32(filter + t * C + c);
      wexp[2 * t] = (uint32_t)__sxtb16(w);
      wexp[2 * t + 1] = (uint32_t)__sxtb16(__ror(w, 8));
    }
    dw_rq4 q;
    q.fast = 1;
    q.any_mult = p->out_mult + c;
    q.any_shift = p->out_shift + c;
    for (int i = 0; i < 4; ++i) {
      k_rq_ch ch;
      if (k_rq_prepare(p->out_mult[c + i], p->out_shift[c + i], &ch)) {
        q.mult[i] = ch.mult;
        q.rh[i] = ch.rh;
        q.sh[i] = ch.sh;
      } else {
        q.fast = 0;
      }
    }
    int32_t b0 = 0, b1 = 0, b2 = 0, b3 = 0;
    if (bias != NULL) {
      b0 = bias[c];
      b1 = bias[c + 1];
      b2 = bias[c + 2];
      b3 = bias[c + 3];
    }

    for (int32_t b = 0; b < p->batches; ++b) {
      const int8_t *in_b = input + (size_t)b * in_h * row + c;
      int8_t *out = output + (size_t)b * out_h * out_w * C + c;
      for (int32_t oy = 0; oy < out_h; ++oy) {
        const int32_t iy0 = oy * p->stride_h - p->pad_h;
        int32_t ky_lo, ky_hi;
        k_valid_taps(iy0, in_h, fh, dil_h, &ky_lo, &ky_hi);
        const int rows_full = ky_lo == 0 && ky_hi == fh;
        for (int32_t ox = 0; ox < out_w; ++ox, out += C) {
          const int32_t ix0 = ox * p->stride_w - p->pad_w;
          int32_t kx_lo, kx_hi;
          k_valid_taps(ix0, in_w, fw, dil_w, &kx_lo, &kx_hi);
          int32_t a0 = b0, a1 = b1, a2 = b2, a3 = b3;
          if (is3x3 && rows_full && kx_lo == 0 && kx_hi == 3) {
            const int8_t *x = in_b + iy0 * row + ix0 * C;
            const int32_t sw = dil_w * C, sh = dil_h * row;
            DW_TAP(k_ld32(x), wexp[0], wexp[1]);
            DW_TAP(k_ld32(x + sw), wexp[2], wexp[3]);
            DW_TAP(k_ld32(x + 2 * sw), wexp[4], wexp[5]);
            x += sh;
            DW_TAP(k_ld32(x), wexp[6], wexp[7]);
            DW_TAP(k_ld32(x + sw), wexp[8], wexp[9]);
            DW_TAP(k_ld32(x + 2 * sw), wexp[10], wexp[11]);
            x += sh;
            DW_TAP(k_ld32(x), wexp[12], wexp[13]);
            DW_TAP(k_ld32(x + sw), wexp[14], wexp[15]);
            DW_TAP(k_ld32(x + 2 * sw), wexp[16], wexp[17]);
          } else {
            for (int32_t ky = ky_lo; ky < ky_hi; ++ky) {
              const int8_t *x = in_b + (iy0 + ky * dil_h) * row + (ix0 + kx_lo * dil_w) * C;
              const uint32_t *w = wexp + 2 * (ky * fw + kx_lo);
              for (int32_t kx = kx_lo; kx < kx_hi; ++kx) {
                DW_TAP(k_ld32(x), w[0], w[1]);
                x += dil_w * C;
                w += 2;
              }
            }
          }
          k_st32(out, dw_store4(&q, a0, a1, a2, a3, out_off, lo4, hi4));
        }
      }
    }
  }

  /* leftover channels, one at a time */
  for (int32_t c = c4; c < C; ++c) {
    const int32_t mult = p->out_mult[c], shift = p->out_shift[c];
    for (int32_t b = 0; b < p->batches; ++b) {
      const int8_t *in_b = input + (size_t)b * in_h * row + c;
      int8_t *out = output + (size_t)b * out_h * out_w * C + c;
      for (int32_t oy = 0; oy < out_h; ++oy) {
        const int32_t iy0 = oy * p->stride_h - p->pad_h;
        int32_t ky_lo, ky_hi;
        k_valid_taps(iy0, in_h, fh, dil_h, &ky_lo, &ky_hi);
        for (int32_t ox = 0; ox < out_w; ++ox, out += C) {
          const int32_t ix0 = ox * p->stride_w - p->pad_w;
          int32_t kx_lo, kx_hi;
          k_valid_taps(ix0, in_w, fw, dil_w, &kx_lo, &kx_hi);
          int32_t acc = bias != NULL ? bias[c] : 0;
          for (int32_t ky = ky_lo; ky < ky_hi; ++ky) {
            const int8_t *x = in_b + (iy0 + ky * dil_h) * row + (ix0 + kx_lo * dil_w) * C;
            const int8_t *w = filter + (ky * fw + kx_lo) * C + c;
            for (int32_t kx = kx_lo; kx < kx_hi; ++kx) {
              acc += ((int32_t)*x + off) * (int32_t)*w;
              x += dil_w * C;
              w += C;
            }
          }
          acc = k_rq_any(acc, mult, shift) + out_off;
          *out = (int8_t)mcu_clamp_i32(acc, p->act_min, p->act_max);
        }
      }
    }
  }
}

#endif /* K_ARM_DSP */

size_t k_depthwise_conv_2d_s8_scratch_size(const k_dw_conv_params *p) {
  (void)p;
  return 0;
}

size_t k_depthwise_conv_2d_f32_scratch_size(const k_dw_conv_params *p) {
  (void)p;
  return 0;
}

void k_depthwise_conv_2d_s8(const k_dw_conv_params *p, const int8_t *input,
                            const int8_t *filter, const int32_t *bias, int8_t *output,
                            void *scratch) {
#if K_ARM_DSP
  if (dw_fast_ok(p)) {
    dw_s8_dsp(p, input, filter, bias, output);
    return;
  }
#endif
  k_depthwise_conv_2d_s8_ref(p, input, filter, bias, output, scratch);
}

void k_depthwise_conv_2d_f32(const k_dw_conv_params *p, const float *input,
                             const float *filter, const float *bias, float *output,
                             void *scratch) {
  k_depthwise_conv_2d_f32_ref(p, input, filter, bias, output, scratch);
}
