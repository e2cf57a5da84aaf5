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
 * every pixel runs the same nine taps. Other 2-D filter sizes run the pixels whose
 * windows lie inside the input through a loop over any window (dw_taps_run_asm); pixels
 * that cannot be shifted so, windows that cross the padding and channel groups whose
 * requantization shifts are outside the fast form take a C loop that skips the padding
 * taps. Leftover channels (count not a multiple of 4) use a per-channel loop.
 *
 * k x 1 and 1 x k filters (up to 32 taps) take the 1-D paths below ("1-D filters"):
 * int16 line buffers and SMLAD over pairs of taps for long lines (dw1d_run_asm), the
 * taps straight from the input (dw_taps_run_asm) for few outputs per line.
 *
 * Cores without the DSP extension run a plain-C loop with the same grouping by four
 * channels (dw_s8_generic). On ARMv6-M (M0, M0+) groups of four channels run in
 * hand-written Thumb-1 instead (dw_s8_m0: taps, requantization by 16 x 16 MULS and
 * clamping in asm, runs of pixels per call; about 37 -> 15.6 cycles per MAC on the kws
 * model's 3x3 layers); fewer than four channels keep the C loop. No scratch memory. Other depth multipliers, filters of more
 * than 32 taps (64 without DSP) and float32 use the reference code
 * (kernels/reference/depthwise_conv_2d_ref.h). */
#include "k_depthwise_conv_2d.h"

#include <stddef.h>

#include "../reference/depthwise_conv_2d_ref.h"
#include "k_arm_dsp.h"
#include "k_arm_v6m.h"
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

/* n taps of four channels added to a[0..3]: the input words from x on, xs bytes apart,
 * each plus the input offset (off2) split into the (c0, c2) and (c1, c3) pairs by SXTAB16;
 * their expanded weights from w on, ws words apart. */
static inline __attribute__((always_inline)) void dw_taps_c(int32_t *a, const int8_t *x,
                                                            int32_t xs, const uint32_t *w,
                                                            int32_t ws, int32_t n,
                                                            uint32_t off2) {
  int32_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
  for (; n > 0; --n, x += xs, w += ws) {
    const uint32_t xw = k_ld32(x);
    const int32_t xe = __sxtab16(off2, xw), xo = __sxtab16(off2, __ror(xw, 8));
    a0 = __smlabb(xe, (int32_t)w[0], a0);
    a2 = __smlatt(xe, (int32_t)w[0], a2);
    a1 = __smlabb(xo, (int32_t)w[1], a1);
    a3 = __smlatt(xo, (int32_t)w[1], a3);
  }
  a[0] = a0, a[1] = a1, a[2] = a2, a[3] = a3;
}

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

/* State of dw_taps_run_asm: dw_asm_ctx's fields (w: the weights in filter order; tap_x,
 * tap_y unused), then the window as an outer loop of inner runs of taps. */
typedef struct {
  dw_asm_ctx c;
  int32_t g_step;       /* 108: bytes between the taps of an inner run */
  int32_t g_inner;      /* 112: taps per inner run, >= 1 */
  int32_t g_outer;      /* 116: inner runs, >= 1 */
  int32_t g_left;       /* 120: inner runs left (the asm's counter) */
  int32_t g_adv;        /* 124: bytes from the end of an inner run to the next's start */
} dw_taps_ctx;

_Static_assert(offsetof(dw_asm_ctx, xstep) == 4 && offsetof(dw_asm_ctx, out) == 8 &&
                   offsetof(dw_asm_ctx, out_step) == 12 && offsetof(dw_asm_ctx, n) == 16 &&
                   offsetof(dw_asm_ctx, bias) == 20 && offsetof(dw_asm_ctx, rq) == 36 &&
                   offsetof(dw_asm_ctx, lo4) == 84 && offsetof(dw_asm_ctx, hi4) == 88 &&
                   offsetof(dw_asm_ctx, off2) == 92 && offsetof(dw_asm_ctx, tap_x) == 96 &&
                   offsetof(dw_asm_ctx, tap_y) == 100 && offsetof(dw_asm_ctx, w) == 104,
               "dw3x3_run_asm relies on this layout");
_Static_assert(offsetof(dw_taps_ctx, g_step) == 108 && offsetof(dw_taps_ctx, g_inner) == 112 &&
                   offsetof(dw_taps_ctx, g_outer) == 116 && offsetof(dw_taps_ctx, g_left) == 120 &&
                   offsetof(dw_taps_ctx, g_adv) == 124,
               "dw_taps_run_asm relies on this layout");

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

/* Requantizes r0..r3 (DWA_RQ), packs them, clamps them to [lo4, hi4] bytewise, stores
 * the word and steps to the next pixel; loops to 1b while pixels are left. Shared tail
 * of the pixel loops. */
#define DWA_RQ_STORE_NEXT                         \
  DWA_RQ("r0", 36)                                \
  DWA_RQ("r1", 48)                                \
  DWA_RQ("r2", 60)                                \
  DWA_RQ("r3", 72)                                \
  "bfi r0, r1, #8, #8\n\t"                        \
  "bfi r2, r3, #8, #8\n\t"                        \
  "pkhbt r0, r0, r2, lsl #16\n\t"                 \
  "ldrd r7, r8, [r12, #84]\n\t"                   \
  "ssub8 r9, r0, r7\n\t"                          \
  "sel r0, r0, r7\n\t"                            \
  "ssub8 r9, r0, r8\n\t"                          \
  "sel r0, r8, r0\n\t"                            \
  "ldrd r7, r8, [r12, #8]\n\t"                    \
  "str r0, [r7]\n\t"                              \
  "add r7, r7, r8\n\t"                            \
  "str r7, [r12, #8]\n\t"                         \
  "ldrd r4, r7, [r12, #0]\n\t"                    \
  "add r4, r4, r7\n\t"                            \
  "str r4, [r12, #0]\n\t"                         \
  "ldr r7, [r12, #16]\n\t"                        \
  "subs r7, r7, #1\n\t"                           \
  "str r7, [r12, #16]\n\t"                        \
  "bne 1b\n\t"

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
      DWA_RQ_STORE_NEXT
      "pop {r4-r11, pc}\n\t");
}

/* ctx->n pixels of one group of four channels whose windows lie inside the input (any
 * filter size): per pixel ctx->g_outer runs of ctx->g_inner taps, the weights in filter
 * order. The per-tap work is DWA_TAP's, with the input pointer r5 stepped by g_step (r4). */
__attribute__((naked, noinline)) static void dw_taps_run_asm(dw_taps_ctx *ctx) {
  __asm__ volatile(
      "push {r4-r11, lr}\n\t"
      "mov r12, r0\n\t"
      "ldr r11, [r12, #92]\n"
      "1:\n\t"
      "ldr r5, [r12, #0]\n\t"
      "add r7, r12, #20\n\t"
      "ldm r7, {r0-r3}\n\t"
      "ldr r4, [r12, #108]\n\t"
      "ldr lr, [r12, #104]\n\t"
      "ldr r7, [r12, #116]\n\t"
      "str r7, [r12, #120]\n"
      "2:\n\t"
      "ldr r6, [r12, #112]\n"
      "3:\n\t"
      "ldr r7, [r5]\n\t"
      "ldr r9, [lr], #4\n\t"
      "ldr r10, [lr], #4\n\t"
      "add r5, r5, r4\n\t"
      "sxtab16 r8, r11, r7\n\t"
      "sxtab16 r7, r11, r7, ror #8\n\t"
      "smlabb r0, r8, r9, r0\n\t"
      "smlatt r2, r8, r9, r2\n\t"
      "smlabb r1, r7, r10, r1\n\t"
      "smlatt r3, r7, r10, r3\n\t"
      "subs r6, r6, #1\n\t"
      "bne 3b\n\t"
      "ldr r7, [r12, #124]\n\t"
      "ldr r6, [r12, #120]\n\t"
      "add r5, r5, r7\n\t"
      "subs r6, r6, #1\n\t"
      "str r6, [r12, #120]\n\t"
      "bne 2b\n\t"
      DWA_RQ_STORE_NEXT
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

/* The whole-layer fields of the asm state: clamp bounds, input offset, steps from one
 * pixel to the next. */
static inline void dw_ctx_init(dw_asm_ctx *cx, const k_dw_conv_params *p, int32_t xstep,
                               int32_t out_step) {
  cx->lo4 = k_splat8(p->act_min);
  cx->hi4 = k_splat8(p->act_max);
  cx->off2 = ((uint32_t)p->input_offset & 0xffffu) * 0x10001u;
  cx->xstep = xstep;
  cx->out_step = out_step;
}

/* Taps of channels c .. c+3 (filter: channel c of tap 0) expanded to the (c0, c2) and
 * (c1, c3) pairs, two words a tap: tap (ky, kx) at w[2 * (ky * wrow + kx)]. */
static inline __attribute__((always_inline)) void dw_expand4(uint32_t *w, const int8_t *filter,
                                                             int32_t C, int32_t fh, int32_t fw,
                                                             int32_t wrow) {
  for (int32_t t = 0, kx = 0; t < fh * fw; ++t, w += 2) {
    const uint32_t v = k_ld32(filter + t * C);
    w[0] = (uint32_t)__sxtb16(v);
    w[1] = (uint32_t)__sxtb16(__ror(v, 8));
    if (++kx == fw) { /* the next filter row */
      kx = 0;
      w += 2 * (wrow - fw);
    }
  }
}

/* Requantization constants and biases of channels c .. c+3: q for C (k_rq where it
 * applies, else k_rq_any), cx->rq and cx->bias for the asm. 1 when the asm's form
 * holds for all four. */
static inline __attribute__((always_inline)) int dw_prepare4(const k_dw_conv_params *p,
                                                             const int32_t *bias, int32_t c,
                                                             dw_rq4 *q, dw_asm_ctx *cx) {
  int ok = 1;
  q->fast = 1;
  q->any_mult = p->out_mult + c;
  q->any_shift = p->out_shift + c;
  for (int i = 0; i < 4; ++i) {
    k_rq_ch ch;
    if (k_rq_prepare(p->out_mult[c + i], p->out_shift[c + i], &ch)) {
      q->mult[i] = ch.mult;
      q->rh[i] = ch.rh;
      q->sh[i] = ch.sh;
      /* the asm adds the output offset inside the rounding term: exact while
       * |hi| < 2^30, rh <= 2^20 and |out_off << sh| <= 2^28 cannot overflow */
      cx->rq[3 * i] = ch.mult;
      cx->rq[3 * i + 1] = ch.rh + (int32_t)((uint32_t)p->output_offset << ch.sh);
      cx->rq[3 * i + 2] = ch.sh;
      if (ch.sh > 21) ok = 0;
    } else {
      q->fast = 0;
      ok = 0;
    }
  }
  for (int i = 0; i < 4; ++i) cx->bias[i] = bias != NULL ? bias[c + i] : 0;
  return ok;
}

/* Output pixels ox0 .. ox0+n-1 of row oy for one channel group, in C, valid taps only:
 * the pixels the asm does not take. cx: the biases, input offset and clamp bounds. */
__attribute__((noinline)) static void dw_pixels_c(const k_dw_conv_params *p, const dw_rq4 *q,
                                                  const dw_asm_ctx *cx, const uint32_t *w00,
                                                  int32_t wrow, const int8_t *in_b, int32_t oy,
                                                  int32_t ox0, int32_t n, int8_t *out) {
  const int32_t C = p->out_c, row = p->in_w * C, fw = p->filter_w;
  const int32_t dil_h = p->dilation_h, dil_w = p->dilation_w;
  const int32_t iy0 = oy * p->stride_h - p->pad_h;
  const uint32_t off2 = cx->off2;
  int32_t ky_lo, ky_hi;
  k_valid_taps(iy0, p->in_h, p->filter_h, dil_h, &ky_lo, &ky_hi);
  for (int32_t ox = ox0; ox < ox0 + n; ++ox, out += C) {
    const int32_t ix0 = ox * p->stride_w - p->pad_w;
    int32_t kx_lo, kx_hi;
    k_valid_taps(ix0, p->in_w, fw, dil_w, &kx_lo, &kx_hi);
    int32_t a[4] = {cx->bias[0], cx->bias[1], cx->bias[2], cx->bias[3]};
    const int8_t *x = in_b + (iy0 + ky_lo * dil_h) * row + (ix0 + kx_lo * dil_w) * C;
    const uint32_t *w = w00 + 2 * (ky_lo * wrow + kx_lo);
    if (kx_hi - kx_lo == 1) { /* one tap per row: a single loop down the column */
      dw_taps_c(a, x, dil_h * row, w, 2 * wrow, ky_hi - ky_lo, off2);
    } else {
      for (int32_t ky = ky_lo; ky < ky_hi; ++ky, x += dil_h * row, w += 2 * wrow)
        dw_taps_c(a, x, dil_w * C, w, 2, kx_hi - kx_lo, off2);
    }
    k_st32(out, dw_store4(q, a[0], a[1], a[2], a[3], p->output_offset, cx->lo4, cx->hi4));
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

/* The window shift along one axis: a 3x3 filter's (dw_shift); for other filters 0 when
 * the window lies inside the input, else 2. origin: input coordinate of tap 0; n: input
 * extent; k: taps; d: dilation. */
static inline __attribute__((always_inline)) int32_t dw_axis_shift(int32_t origin, int32_t n,
                                                                   int32_t k, int32_t d,
                                                                   const int is3x3) {
  int32_t lo, hi;
  k_valid_taps(origin, n, k, d, &lo, &hi);
  if (is3x3) return dw_shift(lo, hi, origin, d, n);
  return lo == 0 && hi == k ? 0 : 2;
}

/* 2-D filters, four channels at a time. is3x3 (a constant in each caller): the weights
 * in the 5x5 grid and dw3x3_run_asm, with shifted windows; else the weights in filter
 * order and dw_taps_run_asm for the windows that lie inside the input. */
static inline __attribute__((always_inline)) void dw_s8_dsp_t(const k_dw_conv_params *p,
                                                             const int8_t *input,
                                                             const int8_t *filter,
                                                             const int32_t *bias, int8_t *output,
                                                             const int is3x3) {
  const int32_t C = p->out_c, in_w = p->in_w, in_h = p->in_h;
  const int32_t fh = is3x3 ? 3 : p->filter_h, fw = is3x3 ? 3 : p->filter_w;
  const int32_t out_h = p->out_h, out_w = p->out_w;
  const int32_t row = in_w * C;
  const int32_t dil_h = p->dilation_h, dil_w = p->dilation_w;
  const int32_t c4 = C & ~3;
  /* expanded taps of a channel group, two words each: in filter order, or for 3x3 in a
   * 5x5 grid with a zero border (tap (ky, kx) at (ky + 1, kx + 1)) */
  uint32_t wbuf[2 * DW_MAX_TAPS];
  const int32_t wrow = is3x3 ? 5 : fw;               /* taps per grid/filter row */
  uint32_t *const w00 = is3x3 ? wbuf + 2 * 6 : wbuf;  /* tap (0, 0) */
  dw_taps_ctx tc;
  dw_asm_ctx *const cx = &tc.c;
  dw_rq4 q;

  /* the output columns as runs of equal window shift (2: no shift fits, C per pixel),
   * the same for every row and channel group */
  enum { MAX_RUNS = 16 };
  struct {
    int32_t x, n, dx; /* first output column, columns, shift */
    int32_t xo;       /* the shifted window's first input column, in bytes */
  } run[MAX_RUNS];
  int32_t n_runs = 0;
  int runs_ok = 1;
  for (int32_t ox = 0; ox < out_w && runs_ok; ++ox) {
    const int32_t ix0 = ox * p->stride_w - p->pad_w;
    const int32_t dx = dw_axis_shift(ix0, in_w, fw, dil_w, is3x3);
    if (n_runs > 0 && run[n_runs - 1].dx == dx) {
      ++run[n_runs - 1].n;
    } else if (n_runs < MAX_RUNS) {
      run[n_runs].x = ox;
      run[n_runs].n = 1;
      run[n_runs].dx = dx;
      run[n_runs].xo = (ix0 + dx * dil_w) * C;
      ++n_runs;
    } else {
      runs_ok = 0;
    }
  }
  k_variant(runs_ok && is3x3 ? K_VARIANT_DSP_3X3 : K_VARIANT_DSP);
  if (!runs_ok) { /* one run per pixel, all through C */
    n_runs = 1;
    run[0].x = 0;
    run[0].n = out_w;
    run[0].dx = 2;
  }

  dw_ctx_init(cx, p, p->stride_w * C, C);
  cx->tap_x = dil_w * C;
  cx->tap_y = dil_h * row;
  if (!is3x3) { /* runs of taps along the longer loop (a k x 1 filter's column) */
    if (fw == 1) {
      tc.g_step = cx->tap_y, tc.g_inner = fh, tc.g_outer = 1, tc.g_adv = 0;
    } else {
      tc.g_step = cx->tap_x, tc.g_inner = fw, tc.g_outer = fh;
      tc.g_adv = cx->tap_y - fw * cx->tap_x;
    }
  }

  for (int32_t c = 0; c < c4; c += 4) {
    /* expanded filter and requantization constants of channels c .. c+3 */
    if (is3x3) {
      for (int i = 0; i < 50; ++i) wbuf[i] = 0;
    }
    dw_expand4(w00, filter + c, C, fh, fw, wrow);
    const int use_asm = dw_prepare4(p, bias, c, &q, cx) && runs_ok;

    for (int32_t b = 0; b < p->batches; ++b) {
      const int8_t *in_b = input + (size_t)b * in_h * row + c;
      int8_t *out_b = output + (size_t)b * out_h * out_w * C + c;
      for (int32_t oy = 0; oy < out_h; ++oy) {
        int8_t *out_row = out_b + oy * out_w * C;
        const int32_t iy0 = oy * p->stride_h - p->pad_h;
        const int32_t dy = use_asm ? dw_axis_shift(iy0, in_h, fh, dil_h, is3x3) : 2;
        /* the rows of the shifted window and their weights (valid when dy != 2; other
         * filters run the asm unshifted only) */
        const int8_t *x_row = dy != 2 ? in_b + (iy0 + dy * dil_h) * row : in_b;
        const uint32_t *w_row = is3x3 ? w00 + 2 * wrow * dy : w00;
        for (int32_t r = 0; r < n_runs; ++r) {
          const int32_t ox = run[r].x, n = run[r].n, dx = run[r].dx;
          if (dy == 2 || dx == 2) {
            dw_pixels_c(p, &q, cx, w00, wrow, in_b, oy, ox, n, out_row + ox * C);
            continue;
          }
          cx->x = x_row + run[r].xo;
          cx->w = w_row + 2 * dx;
          cx->out = out_row + ox * C;
          cx->n = n;
          if (is3x3)
            dw3x3_run_asm(cx);
          else
            dw_taps_run_asm(&tc);
        }
      }
    }
  }

  dw_leftover(p, input, filter, bias, output, c4);
}

/* Filters other than 3x3 and 1-D. */
__attribute__((noinline)) static void dw_s8_dsp_any(const k_dw_conv_params *p,
                                                    const int8_t *input, const int8_t *filter,
                                                    const int32_t *bias, int8_t *output) {
  dw_s8_dsp_t(p, input, filter, bias, output, 0);
}

/* 3x3 filters. */
static void dw_s8_dsp_3x3(const k_dw_conv_params *p, const int8_t *input, const int8_t *filter,
                          const int32_t *bias, int8_t *output) {
  dw_s8_dsp_t(p, input, filter, bias, output, 1);
}


/* ---------------------------------------------------------------- 1-D filters
 *
 * Filters with one tap along one axis (k x 1 or 1 x k, e.g. the streaming wake-word
 * model's temporal convolutions): every output is a 1-D convolution of one channel
 * along a "line" (the filter's long axis). For each group of four channels and each
 * stretch ("tile") of a line, the inputs plus the input offset are written once as
 * int16 into one buffer per channel, the padding as zeros, so that no tap is ever
 * tested; every output is then a run of SMLADs over halfword pairs of its channel's
 * buffer against pairs of weights. An output whose first tap sits at an even slot uses
 * the pairs (w0, w1), (w2, w3) ... ("A"); at an odd slot it starts one slot early with
 * (0, w0), (w1, w2) ... ("B"); both sets are expanded once per channel group, A with a
 * zero pair at the end when k is even, so that both have nB = k/2 + 1 pairs. With
 * stride 1 and no dilation, outputs y .. y+3 (y even) read the words X[y/2 ..
 * y/2 + nB] and each word meets its two weight pairs in four SMLADs (dw1d_run_asm).
 * With dilation d the buffer holds the line's d phases one after another (slot i of
 * phase r = line position r + i*d), so that an output's taps are consecutive slots of
 * one phase; other strides and dilations take a C loop, one output at a time. Lines are
 * cut into tiles that fit the buffers (DW1D_LBUF slots per channel, on the stack).
 *
 * Building the buffers and the weight pairs costs a fixed amount per channel group and
 * tile, so when a tile has few outputs for its taps (e.g. one 15-tap output per line),
 * or the filter is longer than DW1D_LINES_MAX_TAPS, the four channels' taps are read
 * straight from the input instead (dw1d_taps_s8: dw_taps_c's SMLABB/SMLATT, the loop of
 * dw_taps_run_asm over the outputs whose taps lie inside the input). The choice
 * (dw1d_plan) is a fit of the two paths' measured cycles.
 *
 * Requantization (channels with shift in [-22, -1] and |bias| + k * 255 * 128 < 2^30,
 * i.e. every accumulator |a| < 2^30): the weights and the bias are expanded doubled, so
 * that the accumulator is 2a, and MultiplyByQuantizedMultiplier(a, M, -e) + out_off =
 * (SMMLAR(2a, M, 2^(e-1) + out_off * 2^e) + [a < 0 ? -1 : 0]) >> e: SMMULR(2a, M) is
 * the rounding doubling high multiply for |a| < 2^30, and the rounding shift is
 * floor((y + 2^(e-1) - [a < 0]) / 2^e) as in k_rq2 (k_arm_dsp.h); the output offset
 * times 2^e passes the shift unchanged. Other channels keep plain weights and use the
 * general rule (k_rq_any). */

#define DW1D_LBUF 48             /* int16 slots of one channel's line buffer (even) */
#define DW1D_LW (DW1D_LBUF / 2)  /* the same in words */
#define DW1D_MAX_TAPS 32         /* filter length limit (the taps path's weights: 2 words each) */
#define DW1D_LINES_MAX_TAPS 16   /* ... and the line buffers' */
#define DW1D_MAX_WW (DW1D_LINES_MAX_TAPS + 2) /* expanded words of one channel: 2 x (k/2 + 1) */

typedef struct {
  int32_t k, s, d;               /* along the line: taps, stride, dilation */
  int32_t n_in, n_out, pad;      /* input and output extents, padding before */
  int32_t in_step, out_step;     /* bytes between adjacent line positions */
  int32_t n_a;                   /* output positions across the line */
  int32_t in_a_step, out_a_step; /* bytes from one across position to the next */
  int32_t tile;                  /* outputs per tile */
  int32_t nA, nB;                /* pairs of the A and B weight sets */
  int32_t y_lo, y_hi;            /* the outputs whose taps all lie inside the input */
  int lines;                     /* 1: line buffers (dw1d_s8), 0: taps (dw1d_taps_s8) */
} dw1d_geom;

/* 1 and the geometry when the 1-D path takes the layer. */
static int dw1d_plan(const k_dw_conv_params *p, dw1d_geom *g) {
  const int32_t C = p->out_c;
  int32_t in_a, out_a, s_a, pad_a;
  if (p->depth_multiplier != 1) return 0;
  if (p->filter_w == 1 && p->filter_h > 1) { /* k x 1: lines run down the columns */
    g->k = p->filter_h, g->s = p->stride_h, g->d = p->dilation_h;
    g->n_in = p->in_h, g->n_out = p->out_h, g->pad = p->pad_h;
    g->in_step = p->in_w * C, g->out_step = p->out_w * C;
    in_a = p->in_w, out_a = p->out_w, s_a = p->stride_w, pad_a = p->pad_w;
    g->in_a_step = s_a * C, g->out_a_step = C;
  } else if (p->filter_h == 1) { /* 1 x k: lines run along the rows */
    g->k = p->filter_w, g->s = p->stride_w, g->d = p->dilation_w;
    g->n_in = p->in_w, g->n_out = p->out_w, g->pad = p->pad_w;
    g->in_step = C, g->out_step = C;
    in_a = p->in_h, out_a = p->out_h, s_a = p->stride_h, pad_a = p->pad_h;
    g->in_a_step = s_a * p->in_w * C, g->out_a_step = p->out_w * C;
  } else {
    return 0;
  }
  g->n_a = out_a;
  if (g->k < 1 || g->k > DW1D_MAX_TAPS || g->n_out < 1 || out_a < 1 || C < 1) return 0;
  /* byte steps that the loops form (a stride only matters when it is taken) */
  if (out_a == 1) g->in_a_step = 0;
  if ((int64_t)g->d * g->in_step > INT32_MAX / 4 ||
      (g->n_out > 1 && (int64_t)g->s * g->in_step > INT32_MAX / 4))
    return 0;
  /* across the line the one tap must lie inside the input (always so under TFLite's
   * padding rules: a filter extent of 1 gets no padding) */
  if (pad_a != 0 || (int64_t)(out_a - 1) * s_a >= in_a) return 0;
  /* the outputs whose taps all lie inside the input: [y_lo, y_hi) */
  const int64_t span = (int64_t)(g->k - 1) * g->d;
  g->y_lo = (g->pad + g->s - 1) / g->s;
  const int64_t last = (int64_t)g->n_in - 1 - span + g->pad; /* y*s <= last */
  g->y_hi = last < 0 ? 0 : (int32_t)(last / g->s + 1 < g->n_out ? last / g->s + 1 : g->n_out);
  if (g->y_lo > g->y_hi) g->y_lo = g->y_hi;
  /* line buffers: a tile of T outputs needs d phases of ((T-1)*s)/d + k + 2 slots (the
   * last pair of a phase reads one slot beyond its last tap), each rounded up to even:
   * at most DW1D_LBUF when ((T-1)*s)/d <= lim */
  const int32_t lim = DW1D_LBUF / g->d - g->k - 3;
  g->tile = 0;
  if (lim >= 0) {
    const int32_t t = (lim * g->d + g->d - 1) / g->s + 1;
    g->tile = t < g->n_out ? t : g->n_out;
  }
  g->nA = (g->k + 1) / 2;
  g->nB = g->k / 2 + 1;
  /* few outputs per line (or line buffers too small for the dilation): the buffers and
   * the expanded weights do not pay for themselves; the taps straight from the input
   * are faster (needs whole words of four channels) */
  g->lines = g->tile > 0 && g->k <= DW1D_LINES_MAX_TAPS &&
             (C < 4 || g->tile * (26 + 10 * g->k) >= 720 + 20 * g->k);
  return g->lines || C >= 4;
}

/* One channel's requantization and weights for the C loops (dw1d_single). */
typedef struct {
  const uint32_t *w;     /* expanded weights, A[j] at w[2j], B[j] at w[2j+1] */
  int32_t bias2;         /* twice the bias (fast channels) or the bias */
  int32_t mult;
  int32_t rh;            /* fast: 2^(e-1) + out_off * 2^e */
  int32_t e;             /* fast: the right shift; else the channel's shift */
  int32_t fast;          /* the SMMLAR requantization applies (else k_rq_any) */
} dw1d_ch;

/* The state of dw1d_run_asm: one tile of channels ch .. ch_end-1 of a group, all fast, stride 1
 * and no dilation (offsets fixed in the asm: see the static assert). */
typedef struct {
  const uint32_t *w;       /* 0: the channel's expanded weights */
  int32_t out_step;        /* 4 */
  const uint32_t *x_end;   /* 8: buffer word after the channel's last block of four */
  int32_t nB;              /* 12 */
  int32_t bias2;           /* 16: twice the channel's bias */
  int32_t mult;            /* 20 */
  int32_t rh;              /* 24: 2^(e-1) + out_off * 2^e */
  int32_t e;               /* 28 */
  int32_t clamp;           /* 32: 1 when the activation range is narrower than int8 */
  int32_t lo, hi;          /* 36, 40 */
  int32_t tail;            /* 44: outputs left after the blocks (counts down) */
  int32_t ch;              /* 48: the channel (counts up to 4) */
  const uint32_t *lines;   /* 52: channel 0's buffer (channels DW1D_LW words apart) */
  const uint32_t *wexp;    /* 56: channel 0's weights (DW1D_MAX_WW words apart) */
  int8_t *out0;            /* 60: channel 0's first output of the tile */
  int32_t xspan;           /* 64: bytes of buffer the blocks of four take (8 per block) */
  int32_t tail0;           /* 68: outputs after the blocks of four (0 .. 3) */
  const int32_t *mult_p;   /* 72: channel 0's multiplier, shift and bias */
  const int8_t *shift_p;   /* 76 */
  const int32_t *bias_p;   /* 80 */
  int32_t out_off;         /* 84 */
  int32_t ch_end;          /* 88: the channel after the last (4, or fewer in the layer) */
} dw1d_grp;

_Static_assert(offsetof(dw1d_grp, out_step) == 4 && offsetof(dw1d_grp, x_end) == 8 &&
                   offsetof(dw1d_grp, nB) == 12 && offsetof(dw1d_grp, bias2) == 16 &&
                   offsetof(dw1d_grp, mult) == 20 && offsetof(dw1d_grp, rh) == 24 &&
                   offsetof(dw1d_grp, e) == 28 && offsetof(dw1d_grp, clamp) == 32 &&
                   offsetof(dw1d_grp, lo) == 36 && offsetof(dw1d_grp, hi) == 40 &&
                   offsetof(dw1d_grp, tail) == 44 && offsetof(dw1d_grp, ch) == 48 &&
                   offsetof(dw1d_grp, lines) == 52 && offsetof(dw1d_grp, wexp) == 56 &&
                   offsetof(dw1d_grp, out0) == 60 && offsetof(dw1d_grp, xspan) == 64 &&
                   offsetof(dw1d_grp, tail0) == 68 && offsetof(dw1d_grp, mult_p) == 72 &&
                   offsetof(dw1d_grp, shift_p) == 76 && offsetof(dw1d_grp, bias_p) == 80 &&
                   offsetof(dw1d_grp, out_off) == 84 && offsetof(dw1d_grp, ch_end) == 88,
               "dw1d_run_asm relies on this layout");
/* channel strides in the asm (bytes) */
#define DW1D_X_BYTES 96
#define DW1D_W_BYTES 72
#define DW1D_STR_(x) #x
#define DW1D_STR(x) DW1D_STR_(x)
_Static_assert(DW1D_X_BYTES == 4 * DW1D_LW && DW1D_W_BYTES == 4 * DW1D_MAX_WW,
               "dw1d_run_asm's channel strides");

/* One weight-pair step of four outputs: XC = the current buffer word (outputs 0, 1),
 * XN = the next (outputs 2, 3), loaded here; the A/B pair in r9/r10. Accumulators
 * r0..r3, buffer pointer r4, weight pointer r5. */
#define DW1D_STEP(XC, XN)                          \
  "ldr " XN ", [r4], #4\n\t"                       \
  "ldr r9, [r5], #4\n\t"                           \
  "ldr r10, [r5], #4\n\t"                          \
  "smlad r0, " XC ", r9, r0\n\t"                   \
  "smlad r1, " XC ", r10, r1\n\t"                  \
  "smlad r2, " XN ", r9, r2\n\t"                   \
  "smlad r3, " XN ", r10, r3\n\t"

/* Requantize accumulator A (= 2a): multiplier r4, rounding term r5, shift r6. */
#define DW1D_RQ(A)                                 \
  "smmlar r7, " A ", r4, r5\n\t"                   \
  "add r7, r7, " A ", asr #31\n\t"                 \
  "asr r7, r7, r6\n\t"                             \
  "ssat " A ", #8, r7\n\t"

/* Clamp A to [r7, r8]. */
#define DW1D_CLAMP(A)                              \
  "cmp " A ", r7\n\t"                              \
  "it lt\n\t"                                      \
  "movlt " A ", r7\n\t"                            \
  "cmp " A ", r8\n\t"                              \
  "it gt\n\t"                                      \
  "movgt " A ", r8\n\t"

#define DW1D_RQ_CONSTANTS                          \
  "ldr r4, [r12, #20]\n\t"                         \
  "ldr r5, [r12, #24]\n\t"                         \
  "ldr r6, [r12, #28]\n\t"

/* One tile of channels ctx->ch .. ch_end-1: per channel its requantization constants (from the
 * layer's arrays), then blocks of four outputs while the buffer word lr is below x_end,
 * then ctx->tail outputs in pairs (the last pair's second output computed but not
 * stored). ODD_ENTRY: nB is odd, one step before the two-step loop. r12 = ctx,
 * lr = the current block's first buffer word, r11 = its first output. */
#define DW1D_RUN_ASM(NAME, ODD_ENTRY)                                                     \
  __attribute__((naked, noinline)) static void NAME(dw1d_grp *ctx) {                      \
    __asm__ volatile(                                                                     \
        "push {r4-r11, lr}\n\t"                                                           \
        "mov r12, r0\n"                                                                   \
        "0:\n\t"                                                                          \
        "ldr r0, [r12, #48]\n\t"                                                          \
        "ldr r1, [r12, #72]\n\t"                                                          \
        "ldr r2, [r12, #76]\n\t"                                                          \
        "ldr r3, [r12, #80]\n\t"                                                          \
        "ldr r4, [r1, r0, lsl #2]\n\t"                                                    \
        "ldrsb r5, [r2, r0]\n\t"                                                          \
        "ldr r6, [r3, r0, lsl #2]\n\t"                                                    \
        "rsb r5, r5, #0\n\t"                                                              \
        "lsl r6, r6, #1\n\t"                                                              \
        "str r4, [r12, #20]\n\t"                                                          \
        "str r5, [r12, #28]\n\t"                                                          \
        "str r6, [r12, #16]\n\t"                                                          \
        "ldr r7, [r12, #84]\n\t"                                                          \
        "sub r8, r5, #1\n\t"                                                              \
        "mov r9, #1\n\t"                                                                  \
        "lsl r7, r7, r5\n\t"                                                              \
        "lsl r9, r9, r8\n\t"                                                              \
        "add r7, r7, r9\n\t"                                                              \
        "str r7, [r12, #24]\n\t"                                                          \
        "ldr r1, [r12, #52]\n\t"                                                          \
        "ldr r2, [r12, #64]\n\t"                                                          \
        "ldr r3, [r12, #56]\n\t"                                                          \
        "mov r4, #" DW1D_STR(DW1D_X_BYTES) "\n\t"                                        \
        "mla lr, r0, r4, r1\n\t"                                                          \
        "mov r4, #" DW1D_STR(DW1D_W_BYTES) "\n\t"                                         \
        "add r2, lr, r2\n\t"                                                              \
        "mla r3, r0, r4, r3\n\t"                                                          \
        "str r2, [r12, #8]\n\t"                                                           \
        "str r3, [r12, #0]\n\t"                                                           \
        "ldr r11, [r12, #60]\n\t"                                                         \
        "ldr r1, [r12, #68]\n\t"                                                          \
        "add r11, r11, r0\n\t"                                                            \
        "str r1, [r12, #44]\n\t"                                                          \
        "cmp lr, r2\n\t"                                                                  \
        "beq 5f\n"                                                                        \
        "1:\n\t"                                                                          \
        "ldr r5, [r12, #0]\n\t"                                                           \
        "ldr r6, [r12, #12]\n\t"                                                          \
        "ldr r0, [r12, #16]\n\t"                                                          \
        "mov r4, lr\n\t"                                                                  \
        "mov r1, r0\n\t"                                                                  \
        "mov r2, r0\n\t"                                                                  \
        "mov r3, r0\n\t"                                                                  \
        "add lr, lr, #8\n\t" ODD_ENTRY                                                    \
        "2:\n\t" DW1D_STEP("r7", "r8") DW1D_STEP("r8", "r7")                              \
        "subs r6, r6, #2\n\t"                                                             \
        "bne 2b\n"                                                                        \
        "3:\n\t" DW1D_RQ_CONSTANTS DW1D_RQ("r0") DW1D_RQ("r1") DW1D_RQ("r2") DW1D_RQ("r3") \
        "ldr r7, [r12, #32]\n\t"                                                          \
        "cbz r7, 4f\n\t"                                                                  \
        "ldrd r7, r8, [r12, #36]\n\t" DW1D_CLAMP("r0") DW1D_CLAMP("r1") DW1D_CLAMP("r2")  \
            DW1D_CLAMP("r3") "4:\n\t"                                                     \
        "ldr r7, [r12, #4]\n\t"                                                           \
        "add r8, r11, r7, lsl #1\n\t"                                                     \
        "strb r0, [r11]\n\t"                                                              \
        "strb r1, [r11, r7]\n\t"                                                          \
        "strb r2, [r8]\n\t"                                                               \
        "strb r3, [r8, r7]\n\t"                                                           \
        "add r11, r8, r7, lsl #1\n\t"                                                     \
        "ldr r7, [r12, #8]\n\t"                                                           \
        "cmp lr, r7\n\t"                                                                  \
        "bne 1b\n"                                                                        \
        "5:\n\t"                                                                          \
        "ldr r6, [r12, #44]\n\t"                                                          \
        "cmp r6, #0\n\t"                                                                  \
        "beq 9f\n\t"                                                                      \
        "ldr r5, [r12, #0]\n\t"                                                           \
        "ldr r6, [r12, #12]\n\t"                                                          \
        "ldr r0, [r12, #16]\n\t"                                                          \
        "mov r4, lr\n\t"                                                                  \
        "mov r1, r0\n"                                                                    \
        "6:\n\t"                                                                          \
        "ldr r7, [r4], #4\n\t"                                                            \
        "ldr r9, [r5], #4\n\t"                                                            \
        "ldr r10, [r5], #4\n\t"                                                           \
        "smlad r0, r7, r9, r0\n\t"                                                        \
        "smlad r1, r7, r10, r1\n\t"                                                       \
        "subs r6, r6, #1\n\t"                                                             \
        "bne 6b\n\t" DW1D_RQ_CONSTANTS DW1D_RQ("r0") DW1D_RQ("r1")                        \
        "ldr r7, [r12, #32]\n\t"                                                          \
        "cbz r7, 7f\n\t"                                                                  \
        "ldrd r7, r8, [r12, #36]\n\t" DW1D_CLAMP("r0") DW1D_CLAMP("r1") "7:\n\t"          \
        "ldr r6, [r12, #44]\n\t"                                                          \
        "ldr r7, [r12, #4]\n\t"                                                           \
        "strb r0, [r11]\n\t"                                                              \
        "subs r6, r6, #1\n\t"                                                             \
        "beq 9f\n\t"                                                                      \
        "strb r1, [r11, r7]\n\t"                                                          \
        "add r11, r11, r7, lsl #1\n\t"                                                    \
        "add lr, lr, #4\n\t"                                                              \
        "subs r6, r6, #1\n\t"                                                             \
        "str r6, [r12, #44]\n\t"                                                          \
        "bne 5b\n"                                                                        \
        "9:\n\t"                                                                          \
        "ldr r0, [r12, #48]\n\t"                                                          \
        "add r0, r0, #1\n\t"                                                              \
        "str r0, [r12, #48]\n\t"                                                          \
        "ldr r1, [r12, #88]\n\t"                                                          \
        "cmp r0, r1\n\t"                                                                  \
        "bne 0b\n\t"                                                                      \
        "pop {r4-r11, pc}\n\t");                                                          \
  }

/* even nB (>= 2): the first word in r7, straight into the loop */
DW1D_RUN_ASM(dw1d_run_asm_even, "ldr r7, [r4], #4\n\t")
/* odd nB: the first word in r8, one step, then the loop for the even rest (if any) */
DW1D_RUN_ASM(dw1d_run_asm_odd, "ldr r8, [r4], #4\n\t" DW1D_STEP("r8", "r7") "subs r6, r6, #1\n\t"
                                                                           "beq 3f\n\t")

/* (acc * 2^32 + a * b + 2^31) >> 32: SMMLAR. */
static inline int32_t dw1d_smmlar(int32_t a, int32_t b, int32_t acc) {
  int32_t r;
  __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
}

/* Outputs 0 .. T-1 of one channel's tile in C, one at a time (strides and dilations
 * other than 1, and the channels that need the general requantization): X = its
 * buffer (len slots per phase); output y's first tap is slot i0 of phase r, where
 * y*s = r + i0*d. */
__attribute__((noinline)) static void dw1d_single(const k_dw_conv_params *p, const uint32_t *X,
                                                  const dw1d_geom *g, int32_t T, int32_t len,
                                                  const dw1d_ch *q, int8_t *out) {
  const int32_t nA = g->nA, nB = g->nB, d = g->d, ostep = g->out_step, bias2 = q->bias2;
  const int32_t sd = g->s / d, sr = g->s % d;
  const int32_t lo = p->act_min, hi = p->act_max, out_off = p->output_offset;
  const uint32_t *W = q->w;
  int32_t r = 0, i0 = 0;
  for (int32_t y = 0; y < T; ++y, out += ostep) {
    const int32_t idx = r * len + i0; /* r * len is even: idx has i0's parity */
    const uint32_t *x = X + idx / 2, *w = W + (idx & 1);
    const int32_t n = (idx & 1) ? nB : nA;
    int32_t a = bias2;
    for (int32_t j = 0; j < n; ++j) a = __smlad(x[j], w[2 * j], a);
    int32_t v;
    if (q->fast) {
      v = (dw1d_smmlar(a, q->mult, q->rh) + (a >> 31)) >> q->e;
    } else {
      v = k_rq_any(a, q->mult, q->e) + out_off;
    }
    v = v < lo ? lo : v;
    v = v > hi ? hi : v;
    *out = (int8_t)v;
    i0 += sd;
    r += sr;
    if (r >= d) {
      r -= d;
      ++i0;
    }
  }
}

/* Two line positions' words of four channels, w0 then w1 (int8 inputs), into slots
 * 2i, 2i+1 of the four channel buffers (dst = word i of channel 0's). */
static inline __attribute__((always_inline)) void dw1d_put2(uint32_t *dst, uint32_t w0,
                                                            uint32_t w1, uint32_t off2) {
  const uint32_t e0 = (uint32_t)__sxtab16(off2, w0), o0 = (uint32_t)__sxtab16(off2, __ror(w0, 8));
  const uint32_t e1 = (uint32_t)__sxtab16(off2, w1), o1 = (uint32_t)__sxtab16(off2, __ror(w1, 8));
  dst[0] = (e0 & 0xffffu) | (e1 << 16);
  dst[DW1D_LW] = (o0 & 0xffffu) | (o1 << 16);
  dst[2 * DW1D_LW] = (e1 & 0xffff0000u) | (e0 >> 16);
  dst[3 * DW1D_LW] = (o1 & 0xffff0000u) | (o0 >> 16);
}

/* Where the slots of one phase of a tile come from: slot i is line position
 * p0 + i*d, inside the input for i in [ilo, ihi); line = the input of position 0 at the
 * group's first channel, in_step = bytes between positions. */
typedef struct {
  const int8_t *line;
  int32_t p0, d, in_step, ilo, ihi, nc;
  uint32_t padw, off2;
} dw1d_src;

/* The word of channels c .. c+3 at slot i: the input inside [ilo, ihi), the input's
 * zero point (a zero once offset) elsewhere and for the channels from nc on (layers of
 * fewer than four channels). */
static inline __attribute__((always_inline)) uint32_t dw1d_word(const dw1d_src *s, int32_t i) {
  if (i < s->ilo || i >= s->ihi) return s->padw;
  const int8_t *x = s->line + (s->p0 + i * s->d) * s->in_step;
  if (s->nc == 4) return k_ld32(x);
  uint32_t w = s->padw;
  for (int32_t c = 0; c < s->nc; ++c)
    w = (w & ~(0xffu << (8 * c))) | ((uint32_t)(uint8_t)x[c] << (8 * c));
  return w;
}

K_COLD static void dw1d_fill_slow(uint32_t *dst, const dw1d_src *s, int32_t i) {
  dw1d_put2(dst + i / 2, dw1d_word(s, i), dw1d_word(s, i + 1), s->off2);
}

/* Slots [0, len) of one phase of the four channel buffers (dst: channel 0's phase
 * start). */
__attribute__((noinline)) static void dw1d_fill(uint32_t *dst, int32_t len, const dw1d_src *s) {
  const int32_t ilo = s->ilo, ihi = s->ihi;
  int32_t i = 0;
  if (s->nc == 4) {
    for (; i < len && !(i >= ilo && i + 1 < ihi); i += 2) dw1d_fill_slow(dst, s, i);
    if (i + 1 < ihi) {
      const int32_t step = s->d * s->in_step;
      const int8_t *x = s->line + (s->p0 + i * s->d) * s->in_step;
      const uint32_t off2 = s->off2;
      uint32_t *dd = dst + i / 2;
      const int32_t pairs = (ihi - i) / 2;
      for (int32_t n = pairs; n > 0; --n, ++dd, x += 2 * step)
        dw1d_put2(dd, k_ld32(x), k_ld32(x + step), off2);
      i += 2 * pairs;
    }
  }
  if (i < s->ihi) { /* a pair across the input's end, or narrow channels */
    for (; i < len && i < s->ihi; i += 2) dw1d_fill_slow(dst, s, i);
  }
  for (; i < len; i += 2) { /* past the input's end: zeros */
    uint32_t *dd = dst + i / 2;
    dd[0] = dd[DW1D_LW] = dd[2 * DW1D_LW] = dd[3 * DW1D_LW] = 0;
  }
}

/* The SMMLAR requantization applies to a channel: shift in [-22, -1] and the bias
 * below room, so that every accumulator |a| < 2^30. */
static inline int dw1d_fast(int32_t shift, int32_t bias, int32_t room) {
  return shift <= -1 && shift >= -22 && bias > -room && bias < room;
}

/* The requantization of channel c, and whether its weights are doubled (fast). */
static void dw1d_prepare_rq(const k_dw_conv_params *p, int32_t room, const int32_t *bias,
                            int32_t c, dw1d_ch *q) {
  const int32_t shift = p->out_shift[c], b = bias != NULL ? bias[c] : 0;
  q->fast = dw1d_fast(shift, b, room);
  q->mult = p->out_mult[c];
  if (q->fast) {
    q->bias2 = 2 * b;
    q->e = -shift;
    q->rh = (int32_t)((1u << (-shift - 1)) + ((uint32_t)p->output_offset << -shift));
  } else {
    q->bias2 = b;
    q->e = shift;
  }
}

/* The taps of a layer of nc < 4 channels as words (zeros for the missing channels). */
K_COLD static void dw1d_taps_narrow(uint32_t *tw, const int8_t *filter, int32_t k, int32_t C,
                                    int32_t nc) {
  for (int32_t t = 0; t < k; ++t) {
    uint32_t w = 0;
    for (int32_t c = 0; c < nc; ++c) w |= (uint32_t)(uint8_t)filter[t * C + c] << (8 * c);
    tw[t] = w;
  }
}

/* Expanded weights of channels c0 .. c0+3 (filter: tap 0 of channel c0), doubled for the
 * fast channels: pairs of taps of one channel from the words of two taps of four
 * channels, as the line buffers are built. */
__attribute__((noinline)) static void dw1d_prepare_weights(const dw1d_geom *g,
                                                           const int8_t *filter, int32_t C,
                                                           int32_t nc, const dw1d_ch *q,
                                                           uint32_t (*wexp)[DW1D_MAX_WW]) {
  const int32_t k = g->k, nB = g->nB;
  uint32_t tw[DW1D_LINES_MAX_TAPS + 2]; /* tap t of the four channels; zero from k on */
  if (nc == 4) {
    for (int32_t t = 0; t < k; ++t) tw[t] = k_ld32(filter + t * C);
  } else {
    dw1d_taps_narrow(tw, filter, k, C, nc);
  }
  tw[k] = tw[k + 1] = 0;
  /* doubling masks: SADD16(v, v & mask) doubles the fast channels' halfwords */
  const uint32_t me = (q[0].fast ? 0xffffu : 0) | (q[2].fast ? 0xffff0000u : 0);
  const uint32_t mo = (q[1].fast ? 0xffffu : 0) | (q[3].fast ? 0xffff0000u : 0);
  uint32_t pe = 0, po = 0; /* tap 2j - 1: (c0, c2) and (c1, c3) */
  uint32_t *w = wexp[0];
  for (int32_t j = 0; j < nB; ++j, w += 2) {
    uint32_t e1 = (uint32_t)__sxtb16(tw[2 * j]), o1 = (uint32_t)__sxtb16(__ror(tw[2 * j], 8));
    uint32_t e2 = (uint32_t)__sxtb16(tw[2 * j + 1]), o2 = (uint32_t)__sxtb16(__ror(tw[2 * j + 1], 8));
    e1 = (uint32_t)__sadd16(e1, e1 & me);
    o1 = (uint32_t)__sadd16(o1, o1 & mo);
    e2 = (uint32_t)__sadd16(e2, e2 & me);
    o2 = (uint32_t)__sadd16(o2, o2 & mo);
    /* A[j] = (tap 2j, 2j+1), B[j] = (2j-1, 2j) */
    w[0] = (e1 & 0xffffu) | (e2 << 16);
    w[1] = (pe & 0xffffu) | (e1 << 16);
    w[DW1D_MAX_WW] = (o1 & 0xffffu) | (o2 << 16);
    w[DW1D_MAX_WW + 1] = (po & 0xffffu) | (o1 << 16);
    w[2 * DW1D_MAX_WW] = (e2 & 0xffff0000u) | (e1 >> 16);
    w[2 * DW1D_MAX_WW + 1] = (e1 & 0xffff0000u) | (pe >> 16);
    w[3 * DW1D_MAX_WW] = (o2 & 0xffff0000u) | (o1 >> 16);
    w[3 * DW1D_MAX_WW + 1] = (o1 & 0xffff0000u) | (po >> 16);
    pe = e2;
    po = o2;
  }
}

/* The line-buffer path: per group of four channels the expanded weights, then per line
 * and tile the buffers and the outputs (dw1d_run_asm when every channel of the layer
 * has the fast requantization and stride and dilation are 1, else dw1d_single). */
__attribute__((noinline)) static void dw1d_s8(const k_dw_conv_params *p, const dw1d_geom *g,
                                              const int8_t *input, const int8_t *filter,
                                              const int32_t *bias, int8_t *output) {
  uint32_t lines[4 * DW1D_LW];   /* four channel buffers */
  uint32_t wexp[4][DW1D_MAX_WW]; /* their expanded weights */
  dw1d_ch q[4];
  dw1d_grp ctx;
  static const int32_t zero_bias[4] = {0, 0, 0, 0};
  const int32_t C = p->out_c, k = g->k, s = g->s, d = g->d;
  const int32_t in_batch = p->in_h * p->in_w * C, out_batch = p->out_h * p->out_w * C;
  const int32_t room = (1 << 30) - k * 255 * 128; /* |bias| below: every |a| < 2^30 */
  /* the asm takes whole groups when every channel is fast (else C for all) */
  int asm_ok = s == 1 && d == 1;
  if (asm_ok) {
    const int8_t *sh = p->out_shift;
    uint32_t bad = 0; /* shift + 22 outside [0, 21], bias + room - 1 outside [0, 2 room - 2] */
    for (int32_t c = 0; c < C; ++c) bad |= (uint32_t)(sh[c] + 22) > 21u;
    if (bias != NULL) {
      for (int32_t c = 0; c < C; ++c)
        bad |= (uint32_t)bias[c] + (uint32_t)(room - 1) > (uint32_t)(2 * room - 2);
    }
    asm_ok = !bad;
  }
  void (*run)(dw1d_grp *) = g->nB & 1 ? dw1d_run_asm_odd : dw1d_run_asm_even;
  dw1d_src src;
  src.d = d;
  src.in_step = g->in_step;
  src.off2 = ((uint32_t)p->input_offset & 0xffffu) * 0x10001u;
  src.padw = k_splat8(-p->input_offset);
  src.nc = C < 4 ? C : 4;
  ctx.out_step = g->out_step;
  ctx.nB = g->nB;
  ctx.clamp = !(p->act_min <= -128 && p->act_max >= 127);
  ctx.lo = p->act_min;
  ctx.hi = p->act_max;
  ctx.lines = lines;
  ctx.wexp = &wexp[0][0];
  ctx.out_off = p->output_offset;
  ctx.ch_end = src.nc;
  for (int32_t cg = 0; cg < C; cg += 4) {
    /* channels c0 .. c0+3; the last group of a count that is not a multiple of 4 is
     * moved back to end at C - 1, and computes only the channels from `first` on */
    int32_t c0 = cg, first = 0;
    if (C >= 4 && cg + 4 > C) {
      c0 = C - 4;
      first = cg - c0;
    }
    for (int32_t ch = 0; ch < 4; ++ch) {
      q[ch].w = wexp[ch];
      q[ch].fast = asm_ok;
      if (!asm_ok && ch >= first && ch < src.nc) dw1d_prepare_rq(p, room, bias, c0 + ch, &q[ch]);
    }
    dw1d_prepare_weights(g, filter + c0, C, src.nc, q, wexp);
    ctx.mult_p = p->out_mult + c0;
    ctx.shift_p = p->out_shift + c0;
    ctx.bias_p = bias != NULL ? bias + c0 : zero_bias;
    for (int32_t b = 0; b < p->batches; ++b) {
      for (int32_t a = 0; a < g->n_a; ++a) {
        src.line = input + (size_t)b * in_batch + (size_t)a * g->in_a_step + c0;
        int8_t *out_line = output + (size_t)b * out_batch + (size_t)a * g->out_a_step + c0;
        for (int32_t y0 = 0; y0 < g->n_out; y0 += g->tile) {
          const int32_t T = g->n_out - y0 < g->tile ? g->n_out - y0 : g->tile;
          const int32_t len = (((T - 1) * s) / d + k + 3) & ~1;
          for (int32_t r = 0; r < d; ++r) {
            src.p0 = y0 * s + r - g->pad;
            k_valid_taps(src.p0, g->n_in, len, d, &src.ilo, &src.ihi);
            dw1d_fill(lines + r * len / 2, len, &src);
          }
          int8_t *o = out_line + (size_t)y0 * g->out_step;
          if (asm_ok) {
            ctx.ch = first;
            ctx.out0 = o;
            ctx.xspan = (T >> 2) * 8;
            ctx.tail0 = T & 3;
            run(&ctx);
          } else {
            for (int32_t ch = first; ch < src.nc; ++ch)
              dw1d_single(p, lines + ch * DW1D_LW, g, T, len, &q[ch], o + ch);
          }
        }
      }
    }
  }
}

/* One output of four channels in C (the taps inside the input): the outputs whose
 * windows cross the padding, or all when the requantization is outside the asm's form. */
K_COLD static void dw1d_taps_pixel(const k_dw_conv_params *p, const dw1d_geom *g,
                                   const int8_t *line, int32_t y, const uint32_t *wbuf,
                                   const dw_rq4 *q, const dw_asm_ctx *cx, int8_t *out) {
  const int32_t p0 = y * g->s - g->pad;
  int32_t lo, hi;
  k_valid_taps(p0, g->n_in, g->k, g->d, &lo, &hi);
  int32_t a[4] = {cx->bias[0], cx->bias[1], cx->bias[2], cx->bias[3]};
  dw_taps_c(a, line + (p0 + lo * g->d) * g->in_step, g->d * g->in_step, wbuf + 2 * lo, 2,
            hi - lo, cx->off2);
  k_st32(out, dw_store4(q, a[0], a[1], a[2], a[3], p->output_offset, cx->lo4, cx->hi4));
}

/* Few outputs per line: the taps of four channels straight from the input, as in the
 * general path (dw_taps_c; dw_taps_run_asm for the outputs whose taps all lie inside the
 * input, C for the others), with the lines' geometry. Needs C >= 4. */
__attribute__((noinline)) static void dw1d_taps_s8(const k_dw_conv_params *p, const dw1d_geom *g,
                                                   const int8_t *input, const int8_t *filter,
                                                   const int32_t *bias, int8_t *output) {
  const int32_t C = p->out_c, k = g->k;
  const int32_t in_batch = p->in_h * p->in_w * C, out_batch = p->out_h * p->out_w * C;
  uint32_t wbuf[2 * DW1D_MAX_TAPS];
  dw_taps_ctx tc;
  dw_asm_ctx *const cx = &tc.c;
  dw_rq4 q;
  dw_ctx_init(cx, p, g->n_out > 1 ? g->s * g->in_step : 0, g->out_step);
  cx->w = wbuf;
  tc.g_step = g->d * g->in_step;
  tc.g_inner = k;
  tc.g_outer = 1;
  tc.g_adv = 0;
  for (int32_t cg = 0; cg < C; cg += 4) {
    /* channels c .. c+3; the last group of a count that is not a multiple of 4 is moved
     * back to end at C - 1 (recomputing some channels: the same values) */
    const int32_t c = cg + 4 > C ? C - 4 : cg;
    dw_expand4(wbuf, filter + c, C, 1, k, k);
    const int use_asm = dw_prepare4(p, bias, c, &q, cx);
    for (int32_t b = 0; b < p->batches; ++b) {
      for (int32_t a = 0; a < g->n_a; ++a) {
        const int8_t *line = input + (size_t)b * in_batch + (size_t)a * g->in_a_step + c;
        int8_t *out = output + (size_t)b * out_batch + (size_t)a * g->out_a_step + c;
        int32_t y = 0;
        while (y < g->n_out) {
          if (use_asm && y == g->y_lo && g->y_hi > y) {
            cx->x = line + (y * g->s - g->pad) * g->in_step;
            cx->out = out + y * g->out_step;
            cx->n = g->y_hi - y;
            dw_taps_run_asm(&tc);
            y = g->y_hi;
            continue;
          }
          dw1d_taps_pixel(p, g, line, y, wbuf, &q, cx, out + y * g->out_step);
          ++y;
        }
      }
    }
  }
}

/* The 1-D paths, when one takes the layer: 1. */
__attribute__((noinline, minsize)) static int dw1d_s8_any(const k_dw_conv_params *p,
                                                          const int8_t *input,
                                                          const int8_t *filter,
                                                          const int32_t *bias, int8_t *output) {
  dw1d_geom g;
  if (!dw1d_plan(p, &g)) return 0;
  k_variant(K_VARIANT_DSP_1D);
  if (g.lines)
    dw1d_s8(p, &g, input, filter, bias, output);
  else
    dw1d_taps_s8(p, &g, input, filter, bias, output);
  return 1;
}

/* Filters other than 1-D (in a function of its own: the 3x3 loop's stack frame is not
 * on the stack during the 1-D paths). */
__attribute__((noinline)) static void dw_s8_2d(const k_dw_conv_params *p, const int8_t *input,
                                               const int8_t *filter, const int32_t *bias,
                                               int8_t *output, void *scratch) {
  if (dw_fast_ok(p)) {
    if (p->filter_h != 3 || p->filter_w != 3) {
      dw_s8_dsp_any(p, input, filter, bias, output);
      return;
    }
    dw_s8_dsp_3x3(p, input, filter, bias, output);
    return;
  }
  k_depthwise_conv_2d_s8_ref(p, input, filter, bias, output, scratch);
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


#if defined(__ARM_ARCH_6M__) && !defined(MCU_HOST)
/* ARMv6-M (Cortex-M0/M0+): the taps of four channels in hand-written Thumb-1, the
 * requantization with 16 x 16 MULS. The compiled loop of dw_s8_generic spilled its four
 * accumulators and the 64-bit product of k_rq went through __aeabi_lmul (about 37
 * cycles per MAC on the kws model's 3x3 layers).
 *
 * The input offset is folded into the accumulators' start: sum (x + off) w =
 * sum x w + off * sum w, the second term over the pixel's valid taps (all taps inside
 * the input: a per-group constant). Exact in int32 (wrapping) arithmetic.
 *
 * dw_run_m0 takes a run of pixels of one output row whose windows lie inside the input,
 * requantization, clamping and stores included, when all four channels have k_rq's
 * form; dw_taps_m0 the taps of one pixel (any rectangle of valid taps) for the other
 * pixels, requantized in C. */
#define DW_M0 1

/* State of dw_taps_m0 and dw_run_m0 (offsets fixed in the asm). The taps form a
 * rectangle of nrows runs of (wlen / 16) taps each. */
typedef struct {
  int32_t a[4];          /* 0: accumulators (dw_taps_m0: in and out; dw_run_m0: start) */
  const int8_t *x;       /* 16: input of the first tap, channel c */
  const int32_t *w;      /* 20: its weights, four int32 (one per channel) a tap */
  int32_t xcol;          /* 24: bytes between the taps of a run */
  int32_t wlen;          /* 28: weight bytes of a run (16 per tap), >= 16 */
  int32_t xrow;          /* 32: input bytes from the end of a run to the next run's start */
  int32_t wrow;          /* 36: weight bytes from the end of a run to the next run's */
  int32_t nrows;         /* 40: runs, >= 1 (counted down by the asm) */
  /* dw_run_m0 only */
  int32_t fh;            /* 44: runs per pixel */
  int8_t *out;           /* 48: output of the current pixel, channel c */
  int32_t xstep;         /* 52: input bytes from one pixel to the next */
  int32_t out_step;      /* 56 */
  int32_t n;             /* 60: pixels, >= 1 (counted down) */
  int32_t out_off;       /* 64 */
  int32_t act_min;       /* 68 */
  int32_t act_max;       /* 72 */
  int32_t rq[4][3];      /* 76: per channel {M, rh, sh} */
} dw_m0_ctx;

_Static_assert(offsetof(dw_m0_ctx, x) == 16 && offsetof(dw_m0_ctx, w) == 20 &&
                   offsetof(dw_m0_ctx, xcol) == 24 && offsetof(dw_m0_ctx, wlen) == 28 &&
                   offsetof(dw_m0_ctx, xrow) == 32 && offsetof(dw_m0_ctx, wrow) == 36 &&
                   offsetof(dw_m0_ctx, nrows) == 40 && offsetof(dw_m0_ctx, fh) == 44 &&
                   offsetof(dw_m0_ctx, out) == 48 && offsetof(dw_m0_ctx, xstep) == 52 &&
                   offsetof(dw_m0_ctx, out_step) == 56 && offsetof(dw_m0_ctx, n) == 60 &&
                   offsetof(dw_m0_ctx, out_off) == 64 && offsetof(dw_m0_ctx, act_min) == 68 &&
                   offsetof(dw_m0_ctx, act_max) == 72 && offsetof(dw_m0_ctx, rq) == 76,
               "dw_taps_m0 / dw_run_m0 rely on this layout");

/* One channel of a tap: input byte I (LDRB + SXTB: LDRSB has no immediate offset), its
 * weight in W (destroyed), accumulator ACC (a high register). */
#define DW_M0_CH(I, W, ACC)          \
  "ldrb r3, [r0, #" I "]\n\t"       \
  "sxtb r3, r3\n\t"                 \
  "muls " W ", r3, " W "\n\t"       \
  "add " ACC ", " W "\n\t"

/* Accumulators r8-r11 = ctx->a; then the taps: input r0, weights r1 (LDM of a tap's
 * four), xcol r2, the end of the run's weights r12, ctx lr. Per tap: 5 (LDM) + 4 x 5 + 4
 * = 29 cycles. */
#define DW_M0_TAPS                    \
  "mov r0, lr\n\t"                   \
  "ldm r0!, {r4-r7}\n\t"             \
  "mov r8, r4\n\t"                   \
  "mov r9, r5\n\t"                   \
  "mov r10, r6\n\t"                  \
  "mov r11, r7\n\t"                  \
  "ldr r2, [r0, #8]\n\t"             \
  "ldr r1, [r0, #4]\n\t"             \
  "ldr r0, [r0, #0]\n"               \
  "2:\n\t"                           \
  "mov r3, lr\n\t"                   \
  "ldr r4, [r3, #28]\n\t"            \
  "adds r4, r4, r1\n\t"              \
  "mov r12, r4\n"                    \
  "3:\n\t"                           \
  "ldm r1!, {r4-r7}\n\t"             \
  DW_M0_CH("0", "r4", "r8")          \
  DW_M0_CH("1", "r5", "r9")          \
  DW_M0_CH("2", "r6", "r10")         \
  DW_M0_CH("3", "r7", "r11")         \
  "adds r0, r0, r2\n\t"              \
  "cmp r1, r12\n\t"                  \
  "bne 3b\n\t"                       \
  "mov r3, lr\n\t"                   \
  "ldr r4, [r3, #32]\n\t"            \
  "adds r0, r0, r4\n\t"              \
  "ldr r4, [r3, #36]\n\t"            \
  "adds r1, r1, r4\n\t"              \
  "ldr r4, [r3, #40]\n\t"            \
  "subs r4, r4, #1\n\t"              \
  "str r4, [r3, #40]\n\t"            \
  "bne 2b\n\t"

__attribute__((naked, noinline)) static void dw_taps_m0(dw_m0_ctx *ctx) {
  __asm__ volatile(
      ".syntax unified\n\t"
      K_V6M_SAVE_R4_R11
      "mov lr, r0\n\t"
      DW_M0_TAPS
      "mov r0, lr\n\t"
      "mov r4, r8\n\t"
      "mov r5, r9\n\t"
      "mov r6, r10\n\t"
      "mov r7, r11\n\t"
      "stm r0!, {r4-r7}\n\t"
      K_V6M_RESTORE_R4_R11_RETURN);
}

/* k_rq of accumulator ACC (a high register) with ctx->rq at byte offset K (M split into
 * ml r1, mh r2), plus the
 * output offset, clamped, stored at byte I of ctx->out. a * M from four 16 x 16 MULS
 * (al, ml unsigned 16-bit, ah, mh signed: each product fits 32 bits) summed into the
 * low word L (for its carries) and the high word H:
 *   L = 2^30 | (a & 2^31), H = rh + (a >> 31);  L:H += al*ml + (ah*ml + al*mh) 2^16
 *   + ah*mh 2^32;  result = H >> sh. */
#define DW_M0_RQ_CTX(ACC, K, I, CTX)  \
  "mov r0, " ACC "\n\t"              \
  CTX                                \
  "ldr r2, [r3, #" K "]\n\t"         \
  "uxth r1, r2\n\t"                  \
  "asrs r2, r2, #16\n\t"             \
  "asrs r7, r0, #31\n\t"             \
  "lsls r6, r7, #31\n\t"             \
  "movs r5, #1\n\t"                  \
  "lsls r5, r5, #30\n\t"             \
  "adds r6, r6, r5\n\t"              \
  "ldr r5, [r3, #" K " + 4]\n\t"     \
  "adds r7, r7, r5\n\t"              \
  K_V6M_MULACC64("r4", "r5", "r3") \
  CTX                                \
  "ldr r0, [r3, #" K " + 8]\n\t"    \
  "asrs r7, r0\n\t"                  \
  "ldr r0, [r3, #64]\n\t"            \
  "adds r7, r7, r0\n\t"              \
  "ldr r0, [r3, #68]\n\t"            \
  "cmp r7, r0\n\t"                   \
  "bge 7f\n\t"                       \
  "mov r7, r0\n"                     \
  "7:\n\t"                           \
  "ldr r0, [r3, #72]\n\t"            \
  "cmp r7, r0\n\t"                   \
  "ble 7f\n\t"                       \
  "mov r7, r0\n"                     \
  "7:\n\t"                           \
  "ldr r0, [r3, #48]\n\t"            \
  "strb r7, [r0, #" I "]\n\t"

#define DW_M0_RQ(ACC, K, I) DW_M0_RQ_CTX(ACC, K, I, "mov r3, lr\n\t")

/* ctx->n pixels of one output row, all taps inside the input (ctx->fh runs each). */
__attribute__((naked, noinline)) static void dw_run_m0(dw_m0_ctx *ctx) {
  __asm__ volatile(
      ".syntax unified\n\t"
      K_V6M_SAVE_R4_R11
      "mov lr, r0\n"
      "5:\n\t"
      "ldr r4, [r0, #44]\n\t"
      "str r4, [r0, #40]\n\t"
      DW_M0_TAPS
      DW_M0_RQ("r8", "76", "0")
      DW_M0_RQ("r9", "88", "1")
      DW_M0_RQ("r10", "100", "2")
      DW_M0_RQ("r11", "112", "3")
      "mov r0, lr\n\t"
      "ldr r1, [r0, #16]\n\t"
      "ldr r2, [r0, #52]\n\t"
      "adds r1, r1, r2\n\t"
      "str r1, [r0, #16]\n\t"
      "ldr r1, [r0, #48]\n\t"
      "ldr r2, [r0, #56]\n\t"
      "adds r1, r1, r2\n\t"
      "str r1, [r0, #48]\n\t"
      "ldr r1, [r0, #60]\n\t"
      "subs r1, r1, #1\n\t"
      "str r1, [r0, #60]\n\t"
      "beq 9f\n\t"
      "b 5b\n"
      "9:\n\t"
      K_V6M_RESTORE_R4_R11_RETURN);
}

/* 3x3 filters: the pixel's nine taps unrolled (no loop), the context on the stack,
 * xcol in r12, xrow in lr. A tap from a word of four channels (dw_run3w_m0: input
 * word-aligned, C % 4 == 0) is 22 cycles, from four bytes (dw_run3b_m0) 26. */
#define DW_M0_TAPW                    \
  "ldr r3, [r0]\n\t"                 \
  "add r0, r12\n\t"                  \
  "ldm r1!, {r4-r7}\n\t"             \
  "sxtb r2, r3\n\t"                  \
  "muls r4, r2, r4\n\t"              \
  "add r8, r4\n\t"                   \
  "lsls r2, r3, #16\n\t"             \
  "asrs r2, r2, #24\n\t"             \
  "muls r5, r2, r5\n\t"              \
  "add r9, r5\n\t"                   \
  "lsls r2, r3, #8\n\t"              \
  "asrs r2, r2, #24\n\t"             \
  "muls r6, r2, r6\n\t"              \
  "add r10, r6\n\t"                  \
  "asrs r2, r3, #24\n\t"             \
  "muls r7, r2, r7\n\t"              \
  "add r11, r7\n\t"

#define DW_M0_TAPB                    \
  "ldm r1!, {r4-r7}\n\t"             \
  DW_M0_CH("0", "r4", "r8")          \
  DW_M0_CH("1", "r5", "r9")          \
  DW_M0_CH("2", "r6", "r10")         \
  DW_M0_CH("3", "r7", "r11")         \
  "add r0, r12\n\t"

#define DW_M0_RUN3(TAP)               \
  ".syntax unified\n\t"              \
  K_V6M_SAVE_R4_R11                         \
  "push {r0}\n"                      \
  "5:\n\t"                           \
  "ldr r3, [sp]\n\t"                 \
  "ldm r3!, {r4-r7}\n\t"             \
  "mov r8, r4\n\t"                   \
  "mov r9, r5\n\t"                   \
  "mov r10, r6\n\t"                  \
  "mov r11, r7\n\t"                  \
  "ldr r0, [r3, #0]\n\t"             \
  "ldr r1, [r3, #4]\n\t"             \
  "ldr r2, [r3, #8]\n\t"             \
  "mov r12, r2\n\t"                  \
  "ldr r2, [r3, #16]\n\t"            \
  "mov lr, r2\n\t"                   \
  TAP TAP TAP                        \
  "add r0, lr\n\t"                   \
  TAP TAP TAP                        \
  "add r0, lr\n\t"                   \
  TAP TAP TAP                        \
  DW_M0_RQ_CTX("r8", "76", "0", "ldr r3, [sp]\n\t")   \
  DW_M0_RQ_CTX("r9", "88", "1", "ldr r3, [sp]\n\t")   \
  DW_M0_RQ_CTX("r10", "100", "2", "ldr r3, [sp]\n\t") \
  DW_M0_RQ_CTX("r11", "112", "3", "ldr r3, [sp]\n\t") \
  "ldr r0, [sp]\n\t"                 \
  "ldr r1, [r0, #16]\n\t"            \
  "ldr r2, [r0, #52]\n\t"            \
  "adds r1, r1, r2\n\t"              \
  "str r1, [r0, #16]\n\t"            \
  "ldr r1, [r0, #48]\n\t"            \
  "ldr r2, [r0, #56]\n\t"            \
  "adds r1, r1, r2\n\t"              \
  "str r1, [r0, #48]\n\t"            \
  "ldr r1, [r0, #60]\n\t"            \
  "subs r1, r1, #1\n\t"              \
  "str r1, [r0, #60]\n\t"            \
  "beq 9f\n\t"                       \
  "b 5b\n"                           \
  "9:\n\t"                           \
  "add sp, #4\n\t"                   \
  K_V6M_RESTORE_R4_R11_RETURN

/* ctx->n pixels of one output row, 3x3 taps all inside the input (ctx: w the whole
 * filter, xrow from the end of a filter row's taps to the next row's). */
__attribute__((naked, noinline)) static void dw_run3w_m0(dw_m0_ctx *ctx) {
  __asm__ volatile(DW_M0_RUN3(DW_M0_TAPW));
}

__attribute__((naked, noinline)) static void dw_run3b_m0(dw_m0_ctx *ctx) {
  __asm__ volatile(DW_M0_RUN3(DW_M0_TAPB));
}

/* Per-group state of the C pixel path. */
typedef struct {
  k_rq_ch rq[4];
  int fast[4];
  uint32_t b4[4];
} dw_m0_grp;

/* One pixel of four channels (channel c on): the valid taps through dw_taps_m0, the
 * requantization in C. in_b: the batch's input at channel c. */
K_COLD static void dw_m0_pixel(const k_dw_conv_params *p, const dw_m0_grp *g,
                               const int32_t (*w4)[4], dw_m0_ctx *m, const int8_t *in_b,
                               int32_t c, int32_t iy0, int32_t ky_lo, int32_t ky_hi,
                               int32_t ox, int8_t *out) {
  const int32_t C = p->out_c, fw = p->filter_w, dil_w = p->dilation_w;
  const int32_t ix0 = ox * p->stride_w - p->pad_w;
  const uint32_t off = (uint32_t)p->input_offset;
  int32_t kx_lo, kx_hi;
  k_valid_taps(ix0, p->in_w, fw, dil_w, &kx_lo, &kx_hi);
  uint32_t s[4] = {0, 0, 0, 0};
  for (int32_t ky = ky_lo; ky < ky_hi; ++ky) {
    for (int32_t kx = kx_lo; kx < kx_hi; ++kx) {
      for (int32_t i = 0; i < 4; ++i) s[i] += (uint32_t)w4[ky * fw + kx][i];
    }
  }
  for (int32_t i = 0; i < 4; ++i) m->a[i] = (int32_t)(g->b4[i] + off * s[i]);
  if (ky_lo < ky_hi && kx_lo < kx_hi) {
    const int32_t n = kx_hi - kx_lo;
    m->x = in_b + (iy0 + ky_lo * p->dilation_h) * p->in_w * C + (ix0 + kx_lo * dil_w) * C;
    m->w = w4[ky_lo * fw + kx_lo];
    m->wlen = 16 * n;
    m->xrow = p->dilation_h * p->in_w * C - n * m->xcol;
    m->wrow = 16 * (fw - n);
    m->nrows = ky_hi - ky_lo;
    dw_taps_m0(m);
  }
  for (int32_t i = 0; i < 4; ++i) {
    const int32_t v = g->fast[i] ? k_rq_v6m(m->a[i], g->rq[i].mult, g->rq[i].rh, g->rq[i].sh)
                                 : dw_rq_any(p, m->a[i], c + i);
    out[i] = (int8_t)mcu_clamp_i32(v + p->output_offset, p->act_min, p->act_max);
  }
}

/* n pixels (xstep input bytes and out_step output bytes apart) of a group whose
 * channels all have k_rq's form, each with the taps [ky_lo, ky_hi) x [kx_lo, kx_hi) (not
 * empty) inside the input: run (dw_run_m0, or a 3x3 run for the whole filter) with the
 * accumulators starting at the bias plus the input offset times the rectangle's
 * weights (full: those of the whole filter, when the rectangle is). x: input of the
 * first pixel's first valid tap. */
static void dw_m0_rect(const k_dw_conv_params *p, const uint32_t *b4, const int32_t (*w4)[4],
                       dw_m0_ctx *m, void (*run)(dw_m0_ctx *), const int8_t *x, int32_t ky_lo,
                       int32_t ky_hi, int32_t kx_lo, int32_t kx_hi, int8_t *out, int32_t n,
                       int32_t xstep, int32_t out_step, const uint32_t *full) {
  const int32_t fw = p->filter_w, nx = kx_hi - kx_lo;
  uint32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (int32_t ky = full != NULL ? ky_hi : ky_lo; ky < ky_hi; ++ky) {
    const int32_t(*w)[4] = w4 + ky * fw + kx_lo;
    for (int32_t k = 0; k < nx; ++k, ++w) {
      s0 += (uint32_t)(*w)[0];
      s1 += (uint32_t)(*w)[1];
      s2 += (uint32_t)(*w)[2];
      s3 += (uint32_t)(*w)[3];
    }
  }
  const uint32_t off = (uint32_t)p->input_offset;
  if (full != NULL) {
    m->a[0] = (int32_t)full[0];
    m->a[1] = (int32_t)full[1];
    m->a[2] = (int32_t)full[2];
    m->a[3] = (int32_t)full[3];
  } else {
    m->a[0] = (int32_t)(b4[0] + off * s0);
    m->a[1] = (int32_t)(b4[1] + off * s1);
    m->a[2] = (int32_t)(b4[2] + off * s2);
    m->a[3] = (int32_t)(b4[3] + off * s3);
  }
  m->x = x;
  m->w = w4[ky_lo * fw + kx_lo];
  m->wlen = 16 * nx;
  m->xrow = p->dilation_h * p->in_w * p->out_c - nx * m->xcol;
  m->wrow = 16 * (fw - nx);
  m->fh = ky_hi - ky_lo;
  m->out = out;
  m->n = n;
  m->xstep = xstep;
  m->out_step = out_step;
  run(m);
}

/* The range [*lo, *hi) of outputs along one axis whose windows lie inside the input
 * (empty: *lo = *hi = n_out). */
static void dw_m0_inside(int32_t n_out, int32_t stride, int32_t pad, int32_t n_in, int32_t k,
                         int32_t d, int32_t *lo, int32_t *hi) {
  *lo = *hi = n_out;
  for (int32_t o = 0; o < n_out; ++o) {
    int32_t a, b;
    k_valid_taps(o * stride - pad, n_in, k, d, &a, &b);
    if (a == 0 && b == k) {
      if (*lo == n_out) *lo = o;
      *hi = o + 1;
    }
  }
}

/* Depth multiplier 1, C >= 4: groups of four channels (the last one moved back to end
 * at C - 1 when C % 4 != 0, recomputing some channels: the same values). Per group and
 * batch: each output row's pixels whose windows lie inside the input horizontally in
 * one run; the other columns, over the rows whose windows lie inside vertically, in one
 * run per column; the rest pixel by pixel. */
static void dw_s8_m0(const k_dw_conv_params *p, const int8_t *input, const int8_t *filter,
                     const int32_t *bias, int8_t *output) {
  const int32_t C = p->out_c, in_w = p->in_w, in_h = p->in_h, out_w = p->out_w;
  const int32_t fh = p->filter_h, fw = p->filter_w, taps = fh * fw;
  const int32_t dil_h = p->dilation_h, dil_w = p->dilation_w;
  const int32_t sx = p->stride_w * C, row = in_w * C;
  int32_t w4[DW_MAX_TAPS][4];
  dw_m0_grp g;
  dw_m0_ctx m;
  int32_t ox_lo, ox_hi, oy_lo, oy_hi;
  dw_m0_inside(out_w, p->stride_w, p->pad_w, in_w, fw, dil_w, &ox_lo, &ox_hi);
  dw_m0_inside(p->out_h, p->stride_h, p->pad_h, in_h, fh, dil_h, &oy_lo, &oy_hi);
  m.xcol = dil_w * C;
  m.out_off = p->output_offset;
  m.act_min = p->act_min;
  m.act_max = p->act_max;
  void (*run)(dw_m0_ctx *) = dw_run_m0;
  if (fh == 3 && fw == 3)
    run = ((uintptr_t)input & 3u) == 0 && (C & 3) == 0 ? dw_run3w_m0 : dw_run3b_m0;
  for (int32_t cg = 0; cg < C; cg += 4) {
    const int32_t c = cg + 4 > C ? C - 4 : cg;
    int all_fast = 1;
    uint32_t full[4];
    for (int32_t i = 0; i < 4; ++i) {
      uint32_t sw = 0;
      for (int32_t t = 0; t < taps; ++t) sw += (uint32_t)(w4[t][i] = filter[t * C + c + i]);
      g.fast[i] = k_rq_prepare(p->out_mult[c + i], p->out_shift[c + i], &g.rq[i]);
      all_fast &= g.fast[i];
      g.b4[i] = bias != NULL ? (uint32_t)bias[c + i] : 0u;
      full[i] = g.b4[i] + (uint32_t)p->input_offset * sw;
      m.rq[i][0] = g.rq[i].mult;
      m.rq[i][1] = g.rq[i].rh;
      m.rq[i][2] = g.rq[i].sh;
    }
    for (int32_t b = 0; b < p->batches; ++b) {
      const int8_t *in_b = input + (size_t)b * in_h * row + c;
      int8_t *out_b = output + (size_t)b * p->out_h * out_w * C + c;
      for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t iy0 = oy * p->stride_h - p->pad_h;
        int8_t *out = out_b + (size_t)oy * out_w * C;
        int32_t ky_lo, ky_hi;
        k_valid_taps(iy0, in_h, fh, dil_h, &ky_lo, &ky_hi);
        const int full_v = ky_lo == 0 && ky_hi == fh;
        if (!all_fast || ky_lo >= ky_hi) {
          for (int32_t ox = 0; ox < out_w; ++ox)
            dw_m0_pixel(p, &g, w4, &m, in_b, c, iy0, ky_lo, ky_hi, ox, out + ox * C);
          continue;
        }
        const int8_t *x_row = in_b + (iy0 + ky_lo * dil_h) * row;
        if (ox_lo < ox_hi) {
          dw_m0_rect(p, g.b4, w4, &m, full_v ? run : dw_run_m0,
                     x_row + (ox_lo * p->stride_w - p->pad_w) * C, ky_lo, ky_hi, 0, fw,
                     out + ox_lo * C, ox_hi - ox_lo, sx, C, full_v ? full : NULL);
        }
        if (full_v) continue; /* the other columns: below */
        for (int32_t ox = 0; ox < out_w; ++ox) {
          if (ox == ox_lo) {
            ox = ox_hi - 1;
            continue;
          }
          const int32_t ix0 = ox * p->stride_w - p->pad_w;
          int32_t kx_lo, kx_hi;
          k_valid_taps(ix0, in_w, fw, dil_w, &kx_lo, &kx_hi);
          if (kx_lo >= kx_hi) {
            dw_m0_pixel(p, &g, w4, &m, in_b, c, iy0, ky_lo, ky_hi, ox, out + ox * C);
            continue;
          }
          dw_m0_rect(p, g.b4, w4, &m, dw_run_m0, x_row + (ix0 + kx_lo * dil_w) * C, ky_lo,
                     ky_hi, kx_lo, kx_hi, out + ox * C, 1, sx, C, NULL);
        }
      }
      /* the columns outside [ox_lo, ox_hi) of the rows [oy_lo, oy_hi) */
      if (!all_fast || oy_lo >= oy_hi) continue;
      const int32_t iy0 = oy_lo * p->stride_h - p->pad_h;
      for (int32_t ox = 0; ox < out_w; ++ox) {
        if (ox == ox_lo) {
          ox = ox_hi - 1;
          continue;
        }
        const int32_t ix0 = ox * p->stride_w - p->pad_w;
        int32_t kx_lo, kx_hi;
        k_valid_taps(ix0, in_w, fw, dil_w, &kx_lo, &kx_hi);
        if (kx_lo >= kx_hi) {
          for (int32_t oy = oy_lo; oy < oy_hi; ++oy)
            dw_m0_pixel(p, &g, w4, &m, in_b, c, oy * p->stride_h - p->pad_h, 0, fh, ox,
                        out_b + ((size_t)oy * out_w + ox) * C);
          continue;
        }
        dw_m0_rect(p, g.b4, w4, &m, dw_run_m0, in_b + iy0 * row + (ix0 + kx_lo * dil_w) * C,
                   0, fh, kx_lo, kx_hi, out_b + ((size_t)oy_lo * out_w + ox) * C,
                   oy_hi - oy_lo, p->stride_h * row, out_w * C, NULL);
      }
    }
  }
}
#endif /* ARMv6-M */

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
  if (dw1d_s8_any(p, input, filter, bias, output)) return;
  dw_s8_2d(p, input, filter, bias, output, scratch);
  return;
#else
  if (p->depth_multiplier == 1 && k_product_le(p->filter_h, p->filter_w, 1, DW_MAX_TAPS)) {
    k_variant(K_VARIANT_C);
#ifdef DW_M0
    if (p->out_c >= 4) {
      dw_s8_m0(p, input, filter, bias, output);
      return;
    }
#endif
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
