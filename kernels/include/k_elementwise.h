/* k_elementwise.h - binary elementwise kernels: ADD, SUB, MUL.
 *
 * All kernels broadcast their two operands as described by a k_bcast (see
 * k_broadcast.h) computed once in prepare, and clamp to the fused activation range.
 *
 * int8 ADD/SUB follow TFLite's quantized scheme: each operand is offset by its zero
 * point, shifted left by left_shift (20) and rescaled to a common scale (twice the
 * larger input scale) with its own Q31 multiplier (a multiplier < 1, shift <= 0);
 * the sum/difference is rescaled to the output scale, offset by the output zero point
 * and clamped. int8 MUL multiplies the offset operands and rescales the product by
 * input1_scale * input2_scale / output_scale.
 *
 * int32 arithmetic wraps modulo 2^32 (as the reference interpreter's does in
 * practice); its activation range is applied as given (the glue passes the full
 * int32 range where the reference applies none).
 */
#ifndef K_ELEMENTWISE_H
#define K_ELEMENTWISE_H

#include <stdint.h>

#include "k_broadcast.h"

/* int8 ADD and SUB. */
typedef struct {
  k_bcast shape;
  int32_t left_shift;
  int32_t in1_offset, in2_offset;       /* -zero_point of each input */
  int32_t in1_multiplier, in2_multiplier;
  int32_t in1_shift, in2_shift;         /* <= 0 */
  int32_t out_multiplier, out_shift;
  int32_t out_offset;                   /* output zero point */
  int32_t act_min, act_max;
} k_add_s8_params;

void k_add_s8(const k_add_s8_params *p, const int8_t *in1, const int8_t *in2, int8_t *out);
void k_sub_s8(const k_add_s8_params *p, const int8_t *in1, const int8_t *in2, int8_t *out);

/* int8 MUL. */
typedef struct {
  k_bcast shape;
  int32_t in1_offset, in2_offset;       /* -zero_point of each input */
  int32_t out_multiplier, out_shift;
  int32_t out_offset;
  int32_t act_min, act_max;
} k_mul_s8_params;

void k_mul_s8(const k_mul_s8_params *p, const int8_t *in1, const int8_t *in2, int8_t *out);

/* float32 ADD, SUB, MUL. */
typedef struct {
  k_bcast shape;
  float act_min, act_max;
} k_arith_f32_params;

void k_add_f32(const k_arith_f32_params *p, const float *in1, const float *in2, float *out);
void k_sub_f32(const k_arith_f32_params *p, const float *in1, const float *in2, float *out);
void k_mul_f32(const k_arith_f32_params *p, const float *in1, const float *in2, float *out);

/* int32 ADD, SUB, MUL (wrapping). */
typedef struct {
  k_bcast shape;
  int32_t act_min, act_max;
} k_arith_s32_params;

void k_add_s32(const k_arith_s32_params *p, const int32_t *in1, const int32_t *in2,
               int32_t *out);
void k_sub_s32(const k_arith_s32_params *p, const int32_t *in1, const int32_t *in2,
               int32_t *out);
void k_mul_s32(const k_arith_s32_params *p, const int32_t *in1, const int32_t *in2,
               int32_t *out);

#endif /* K_ELEMENTWISE_H */
