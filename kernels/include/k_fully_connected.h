/* k_fully_connected.h - FULLY_CONNECTED kernels, plain C over raw pointers.
 *
 * Layouts (TFLite): input [batches, accum_depth] (any input shape, flattened to that),
 * weights [out_depth, accum_depth], bias [out_depth] (optional: NULL), output
 * [batches, out_depth].
 *
 * int8: acc = sum_d (input + input_offset) * (weight + filter_offset) (+ bias[o]);
 * out = clamp(MultiplyByQuantizedMultiplier(acc, M, S) + output_offset, act_min,
 * act_max), where (M, S) = (out_mult, out_shift) for per-tensor weights, or
 * (ch_mult[o], ch_shift[o]) when ch_mult is not NULL (per-channel weights).
 * filter_offset is -(weights zero point) for per-tensor weights, 0 per-channel.
 * ch_shift is int8 (shifts lie in [-31, 30]): the arrays are op data in the arena.
 * float32: acc = sum_d input * weight in order of d; out = clamp(acc + bias[o]).
 */
#ifndef K_FULLY_CONNECTED_H
#define K_FULLY_CONNECTED_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  int32_t batches, accum_depth, out_depth;
  /* int8 only */
  int32_t input_offset;    /* -(input zero point) */
  int32_t filter_offset;   /* -(weights zero point) */
  int32_t output_offset;   /* output zero point */
  int32_t act_min, act_max;
  int32_t out_mult, out_shift;   /* per-tensor */
  const int32_t *ch_mult;        /* [out_depth] per-channel, or NULL */
  const int8_t *ch_shift;        /* [out_depth] shifts, in [-31, 30] */
  /* float32 only */
  float act_min_f, act_max_f;
} k_fc_params;

size_t k_fully_connected_s8_scratch_size(const k_fc_params *p);
void k_fully_connected_s8(const k_fc_params *p, const int8_t *input, const int8_t *weights,
                          const int32_t *bias, int8_t *output, void *scratch);

size_t k_fully_connected_f32_scratch_size(const k_fc_params *p);
void k_fully_connected_f32(const k_fc_params *p, const float *input, const float *weights,
                           const float *bias, float *output, void *scratch);

#endif /* K_FULLY_CONNECTED_H */
