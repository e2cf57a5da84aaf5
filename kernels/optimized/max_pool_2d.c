/* max_pool_2d.c - optimized MAX_POOL_2D kernels (see k_pooling.h).
 *
 * int8 on cores with the DSP extension (K_ARM_DSP): four channels at a time, the
 * running maximum of each byte lane kept in one word and updated per window value by
 * SSUB8 (per-byte signed compare into the GE flags) and SEL; the result is clamped to
 * the activation range the same way and stored as a word. Leftover channels, cores
 * without DSP and float32 use the reference code
 * (kernels/reference/max_pool_2d_ref.h). */
#include "k_pooling.h"

#include "../reference/max_pool_2d_ref.h"
#include "k_arm_dsp.h"
#include "k_variant.h"
#include "k_padding.h"
#include "mcu_quant.h"

#if K_ARM_DSP

/* Bytewise signed maximum of two words of four int8. */
static inline uint32_t max8x4(uint32_t a, uint32_t b) {
  uint32_t t;
  __asm__("ssub8 %[t], %[a], %[b]\n\t"
          "sel %[a], %[a], %[b]"
          : [a] "+r"(a), [t] "=&r"(t)
          : [b] "r"(b)
          : "cc");
  return a;
}

static void max_s8_dsp(const k_pool_params *p, const int8_t *input, int8_t *output) {
  const int32_t in_w = p->in_w, ch = p->channels, c4 = ch & ~3;
  const int32_t row = in_w * ch;
  const int32_t act_min = p->act_min, act_max = p->act_max;
  const uint32_t lo4 = k_splat8(act_min), hi4 = k_splat8(act_max);
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
        const int8_t *win = in_b + (iy0 + ky_lo) * row + (ix0 + kx_lo) * ch;
        int32_t c = 0;
        for (; c < c4; c += 4, output += 4) {
          uint32_t m = 0x80808080u;
          const int8_t *r = win + c;
          for (int32_t ky = 0; ky < n_ky; ++ky, r += row) {
            const int8_t *x = r;
            for (int32_t kx = 0; kx < n_kx; ++kx, x += ch) m = max8x4(m, k_ld32(x));
          }
          k_st32(output, k_clamp8x4(m, lo4, hi4));
        }
        for (; c < ch; ++c) {
          int32_t m = -128;
          const int8_t *r = win + c;
          for (int32_t ky = 0; ky < n_ky; ++ky, r += row) {
            for (int32_t kx = 0; kx < n_kx; ++kx) {
              if (r[kx * ch] > m) m = r[kx * ch];
            }
          }
          *output++ = (int8_t)mcu_clamp_i32(m, act_min, act_max);
        }
      }
    }
  }
}

#endif /* K_ARM_DSP */

void k_max_pool_2d_s8(const k_pool_params *p, const int8_t *input, int8_t *output) {
#if K_ARM_DSP
  k_variant(K_VARIANT_DSP);
  max_s8_dsp(p, input, output);
#else
  k_max_pool_2d_s8_ref(p, input, output);
#endif
}

void k_max_pool_2d_f32(const k_pool_params *p, const float *input, float *output) {
  k_max_pool_2d_f32_ref(p, input, output);
}
