/* k_depthwise_conv_2d.h - DEPTHWISE_CONV_2D kernels (NHWC), plain C over raw pointers.
 *
 * Layouts (TFLite): input [batches, in_h, in_w, in_c], filter
 * [1, filter_h, filter_w, out_c], bias [out_c] (optional: NULL), output
 * [batches, out_h, out_w, out_c] with out_c = in_c * depth_multiplier; output
 * channel oc = ic * depth_multiplier + m reads input channel ic only.
 *
 * int8: acc = sum over in-bounds taps of (input + input_offset) * filter (+ bias[oc]);
 * out = clamp(MultiplyByQuantizedMultiplier(acc, out_mult[oc], out_shift[oc])
 *             + output_offset, act_min, act_max). Filter zero points are taken as 0.
 * float32: acc = sum in order (filter row, filter column) of input * filter;
 * out = clamp(acc + bias[oc], act_min_f, act_max_f).
 * The per-channel arrays are op data in the tensor arena: shifts are int8 (they lie in
 * [-31, 30], mcu_quantize_multiplier's range).
 */
#ifndef K_DEPTHWISE_CONV_2D_H
#define K_DEPTHWISE_CONV_2D_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  int32_t batches;
  int32_t in_h, in_w, in_c;
  int32_t out_h, out_w, out_c;              /* out_c = in_c * depth_multiplier */
  int32_t depth_multiplier;
  int32_t filter_h, filter_w;
  int32_t stride_h, stride_w;
  int32_t dilation_h, dilation_w;
  int32_t pad_h, pad_w;                     /* top / left padding */
  /* int8 only */
  int32_t input_offset;                     /* -(input zero point) */
  int32_t output_offset;                    /* output zero point */
  int32_t act_min, act_max;
  const int32_t *out_mult;                  /* [out_c] */
  const int8_t *out_shift;                  /* [out_c] shifts (> 0: left), in [-31, 30] */
  /* float32 only */
  float act_min_f, act_max_f;
} k_dw_conv_params;

size_t k_depthwise_conv_2d_s8_scratch_size(const k_dw_conv_params *p);
void k_depthwise_conv_2d_s8(const k_dw_conv_params *p, const int8_t *input,
                            const int8_t *filter, const int32_t *bias, int8_t *output,
                            void *scratch);

size_t k_depthwise_conv_2d_f32_scratch_size(const k_dw_conv_params *p);
void k_depthwise_conv_2d_f32(const k_dw_conv_params *p, const float *input,
                             const float *filter, const float *bias, float *output,
                             void *scratch);

#endif /* K_DEPTHWISE_CONV_2D_H */
