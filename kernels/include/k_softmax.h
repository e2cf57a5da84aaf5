/* k_softmax.h - SOFTMAX kernels over the innermost dimension.
 *
 * The input is viewed as `rows` rows of `depth` contiguous elements; each row is
 * normalised independently.
 *
 * int8 input: the quantized scheme TFLite defines (differences to the row maximum,
 * rescaled by beta * input_scale into Q5, exp in fixed point, sum in Q12, one
 * fixed-point reciprocal per row). Output int8 (scale 1/256, zero point -128) or
 * int16 (scale 1/65536, zero point -32768); the glue checks those output parameters.
 * Limits (as TFLite's): the Q12 sum of a row wraps past 4095 entries at the row
 * maximum; for int8 output a row whose exp sum reaches 512 writes -128 everywhere
 * (the correctly rounded value; the reference interpreter asserts there).
 * float32: exp((x - max) * beta) / sum, with mcu_expf (kernels/reference/mcu_math.c).
 */
#ifndef K_SOFTMAX_H
#define K_SOFTMAX_H

#include <stdint.h>

typedef struct {
  int32_t input_multiplier;  /* Q31 multiplier of beta * input_scale * 2^26 */
  int32_t input_left_shift;  /* its shift (> 0: left), <= 31 */
  int32_t diff_min;          /* differences below this contribute exp = 0 */
} k_softmax_params;

void k_softmax_s8(const k_softmax_params *params, const int8_t *input, int8_t *output,
                  int32_t rows, int32_t depth);
void k_softmax_s8_s16(const k_softmax_params *params, const int8_t *input,
                      int16_t *output, int32_t rows, int32_t depth);
void k_softmax_f32(float beta, const float *input, float *output, int32_t rows,
                   int32_t depth);

#endif /* K_SOFTMAX_H */
