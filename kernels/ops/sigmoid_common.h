/* sigmoid_common.h - prepare shared by the LOGISTIC and TANH glue (float32 or int8,
 * same type in and out). int8: x - input_zero_point is rescaled to Q4 (4 integer bits)
 * by input_scale * 2^27 as a Q31 multiplier and shift; inputs further than the radius
 * from the zero point saturate. The output quantization is implied by the op. */
#ifndef SIGMOID_COMMON_H
#define SIGMOID_COMMON_H

#include "act_common.h"
#include "k_activations.h"

typedef struct {
  act_run io;
  k_sigmoid_params p;
} sigmoid_data;

/* required_out_zp: the int8 output zero point the op insists on (LOGISTIC: -128,
 * as TFLite checks), or NULL for none (TANH). */
static inline int sigmoid_prepare(mcu_interp *it, mcu_node *node,
                                  const int32_t *required_out_zp, const char *msg_type) {
  enum { kInputIntegerBits = 4 };
  act_io io;
  int rc = act_get_io(it, node, &io);
  if (rc != MCU_OK) return rc;
  sigmoid_data *d = (sigmoid_data *)act_alloc(it, node, sizeof *d);
  if (d == NULL) return MCU_ERR_ARENA;
  act_keep(it, node, &io, &d->io);
  if (io.in->type == MCU_FLOAT32 && io.out->type == MCU_FLOAT32) return MCU_OK;
  if (io.in->type != MCU_INT8 || io.out->type != MCU_INT8) {
    return mcu_fail(it, MCU_ERR_UNSUPPORTED_TYPE, msg_type);
  }
  if (!act_per_tensor(io.in) || !act_per_tensor(io.out)) {
    return mcu_fail(it, MCU_ERR_PARAMS,
                    "tensors need one positive scale and an in-range zero point");
  }
  if (required_out_zp != NULL && io.out->zero_point != *required_out_zp) {
    return mcu_fail_int(it, MCU_ERR_PARAMS, "int8 output zero point must be",
                        *required_out_zp);
  }
  const double real = (double)io.in->scale * (double)(1 << (31 - kInputIntegerBits));
  int32_t mult;
  int shift;
  act_split_multiplier(real, &mult, &shift);
  if (shift < 0) return mcu_fail(it, MCU_ERR_PARAMS, "input scale below 2^-28");
  d->p.input_zero_point = io.in->zero_point;
  d->p.input_multiplier = mult;
  d->p.input_shift = shift;
  d->p.input_range_radius = act_input_radius(kInputIntegerBits, shift);
  return MCU_OK;
}

#endif /* SIGMOID_COMMON_H */
