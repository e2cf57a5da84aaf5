/* fully_connected.c - optimized FULLY_CONNECTED kernels (see k_fully_connected.h).
 *
 * int8 with symmetric weights (zero point 0, per-tensor or per-channel) on cores with
 * the DSP extension (K_ARM_DSP): two weight rows at a time against one input row. Per
 * four depth values the input word is split and offset by SXTAB16 (shared by both
 * rows), each weight word is split by SXTB16, and four SMLADs accumulate; the loop is
 * inline asm, four groups per iteration. Results are requantized exactly (k_rq) and
 * clamped. No scratch memory: the input is expanded on the fly, as an expanded copy
 * would cost arena bytes for a few cycles per row.
 *
 * On ARMv6-M (Cortex-M0/M0+), symmetric weights: four weight rows at a time against one
 * input row in hand-written Thumb-1 (fc_dot_m0: accumulators in r8-r11, the input offset
 * in lr, one index counting up to 0 for the input and the four rows). Per depth value:
 * LDRSB and the offset added once for the four rows, then per row LDRSB, MULS, ADD: 20
 * cycles for four MACs (unrolled by four; the K % 4 values first, by entering the body
 * part-way): 5.1 cycles per MAC. With per-tensor weights and a shift in k_rq's form
 * every group of four rows, requantization (k_rq_v6m's four 16 x 16 MULS), clamping and
 * stores included, runs in asm (fc_rows_m0); a last group of 1-3 rows (its last row
 * repeated, results discarded) and other layers run fc_dot_m0 and requantize in C
 * (k_rq_v6m, or the general rule for other shifts). No scratch memory. The ad01 model
 * on the M0+: 4.36 M -> 1.47 M cycles.
 *
 * Weights with a nonzero zero point, the M3 and float32 use the reference code
 * (kernels/reference/fully_connected_ref.h). */
#include "k_fully_connected.h"

#include <stddef.h>

#include "../reference/fully_connected_ref.h"
#include "k_arm_dsp.h"
#include "k_arm_v6m.h"
#include "k_variant.h"
#include "mcu_quant.h"

#if K_ARM_DSP

#define FC_GROUP                                   \
  "ldr %[xw], [%[x]], #4\n\t"                      \
  "ldr %[wa], [%[w0]], #4\n\t"                     \
  "ldr %[wb], [%[w1]], #4\n\t"                     \
  "sxtab16 %[xe], %[off2], %[xw]\n\t"              \
  "sxtab16 %[xw], %[off2], %[xw], ror #8\n\t"      \
  "sxtb16 %[t], %[wa]\n\t"                         \
  "sxtb16 %[wa], %[wa], ror #8\n\t"                \
  "smlad %[a0], %[xe], %[t], %[a0]\n\t"            \
  "smlad %[a0], %[xw], %[wa], %[a0]\n\t"           \
  "sxtb16 %[t], %[wb]\n\t"                         \
  "sxtb16 %[wb], %[wb], ror #8\n\t"                \
  "smlad %[a1], %[xe], %[t], %[a1]\n\t"            \
  "smlad %[a1], %[xw], %[wb], %[a1]\n\t"

/* Two rows (w0 and w1) against x over G >= 1 groups of four values. */
static inline void fc_mac1x2(const int8_t *x, const int8_t *w0, const int8_t *w1, int32_t G,
                             uint32_t off2, int32_t *acc0, int32_t *acc1) {
  int32_t a0 = *acc0, a1 = *acc1;
  uint32_t xw, xe, wa, wb, t;
  __asm__ volatile(
      "tst %[n], #1\n\t"
      "beq 1f\n\t" FC_GROUP
      "1:\n\t"
      "tst %[n], #2\n\t"
      "beq 2f\n\t" FC_GROUP FC_GROUP
      "2:\n\t"
      "lsrs %[n], %[n], #2\n\t"
      "beq 5f\n"
      "4:\n\t" FC_GROUP FC_GROUP FC_GROUP FC_GROUP
      "subs %[n], %[n], #1\n\t"
      "bne 4b\n"
      "5:\n\t"
      : [a0] "+r"(a0), [a1] "+r"(a1), [x] "+r"(x), [w0] "+r"(w0), [w1] "+r"(w1),
        [n] "+r"(G), [xw] "=&r"(xw), [xe] "=&r"(xe), [wa] "=&r"(wa), [wb] "=&r"(wb),
        [t] "=&r"(t)
      : [off2] "r"(off2)
      : "cc", "memory");
  *acc0 = a0;
  *acc1 = a1;
}

K_COLD static int32_t fc_mac1x1(const int8_t *x, const int8_t *w0, int32_t G, uint32_t off2,
                                int32_t a0) {
  for (int32_t g = 0; g < G; ++g) {
    const uint32_t xw = k_ld32(x), wa = k_ld32(w0);
    x += 4;
    w0 += 4;
    a0 = __smlad(__sxtab16(off2, xw), __sxtb16(wa), a0);
    a0 = __smlad(__sxtab16(off2, __ror(xw, 8)), __sxtb16(__ror(wa, 8)), a0);
  }
  return a0;
}

static inline int32_t fc_tail(const int8_t *x, const int8_t *w, int32_t n, int32_t off,
                              int32_t acc) {
  for (int32_t i = 0; i < n; ++i) acc += ((int32_t)x[i] + off) * (int32_t)w[i];
  return acc;
}

/* One output, any quantization (per-channel or per-tensor, any shift). */
K_COLD static int8_t fc_out_any(const k_fc_params *p, int32_t acc, int32_t o) {
  int32_t v;
  if (p->ch_mult != NULL) {
    v = k_rq_any(acc, p->ch_mult[o], p->ch_shift[o]);
  } else {
    v = k_rq_any(acc, p->out_mult, p->out_shift);
  }
  return (int8_t)mcu_clamp_i32(v + p->output_offset, p->act_min, p->act_max);
}

static void fc_s8_dsp(const k_fc_params *p, const int8_t *input, const int8_t *weights,
                      const int32_t *bias, int8_t *output) {
  const int32_t depth = p->accum_depth, out_depth = p->out_depth;
  const int32_t d4 = depth & ~3, G = d4 >> 2, tail = depth - d4;
  const int32_t off = p->input_offset, out_off = p->output_offset;
  const uint32_t off2 = ((uint32_t)off & 0xffffu) * 0x10001u;
  const uint32_t lo4 = k_splat8(p->act_min), hi4 = k_splat8(p->act_max);
  k_rq_ch rq;
  /* per-tensor weights with k_rq constants: the common case, requantized inline */
  const int fast = p->ch_mult == NULL && k_rq_prepare(p->out_mult, p->out_shift, &rq);

  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t *w = weights;
    int32_t o = 0;
    for (; o + 1 < out_depth; o += 2, w += 2 * depth) {
      int32_t a0 = 0, a1 = 0;
      if (bias != NULL) {
        a0 = bias[o];
        a1 = bias[o + 1];
      }
      if (G > 0) fc_mac1x2(input, w, w + depth, G, off2, &a0, &a1);
      if (tail > 0) {
        a0 = fc_tail(input + d4, w + d4, tail, off, a0);
        a1 = fc_tail(input + d4, w + depth + d4, tail, off, a1);
      }
      k_rq_ch c0, c1;
      if (fast) {
        const uint32_t h = k_pack8x2(k_rq(a0, rq.mult, rq.rh, rq.sh) + out_off,
                                     k_rq(a1, rq.mult, rq.rh, rq.sh) + out_off);
        k_st16(output, k_clamp8x4(h, lo4, hi4));
      } else if (p->ch_mult != NULL && k_rq_prepare(p->ch_mult[o], p->ch_shift[o], &c0) &&
                 k_rq_prepare(p->ch_mult[o + 1], p->ch_shift[o + 1], &c1)) {
        const uint32_t h = k_pack8x2(k_rq(a0, c0.mult, c0.rh, c0.sh) + out_off,
                                     k_rq(a1, c1.mult, c1.rh, c1.sh) + out_off);
        k_st16(output, k_clamp8x4(h, lo4, hi4));
      } else {
        output[0] = fc_out_any(p, a0, o);
        output[1] = fc_out_any(p, a1, o + 1);
      }
      output += 2;
    }
    if (o < out_depth) {
      int32_t a0 = bias != NULL ? bias[o] : 0;
      a0 = fc_mac1x1(input, w, G, off2, a0);
      if (tail > 0) a0 = fc_tail(input + d4, w + d4, tail, off, a0);
      *output++ = fc_out_any(p, a0, o);
    }
    input += depth;
  }
}

#endif /* K_ARM_DSP */

#if !K_ARM_DSP && defined(__ARM_ARCH_6M__) && !defined(MCU_HOST)
#define FC_M0 1

typedef struct {
  int32_t acc[4];         /* 0: accumulators of the four rows, in (bias) and out */
  const int8_t *x;        /* 16: input row */
  const int8_t *w[4];     /* 20, 24, 28, 32: the four weight rows */
  int32_t K;              /* 36: depth, >= 1 */
  int32_t off;            /* 40: input offset */
} fc_m0_ctx;

_Static_assert(offsetof(fc_m0_ctx, x) == 16 && offsetof(fc_m0_ctx, w) == 20 &&
                   offsetof(fc_m0_ctx, K) == 36 && offsetof(fc_m0_ctx, off) == 40,
               "fc_dot_m0 relies on this layout");

/* One row: weight into r5, times the offset input r4 (kept), into accumulator ACC. */
#define FC_M0_ROW(WR, ACC)      \
  "ldrsb r5, [" WR ", r7]\n\t"  \
  "muls r5, r4, r5\n\t"         \
  "add " ACC ", r5\n\t"

/* One depth value: input end r0, rows end at r1, r2, r3, r6; index r7 (negative). */
#define FC_M0_STEP              \
  "ldrsb r4, [r0, r7]\n\t"      \
  "add r4, lr\n\t"              \
  FC_M0_ROW("r1", "r8")         \
  FC_M0_ROW("r2", "r9")         \
  FC_M0_ROW("r3", "r10")        \
  FC_M0_ROW("r6", "r11")        \
  "adds r7, r7, #1\n\t"

/* The unrolled loop over the K values, entered at step (-K) & 3 so that the K % 4
 * values come first (r7 = -K, counted up to 0 by FC_M0_STEP). */
#define FC_M0_LOOP                                                   \
  "movs r4, #3\n\tands r4, r7\n\tbeq 10f\n\tcmp r4, #2\n\tbeq 12f\n\tbhi 13f\n\tb 11f\n" \
  "10:\n\t" FC_M0_STEP "11:\n\t" FC_M0_STEP "12:\n\t" FC_M0_STEP "13:\n\t" FC_M0_STEP     \
  "bne 10b\n\t"

__attribute__((naked, noinline)) static void fc_dot_m0(fc_m0_ctx *ctx) {
  __asm__ volatile(
      ".syntax unified\n\t"
      K_V6M_SAVE_R4_R11
      "mov r12, r0\n\t"
      "ldm r0!, {r4-r7}\n\t"
      "mov r8, r4\n\t"
      "mov r9, r5\n\t"
      "mov r10, r6\n\t"
      "mov r11, r7\n\t"
      "ldm r0!, {r4-r7}\n\t"   /* x, w0, w1, w2 */
      "ldm r0, {r0-r2}\n\t"    /* w3, K, off */
      "mov lr, r2\n\t"
      "adds r2, r6, r1\n\t"
      "adds r3, r7, r1\n\t"
      "adds r6, r0, r1\n\t"
      "adds r0, r4, r1\n\t"
      "rsbs r7, r1, #0\n\t"
      "adds r1, r5, r1\n\t"
      FC_M0_LOOP
      "mov r0, r12\n\t"
      "mov r4, r8\n\t"
      "mov r5, r9\n\t"
      "mov r6, r10\n\t"
      "mov r7, r11\n\t"
      "stm r0!, {r4-r7}\n\t"
      K_V6M_RESTORE_R4_R11_RETURN);
}

/* Output o of a layer whose requantization is not the per-tensor k_rq form. */
K_COLD static int32_t fc_rq_m0(const k_fc_params *p, int32_t acc, int32_t o) {
  const int32_t M = p->ch_mult != NULL ? p->ch_mult[o] : p->out_mult;
  const int32_t S = p->ch_mult != NULL ? (int32_t)p->ch_shift[o] : p->out_shift;
  k_rq_ch c;
  if (k_rq_prepare(M, S, &c)) return k_rq_v6m(acc, c.mult, c.rh, c.sh);
  return k_rq_any(acc, M, S);
}

/* Every group of four rows of one input row, per-tensor requantization in k_rq's form
 * (k_rq_v6m in asm: the 64-bit a * M from four 16 x 16 MULS), clamping and stores
 * included: the per-output work in C cost about as much as a 24-value dot product.
 * State in a struct (offsets fixed in the asm). */
typedef struct {
  const int8_t *x;        /* 0: input row */
  const int8_t *w;        /* 4: rows of the current group (advanced by 4K) */
  int32_t K;              /* 8: depth, >= 1 */
  int32_t off;            /* 12: input offset */
  const int32_t *bias;    /* 16: advanced by bias_step */
  int32_t bias_step;      /* 20: 16, or 0 with four zeros when there is no bias */
  int8_t *out;            /* 24: advanced by 4 */
  int32_t groups;         /* 28: counted down, >= 1 */
  int32_t ml, mh;         /* 32, 36: M = mh 2^16 + ml, ml unsigned */
  int32_t rh, sh;         /* 40, 44: as k_rq_prepare gives them */
  int32_t out_off;        /* 48 */
  int32_t act_min;        /* 52 */
  int32_t act_max;        /* 56 */
} fc_m0_rows;

_Static_assert(offsetof(fc_m0_rows, w) == 4 && offsetof(fc_m0_rows, K) == 8 &&
                   offsetof(fc_m0_rows, off) == 12 && offsetof(fc_m0_rows, bias) == 16 &&
                   offsetof(fc_m0_rows, bias_step) == 20 && offsetof(fc_m0_rows, out) == 24 &&
                   offsetof(fc_m0_rows, groups) == 28 && offsetof(fc_m0_rows, ml) == 32 &&
                   offsetof(fc_m0_rows, mh) == 36 && offsetof(fc_m0_rows, rh) == 40 &&
                   offsetof(fc_m0_rows, sh) == 44 && offsetof(fc_m0_rows, out_off) == 48 &&
                   offsetof(fc_m0_rows, act_min) == 52 && offsetof(fc_m0_rows, act_max) == 56,
               "fc_rows_m0 relies on this layout");

/* Accumulator ACC (high register) requantized, offset, clamped and stored at byte IDX
 * of out; r0-r7 scratch, the state in r12. L = 2^30 | (a & 2^31) (r6), H = rh +
 * (a >> 31) (r7); L:H += al*ml + (ah*ml + al*mh) 2^16 + ah*mh 2^32; result H >> sh. */
#define FC_M0_OUT(ACC, IDX)     \
  "mov r0, " ACC "\n\t"         \
  "mov r3, r12\n\t"             \
  "ldr r1, [r3, #32]\n\t"       \
  "ldr r2, [r3, #36]\n\t"       \
  "ldr r5, [r3, #40]\n\t"       \
  "asrs r7, r0, #31\n\t"        \
  "lsls r6, r7, #31\n\t"        \
  "adds r7, r7, r5\n\t"         \
  "movs r5, #1\n\t"             \
  "lsls r5, r5, #30\n\t"        \
  "adds r6, r6, r5\n\t"         \
  K_V6M_MULACC64("r3", "r4", "r5") \
  "mov r0, r12\n\t"             \
  "ldr r3, [r0, #44]\n\t"       \
  "asrs r7, r3\n\t"             \
  "ldr r3, [r0, #48]\n\t"       \
  "adds r7, r7, r3\n\t"         \
  "ldr r3, [r0, #52]\n\t"       \
  "cmp r7, r3\n\t"              \
  "bge 1f\n\t"                  \
  "mov r7, r3\n"                \
  "1:\n\t"                      \
  "ldr r3, [r0, #56]\n\t"       \
  "cmp r7, r3\n\t"              \
  "ble 1f\n\t"                  \
  "mov r7, r3\n"                \
  "1:\n\t"                      \
  "ldr r3, [r0, #24]\n\t"       \
  "strb r7, [r3, #" IDX "]\n\t"

__attribute__((naked, noinline)) static void fc_rows_m0(fc_m0_rows *ctx) {
  __asm__ volatile(
      ".syntax unified\n\t"
      K_V6M_SAVE_R4_R11
      "mov r12, r0\n"
      "3:\n\t"
      /* accumulators = bias */
      "ldr r1, [r0, #16]\n\t"
      "ldm r1!, {r2-r5}\n\t"
      "subs r1, r1, #16\n\t"
      "ldr r6, [r0, #20]\n\t"
      "adds r1, r1, r6\n\t"
      "str r1, [r0, #16]\n\t"
      "mov r8, r2\n\t"
      "mov r9, r3\n\t"
      "mov r10, r4\n\t"
      "mov r11, r5\n\t"
      /* rows end at r1, r2, r3, r6; input ends at r0; index r7 = -K; offset in lr */
      "ldr r7, [r0, #8]\n\t"
      "ldr r4, [r0, #12]\n\t"
      "mov lr, r4\n\t"
      "ldr r1, [r0, #4]\n\t"
      "adds r1, r1, r7\n\t"
      "adds r2, r1, r7\n\t"
      "adds r3, r2, r7\n\t"
      "adds r6, r3, r7\n\t"
      "str r6, [r0, #4]\n\t"
      "ldr r0, [r0, #0]\n\t"
      "adds r0, r0, r7\n\t"
      "rsbs r7, r7, #0\n\t"
      FC_M0_LOOP
      FC_M0_OUT("r8", "0")
      FC_M0_OUT("r9", "1")
      FC_M0_OUT("r10", "2")
      FC_M0_OUT("r11", "3")
      "mov r0, r12\n\t"
      "ldr r1, [r0, #24]\n\t"
      "adds r1, r1, #4\n\t"
      "str r1, [r0, #24]\n\t"
      "ldr r1, [r0, #28]\n\t"
      "subs r1, r1, #1\n\t"
      "str r1, [r0, #28]\n\t"
      "beq 9f\n\t"
      "b 3b\n"
      "9:\n\t"
      K_V6M_RESTORE_R4_R11_RETURN);
}

static void fc_s8_m0(const k_fc_params *p, const int8_t *input, const int8_t *weights,
                     const int32_t *bias, int8_t *output) {
  static const int32_t zero_bias[4] = {0, 0, 0, 0};
  const int32_t K = p->accum_depth, N = p->out_depth;
  const int32_t out_off = p->output_offset, lo = p->act_min, hi = p->act_max;
  k_rq_ch rq;
  const int pt = p->ch_mult == NULL && k_rq_prepare(p->out_mult, p->out_shift, &rq);
  /* per-tensor k_rq form: the groups of four rows in asm, requantization included */
  const int32_t groups = pt ? N >> 2 : 0;
  fc_m0_rows s;
  s.K = K;
  s.off = p->input_offset;
  s.bias_step = bias != NULL ? 16 : 0;
  if (pt) {
    s.ml = (int32_t)((uint32_t)rq.mult & 0xffffu);
    s.mh = rq.mult >> 16;
    s.rh = rq.rh;
    s.sh = rq.sh;
  }
  s.out_off = out_off;
  s.act_min = lo;
  s.act_max = hi;
  fc_m0_ctx m;
  m.K = K;
  m.off = p->input_offset;
  for (int32_t b = 0; b < p->batches; ++b, input += K) {
    if (groups > 0) {
      s.x = input;
      s.w = weights;
      s.bias = bias != NULL ? bias : zero_bias;
      s.out = output;
      s.groups = groups;
      fc_rows_m0(&s);
      output += 4 * groups;
    }
    m.x = input;
    for (int32_t o = 4 * groups; o < N; o += 4) {
      const int32_t n = N - o < 4 ? N - o : 4;
      for (int32_t i = 0; i < 4; ++i) {
        const int32_t r = o + (i < n ? i : n - 1);
        m.w[i] = weights + (size_t)r * (size_t)K;
        m.acc[i] = bias != NULL ? bias[r] : 0;
      }
      fc_dot_m0(&m);
      for (int32_t i = 0; i < n; ++i) {
        const int32_t v = pt ? k_rq_v6m(m.acc[i], rq.mult, rq.rh, rq.sh) : fc_rq_m0(p, m.acc[i], o + i);
        *output++ = (int8_t)mcu_clamp_i32(v + out_off, lo, hi);
      }
    }
  }
}
#endif /* ARMv6-M */

size_t k_fully_connected_s8_scratch_size(const k_fc_params *p) {
  (void)p;
  return 0;
}

size_t k_fully_connected_f32_scratch_size(const k_fc_params *p) {
  (void)p;
  return 0;
}

void k_fully_connected_s8(const k_fc_params *p, const int8_t *input, const int8_t *weights,
                          const int32_t *bias, int8_t *output, void *scratch) {
#if K_ARM_DSP
  if (p->filter_offset == 0) {
    k_variant(K_VARIANT_DSP);
    fc_s8_dsp(p, input, weights, bias, output);
    return;
  }
#elif defined(FC_M0)
  if (p->filter_offset == 0 && p->accum_depth >= 1) {
    k_variant(K_VARIANT_C);
    fc_s8_m0(p, input, weights, bias, output);
    return;
  }
#endif
  k_fully_connected_s8_ref(p, input, weights, bias, output, scratch);
}

void k_fully_connected_f32(const k_fc_params *p, const float *input, const float *weights,
                           const float *bias, float *output, void *scratch) {
  k_fully_connected_f32_ref(p, input, weights, bias, output, scratch);
}
