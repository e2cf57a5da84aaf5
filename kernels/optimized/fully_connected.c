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
 * Weights with a nonzero zero point, cores without DSP and float32 use the reference
 * code (kernels/reference/fully_connected_ref.h). */
#include "k_fully_connected.h"

#include "../reference/fully_connected_ref.h"
#include "k_arm_dsp.h"
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
#endif
  k_fully_connected_s8_ref(p, input, weights, bias, output, scratch);
}

void k_fully_connected_f32(const k_fc_params *p, const float *input, const float *weights,
                           const float *bias, float *output, void *scratch) {
  k_fully_connected_f32_ref(p, input, weights, bias, output, scratch);
}
