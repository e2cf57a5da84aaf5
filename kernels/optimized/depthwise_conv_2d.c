/* depthwise_conv_2d.c - optimized DEPTHWISE_CONV_2D kernels (see k_depthwise_conv_2d.h).
 *
 * int8, depth multiplier 1, on cores with the DSP extension (K_ARM_DSP): channels are
 * taken four at a time (one word of int8 per tap). For each group of four channels the
 * filter taps are expanded once to int16 pairs and the requantization constants are
 * prepared (both on the stack); then every output pixel of the group accumulates its
 * taps with SXTAB16 (input plus offset, split into the (c0, c2) and (c1, c3) pairs) and
 * SMLABB/SMLATT (one product per channel). The four results are requantized exactly
 * (k_rq), packed, clamped with SSUB8/SEL and stored as one word.
 *
 * 3x3 filters run a hand-written loop over a run of output pixels (dw3x3_run_asm). The
 * expanded weights sit in a 5x5 grid with a zero border; a pixel whose window crosses
 * the padding on one side reads a window shifted by one tap back inside the input and
 * the weight window shifted the same way, so the padding taps meet zero weights and
 * every pixel runs the same nine taps. Other filter sizes, pixels that cannot be
 * shifted so (inputs narrower than the window) and channel groups whose requantization
 * shifts are outside the fast form take a C loop that skips the padding taps. Leftover
 * channels (count not a multiple of 4) use a per-channel loop.
 *
 * Cores without the DSP extension run a plain-C loop with the same grouping by four
 * channels (dw_s8_generic). No scratch memory. Other depth multipliers, filters of more
 * than 64 taps and float32 use the reference code
 * (kernels/reference/depthwise_conv_2d_ref.h). */
#include "k_depthwise_conv_2d.h"

#include <stddef.h>

#include "../reference/depthwise_conv_2d_ref.h"
#include "k_arm_dsp.h"
#include "k_variant.h"
#include "k_padding.h"
#include "mcu_quant.h"

#if K_ARM_DSP

#define DW_MAX_TAPS 32 /* expanded filter taps kept on the stack for one channel group
                          * (>= 25: a 3x3 filter's 5x5 grid) */

static inline int dw_fast_ok(const k_dw_conv_params *p) {
  return p->depth_multiplier == 1 && k_product_le(p->filter_h, p->filter_w, 1, DW_MAX_TAPS);
}

typedef struct {
  int32_t mult[4], rh[4], sh[4];
  int fast; /* all four channels have k_rq constants */
  const int32_t *any_mult; /* for the general path */
  const int8_t *any_shift;
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

/* State of dw3x3_run_asm (offsets fixed in the asm: see the static assert). */
typedef struct {
  const int8_t *x;      /* 0: input of the current pixel's top-left tap, channel c */
  int32_t xstep;        /* 4: to the next pixel's */
  int8_t *out;          /* 8: output of the current pixel, channel c */
  int32_t out_step;     /* 12 */
  int32_t n;            /* 16: pixels left, >= 1 */
  int32_t bias[4];      /* 20 */
  int32_t rq[12];       /* 36: per channel {multiplier, rounding term + out_off << sh, sh} */
  uint32_t lo4, hi4;    /* 84, 88 */
  uint32_t off2;        /* 92: input offset in both halfwords */
  int32_t tap_x;        /* 96: bytes between horizontally adjacent taps */
  int32_t tap_y;        /* 100: bytes between vertically adjacent taps */
  const uint32_t *w;    /* 104: expanded weights of the window's top-left tap, grid rows
                           of 5 taps (40 bytes) */
} dw_asm_ctx;

_Static_assert(offsetof(dw_asm_ctx, xstep) == 4 && offsetof(dw_asm_ctx, out) == 8 &&
                   offsetof(dw_asm_ctx, out_step) == 12 && offsetof(dw_asm_ctx, n) == 16 &&
                   offsetof(dw_asm_ctx, bias) == 20 && offsetof(dw_asm_ctx, rq) == 36 &&
                   offsetof(dw_asm_ctx, lo4) == 84 && offsetof(dw_asm_ctx, hi4) == 88 &&
                   offsetof(dw_asm_ctx, off2) == 92 && offsetof(dw_asm_ctx, tap_x) == 96 &&
                   offsetof(dw_asm_ctx, tap_y) == 100 && offsetof(dw_asm_ctx, w) == 104,
               "dw3x3_run_asm relies on this layout");

/* One tap: input word at ADDR, expanded weights at [lr, #WOFF] and [lr, #WOFF+4].
 * a0..a3 = r0..r3, row pointer r4, tap_x r5, tap_y r6, off2 r11, ctx r12, weights lr. */
#define DWA_TAP(ADDR, WOFF)                       \
  "ldr r7, " ADDR "\n\t"                         \
  "ldr r9, [lr, #" #WOFF "]\n\t"                 \
  "ldr r10, [lr, #" #WOFF " + 4]\n\t"            \
  "sxtab16 r8, r11, r7\n\t"                      \
  "sxtab16 r7, r11, r7, ror #8\n\t"              \
  "smlabb r0, r8, r9, r0\n\t"                    \
  "smlatt r2, r8, r9, r2\n\t"                    \
  "smlabb r1, r7, r10, r1\n\t"                   \
  "smlatt r3, r7, r10, r3\n\t"

#define DWA_ROW(WOFF0, WOFF1, WOFF2)              \
  DWA_TAP("[r4]", WOFF0)                          \
  DWA_TAP("[r4, r5]", WOFF1)                      \
  DWA_TAP("[r4, r5, lsl #1]", WOFF2)

/* Requantize accumulator A with ctx->rq[3k..3k+2] (RQ = byte offset) and saturate. */
#define DWA_RQ(A, RQ)                             \
  "ldr r7, [r12, #" #RQ "]\n\t"                  \
  "ldr r8, [r12, #" #RQ " + 4]\n\t"              \
  "ldr r9, [r12, #" #RQ " + 8]\n\t"              \
  "and r4, " A ", #0x80000000\n\t"               \
  "orr r4, r4, #0x40000000\n\t"                  \
  "add r10, r8, " A ", asr #31\n\t"              \
  "smlal r4, r10, " A ", r7\n\t"                 \
  "asr " A ", r10, r9\n\t"                       \
  "ssat " A ", #8, " A "\n\t"

/* ctx->n pixels of one group of four channels, 3x3 taps each. */
__attribute__((naked, noinline)) static void dw3x3_run_asm(dw_asm_ctx *ctx) {
  __asm__ volatile(
      "push {r4-r11, lr}\n\t"
      "mov r12, r0\n\t"
      "ldr r5, [r12, #96]\n\t"
      "ldr r6, [r12, #100]\n\t"
      "ldr r11, [r12, #92]\n\t"
      "ldr lr, [r12, #104]\n"
      "1:\n\t"
      "ldr r4, [r12, #0]\n\t"
      "add r7, r12, #20\n\t"
      "ldm r7, {r0-r3}\n\t"
      DWA_ROW(0, 8, 16)
      "add r4, r4, r6\n\t"
      DWA_ROW(40, 48, 56)
      "add r4, r4, r6\n\t"
      DWA_ROW(80, 88, 96)
      DWA_RQ("r0", 36)
      DWA_RQ("r1", 48)
      DWA_RQ("r2", 60)
      DWA_RQ("r3", 72)
      "bfi r0, r1, #8, #8\n\t"
      "bfi r2, r3, #8, #8\n\t"
      "pkhbt r0, r0, r2, lsl #16\n\t"
      "ldrd r7, r8, [r12, #84]\n\t"
      "ssub8 r9, r0, r7\n\t"
      "sel r0, r0, r7\n\t"
      "ssub8 r9, r0, r8\n\t"
      "sel r0, r8, r0\n\t"
      "ldrd r7, r8, [r12, #8]\n\t"
      "str r0, [r7]\n\t"
      "add r7, r7, r8\n\t"
      "str r7, [r12, #8]\n\t"
      "ldrd r4, r7, [r12, #0]\n\t"
      "add r4, r4, r7\n\t"
      "str r4, [r12, #0]\n\t"
      "ldr r7, [r12, #16]\n\t"
      "subs r7, r7, #1\n\t"
      "str r7, [r12, #16]\n\t"
      "bne 1b\n\t"
      "pop {r4-r11, pc}\n\t");
}

/* The window shift (-1, 0, +1 taps) that brings a 3-tap window with valid taps
 * [lo, hi) inside the input: the shifted window [shift, shift + 3) then covers the valid
 * taps and only positions whose weights are the grid's zero border. 2 when none does.
 * origin: input coordinate of tap 0; d: dilation; n: input extent. */
static inline int32_t dw_shift(int32_t lo, int32_t hi, int32_t origin, int32_t d, int32_t n) {
  int32_t s;
  if (lo == 0 && hi == 3) {
    s = 0;
  } else if (lo == 1 && hi == 3) {
    s = 1;
  } else if (lo == 0 && hi == 2) {
    s = -1;
  } else {
    return 2;
  }
  const int32_t first = origin + s * d, last = first + 2 * d;
  return first >= 0 && last < n ? s : 2;
}

/* Output pixels ox0 .. ox0+n-1 of row oy for one channel group, in C: valid taps only.
 * (The whole layer for filters other than 3x3, so compiled for speed.) */
__attribute__((noinline)) static void dw_pixels_c(const k_dw_conv_params *p, const dw_rq4 *q,
                                                  const uint32_t *w00, int32_t wrow,
                                                  const int8_t *in_b, int32_t oy, int32_t ox0,
                                                  int32_t n, const int32_t *b4, uint32_t off2,
                                                  uint32_t lo4, uint32_t hi4, int8_t *out) {
  const int32_t C = p->out_c, row = p->in_w * C, fw = p->filter_w;
  const int32_t dil_h = p->dilation_h, dil_w = p->dilation_w;
  const int32_t iy0 = oy * p->stride_h - p->pad_h;
  int32_t ky_lo, ky_hi;
  k_valid_taps(iy0, p->in_h, p->filter_h, dil_h, &ky_lo, &ky_hi);
  for (int32_t ox = ox0; ox < ox0 + n; ++ox, out += C) {
    const int32_t ix0 = ox * p->stride_w - p->pad_w;
    int32_t kx_lo, kx_hi;
    k_valid_taps(ix0, p->in_w, fw, dil_w, &kx_lo, &kx_hi);
    int32_t a0 = b4[0], a1 = b4[1], a2 = b4[2], a3 = b4[3];
    if (kx_hi - kx_lo == 1) { /* one tap per row (e.g. kx1 filters): a single loop */
      const int8_t *x = in_b + (iy0 + ky_lo * dil_h) * row + (ix0 + kx_lo * dil_w) * C;
      const uint32_t *w = w00 + 2 * (ky_lo * wrow + kx_lo);
      const int32_t xs = dil_h * row, ws = 2 * wrow;
      for (int32_t ky = ky_lo; ky < ky_hi; ++ky, x += xs, w += ws) DW_TAP(k_ld32(x), w[0], w[1]);
    } else {
      for (int32_t ky = ky_lo; ky < ky_hi; ++ky) {
        const int8_t *x = in_b + (iy0 + ky * dil_h) * row + (ix0 + kx_lo * dil_w) * C;
        const uint32_t *w = w00 + 2 * (ky * wrow + kx_lo);
        for (int32_t kx = kx_lo; kx < kx_hi; ++kx) {
          DW_TAP(k_ld32(x), w[0], w[1]);
          x += dil_w * C;
          w += 2;
        }
      }
    }
    k_st32(out, dw_store4(q, a0, a1, a2, a3, p->output_offset, lo4, hi4));
  }
}

/* Channels c4 .. out_c - 1 (the count's remainder modulo 4), one at a time. */
K_COLD static void dw_leftover(const k_dw_conv_params *p, const int8_t *input,
                               const int8_t *filter, const int32_t *bias, int8_t *output,
                               int32_t c4) {
  const int32_t C = p->out_c, in_w = p->in_w, in_h = p->in_h;
  const int32_t fh = p->filter_h, fw = p->filter_w;
  const int32_t out_h = p->out_h, out_w = p->out_w;
  const int32_t off = p->input_offset, out_off = p->output_offset;
  const int32_t row = in_w * C;
  const int32_t dil_h = p->dilation_h, dil_w = p->dilation_w;
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

static void dw_s8_dsp(const k_dw_conv_params *p, const int8_t *input, const int8_t *filter,
                      const int32_t *bias, int8_t *output) {
  const int32_t C = p->out_c, in_w = p->in_w, in_h = p->in_h;
  const int32_t fh = p->filter_h, fw = p->filter_w, taps = fh * fw;
  const int32_t out_h = p->out_h, out_w = p->out_w;
  const int32_t off = p->input_offset, out_off = p->output_offset;
  const uint32_t off2 = ((uint32_t)off & 0xffffu) * 0x10001u;
  const uint32_t lo4 = k_splat8(p->act_min), hi4 = k_splat8(p->act_max);
  const int32_t row = in_w * C;
  const int32_t dil_h = p->dilation_h, dil_w = p->dilation_w;
  const int is3x3 = fh == 3 && fw == 3;
  const int32_t c4 = C & ~3;
  /* expanded taps of a channel group, two words each: in filter order, or for 3x3 in a
   * 5x5 grid with a zero border (tap (ky, kx) at (ky + 1, kx + 1)) */
  uint32_t wbuf[2 * DW_MAX_TAPS];
  const int32_t wrow = is3x3 ? 5 : fw;               /* taps per grid/filter row */
  const uint32_t *w00 = is3x3 ? wbuf + 2 * 6 : wbuf;  /* tap (0, 0) */
  dw_asm_ctx ctx;

  /* the output columns as runs of equal window shift (2: no shift fits, C per pixel),
   * the same for every row and channel group */
  enum { MAX_RUNS = 16 };
  int32_t run_x[MAX_RUNS], run_n[MAX_RUNS], run_dx[MAX_RUNS], n_runs = 0;
  int runs_ok = is3x3;
  for (int32_t ox = 0; ox < out_w && runs_ok; ++ox) {
    const int32_t ix0 = ox * p->stride_w - p->pad_w;
    int32_t lo, hi;
    k_valid_taps(ix0, in_w, 3, dil_w, &lo, &hi);
    const int32_t dx = dw_shift(lo, hi, ix0, dil_w, in_w);
    if (n_runs > 0 && run_dx[n_runs - 1] == dx) {
      ++run_n[n_runs - 1];
    } else if (n_runs < MAX_RUNS) {
      run_x[n_runs] = ox;
      run_n[n_runs] = 1;
      run_dx[n_runs] = dx;
      ++n_runs;
    } else {
      runs_ok = 0;
    }
  }
  k_variant(runs_ok ? K_VARIANT_DSP_3X3 : K_VARIANT_DSP);
  if (!runs_ok) { /* one run per pixel, all through C */
    n_runs = 1;
    run_x[0] = 0;
    run_n[0] = out_w;
    run_dx[0] = 2;
  }

  for (int32_t c = 0; c < c4; c += 4) {
    /* expanded filter and requantization constants of channels c .. c+3 */
    if (is3x3) {
      for (int i = 0; i < 50; ++i) wbuf[i] = 0;
    }
    for (int32_t t = 0; t < taps; ++t) {
      const uint32_t w = k_ld32(filter + t * C + c);
      uint32_t *d = wbuf + 2 * ((t / fw) * wrow + t % fw) + (w00 - wbuf);
      d[0] = (uint32_t)__sxtb16(w);
      d[1] = (uint32_t)__sxtb16(__ror(w, 8));
    }
    dw_rq4 q;
    q.fast = 1;
    q.any_mult = p->out_mult + c;
    q.any_shift = p->out_shift + c;
    int use_asm = is3x3 && runs_ok;
    for (int i = 0; i < 4; ++i) {
      k_rq_ch ch;
      if (k_rq_prepare(p->out_mult[c + i], p->out_shift[c + i], &ch)) {
        q.mult[i] = ch.mult;
        q.rh[i] = ch.rh;
        q.sh[i] = ch.sh;
        /* the asm adds the output offset inside the rounding term: exact while
         * |hi| < 2^30, rh <= 2^20 and |out_off << sh| <= 2^28 cannot overflow */
        ctx.rq[3 * i] = ch.mult;
        ctx.rq[3 * i + 1] = ch.rh + (int32_t)((uint32_t)out_off << ch.sh);
        ctx.rq[3 * i + 2] = ch.sh;
        if (ch.sh > 21) use_asm = 0;
      } else {
        q.fast = 0;
        use_asm = 0;
      }
    }
    int32_t b4[4] = {0, 0, 0, 0};
    if (bias != NULL) {
      for (int i = 0; i < 4; ++i) b4[i] = bias[c + i];
    }
    if (use_asm) {
      for (int i = 0; i < 4; ++i) ctx.bias[i] = b4[i];
      ctx.lo4 = lo4;
      ctx.hi4 = hi4;
      ctx.off2 = off2;
      ctx.tap_x = p->dilation_w * C;
      ctx.tap_y = p->dilation_h * row;
      ctx.xstep = p->stride_w * C;
      ctx.out_step = C;
    }

    for (int32_t b = 0; b < p->batches; ++b) {
      const int8_t *in_b = input + (size_t)b * in_h * row + c;
      int8_t *out_b = output + (size_t)b * out_h * out_w * C + c;
      for (int32_t oy = 0; oy < out_h; ++oy) {
        int8_t *out_row = out_b + oy * out_w * C;
        const int32_t iy0 = oy * p->stride_h - p->pad_h;
        int32_t dy = 2;
        if (use_asm) {
          int32_t ky_lo, ky_hi;
          k_valid_taps(iy0, in_h, 3, p->dilation_h, &ky_lo, &ky_hi);
          dy = dw_shift(ky_lo, ky_hi, iy0, p->dilation_h, in_h);
        }
        for (int32_t r = 0; r < n_runs; ++r) {
          const int32_t ox = run_x[r], n = run_n[r], dx = run_dx[r];
          if (dy == 2 || dx == 2) {
            dw_pixels_c(p, &q, w00, wrow, in_b, oy, ox, n, b4, off2, lo4, hi4, out_row + ox * C);
            continue;
          }
          const int32_t ix0 = ox * p->stride_w - p->pad_w;
          ctx.x = in_b + (iy0 + dy * dil_h) * row + (ix0 + dx * dil_w) * C;
          ctx.w = wbuf + 2 * ((1 + dy) * 5 + 1 + dx);
          ctx.out = out_row + ox * C;
          ctx.n = n;
          dw3x3_run_asm(&ctx);
        }
      }
    }
  }

  dw_leftover(p, input, filter, bias, output, c4);
}

#else /* !K_ARM_DSP: cores without the DSP extension */

#define DW_MAX_TAPS 64

/* The exact general requantization of channel ch (a rare path: K_RARE). */
static K_RARE int32_t dw_rq_any(const k_dw_conv_params *p, int32_t acc, int32_t ch) {
  return k_rq_any(acc, p->out_mult[ch], p->out_shift[ch]);
}

/* Plain C, depth multiplier 1: four channels per pass with their weights widened once
 * onto the stack and their requantization constants prepared once (k_rq where it
 * applies); per pixel the valid tap range is computed once for the four channels. */
static void dw_s8_generic(const k_dw_conv_params *p, const int8_t *input, const int8_t *filter,
                          const int32_t *bias, int8_t *output) {
  const int32_t C = p->out_c, in_w = p->in_w, in_h = p->in_h;
  const int32_t fh = p->filter_h, fw = p->filter_w, taps = fh * fw;
  const int32_t dil_h = p->dilation_h, dil_w = p->dilation_w;
  const int32_t off = p->input_offset, row = in_w * C;
  int32_t w4[DW_MAX_TAPS][4];
  for (int32_t c = 0; c < C; c += 4) {
    const int32_t nc = C - c < 4 ? C - c : 4;
    k_rq_ch rq[4];
    int fast[4];
    int32_t b4[4];
    for (int32_t i = 0; i < nc; ++i) {
      for (int32_t t = 0; t < taps; ++t) w4[t][i] = filter[t * C + c + i];
      fast[i] = k_rq_prepare(p->out_mult[c + i], p->out_shift[c + i], &rq[i]);
      b4[i] = bias != NULL ? bias[c + i] : 0;
    }
    for (int32_t b = 0; b < p->batches; ++b) {
      const int8_t *in_b = input + (size_t)b * in_h * row + c;
      int8_t *out = output + (size_t)b * p->out_h * p->out_w * C + c;
      for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t iy0 = oy * p->stride_h - p->pad_h;
        int32_t ky_lo, ky_hi;
        k_valid_taps(iy0, in_h, fh, dil_h, &ky_lo, &ky_hi);
        for (int32_t ox = 0; ox < p->out_w; ++ox, out += C) {
          const int32_t ix0 = ox * p->stride_w - p->pad_w;
          int32_t kx_lo, kx_hi;
          k_valid_taps(ix0, in_w, fw, dil_w, &kx_lo, &kx_hi);
          int32_t acc[4] = {b4[0], b4[1], b4[2], b4[3]};
          for (int32_t ky = ky_lo; ky < ky_hi; ++ky) {
            const int8_t *x = in_b + (iy0 + ky * dil_h) * row + (ix0 + kx_lo * dil_w) * C;
            const int32_t(*w)[4] = w4 + ky * fw + kx_lo;
            for (int32_t kx = kx_lo; kx < kx_hi; ++kx, x += dil_w * C, ++w) {
              if (nc == 4) {
                acc[0] += ((int32_t)x[0] + off) * (*w)[0];
                acc[1] += ((int32_t)x[1] + off) * (*w)[1];
                acc[2] += ((int32_t)x[2] + off) * (*w)[2];
                acc[3] += ((int32_t)x[3] + off) * (*w)[3];
              } else {
                for (int32_t i = 0; i < nc; ++i) acc[i] += ((int32_t)x[i] + off) * (*w)[i];
              }
            }
          }
          for (int32_t i = 0; i < nc; ++i) {
            int32_t v = fast[i] ? k_rq(acc[i], rq[i].mult, rq[i].rh, rq[i].sh)
                                : dw_rq_any(p, acc[i], c + i);
            out[i] = (int8_t)mcu_clamp_i32(v + p->output_offset, p->act_min, p->act_max);
          }
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
#else
  if (p->depth_multiplier == 1 && k_product_le(p->filter_h, p->filter_w, 1, DW_MAX_TAPS)) {
    k_variant(K_VARIANT_C);
    dw_s8_generic(p, input, filter, bias, output);
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
