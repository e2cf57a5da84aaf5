/* k_quantize.h - QUANTIZE and DEQUANTIZE kernels (per-tensor quantization).
 *
 * float -> int:  q = clamp(round_half_away(x / scale) + zero_point), the division in
 *                float as TFLite does (not x * (1/scale), which rounds differently).
 * int -> int:    q = clamp(zp_out + (x - zp_in) * M), M = in_scale / out_scale as a
 *                Q31 multiplier and shift (TFLite's requantize).
 * int -> float:  x = scale * (float)(q - zero_point). TFLite computes this product in
 *                double; it is exact there (24-bit by 17-bit), so the single float
 *                multiply rounds to the same float.
 */
#ifndef K_QUANTIZE_H
#define K_QUANTIZE_H

#include <stdint.h>

typedef struct {
  float scale;
  int32_t zero_point;
  int32_t qmin, qmax;
} k_quantize_params;

void k_quantize_f32_s8(const k_quantize_params *params, const float *input,
                       int8_t *output, int32_t size);
void k_quantize_f32_s16(const k_quantize_params *params, const float *input,
                        int16_t *output, int32_t size);

typedef struct {
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t multiplier;
  int32_t shift;
} k_requantize_params;

/* Suffix: input type, output type (s8 int8, u8 uint8, s16 int16, s32 int32). */
void k_requantize_s8_s8(const k_requantize_params *p, const int8_t *in, int8_t *out,
                        int32_t size);
void k_requantize_s8_u8(const k_requantize_params *p, const int8_t *in, uint8_t *out,
                        int32_t size);
void k_requantize_u8_s8(const k_requantize_params *p, const uint8_t *in, int8_t *out,
                        int32_t size);
void k_requantize_s8_s16(const k_requantize_params *p, const int8_t *in, int16_t *out,
                         int32_t size);
void k_requantize_s8_s32(const k_requantize_params *p, const int8_t *in, int32_t *out,
                         int32_t size);
void k_requantize_s16_s8(const k_requantize_params *p, const int16_t *in, int8_t *out,
                         int32_t size);
void k_requantize_s16_s16(const k_requantize_params *p, const int16_t *in, int16_t *out,
                          int32_t size);
void k_requantize_s16_s32(const k_requantize_params *p, const int16_t *in, int32_t *out,
                          int32_t size);

typedef struct {
  float scale;
  int32_t zero_point;
} k_dequantize_params;

void k_dequantize_s8_f32(const k_dequantize_params *p, const int8_t *in, float *out,
                         int32_t size);
void k_dequantize_u8_f32(const k_dequantize_params *p, const uint8_t *in, float *out,
                         int32_t size);
void k_dequantize_s16_f32(const k_dequantize_params *p, const int16_t *in, float *out,
                          int32_t size);

#endif /* K_QUANTIZE_H */
