/* k_pooling.h - AVERAGE_POOL_2D and MAX_POOL_2D kernels (NHWC), plain C over raw
 * pointers. No scratch.
 *
 * Layouts: input [batches, in_h, in_w, channels], output [batches, out_h, out_w,
 * channels]. The window of output (oy, ox) starts at (oy * stride_h - pad_h,
 * ox * stride_w - pad_w) and is clipped to the input: padding never counts.
 *
 * int8 (input and output share one quantization; TFLite does not rescale):
 *   average: sum of the window's values, divided by the number of in-bounds values
 *            rounding half away from zero; then clamp(act_min, act_max).
 *   max:     largest in-bounds value, then clamp(act_min, act_max).
 * float32:
 *   average: (sum in row-major window order) / count, then clamp.
 *   max:     largest in-bounds value, then clamp.
 */
#ifndef K_POOLING_H
#define K_POOLING_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  int32_t batches;
  int32_t in_h, in_w, channels;
  int32_t out_h, out_w;
  int32_t filter_h, filter_w;
  int32_t stride_h, stride_w;
  int32_t pad_h, pad_w;          /* top / left padding */
  int32_t act_min, act_max;      /* int8 only */
  float act_min_f, act_max_f;    /* float32 only */
} k_pool_params;

void k_average_pool_2d_s8(const k_pool_params *p, const int8_t *input, int8_t *output);
void k_average_pool_2d_f32(const k_pool_params *p, const float *input, float *output);
void k_max_pool_2d_s8(const k_pool_params *p, const int8_t *input, int8_t *output);
void k_max_pool_2d_f32(const k_pool_params *p, const float *input, float *output);

#endif /* K_POOLING_H */
