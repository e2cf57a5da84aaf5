/* add.c - optimized ADD kernels (see k_elementwise.h for TFLite's int8 scheme).
 *
 * int8 on cores with the DSP extension (K_ARM_DSP): every operand value is
 * (v + offset) << 20, whose magnitude stays below 2^28, and the sum of the two rescaled
 * operands below 2^29; for such values the rescaling MultiplyByQuantizedMultiplier is
 * exactly one SMMULR of the doubled value plus a rounding shift (k_rq2 in k_arm_dsp.h),
 * instead of 64-bit arithmetic. Four results are saturated, packed and clamped at once
 * (SSUB8/SEL) and stored as a word when both operands run contiguously; broadcast
 * operands (stride 0) use the same arithmetic one value at a time.
 *
 * float32, int32, left shifts other than 20 (never produced by the glue) and cores
 * without DSP use the reference code (kernels/reference/add_ref.h). */
#include "k_elementwise.h"

#include "../reference/add_ref.h"
#include "k_arm_dsp.h"
#include "k_variant.h"
#include "mcu_quant.h"

#if K_ARM_DSP

typedef struct {
  int32_t off2, m2, rh2, e2, mo, rho, eo;
} add_fast_k;

typedef struct {
  k_rq2_ch r1, r2, ro;
  int32_t off1, off2; /* input offsets << 21 (the doubled, shifted form) */
  int32_t out_off;
  int32_t ro_rh_off;  /* ro.rh + (out_off << ro.e), when that cannot overflow */
  int fold_off;       /* ro_rh_off is usable */
  int unit1;          /* operand 1's multiplier is exactly 1/2 with no shift */
  int fast;           /* add_fast applies, with constants fk */
  add_fast_k fk;
  int32_t act_min, act_max;
  uint32_t lo4, hi4;
} add_q;

/* The operand whose scale is the larger one has the real multiplier 1/2 exactly
 * (Q31 2^30, shift 0): its rescaled value is (v + offset) << 19, no multiply. */
static inline int32_t add_unit(int32_t v, int32_t off21) { return (off21 >> 2) + (v << 19); }

/* Rescaled sum -> output value before clamping. */
static inline int32_t add_out(const add_q *q, int32_t s, int fold) {
  const int32_t s2 = s << 1;
  const int32_t y = k_smmulr(s2, q->ro.mult);
  if (fold) return (y + q->ro_rh_off + (s2 >> 31)) >> q->ro.e;
  return ((y + q->ro.rh + ((s2 >> 31) & q->ro.mask)) >> q->ro.e) + q->out_off;
}

static inline int32_t add_one(const add_q *q, int32_t v1, int32_t v2, int unit1, int fold) {
  const int32_t z1 = unit1 ? add_unit(v1, q->off1) : k_rq2(q->off1 + (v1 << 21), &q->r1);
  const int32_t z2 = k_rq2(q->off2 + (v2 << 21), &q->r2);
  return add_out(q, z1 + z2, fold);
}

/* n contiguous values of both operands; unit1 and fold are constants after inlining. */
static inline __attribute__((always_inline)) void add_contig(const add_q *q, const int8_t *a, const int8_t *c, int8_t *out,
                              int32_t n, int unit1, int fold) {
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint32_t wa = k_ld32(a + i), wc = k_ld32(c + i);
    const int32_t r0 = add_one(q, (int8_t)wa, (int8_t)wc, unit1, fold);
    const int32_t r1 = add_one(q, (int8_t)(wa >> 8), (int8_t)(wc >> 8), unit1, fold);
    const uint32_t h0 = k_pack8x2(r0, r1);
    const int32_t r2 = add_one(q, (int8_t)(wa >> 16), (int8_t)(wc >> 16), unit1, fold);
    const int32_t r3 = add_one(q, (int8_t)(wa >> 24), (int8_t)(wc >> 24), unit1, fold);
    const uint32_t h1 = k_pack8x2(r2, r3);
    k_st32(out + i, k_clamp8x4((h0 & 0xffffu) | (h1 << 16), q->lo4, q->hi4));
  }
  for (; i < n; ++i) {
    out[i] = (int8_t)mcu_clamp_i32(add_one(q, a[i], c[i], unit1, fold), q->act_min, q->act_max);
  }
}

/* The common case as one asm loop: operand 1 has the unit multiplier, operand 2 a
 * rounding shift 1 <= e2 <= 4, the output offset folds into the output rounding term
 * (add_q.fold_off), and the activation range is the whole int8 range. Then operand 1's
 * offset << 19 also folds into operand 2's rounding term (|SMMULR| < 2^28 plus
 * |offset << (19 + e2)| <= 2^30: no overflow) and each value costs two loads, thirteen
 * single-cycle instructions and a store:
 *   z = ((SMMULR(x2, m2) + sign(x2) + rh2') >> e2) + (v1 << 19),   x2 = off2 + (v2 << 21)
 *   out = SSAT8((SMMULR(2z, mo) + sign(z) + rho') >> eo)                                */
static void add_fast(const add_fast_k *k, const int8_t *a, const int8_t *c, int8_t *out,
                     int32_t n) {
  int32_t i = -n;
  a += n;
  c += n;
  out += n;
  int32_t off2 = k->off2, m2 = k->m2, rh2 = k->rh2, e2 = k->e2, mo = k->mo, rho = k->rho,
          eo = k->eo;
  int32_t t1, t2, t3;
  __asm__ volatile(
      "1:\n\t"
      "ldrsb %[t1], [%[c], %[i]]\n\t"
      "ldrsb %[t3], [%[a], %[i]]\n\t"
      "add %[t1], %[off2], %[t1], lsl #21\n\t"
      "smmulr %[t2], %[t1], %[m2]\n\t"
      "add %[t2], %[t2], %[t1], asr #31\n\t"
      "add %[t2], %[t2], %[rh2]\n\t"
      "asr %[t2], %[t2], %[e2]\n\t"
      "add %[t2], %[t2], %[t3], lsl #19\n\t"
      "lsl %[t2], %[t2], #1\n\t"
      "smmulr %[t1], %[t2], %[mo]\n\t"
      "add %[t1], %[t1], %[t2], asr #31\n\t"
      "add %[t1], %[t1], %[rho]\n\t"
      "asr %[t1], %[t1], %[eo]\n\t"
      "ssat %[t1], #8, %[t1]\n\t"
      "strb %[t1], [%[out], %[i]]\n\t"
      "adds %[i], %[i], #1\n\t"
      "bne 1b\n\t"
      : [i] "+r"(i), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3)
      : [a] "r"(a), [c] "r"(c), [out] "r"(out), [off2] "r"(off2), [m2] "r"(m2),
        [rh2] "r"(rh2), [e2] "r"(e2), [mo] "r"(mo), [rho] "r"(rho), [eo] "r"(eo)
      : "cc", "memory");
}

/* Everything but the add_fast case. */
K_COLD static void add_run_general(const add_q *q, const int8_t *a, int32_t s1, const int8_t *c,
                                   int32_t s2, int8_t *out, int32_t n) {
  if (s1 == 1 && s2 == 1) {
    if (q->unit1 && q->fold_off) {
      add_contig(q, a, c, out, n, 1, 1);
    } else {
      add_contig(q, a, c, out, n, 0, 0);
    }
    return;
  }
  for (int32_t i = 0; i < n; ++i) {
    const int32_t r = add_one(q, a[i * s1], c[i * s2], 0, 0);
    out[i] = (int8_t)mcu_clamp_i32(r, q->act_min, q->act_max);
  }
}

static void add_run(const add_q *q, const int8_t *a, int32_t s1, const int8_t *c, int32_t s2,
                    int8_t *out, int32_t n) {
  if (s1 == 1 && s2 == 1 && q->fast && n > 0) {
    add_fast(&q->fk, a, c, out, n);
  } else {
    add_run_general(q, a, s1, c, s2, out, n);
  }
}

static int add_prepare_q(const k_add_s8_params *p, add_q *q) {
  if (p->left_shift != 20) return 0;
  if (!k_rq2_prepare(p->in1_multiplier, p->in1_shift, &q->r1) ||
      !k_rq2_prepare(p->in2_multiplier, p->in2_shift, &q->r2) ||
      !k_rq2_prepare(p->out_multiplier, p->out_shift, &q->ro)) {
    return 0;
  }
  q->off1 = (int32_t)((uint32_t)p->in1_offset << 21);
  q->off2 = (int32_t)((uint32_t)p->in2_offset << 21);
  q->out_off = p->out_offset;
  /* |SMMULR(2s, M)| < 2^29 and |rh| <= 2^21: adding out_off << e (|out_off| <= 128)
   * cannot overflow while 1 <= e <= 21, and (y + rh + sign + off * 2^e) >> e is then
   * exactly the shifted value plus out_off. */
  q->fold_off = q->ro.e >= 1 && q->ro.e <= 21;
  q->ro_rh_off = q->fold_off ? q->ro.rh + (int32_t)((uint32_t)q->out_off << q->ro.e) : 0;
  q->unit1 = 0;
  q->fast = 0;
  q->act_min = p->act_min;
  q->act_max = p->act_max;
  q->lo4 = k_splat8(p->act_min);
  q->hi4 = k_splat8(p->act_max);
  return 1;
}

/* The exact rescaling of operand (mult 2^30, shift 0) is (v + offset) << 19. */
static inline int add_is_unit(const k_rq2_ch *r) { return r->mult == (1 << 30) && r->e == 0; }

#endif /* K_ARM_DSP */

void k_add_s8(const k_add_s8_params *p, const int8_t *in1, const int8_t *in2, int8_t *out) {
#if K_ARM_DSP
  add_q q;
  if (add_prepare_q(p, &q)) {
    k_variant(K_VARIANT_DSP);
    const k_bcast *b = &p->shape;
    const int last = b->ndims - 1;
    const int32_t n = b->dims[last];
    int32_t idx[K_BCAST_MAX_DIMS] = {0};
    int32_t o1 = 0, o2 = 0;
    if (b->count == 0) return;
    /* ADD is symmetric: make operand 1 the unit-multiplier one when there is one */
    int swap = 0;
    if (add_is_unit(&q.r2) && !add_is_unit(&q.r1)) {
      const k_rq2_ch r = q.r1;
      const int32_t o = q.off1;
      q.r1 = q.r2;
      q.r2 = r;
      q.off1 = q.off2;
      q.off2 = o;
      swap = 1;
    }
    q.unit1 = add_is_unit(&q.r1);
    q.fast = q.unit1 && q.fold_off && q.r2.e >= 1 && q.r2.e <= 4 && q.act_min == -128 &&
             q.act_max == 127;
    if (q.fast) {
      q.fk.off2 = q.off2;
      q.fk.m2 = q.r2.mult;
      q.fk.rh2 = q.r2.rh + (int32_t)((uint32_t)(q.off1 >> 2) << q.r2.e);
      q.fk.e2 = q.r2.e;
      q.fk.mo = q.ro.mult;
      q.fk.rho = q.ro_rh_off;
      q.fk.eo = q.ro.e;
    }
    do {
      if (swap) {
        add_run(&q, in2 + o2, b->stride2[last], in1 + o1, b->stride1[last], out, n);
      } else {
        add_run(&q, in1 + o1, b->stride1[last], in2 + o2, b->stride2[last], out, n);
      }
      out += n;
    } while (k_bcast_next(b, idx, &o1, &o2));
    return;
  }
#endif
  k_add_s8_ref(p, in1, in2, out);
}

void k_add_f32(const k_arith_f32_params *p, const float *in1, const float *in2, float *out) {
  k_add_f32_ref(p, in1, in2, out);
}

void k_add_s32(const k_arith_s32_params *p, const int32_t *in1, const int32_t *in2,
               int32_t *out) {
  k_add_s32_ref(p, in1, in2, out);
}
