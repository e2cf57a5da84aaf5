/* conv_2d.c - optimized CONV_2D kernels (see k_conv_2d.h for the arithmetic).
 *
 * int8 on cores with the DSP extension (K_ARM_DSP): output pixels are taken two at a
 * time. Their receptive fields are copied ("partial im2col") into a scratch buffer as
 * int16 with the input offset already added - padding taps become 0 - in the pair order
 * of k_arm_dsp.h, the two columns interleaved four values at a time so that one pointer
 * walks both, and zero-padded to a multiple of four values. A 1x1 convolution's
 * receptive field is one input pixel, copied directly.
 *
 * Then every pair of output channels is one 2x2 block (conv_pairs_asm, hand-written):
 * per four filter values each weight row is loaded as one word and split by SXTB16,
 * and eight SMLADs accumulate the four (pixel, channel) dot products; the results are
 * requantized exactly (the k_rq form of k_arm_dsp.h, constants derived from the shift
 * in the loop), saturated, packed, clamped four at a time (SSUB8/SEL) and stored as
 * two halfwords. The loop is written in assembly because it needs all 14 registers and
 * the compiler otherwise spills its loop state around the inner loop.
 *
 * Weight rows are read four bytes at a time, so a row of K values is read up to the
 * next multiple of four: inside the filter that reads the next row's first bytes
 * (multiplied by the zero padding of the columns); for the last row it would read past
 * the filter, so when K % 4 != 0 the last two rows are first copied, zero-padded, to
 * scratch. The last pixel of an odd count, an odd last channel and layers whose
 * requantization shifts are outside the fast form (shift > -2 with a nonzero
 * multiplier) take a C path with exact reads.
 *
 * Scratch: 16 bytes per group of four receptive-field values (two int16 columns), plus
 * 2K + 4 bytes (rounded up to 4) when K % 4 != 0 and the asm loop takes the last channel
 * pair (an even channel count, every shift in its form); no more than is used.
 *
 * Cores without the DSP extension (M0+, M3) run the same pixel pairs without it: int16
 * columns interleaved in pairs, a 2x2 block of multiply-accumulates per filter value,
 * k_rq requantization. On the M3 in plain C (conv_s8_generic below, about twice the
 * reference's speed). On ARMv6-M (M0, M0+) every channel pair, requantization and
 * clamping included, runs in hand-written Thumb-1 (conv_pairs_m0: 18 cycles per four
 * MACs in the inner loop, the 64-bit product of the requantization from four 16-bit
 * MULS; the compiled C spilled in the loop and called __aeabi_lmul per output: the kws
 * model's 1x1 convolutions went from 11.8 to 5.8 cycles per MAC). Scratch: 4 bytes per
 * receptive-field value on both.
 *
 * Grouped convolution and float32 use the reference code
 * (kernels/reference/conv_2d_ref.h). */
#include "k_conv_2d.h"

#include <stddef.h>

#include "../reference/conv_2d_ref.h"
#include "k_arm_dsp.h"
#include "k_arm_v6m.h"
#include "k_variant.h"
#include "k_padding.h"
#include "mcu_quant.h"

#if K_ARM_DSP

/* The receptive field K = filter_h * filter_w * in_c sizes the scratch: at most 2^20
 * values (far above any microcontroller model) so that it cannot overflow. */
static inline int conv_fast_ok(const k_conv_params *p) {
  return p->filter_in_c == p->in_c && k_product_le(p->filter_h, p->filter_w, p->in_c, 1 << 20);
}

static inline int32_t conv_depth(const k_conv_params *p) {
  return p->filter_h * p->filter_w * p->in_c;
}

static inline int32_t conv_groups(int32_t K) { return (K + 3) >> 2; }

/* ---------------------------------------------------------------- the columns */

/* int16 index, from a column's base, of receptive-field value k: within each group of
 * four the order is 0, 2, 1, 3 (k_arm_dsp.h's pair order); the two columns interleave
 * per group, 8 int16 per group. */
static inline int32_t col_pos(int32_t k) {
  return ((k >> 2) << 3) + (((k & 1) << 1) | ((k >> 1) & 1));
}

/* Values k .. k+n-1 of a column from n consecutive int8 inputs. */
static void col_run(int16_t *col, int32_t k, const int8_t *src, int32_t n, int32_t off,
                    uint32_t off2) {
  while (n > 0 && (k & 3) != 0) {
    col[col_pos(k)] = (int16_t)(*src++ + off);
    ++k;
    --n;
  }
  uint32_t *g = (uint32_t *)(col + (k << 1));
  for (; n >= 4; n -= 4, k += 4, src += 4, g += 4) {
    uint32_t e, o;
    k_expand4(k_ld32(src), off2, &e, &o);
    g[0] = e;
    g[1] = o;
  }
  while (n > 0) {
    col[col_pos(k)] = (int16_t)(*src++ + off);
    ++k;
    --n;
  }
}

/* Values k .. k+n-1 of a column are padding: 0 once offset. */
static void col_zero(int16_t *col, int32_t k, int32_t n) {
  while (n > 0 && (k & 3) != 0) {
    col[col_pos(k)] = 0;
    ++k;
    --n;
  }
  uint32_t *g = (uint32_t *)(col + (k << 1));
  for (; n >= 4; n -= 4, k += 4, g += 4) {
    g[0] = 0;
    g[1] = 0;
  }
  while (n > 0) {
    col[col_pos(k)] = 0;
    ++k;
    --n;
  }
}

/* The receptive field of output pixel (oy, ox) into one column. */
static void col_pixel(const k_conv_params *p, int16_t *col, const int8_t *in_b, int32_t oy,
                      int32_t ox, uint32_t off2) {
  const int32_t in_c = p->in_c, in_w = p->in_w, fw = p->filter_w;
  const int32_t dil_h = p->dilation_h, dil_w = p->dilation_w;
  const int32_t off = p->input_offset;
  const int32_t iy0 = oy * p->stride_h - p->pad_h;
  const int32_t ix0 = ox * p->stride_w - p->pad_w;
  if (p->filter_h == 1 && fw == 1) { /* 1x1: one pixel, never in the padding */
    col_run(col, 0, in_b + (iy0 * in_w + ix0) * in_c, in_c, off, off2);
    return;
  }
  const int32_t row_k = fw * in_c;
  int32_t kx_lo, kx_hi;
  k_valid_taps(ix0, in_w, fw, dil_w, &kx_lo, &kx_hi);
  int32_t k = 0;
  for (int32_t ky = 0; ky < p->filter_h; ++ky, k += row_k) {
    const int32_t iy = iy0 + ky * dil_h;
    if (iy < 0 || iy >= p->in_h || kx_lo >= kx_hi) {
      col_zero(col, k, row_k);
      continue;
    }
    const int8_t *row = in_b + iy * in_w * in_c;
    if (kx_lo > 0) col_zero(col, k, kx_lo * in_c);
    if (dil_w == 1) {
      col_run(col, k + kx_lo * in_c, row + (ix0 + kx_lo) * in_c, (kx_hi - kx_lo) * in_c, off,
              off2);
    } else {
      for (int32_t kx = kx_lo; kx < kx_hi; ++kx) {
        col_run(col, k + kx * in_c, row + (ix0 + kx * dil_w) * in_c, in_c, off, off2);
      }
    }
    if (kx_hi < fw) col_zero(col, k + kx_hi * in_c, (fw - kx_hi) * in_c);
  }
}

#define CONV_STAGE_MAX 256 /* receptive fields up to this many values may be staged */

/* For in_c not a multiple of 4 the rows of a receptive field are short runs at odd
 * positions: gather the field's K int8 values first (padding as the input zero point,
 * which the offset turns into 0) into a word-aligned stack buffer, then expand it a
 * word at a time. */
static inline void stage_copy(int8_t *d, const int8_t *s, int32_t n) {
#pragma clang loop vectorize(disable) interleave(disable) unroll(disable)
  for (; n >= 4; n -= 4, d += 4, s += 4) k_st32(d, k_ld32(s));
#pragma clang loop vectorize(disable) interleave(disable) unroll(disable)
  for (; n > 0; --n) *d++ = *s++;
}

static inline void stage_fill(int8_t *d, uint32_t v4, int32_t n) {
#pragma clang loop vectorize(disable) interleave(disable) unroll(disable)
  for (; n >= 4; n -= 4, d += 4) k_st32(d, v4);
#pragma clang loop vectorize(disable) interleave(disable) unroll(disable)
  for (; n > 0; --n) *d++ = (int8_t)v4;
}

K_COLD static void col_pixel_staged(const k_conv_params *p, int16_t *col, const int8_t *in_b,
                             int32_t oy, int32_t ox, uint32_t off2) {
  uint32_t stage_w[CONV_STAGE_MAX / 4 + 1];
  int8_t *d = (int8_t *)stage_w;
  const int32_t in_c = p->in_c, in_w = p->in_w, fw = p->filter_w;
  const int32_t dil_h = p->dilation_h, dil_w = p->dilation_w;
  const uint32_t zp4 = k_splat8(-p->input_offset);
  const int32_t iy0 = oy * p->stride_h - p->pad_h;
  const int32_t ix0 = ox * p->stride_w - p->pad_w;
  const int32_t row_k = fw * in_c, K = p->filter_h * row_k, G = (K + 3) >> 2;
  int32_t kx_lo, kx_hi;
  k_valid_taps(ix0, in_w, fw, dil_w, &kx_lo, &kx_hi);
  const int32_t lo_k = kx_lo * in_c, hi_k = kx_hi * in_c;
  const int8_t *row = in_b + iy0 * in_w * in_c;
  for (int32_t ky = 0; ky < p->filter_h; ++ky, d += row_k, row += dil_h * in_w * in_c) {
    const int32_t iy = iy0 + ky * dil_h;
    if (iy < 0 || iy >= p->in_h || kx_lo >= kx_hi) {
      stage_fill(d, zp4, row_k);
      continue;
    }
    stage_fill(d, zp4, lo_k);
    if (dil_w == 1) {
      stage_copy(d + lo_k, row + (ix0 + kx_lo) * in_c, hi_k - lo_k);
    } else {
      for (int32_t kx = kx_lo; kx < kx_hi; ++kx) {
        stage_copy(d + kx * in_c, row + (ix0 + kx * dil_w) * in_c, in_c);
      }
    }
    stage_fill(d + hi_k, zp4, row_k - hi_k);
  }
  stage_fill(d, zp4, 4 * G - K);
  uint32_t *g = (uint32_t *)col;
  for (int32_t i = 0; i < G; ++i, g += 4) {
    uint32_t e, o;
    k_expand4(stage_w[i], off2, &e, &o);
    g[0] = e;
    g[1] = o;
  }
}

/* col_pixel_staged for a pixel whose receptive field lies inside the input (no
 * padding) with dilation_w 1: each filter row is one contiguous run. */
static inline void col_staged_interior(int16_t *col, const int8_t *src, int32_t rows,
                                       int32_t row_k, int32_t row_step, int32_t K,
                                       uint32_t zp4, uint32_t off2) {
  uint32_t stage_w[CONV_STAGE_MAX / 4 + 1];
  int8_t *d = (int8_t *)stage_w;
  for (int32_t r = 0; r < rows; ++r, d += row_k, src += row_step) stage_copy(d, src, row_k);
  const int32_t G = (K + 3) >> 2;
  stage_fill(d, zp4, 4 * G - K);
  uint32_t *g = (uint32_t *)col;
  for (int32_t i = 0; i < G; ++i, g += 4) {
    uint32_t e, o;
    k_expand4(stage_w[i], off2, &e, &o);
    g[0] = e;
    g[1] = o;
  }
}

/* 1x1 convolution, in_c % 4 == 0: both columns from their input pixels in one pass. */
static void col_pair_1x1(int16_t *buf, const int8_t *x0, const int8_t *x1, int32_t in_c,
                         uint32_t off2) {
  uint32_t *g = (uint32_t *)buf;
  for (int32_t i = 0; i < in_c; i += 4, g += 4) {
    uint32_t e0, o0, e1, o1;
    k_expand4(k_ld32(x0 + i), off2, &e0, &o0);
    k_expand4(k_ld32(x1 + i), off2, &e1, &o1);
    g[0] = e0;
    g[1] = o0;
    g[2] = e1;
    g[3] = o1;
  }
}

/* ---------------------------------------------------------------- the asm block loop */

/* State of conv_pairs_asm (offsets are fixed in the asm: see the static asserts). */
typedef struct {
  const int16_t *buf;    /* 0: the two columns */
  int32_t groups;        /* 4: groups of four values, >= 1 */
  const int8_t *w;       /* 8: weights of the current channel pair (advanced by 2K) */
  int32_t K;             /* 12: weight row length */
  const int32_t *bias;   /* 16: bias of the current pair (advanced by bias_step) */
  int32_t bias_step;     /* 20: 8, or 0 with a zero pair when there is no bias */
  const int32_t *mult;   /* 24: advanced by 8 */
  const int8_t *shift;   /* 28: advanced by 2 */
  int8_t *out;           /* 32: pixel 0, channel oc (advanced by 2) */
  int32_t out_c;         /* 36: pixel 1 is out + out_c */
  int32_t pairs;         /* 40: channel pairs to do, >= 1 (counted down) */
  int32_t out_off;       /* 44 */
  uint32_t lo4, hi4;     /* 48, 52: splatted activation bounds */
} conv_asm_ctx;

_Static_assert(offsetof(conv_asm_ctx, groups) == 4 && offsetof(conv_asm_ctx, w) == 8 &&
                   offsetof(conv_asm_ctx, K) == 12 && offsetof(conv_asm_ctx, bias) == 16 &&
                   offsetof(conv_asm_ctx, bias_step) == 20 && offsetof(conv_asm_ctx, mult) == 24 &&
                   offsetof(conv_asm_ctx, shift) == 28 && offsetof(conv_asm_ctx, out) == 32 &&
                   offsetof(conv_asm_ctx, out_c) == 36 && offsetof(conv_asm_ctx, pairs) == 40 &&
                   offsetof(conv_asm_ctx, out_off) == 44 && offsetof(conv_asm_ctx, lo4) == 48 &&
                   offsetof(conv_asm_ctx, hi4) == 52,
               "conv_pairs_asm relies on this layout");

/* One group of four values: a00 r0, a01 r3, a10 r4, a11 r5; x lr, w0 r10, w1 r11. */
#define CONV_GROUP                 \
  "ldr r1, [r10], #4\n\t"          \
  "ldr r6, [r11], #4\n\t"          \
  "ldr r7, [lr], #16\n\t"          \
  "ldr r8, [lr, #-12]\n\t"         \
  "sxtb16 r9, r1\n\t"              \
  "sxtb16 r1, r1, ror #8\n\t"      \
  "sxtb16 r12, r6\n\t"             \
  "sxtb16 r6, r6, ror #8\n\t"      \
  "smlad r0, r7, r9, r0\n\t"       \
  "smlad r0, r8, r1, r0\n\t"       \
  "smlad r3, r7, r12, r3\n\t"      \
  "smlad r3, r8, r6, r3\n\t"       \
  "ldr r7, [lr, #-8]\n\t"          \
  "ldr r8, [lr, #-4]\n\t"          \
  "smlad r4, r7, r9, r4\n\t"       \
  "smlad r4, r8, r1, r4\n\t"       \
  "smlad r5, r7, r12, r5\n\t"      \
  "smlad r5, r8, r6, r5\n\t"

/* k_rq of accumulator A with multiplier M, rounding term RH, shift SH; r1, r2 scratch. */
#define CONV_RQ(A, M, RH, SH)              \
  "and r1, " A ", #0x80000000\n\t"         \
  "orr r1, r1, #0x40000000\n\t"            \
  "add r2, " RH ", " A ", asr #31\n\t"     \
  "smlal r1, r2, " A ", " M "\n\t"         \
  "asr " A ", r2, " SH "\n\t"

/* Every channel pair of ctx for the two pixels of ctx->buf. Requires every channel's
 * -31 <= shift <= -2 or multiplier 0 (e = -shift is taken as max(e, 2): exact for
 * those). */
__attribute__((naked, noinline)) static void conv_pairs_asm(conv_asm_ctx *ctx) {
  __asm__ volatile(
      "push {r4-r11, lr}\n\t"
      "mov r12, r0\n"
      "3:\n\t"
      /* accumulators = bias pair; weights; columns */
      "ldrd r1, r2, [r12, #16]\n\t"
      "ldrd r0, r3, [r1]\n\t"
      "add r1, r1, r2\n\t"
      "str r1, [r12, #16]\n\t"
      "mov r4, r0\n\t"
      "mov r5, r3\n\t"
      "ldrd r10, r11, [r12, #8]\n\t"
      "add r2, r10, r11, lsl #1\n\t"
      "str r2, [r12, #8]\n\t"
      "add r11, r10, r11\n\t"
      "ldrd lr, r2, [r12, #0]\n\t"
      "push {r12}\n\t"
      /* groups % 4 first, then four per iteration */
      "tst r2, #1\n\t"
      "beq 1f\n\t" CONV_GROUP
      "1:\n\t"
      "tst r2, #2\n\t"
      "beq 2f\n\t" CONV_GROUP CONV_GROUP
      "2:\n\t"
      "lsrs r2, r2, #2\n\t"
      "beq 5f\n"
      "4:\n\t" CONV_GROUP CONV_GROUP CONV_GROUP CONV_GROUP
      "subs r2, r2, #1\n\t"
      "bne 4b\n"
      "5:\n\t"
      "pop {r12}\n\t"
      /* per channel: t = usat5(-shift - 2) = e - 2; rh = 1 << t; sh = t + 1 */
      "ldrd r1, r2, [r12, #24]\n\t"
      "ldrd r6, r7, [r1], #8\n\t"
      "ldrsb r8, [r2], #1\n\t"
      "ldrsb r9, [r2], #1\n\t"
      "strd r1, r2, [r12, #24]\n\t"
      "mvn r8, r8\n\t"
      "mvn r9, r9\n\t"
      "sub r8, r8, #1\n\t"
      "sub r9, r9, #1\n\t"
      "usat r8, #5, r8\n\t"
      "usat r9, #5, r9\n\t"
      "movs r1, #1\n\t"
      "lsl r10, r1, r8\n\t"
      "lsl r11, r1, r9\n\t"
      "add r8, r8, #1\n\t"
      "add r9, r9, #1\n\t"
      CONV_RQ("r0", "r6", "r10", "r8")
      CONV_RQ("r4", "r6", "r10", "r8")
      CONV_RQ("r3", "r7", "r11", "r9")
      CONV_RQ("r5", "r7", "r11", "r9")
      /* + output offset, saturate, pack [a00 a01 a10 a11], clamp, store two halfwords */
      "ldr r1, [r12, #44]\n\t"
      "add r0, r0, r1\n\t"
      "add r3, r3, r1\n\t"
      "add r4, r4, r1\n\t"
      "add r5, r5, r1\n\t"
      "ssat r0, #8, r0\n\t"
      "ssat r3, #8, r3\n\t"
      "ssat r4, #8, r4\n\t"
      "ssat r5, #8, r5\n\t"
      "bfi r0, r3, #8, #8\n\t"
      "bfi r4, r5, #8, #8\n\t"
      "pkhbt r0, r0, r4, lsl #16\n\t"
      "ldrd r6, r7, [r12, #48]\n\t"
      "ssub8 r1, r0, r6\n\t"
      "sel r0, r0, r6\n\t"
      "ssub8 r1, r0, r7\n\t"
      "sel r0, r7, r0\n\t"
      "ldrd r1, r2, [r12, #32]\n\t"
      "lsr r3, r0, #16\n\t"
      "strh r3, [r1, r2]\n\t"
      "strh r0, [r1], #2\n\t"
      "str r1, [r12, #32]\n\t"
      "ldr r1, [r12, #40]\n\t"
      "subs r1, r1, #1\n\t"
      "str r1, [r12, #40]\n\t"
      "bne 3b\n\t"
      "pop {r4-r11, pc}\n\t");
}

/* ---------------------------------------------------------------- the C path */

/* n (1..4) weight bytes as a word, zero above: the exact read of a row's last group. */
static inline uint32_t ld_part(const int8_t *w, int32_t n) {
  uint32_t v = 0;
  for (int32_t i = n - 1; i >= 0; --i) v = (v << 8) | (uint8_t)w[i];
  return v;
}

/* Dot product of column col (stride 8 int16 per group) with weight row w (K values,
 * read exactly). */
static int32_t col_dot(const int16_t *col, const int8_t *w, int32_t K, int32_t acc) {
  const int32_t G = conv_groups(K), last = K - ((G - 1) << 2);
  for (int32_t g = 0; g < G; ++g, col += 8, w += 4) {
    const uint32_t wa = g + 1 < G ? k_ld32(w) : ld_part(w, last);
    acc = __smlad(k_ld32(col), __sxtb16(wa), acc);
    acc = __smlad(k_ld32(col + 2), __sxtb16(__ror(wa, 8)), acc);
  }
  return acc;
}

/* Channels [oc0, out_c) for n_pix (1 or 2) pixels: exact reads, any requantization. */
K_COLD static void conv_c_path(const k_conv_params *p, const int16_t *buf, const int8_t *filter,
                        const int32_t *bias, int8_t *out0, int32_t n_pix, int32_t oc0) {
  const int32_t K = conv_depth(p), out_c = p->out_c;
  for (int32_t oc = oc0; oc < out_c; ++oc) {
    const int8_t *w = filter + oc * K;
    k_rq_ch c;
    const int fast = k_rq_prepare(p->out_mult[oc], p->out_shift[oc], &c);
    for (int32_t px = 0; px < n_pix; ++px) {
      int32_t acc = col_dot(buf + 4 * px, w, K, bias != NULL ? bias[oc] : 0);
      acc = fast ? k_rq(acc, c.mult, c.rh, c.sh)
                 : k_rq_any(acc, p->out_mult[oc], p->out_shift[oc]);
      acc = mcu_clamp_i32(acc + p->output_offset, p->act_min, p->act_max);
      out0[px * out_c + oc] = (int8_t)acc;
    }
  }
}

/* ---------------------------------------------------------------- the kernel */

static inline size_t col_bytes(int32_t K) { return (size_t)conv_groups(K) * 16u; }

/* 1 when every channel's requantization is in conv_pairs_asm's form (as conv_s8_dsp
 * decides; these two size its scratch). */
static int conv_asm_ok(const k_conv_params *p) {
  for (int32_t c = 0; c < p->out_c; ++c) {
    if ((p->out_shift[c] > -2 || p->out_shift[c] < -31) && p->out_mult[c] != 0) return 0;
  }
  return 1;
}

/* The zero-padded copy of the last channel pair's rows: needed when the asm loop takes
 * that pair (an even channel count) and K % 4 != 0. */
static inline int conv_pad_last(const k_conv_params *p, int asm_ok) {
  return asm_ok && p->out_c >= 2 && (p->out_c & 1) == 0 && (conv_depth(p) & 3) != 0;
}

static inline size_t pad_rows_bytes(int32_t K) { return (size_t)((2 * K + 4 + 3) & ~3); }

static void conv_s8_dsp(const k_conv_params *p, const int8_t *input, const int8_t *filter,
                        const int32_t *bias, int8_t *output, void *scratch) {
  static const int32_t zero_bias[2] = {0, 0};
  const int32_t K = conv_depth(p), G = conv_groups(K);
  const int32_t out_c = p->out_c, out_w = p->out_w;
  const int32_t n_pix = p->out_h * out_w;
  const uint32_t off2 = ((uint32_t)p->input_offset & 0xffffu) * 0x10001u;
  int16_t *buf = (int16_t *)scratch;
  int8_t *rows = (int8_t *)scratch + col_bytes(K);

  /* the zero padding of both columns (positions K .. 4G-1), written once */
  col_zero(buf, K, 4 * G - K);
  col_zero(buf + 4, K, 4 * G - K);

  /* channel pairs for the asm loop: all of them when every shift is in its form */
  int asm_ok = 1;
  for (int32_t c = 0; c < out_c; ++c) {
    if ((p->out_shift[c] > -2 || p->out_shift[c] < -31) && p->out_mult[c] != 0) asm_ok = 0;
  }
  int32_t pairs = asm_ok ? out_c / 2 : 0;
  /* with K % 4 != 0 the last pair's second row would be read past the filter: that
   * pair reads a zero-padded copy of its two rows */
  const int pad_last = pairs > 0 && (K & 3) != 0 && 2 * pairs == out_c; /* = conv_pad_last */
  if (pad_last) {
    const int8_t *src = filter + (out_c - 2) * K;
    for (int32_t i = 0; i < 2 * K; ++i) rows[i] = src[i];
    for (int32_t i = 2 * K; i < 2 * K + 4; ++i) rows[i] = 0;
  }

  conv_asm_ctx ctx;
  ctx.buf = buf;
  ctx.groups = G;
  ctx.K = K;
  ctx.out_c = out_c;
  ctx.out_off = p->output_offset;
  ctx.lo4 = k_splat8(p->act_min);
  ctx.hi4 = k_splat8(p->act_max);
  ctx.bias_step = bias != NULL ? 8 : 0;

  const int is1x1 = p->filter_h == 1 && p->filter_w == 1 && (p->in_c & 3) == 0;
  const int staged = !is1x1 && (p->in_c & 3) != 0 && K <= CONV_STAGE_MAX;
  k_variant(is1x1 ? K_VARIANT_DSP_1X1 : K_VARIANT_DSP);
  const int32_t span_h = (p->filter_h - 1) * p->dilation_h + 1;
  const uint32_t zp4 = k_splat8(-p->input_offset);
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in_b = input + (size_t)b * p->in_h * p->in_w * p->in_c;
    int8_t *out_b = output + (size_t)b * n_pix * out_c;
    if (n_pix == 1) {
      col_pixel(p, buf, in_b, 0, 0, off2);
      conv_c_path(p, buf, filter, bias, out_b, 1, 0);
      continue;
    }
    /* pixels in pairs; with an odd count the last pair overlaps the one before (that
     * pixel is computed and stored twice, identically) */
    for (int32_t q = 0; q < n_pix; q += 2) {
      if (q + 1 == n_pix) --q;
      int8_t *out0 = out_b + q * out_c;
      const int32_t oy0 = q / out_w, ox0 = q - oy0 * out_w;
      const int32_t oy1 = ox0 + 1 == out_w ? oy0 + 1 : oy0, ox1 = ox0 + 1 == out_w ? 0 : ox0 + 1;
      if (is1x1) {
        const int32_t sh = p->stride_h, sw = p->stride_w, row = p->in_w * p->in_c;
        col_pair_1x1(buf, in_b + oy0 * sh * row + ox0 * sw * p->in_c,
                     in_b + oy1 * sh * row + ox1 * sw * p->in_c, p->in_c, off2);
      } else if (staged) {
        const int32_t iy0 = oy0 * p->stride_h - p->pad_h, ix0 = ox0 * p->stride_w - p->pad_w;
        const int32_t iy1 = oy1 * p->stride_h - p->pad_h, ix1 = ox1 * p->stride_w - p->pad_w;
        if (p->dilation_w == 1 && iy0 >= 0 && iy1 >= 0 && ix0 >= 0 && ix1 >= 0 &&
            iy0 + span_h <= p->in_h && iy1 + span_h <= p->in_h && ix0 + p->filter_w <= p->in_w &&
            ix1 + p->filter_w <= p->in_w) {
          const int32_t row_k = p->filter_w * p->in_c, row = p->in_w * p->in_c;
          col_staged_interior(buf, in_b + iy0 * row + ix0 * p->in_c, p->filter_h, row_k,
                              p->dilation_h * row, K, zp4, off2);
          col_staged_interior(buf + 4, in_b + iy1 * row + ix1 * p->in_c, p->filter_h, row_k,
                              p->dilation_h * row, K, zp4, off2);
        } else {
          col_pixel_staged(p, buf, in_b, oy0, ox0, off2);
          col_pixel_staged(p, buf + 4, in_b, oy1, ox1, off2);
        }
      } else {
        col_pixel(p, buf, in_b, oy0, ox0, off2);
        col_pixel(p, buf + 4, in_b, oy1, ox1, off2);
      }
      if (pairs > 0) {
        ctx.w = filter;
        ctx.bias = bias != NULL ? bias : zero_bias;
        ctx.mult = p->out_mult;
        ctx.shift = p->out_shift;
        ctx.out = out0;
        ctx.pairs = pairs - pad_last;
        if (ctx.pairs > 0) conv_pairs_asm(&ctx);
        if (pad_last) {
          ctx.w = rows;
          ctx.pairs = 1;
          conv_pairs_asm(&ctx);
        }
      }
      if (2 * pairs < out_c) conv_c_path(p, buf, filter, bias, out0, 2, 2 * pairs);
    }
  }
}

#else /* !K_ARM_DSP: cores without the DSP extension */

/* The same pixel pairs and receptive-field columns in plain C: the two columns
 * interleaved as int16 pairs (x0[k], x1[k]) with the input offset added (padding 0),
 * and a 2x2 block of multiply-accumulates per filter value. The loads per MAC drop to a
 * quarter of the reference's and the offset is added once per value instead of once
 * per MAC; requantization uses the k_rq form (one 64-bit multiply) where it applies. */

/* The receptive field K = filter_h * filter_w * in_c sizes the scratch: at most 2^20
 * values (far above any microcontroller model) so that it cannot overflow. */
static inline int conv_fast_ok(const k_conv_params *p) {
  return p->filter_in_c == p->in_c && k_product_le(p->filter_h, p->filter_w, p->in_c, 1 << 20);
}

static inline int32_t conv_depth(const k_conv_params *p) {
  return p->filter_h * p->filter_w * p->in_c;
}

/* The exact general requantization of channel oc (a rare path: K_RARE). */
static K_RARE int32_t conv_rq_any(const k_conv_params *p, int32_t acc, int32_t oc) {
  return k_rq_any(acc, p->out_mult[oc], p->out_shift[oc]);
}


#if defined(__ARM_ARCH_6M__) && !defined(MCU_HOST)
/* ARMv6-M (Cortex-M0/M0+): the 2x2 block in hand-written Thumb-1. The compiled loop
 * spills: it needs four accumulators, four operands and three pointers in eight low
 * registers. Here the accumulators live in r8-r11 (ADD reaches them), the column word
 * (x0 | x1 << 16) is split by SXTH / ASRS, and both weight rows are read by LDRSB at
 * one negative index counting up to 0. Per filter value: half an LDM of two column
 * words and 2 LDRSB (5.5 cycles), SXTH twice (x0 is needed by two MULS, each
 * destroying an operand), ASRS, 4 MULS, 4 ADD, the index increment: 17.5 cycles for
 * four MACs, 18 with the loop branch (unrolled by four; the K % 4 values first, by
 * entering the unrolled body part-way).
 *
 * conv_pairs_m0 runs every channel pair of a pixel pair (the loop above, then the
 * requantization of the four sums in asm: CONV_M0_RQ); conv_dot_m0 is the loop alone,
 * for an odd last channel (its row read twice) and for layers with a shift outside
 * k_rq's form (requantized in C by out_ch_m0). */
#define CONV_M0 1
typedef struct {
  int32_t a00, a01, a10, a11;  /* 0: accumulators (pixel, channel), in and out */
  const uint32_t *x;           /* 16: columns, one word (x0 | x1 << 16) per value */
  const int8_t *w0, *w1;       /* 20, 24: the two weight rows */
  int32_t K;                   /* 28: values, >= 1 */
} conv_m0_ctx;

_Static_assert(offsetof(conv_m0_ctx, x) == 16 && offsetof(conv_m0_ctx, w0) == 20 &&
                   offsetof(conv_m0_ctx, w1) == 24 && offsetof(conv_m0_ctx, K) == 28,
               "conv_dot_m0 relies on this layout");

/* One filter value, column word XR (r4 or r7): x0 and x1 in r5 in turn, one weight at a
 * time in r6 (each MULS destroys an operand: x0 is taken from XR twice); index r3, the
 * rows end at r1, r2. */
#define CONV_M0_STEP(XR)      \
  "ldrsb r6, [r1, r3]\n\t"    \
  "sxth r5, " XR "\n\t"       \
  "muls r5, r6, r5\n\t"       \
  "add r8, r5\n\t"            \
  "asrs r5, " XR ", #16\n\t"  \
  "muls r6, r5, r6\n\t"       \
  "add r10, r6\n\t"           \
  "ldrsb r6, [r2, r3]\n\t"    \
  "muls r5, r6, r5\n\t"       \
  "add r11, r5\n\t"           \
  "sxth r5, " XR "\n\t"       \
  "muls r5, r6, r5\n\t"       \
  "add r9, r5\n\t"            \
  "adds r3, r3, #1\n\t"

/* The dot products: columns r0, index r3 = -K, rows end at r1, r2. Four values per
 * iteration, the columns two words per LDM; the first K % 4 values by entering at step
 * (-K) & 3 (steps 1 and 3 after loading one word into r7). */
#define CONV_M0_LOOP          \
  "movs r4, #3\n\t"           \
  "ands r4, r3\n\t"           \
  "beq 10f\n\t"               \
  "cmp r4, #2\n\t"            \
  "beq 12f\n\t"               \
  "ldm r0!, {r7}\n\t"         \
  "bcc 11f\n\t"               \
  "b 13f\n"                   \
  "10:\n\t"                   \
  "ldm r0!, {r4, r7}\n\t"     \
  CONV_M0_STEP("r4")          \
  "11:\n\t"                   \
  CONV_M0_STEP("r7")          \
  "12:\n\t"                   \
  "ldm r0!, {r4, r7}\n\t"     \
  CONV_M0_STEP("r4")          \
  "13:\n\t"                   \
  CONV_M0_STEP("r7")          \
  "bne 10b\n\t"

__attribute__((naked, noinline)) static void conv_dot_m0(conv_m0_ctx *ctx) {
  __asm__ volatile(
      ".syntax unified\n\t"
      K_V6M_SAVE_R4_R11
      "mov r12, r0\n\t"
      "ldm r0!, {r4-r7}\n\t"
      "mov r8, r4\n\t"
      "mov r9, r5\n\t"
      "mov r10, r6\n\t"
      "mov r11, r7\n\t"
      "ldm r0, {r0-r3}\n\t"
      "adds r1, r1, r3\n\t"
      "adds r2, r2, r3\n\t"
      "rsbs r3, r3, #0\n\t"
      CONV_M0_LOOP
      "mov r0, r12\n\t"
      "mov r4, r8\n\t"
      "mov r5, r9\n\t"
      "mov r6, r10\n\t"
      "mov r7, r11\n\t"
      "stm r0!, {r4-r7}\n\t"
      K_V6M_RESTORE_R4_R11_RETURN);
}

/* Every channel pair for the two pixels of the columns, requantization included: the
 * per-output work in C (a 64-bit product through __aeabi_lmul, clamping, the call)
 * costs about as much as a K = 64 dot product. State in a struct (offsets fixed in the
 * asm); each channel needs 2 <= -shift <= 31 (k_rq's form, checked by the caller). */
typedef struct {
  const uint32_t *x;      /* 0: columns */
  int32_t K;              /* 4 */
  const int8_t *w;        /* 8: rows of the current pair (advanced by 2K) */
  const int32_t *bias;    /* 12: advanced by bias_step */
  int32_t bias_step;      /* 16: 8, or 0 with a zero pair when there is no bias */
  const int32_t *mult;    /* 20: advanced by 4 per channel */
  const int8_t *shift;    /* 24: advanced by 1 per channel */
  int8_t *out0, *out1;    /* 28, 32: pixel 0 / pixel 1 at the current channel (+2) */
  int32_t pairs;          /* 36: counted down, >= 1 */
  int32_t out_off;        /* 40 */
  int32_t act_min;        /* 44 */
  int32_t act_max;        /* 48 */
} conv_m0_pairs;

_Static_assert(offsetof(conv_m0_pairs, K) == 4 && offsetof(conv_m0_pairs, w) == 8 &&
                   offsetof(conv_m0_pairs, bias) == 12 && offsetof(conv_m0_pairs, bias_step) == 16 &&
                   offsetof(conv_m0_pairs, mult) == 20 && offsetof(conv_m0_pairs, shift) == 24 &&
                   offsetof(conv_m0_pairs, out0) == 28 && offsetof(conv_m0_pairs, out1) == 32 &&
                   offsetof(conv_m0_pairs, pairs) == 36 && offsetof(conv_m0_pairs, out_off) == 40 &&
                   offsetof(conv_m0_pairs, act_min) == 44 && offsetof(conv_m0_pairs, act_max) == 48,
               "conv_pairs_m0 relies on this layout");

/* k_rq of r0 (out: r7) with ml r1, mh r2 (M = mh 2^16 + ml; kept), rh in high register
 * RH, sh in lr; r0, r3-r6 scratch. The 64-bit a * M from four 16 x 16 MULS (every
 * partial product fits 32 bits: al, ml unsigned 16-bit, ah, mh signed), summed into
 * the low word L (its carries only) and the high word H:
 *   L = 2^30 | (a & 2^31), H = rh + (a >> 31);  L:H += al*ml + (ah*ml + al*mh) 2^16
 *   + ah*mh 2^32;  result = H >> sh. */
#define CONV_M0_RQ(RH)        \
  "asrs r7, r0, #31\n\t"      \
  "lsls r6, r7, #31\n\t"      \
  "movs r5, #1\n\t"           \
  "lsls r5, r5, #30\n\t"      \
  "adds r6, r6, r5\n\t"       \
  "add r7, " RH "\n\t"        \
  K_V6M_MULACC64("r3", "r4", "r5") \
  "mov r0, lr\n\t"            \
  "asrs r7, r0\n\t"

/* r7 + output offset, clamped, stored at byte IDX of the pixel's pointer (OUT: 28/32). */
#define CONV_M0_STORE(OUT, IDX) \
  "mov r0, r12\n\t"             \
  "ldr r3, [r0, #40]\n\t"       \
  "adds r7, r7, r3\n\t"         \
  "ldr r3, [r0, #44]\n\t"       \
  "cmp r7, r3\n\t"              \
  "bge 1f\n\t"                  \
  "mov r7, r3\n"                \
  "1:\n\t"                      \
  "ldr r3, [r0, #48]\n\t"       \
  "cmp r7, r3\n\t"              \
  "ble 1f\n\t"                  \
  "mov r7, r3\n"                \
  "1:\n\t"                      \
  "ldr r3, [r0, #" OUT "]\n\t"  \
  "strb r7, [r3, #" IDX "]\n\t"

/* One channel: accumulators P (pixel 0), Q (pixel 1), both high registers; byte IDX of
 * the pair. Pixel 1 is stored first: with one pixel, out1 = out0 and pixel 0 wins. */
#define CONV_M0_CHAN(P, Q, IDX) \
  "mov r0, r12\n\t"             \
  "ldr r1, [r0, #20]\n\t"       \
  "ldm r1!, {r3}\n\t"           \
  "str r1, [r0, #20]\n\t"       \
  "ldr r1, [r0, #24]\n\t"       \
  "movs r4, #0\n\t"             \
  "ldrsb r4, [r1, r4]\n\t"      \
  "adds r1, r1, #1\n\t"         \
  "str r1, [r0, #24]\n\t"       \
  "rsbs r4, r4, #0\n\t"         \
  "subs r5, r4, #1\n\t"         \
  "mov lr, r5\n\t"              \
  "subs r4, r4, #2\n\t"         \
  "movs r5, #1\n\t"             \
  "lsls r5, r4\n\t"             \
  "uxth r1, r3\n\t"             \
  "asrs r2, r3, #16\n\t"        \
  "mov r0, " Q "\n\t"           \
  "mov " Q ", r5\n\t"           \
  CONV_M0_RQ(Q)                 \
  CONV_M0_STORE("32", IDX)      \
  "mov r0, " P "\n\t"           \
  CONV_M0_RQ(Q)                 \
  CONV_M0_STORE("28", IDX)

__attribute__((naked, noinline)) static void conv_pairs_m0(conv_m0_pairs *ctx) {
  __asm__ volatile(
      ".syntax unified\n\t"
      K_V6M_SAVE_R4_R11
      "mov r12, r0\n"
      "3:\n\t"
      /* accumulators = bias pair */
      "ldr r1, [r0, #12]\n\t"
      "ldr r2, [r1, #0]\n\t"
      "ldr r3, [r1, #4]\n\t"
      "ldr r4, [r0, #16]\n\t"
      "adds r1, r1, r4\n\t"
      "str r1, [r0, #12]\n\t"
      "mov r8, r2\n\t"
      "mov r10, r2\n\t"
      "mov r9, r3\n\t"
      "mov r11, r3\n\t"
      /* rows end at r1, r2; index r3 = -K; columns r0 */
      "ldr r3, [r0, #4]\n\t"
      "ldr r1, [r0, #8]\n\t"
      "adds r1, r1, r3\n\t"
      "adds r2, r1, r3\n\t"
      "str r2, [r0, #8]\n\t"
      "ldr r0, [r0, #0]\n\t"
      "rsbs r3, r3, #0\n\t"
      CONV_M0_LOOP
      CONV_M0_CHAN("r8", "r10", "0")
      CONV_M0_CHAN("r9", "r11", "1")
      "mov r0, r12\n\t"
      "ldr r1, [r0, #28]\n\t"
      "adds r1, r1, #2\n\t"
      "str r1, [r0, #28]\n\t"
      "ldr r1, [r0, #32]\n\t"
      "adds r1, r1, #2\n\t"
      "str r1, [r0, #32]\n\t"
      "ldr r1, [r0, #36]\n\t"
      "subs r1, r1, #1\n\t"
      "str r1, [r0, #36]\n\t"
      "beq 9f\n\t"
      "b 3b\n"
      "9:\n\t"
      K_V6M_RESTORE_R4_R11_RETURN);
}

/* Output channel oc of the two pixels (the second stored when o1 != NULL). */
static void out_ch_m0(const k_conv_params *p, int32_t a0, int32_t a1, int32_t oc, int8_t *o0,
                      int8_t *o1) {
  const int32_t M = p->out_mult[oc], e = -p->out_shift[oc];
  if ((e >= 2 && e <= 31) || M == 0) {
    const int32_t ee = M == 0 ? 2 : e, rh = (int32_t)1 << (ee - 2), sh = ee - 1;
    a0 = k_rq_v6m(a0, M, rh, sh);
    a1 = k_rq_v6m(a1, M, rh, sh);
  } else {
    a0 = conv_rq_any(p, a0, oc);
    a1 = conv_rq_any(p, a1, oc);
  }
  o0[oc] = (int8_t)mcu_clamp_i32(a0 + p->output_offset, p->act_min, p->act_max);
  if (o1 != NULL) o1[oc] = (int8_t)mcu_clamp_i32(a1 + p->output_offset, p->act_min, p->act_max);
}

/* colg_pixel with the bounds taken per filter row (k_valid_taps) instead of per tap:
 * runs of in-bounds values copied, padding zeroed, no test in the copy loops. */
static inline void colm_run(int16_t *d, const int8_t *x, int32_t n, int32_t off) {
  for (; n > 0; --n, d += 2) *d = (int16_t)(*x++ + off);
}

static inline void colm_zero(int16_t *d, int32_t n) {
  for (; n > 0; --n, d += 2) *d = 0;
}

static void colm_pixel(const k_conv_params *p, int16_t *d, const int8_t *in_b, int32_t oy,
                       int32_t ox) {
  const int32_t in_c = p->in_c, in_w = p->in_w, fw = p->filter_w;
  const int32_t dil_h = p->dilation_h, dil_w = p->dilation_w;
  const int32_t off = p->input_offset;
  const int32_t iy0 = oy * p->stride_h - p->pad_h;
  const int32_t ix0 = ox * p->stride_w - p->pad_w;
  if (p->filter_h == 1 && fw == 1) { /* 1x1: one pixel, never in the padding */
    colm_run(d, in_b + (iy0 * in_w + ix0) * in_c, in_c, off);
    return;
  }
  const int32_t row_k = fw * in_c;
  int32_t kx_lo, kx_hi;
  k_valid_taps(ix0, in_w, fw, dil_w, &kx_lo, &kx_hi);
  for (int32_t ky = 0; ky < p->filter_h; ++ky, d += 2 * row_k) {
    const int32_t iy = iy0 + ky * dil_h;
    if (iy < 0 || iy >= p->in_h || kx_lo >= kx_hi) {
      colm_zero(d, row_k);
      continue;
    }
    colm_zero(d, kx_lo * in_c);
    if (dil_w == 1) {
      colm_run(d + 2 * kx_lo * in_c, in_b + (iy * in_w + ix0 + kx_lo) * in_c,
               (kx_hi - kx_lo) * in_c, off);
    } else {
      for (int32_t kx = kx_lo; kx < kx_hi; ++kx) {
        colm_run(d + 2 * kx * in_c, in_b + (iy * in_w + ix0 + kx * dil_w) * in_c, in_c, off);
      }
    }
    colm_zero(d + 2 * kx_hi * in_c, (fw - kx_hi) * in_c);
  }
}

static void conv_s8_m0(const k_conv_params *p, const int8_t *input, const int8_t *filter,
                       const int32_t *bias, int8_t *output, int16_t *buf) {
  static const int32_t zero_bias[2] = {0, 0};
  const int32_t K = conv_depth(p), out_c = p->out_c, out_w = p->out_w;
  const int32_t n_pix = p->out_h * out_w;
  /* the asm loop takes the channel pairs when every shift is in k_rq's form */
  int asm_ok = 1;
  for (int32_t c = 0; c < out_c; ++c) {
    if (p->out_shift[c] > -2 || p->out_shift[c] < -31) asm_ok = 0;
  }
  const int32_t pairs = asm_ok ? out_c >> 1 : 0;
  conv_m0_pairs s;
  s.x = (const uint32_t *)buf;
  s.K = K;
  s.bias_step = bias != NULL ? 8 : 0;
  s.out_off = p->output_offset;
  s.act_min = p->act_min;
  s.act_max = p->act_max;
  conv_m0_ctx m;
  m.x = (const uint32_t *)buf;
  m.K = K;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in_b = input + (size_t)b * p->in_h * p->in_w * p->in_c;
    int8_t *out_b = output + (size_t)b * n_pix * out_c;
    int32_t oy = 0, ox = 0; /* pixel q */
    for (int32_t q = 0; q < n_pix; q += 2) {
      const int two_px = q + 1 < n_pix;
      int8_t *out0 = out_b + q * out_c, *out1 = two_px ? out0 + out_c : NULL;
      colm_pixel(p, buf, in_b, oy, ox);
      if (++ox == out_w) ox = 0, ++oy;
      if (two_px) colm_pixel(p, buf + 1, in_b, oy, ox);
      if (++ox == out_w) ox = 0, ++oy;
      if (pairs > 0) {
        /* one pixel: column 1 holds stale values, its results are overwritten */
        s.w = filter;
        s.bias = bias != NULL ? bias : zero_bias;
        s.mult = p->out_mult;
        s.shift = p->out_shift;
        s.out0 = out0;
        s.out1 = two_px ? out1 : out0;
        s.pairs = pairs;
        conv_pairs_m0(&s);
      }
      const int8_t *w = filter + 2 * pairs * K;
      for (int32_t oc = 2 * pairs; oc < out_c; oc += 2, w += 2 * K) {
        const int two = oc + 1 < out_c;
        m.a00 = m.a10 = bias != NULL ? bias[oc] : 0;
        m.a01 = m.a11 = bias != NULL && two ? bias[oc + 1] : 0;
        m.w0 = w;
        m.w1 = two ? w + K : w;
        conv_dot_m0(&m);
        out_ch_m0(p, m.a00, m.a10, oc, out0, out1);
        if (two) out_ch_m0(p, m.a01, m.a11, oc + 1, out0, out1);
      }
    }
  }
}
#else

/* The receptive field of output pixel (oy, ox) into column c of the pair buffer. */
static void colg_pixel(const k_conv_params *p, int16_t *buf, int c, const int8_t *in_b,
                       int32_t oy, int32_t ox) {
  const int32_t in_c = p->in_c, in_w = p->in_w, fw = p->filter_w;
  const int32_t dil_h = p->dilation_h, dil_w = p->dilation_w;
  const int32_t off = p->input_offset;
  const int32_t iy0 = oy * p->stride_h - p->pad_h;
  const int32_t ix0 = ox * p->stride_w - p->pad_w;
  int16_t *d = buf + c;
  for (int32_t ky = 0; ky < p->filter_h; ++ky) {
    const int32_t iy = iy0 + ky * dil_h;
    for (int32_t kx = 0; kx < fw; ++kx) {
      const int32_t ix = ix0 + kx * dil_w;
      if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= in_w) {
        for (int32_t i = 0; i < in_c; ++i, d += 2) *d = 0;
      } else {
        const int8_t *x = in_b + (iy * in_w + ix) * in_c;
        for (int32_t i = 0; i < in_c; ++i, d += 2) *d = (int16_t)(x[i] + off);
      }
    }
  }
}

static inline int8_t outg(const k_conv_params *p, int32_t acc, int32_t oc, int fast,
                          const k_rq_ch *c) {
  acc = fast ? k_rq(acc, c->mult, c->rh, c->sh) : conv_rq_any(p, acc, oc);
  return (int8_t)mcu_clamp_i32(acc + p->output_offset, p->act_min, p->act_max);
}

static void conv_s8_generic(const k_conv_params *p, const int8_t *input, const int8_t *filter,
                            const int32_t *bias, int8_t *output, int16_t *buf) {
  const int32_t K = conv_depth(p), out_c = p->out_c, out_w = p->out_w;
  const int32_t n_pix = p->out_h * out_w;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *in_b = input + (size_t)b * p->in_h * p->in_w * p->in_c;
    int8_t *out_b = output + (size_t)b * n_pix * out_c;
    for (int32_t q = 0; q < n_pix; q += 2) {
      const int32_t n = q + 1 < n_pix ? 2 : 1;
      int8_t *out0 = out_b + q * out_c, *out1 = out0 + out_c;
      colg_pixel(p, buf, 0, in_b, q / out_w, q % out_w);
      if (n == 2) colg_pixel(p, buf, 1, in_b, (q + 1) / out_w, (q + 1) % out_w);
      for (int32_t oc = 0; oc < out_c; oc += 2) {
        const int two = oc + 1 < out_c;
        const int8_t *w0 = filter + oc * K, *w1 = two ? w0 + K : w0;
        int32_t a00 = bias != NULL ? bias[oc] : 0;
        int32_t a01 = bias != NULL && two ? bias[oc + 1] : 0;
        int32_t a10 = a00, a11 = a01;
        const int16_t *x = buf;
        for (int32_t k = 0; k < K; ++k, x += 2) {
          const int32_t x0 = x[0], x1 = x[1], wa = w0[k], wb = w1[k];
          a00 += x0 * wa;
          a01 += x0 * wb;
          a10 += x1 * wa;
          a11 += x1 * wb;
        }
        k_rq_ch c0, c1;
        const int f0 = k_rq_prepare(p->out_mult[oc], p->out_shift[oc], &c0);
        out0[oc] = outg(p, a00, oc, f0, &c0);
        if (n == 2) out1[oc] = outg(p, a10, oc, f0, &c0);
        if (two) {
          const int f1 = k_rq_prepare(p->out_mult[oc + 1], p->out_shift[oc + 1], &c1);
          out0[oc + 1] = outg(p, a01, oc + 1, f1, &c1);
          if (n == 2) out1[oc + 1] = outg(p, a11, oc + 1, f1, &c1);
        }
      }
    }
  }
}

#endif /* CONV_M0 */

#endif /* K_ARM_DSP */

size_t k_conv_2d_s8_scratch_size(const k_conv_params *p) {
#if K_ARM_DSP
  if (conv_fast_ok(p))
    return col_bytes(conv_depth(p)) + (conv_pad_last(p, conv_asm_ok(p)) ? pad_rows_bytes(conv_depth(p)) : 0);
#else
  if (conv_fast_ok(p)) return (size_t)conv_depth(p) * 4u;
#endif
  return 0;
}

size_t k_conv_2d_f32_scratch_size(const k_conv_params *p) {
  (void)p;
  return 0;
}

void k_conv_2d_s8(const k_conv_params *p, const int8_t *input, const int8_t *filter,
                  const int32_t *bias, int8_t *output, void *scratch) {
  if (scratch != NULL && conv_fast_ok(p)) {
#if K_ARM_DSP
    conv_s8_dsp(p, input, filter, bias, output, scratch);
#else
    k_variant(K_VARIANT_C);
#ifdef CONV_M0
    conv_s8_m0(p, input, filter, bias, output, (int16_t *)scratch);
#else
    conv_s8_generic(p, input, filter, bias, output, (int16_t *)scratch);
#endif
#endif
    return;
  }
  k_conv_2d_s8_ref(p, input, filter, bias, output, scratch);
}

void k_conv_2d_f32(const k_conv_params *p, const float *input, const float *filter,
                   const float *bias, float *output, void *scratch) {
  k_conv_2d_f32_ref(p, input, filter, bias, output, scratch);
}
