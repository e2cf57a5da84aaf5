/* k_concatenation.h - CONCATENATION along one axis, type-agnostic (element size 1, 2
 * or 4 bytes), with optional int8 requantization per input.
 *
 * Seen as [outer, axis * inner]: for each outer index the kernel copies one row from
 * every input in turn. An int8 input whose (scale, zero point) differ from the
 * output's is mapped through a 256-entry table built at prepare time with TFLite's
 * rule q_out = clamp(round(q_in * s + b) + zp_out) in float, s = in_scale *
 * (1 / out_scale), b = -zp_in * s (k_concatenation_requant_table). */
#ifndef K_CONCATENATION_H
#define K_CONCATENATION_H

#include <stdint.h>

typedef struct {
  int32_t num_inputs;
  int32_t outer;              /* product of the dims before the axis */
  int32_t elem_size;          /* 1, 2 or 4 */
  const int32_t *in_row;      /* [num_inputs] elements per outer index of each input */
  const int8_t *const *lut;   /* NULL, or [num_inputs] tables (NULL entry = plain copy);
                                 int8 only, indexed by q_in + 128 */
} k_concatenation_params;

/* Fill table[256] mapping int8 input values to the output quantization. */
void k_concatenation_requant_table(float in_scale, int32_t in_zero_point, float out_scale,
                                   int32_t out_zero_point, int8_t *table);

void k_concatenation(const k_concatenation_params *p, const void *const *inputs, void *out);

#endif /* K_CONCATENATION_H */
