/* k_activations.h - elementwise activation kernels: LOGISTIC, TANH, HARD_SWISH,
 * LEAKY_RELU, RELU, RELU6. All take a flat element count; input and output may alias
 * (every kernel reads element i before writing element i).
 *
 * Integer kernels reproduce TFLite's quantized definitions exactly; the parameter
 * structs hold what the glue (kernels/ops/<op>.c) computes once at prepare.
 */
#ifndef K_ACTIVATIONS_H
#define K_ACTIVATIONS_H

#include <stdint.h>

/* ---- LOGISTIC, TANH (int8) ----
 * x - input_zero_point is rescaled to Q4 (input_multiplier, input_shift); inputs with
 * |x - zp| >= input_range_radius saturate. LOGISTIC writes scale 1/256, zero point
 * -128; TANH writes scale 1/128, zero point 0 (output quantization is implied). */
typedef struct {
  int32_t input_zero_point;
  int32_t input_range_radius;
  int32_t input_multiplier;
  int32_t input_shift; /* left shift, may be negative */
} k_sigmoid_params;

void k_logistic_s8(const k_sigmoid_params *params, const int8_t *input, int8_t *output,
                   int32_t size);
void k_tanh_s8(const k_sigmoid_params *params, const int8_t *input, int8_t *output,
               int32_t size);
void k_logistic_f32(const float *input, float *output, int32_t size);
void k_tanh_f32(const float *input, float *output, int32_t size);

/* ---- HARD_SWISH (int8): x * relu6(x + 3) / 6 in 16-bit fixed point ---- */
typedef struct {
  int32_t input_zero_point;
  int32_t output_zero_point;
  int16_t output_multiplier;   /* Q15 of input_scale / 128 / output_scale */
  int16_t reluish_multiplier;  /* Q15 of input_scale / 128 / (3 / 32768) */
  int32_t output_shift;        /* <= 0 */
  int32_t reluish_shift;       /* any sign */
} k_hard_swish_params;

void k_hard_swish_s8(const k_hard_swish_params *params, const int8_t *input,
                     int8_t *output, int32_t size);
void k_hard_swish_f32(const float *input, float *output, int32_t size);

/* ---- LEAKY_RELU: x >= 0 ? x : alpha * x, requantized ---- */
typedef struct {
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t identity_multiplier; /* input_scale / output_scale */
  int32_t identity_shift;
  int32_t alpha_multiplier;    /* alpha * input_scale / output_scale (may be negative) */
  int32_t alpha_shift;
} k_leaky_relu_params;

void k_leaky_relu_s8(const k_leaky_relu_params *params, const int8_t *input,
                     int8_t *output, int32_t size);
void k_leaky_relu_s16(const k_leaky_relu_params *params, const int16_t *input,
                      int16_t *output, int32_t size);
void k_leaky_relu_f32(float alpha, const float *input, float *output, int32_t size);

/* ---- RELU (requantizing) ---- */
typedef struct {
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t multiplier; /* input_scale / output_scale */
  int32_t shift;
  int32_t act_min;    /* output-domain clamp */
  int32_t act_max;
} k_relu_params;

void k_relu_s8(const k_relu_params *params, const int8_t *input, int8_t *output,
               int32_t size);
void k_relu_s16(const k_relu_params *params, const int16_t *input, int16_t *output,
                int32_t size);
void k_relu_f32(const float *input, float *output, int32_t size);

/* ---- RELU6: TFLite clamps in the input's quantization, [zero point, q(6.0)] ---- */
void k_clamp_s8(int32_t lo, int32_t hi, const int8_t *input, int8_t *output,
                int32_t size);
void k_clamp_s16(int32_t lo, int32_t hi, const int16_t *input, int16_t *output,
                 int32_t size);
void k_relu6_f32(const float *input, float *output, int32_t size);

#endif /* K_ACTIVATIONS_H */
