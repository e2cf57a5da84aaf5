/* fully_connected_ref.h - the reference FULLY_CONNECTED kernels (see k_fully_connected.h).
 *
 * The bodies live in this header, as static inline *_ref functions, so that
 * kernels/optimized/fully_connected.c can call them for the paths it does not tune (float32,
 * cores without the DSP extension, unusual parameters); kernels/reference/fully_connected.c
 * wraps them under the public names. */
#ifndef FULLY_CONNECTED_REF_H
#define FULLY_CONNECTED_REF_H

#include "k_fully_connected.h"
#include "mcu_quant.h"

static inline void k_fully_connected_s8_ref(const k_fc_params *p, const int8_t *input, const int8_t *weights,
                                            const int32_t *bias, int8_t *output, void *scratch) {
  (void)scratch;
  const int32_t depth = p->accum_depth, out_depth = p->out_depth;
  const int32_t in_off = p->input_offset, f_off = p->filter_offset;
  const int32_t out_off = p->output_offset;
  const int32_t act_min = p->act_min, act_max = p->act_max;
  const int32_t *ch_mult = p->ch_mult;
  const int8_t *ch_shift = p->ch_shift;

  /* One loop nest per kind of requantization (per-channel: int32 multipliers and int8
   * shifts from arrays; per-tensor: one pair), so that neither pays for the other. */
#define FC_S8_REF_NEST(MULT, SHIFT)                                                  \
  for (int32_t b = 0; b < p->batches; ++b) {                                         \
    const int8_t *w = weights;                                                       \
    for (int32_t o = 0; o < out_depth; ++o) {                                        \
      int32_t acc = 0;                                                               \
      for (int32_t d = 0; d < depth; ++d) {                                          \
        acc += ((int32_t)input[d] + in_off) * ((int32_t)w[d] + f_off);               \
      }                                                                              \
      w += depth;                                                                    \
      if (bias != NULL) acc += bias[o];                                              \
      acc = mcu_multiply_by_quantized_multiplier(acc, MULT, SHIFT);                  \
      acc += out_off;                                                                \
      *output++ = (int8_t)mcu_clamp_i32(acc, act_min, act_max);                      \
    }                                                                                \
    input += depth;                                                                  \
  }
  if (ch_mult != NULL) {
    FC_S8_REF_NEST(ch_mult[o], ch_shift[o]);
  } else {
    FC_S8_REF_NEST(p->out_mult, p->out_shift);
  }
#undef FC_S8_REF_NEST
}

static inline void k_fully_connected_f32_ref(const k_fc_params *p, const float *input, const float *weights,
                                             const float *bias, float *output, void *scratch) {
  (void)scratch;
  const int32_t depth = p->accum_depth, out_depth = p->out_depth;
  const float act_min = p->act_min_f, act_max = p->act_max_f;

  for (int32_t b = 0; b < p->batches; ++b) {
    const float *w = weights;
    for (int32_t o = 0; o < out_depth; ++o) {
      float acc = 0.0f;
      for (int32_t d = 0; d < depth; ++d) acc += input[d] * w[d];
      w += depth;
      acc += bias != NULL ? bias[o] : 0.0f;
      acc = acc < act_min ? act_min : acc;
      acc = acc > act_max ? act_max : acc;
      *output++ = acc;
    }
    input += depth;
  }
}

#endif /* FULLY_CONNECTED_REF_H */
