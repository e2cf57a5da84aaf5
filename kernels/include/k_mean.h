/* k_mean.h - MEAN (reduce by average over a set of axes).
 *
 * Prepare collapses the input shape: size-1 dims are dropped and adjacent dims that
 * are both reduced or both kept are merged, so the kernel walks the input once in
 * memory order, adding each element into its output's accumulator (the same order
 * of additions as the reference, which matters for float).
 *
 * float32: out = sum / (float)N.
 * int8: sum the raw int8 values in int32 (scratch), then
 *   out = clamp(MultiplyByQuantizedMultiplier(sum - in_zp * N, M', s') + out_zp)
 * where M', s' are TFLite's multiplier for in_scale / out_scale with the division
 * by N folded in (k_mean_fold_count). */
#ifndef K_MEAN_H
#define K_MEAN_H

#include <stdint.h>

#define K_MEAN_MAX_DIMS 6

typedef struct {
  int32_t ndims;                       /* collapsed, >= 1 */
  int32_t dims[K_MEAN_MAX_DIMS];       /* collapsed input dims */
  int32_t out_stride[K_MEAN_MAX_DIMS]; /* output element stride; 0 = reduced dim */
  int32_t num_inputs;                  /* input elements */
  int32_t num_outputs;                 /* output elements */
  int32_t count;                       /* N: input elements averaged per output */
  /* int8 only */
  int32_t in_zero_point;
  int32_t out_multiplier, out_shift;   /* in_scale / (out_scale * N) */
  int32_t out_zero_point;
} k_mean_params;

/* Fold the division by count into a multiplier from mcu_quantize_multiplier, as the
 * reference does: with k = min(floor(log2 count), 32, 31 + shift),
 * multiplier' = (multiplier << k) / count (truncating), shift' = shift - k. */
void k_mean_fold_count(int32_t count, int32_t *multiplier, int32_t *shift);

/* Scratch bytes k_mean_s8 needs (int32 sums, one per output). */
int32_t k_mean_s8_scratch_size(const k_mean_params *p);

void k_mean_s8(const k_mean_params *p, const int8_t *in, int8_t *out, int32_t *scratch);
void k_mean_f32(const k_mean_params *p, const float *in, float *out);

#endif /* K_MEAN_H */
