/* k_conv_2d.h - CONV_2D kernels (NHWC), plain C over raw pointers.
 *
 * Layouts (TFLite): input [batches, in_h, in_w, in_c], filter
 * [out_c, filter_h, filter_w, filter_in_c], bias [out_c] (optional: NULL),
 * output [batches, out_h, out_w, out_c]. Grouped convolution: in_c = groups *
 * filter_in_c, output channel oc reads input channels of group oc / (out_c / groups).
 *
 * int8 (TFLite's quantized conv, per-channel form): for each output element
 *   acc = sum over in-bounds taps of (input + input_offset) * filter  (+ bias[oc])
 *   out = clamp(MultiplyByQuantizedMultiplier(acc, out_mult[oc], out_shift[oc])
 *               + output_offset, act_min, act_max)
 * Taps falling in the padding are skipped (as if the input held its zero point).
 * Filter zero points are taken as 0 (symmetric weights), as TFLite does for conv.
 * Per-tensor filter quantization uses the same form with every channel's multiplier
 * equal.
 *
 * float32: acc = sum in order (filter row, filter column, input channel) of
 * input * filter; out = clamp(acc + bias[oc], act_min_f, act_max_f).
 *
 * The params struct is filled once (operator glue, prepare) and is all a kernel
 * needs, so a bare harness can time the same call. The per-channel arrays it points to
 * are op data in the tensor arena, 5 bytes per output channel: shifts are int8 (they
 * lie in [-31, 30], mcu_quantize_multiplier's range).
 */
#ifndef K_CONV_2D_H
#define K_CONV_2D_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  int32_t batches;
  int32_t in_h, in_w, in_c;
  int32_t out_h, out_w, out_c;
  int32_t filter_h, filter_w, filter_in_c;  /* filter_in_c = in_c / groups */
  int32_t stride_h, stride_w;
  int32_t dilation_h, dilation_w;
  int32_t pad_h, pad_w;                     /* top / left padding */
  /* int8 only */
  int32_t input_offset;                     /* -(input zero point) */
  int32_t output_offset;                    /* output zero point */
  int32_t act_min, act_max;                 /* quantized clamp, within [-128, 127] */
  const int32_t *out_mult;                  /* [out_c] Q31 multipliers */
  const int8_t *out_shift;                  /* [out_c] shifts (> 0: left), in [-31, 30] */
  /* float32 only */
  float act_min_f, act_max_f;
} k_conv_params;

/* Scratch bytes k_conv_2d_s8 needs (0 for the reference kernel). */
size_t k_conv_2d_s8_scratch_size(const k_conv_params *p);
void k_conv_2d_s8(const k_conv_params *p, const int8_t *input, const int8_t *filter,
                  const int32_t *bias, int8_t *output, void *scratch);

size_t k_conv_2d_f32_scratch_size(const k_conv_params *p);
void k_conv_2d_f32(const k_conv_params *p, const float *input, const float *filter,
                   const float *bias, float *output, void *scratch);

#endif /* K_CONV_2D_H */
