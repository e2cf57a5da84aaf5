/* sigmoid_common.h - prepare for the int8 LOGISTIC and TANH glue: the input is
 * rescaled to Q4 (4 integer bits) by input_scale * 2^27 as a Q31 multiplier and
 * shift; inputs further than the radius from the zero point saturate. */
#ifndef SIGMOID_COMMON_H
#define SIGMOID_COMMON_H

#include "act_common.h"
#include "k_activations.h"

typedef struct {
  act_io io;
  k_sigmoid_params p;
} sigmoid_data;

static inline int sigmoid_prepare_s8(mcu_interp *it, const char *name, const act_io *io,
                                     k_sigmoid_params *p) {
  enum { kInputIntegerBits = 4 };
  (void)name;
  const double real = (double)io->in->scale * (double)(1 << (31 - kInputIntegerBits));
  int32_t mult;
  int shift;
  act_split_multiplier(real, &mult, &shift);
  if (shift < 0) {
    return mcu_fail(it, MCU_ERR_PARAMS, "LOGISTIC/TANH: input scale below 2^-28");
  }
  p->input_zero_point = io->in->zero_point;
  p->input_multiplier = mult;
  p->input_shift = shift;
  p->input_range_radius = act_input_radius(kInputIntegerBits, shift);
  return MCU_OK;
}

/* Shared prepare: types, quantization, op data. `check_out_zp` is the required output
 * zero point for int8 (LOGISTIC: -128), or a value outside int8 for none (TANH). */
static inline int sigmoid_prepare(mcu_interp *it, mcu_node *node, const char *name,
                                  int32_t check_out_zp, const char *msg_type,
                                  const char *msg_zp) {
  act_io io;
  int rc = act_get_io(it, node, name, &io);
  if (rc != MCU_OK) return rc;
  sigmoid_data *d = (sigmoid_data *)act_alloc(it, node, sizeof *d);
  if (d == NULL) return MCU_ERR_ARENA;
  d->io = io;
  if (io.in->type == MCU_FLOAT32 && io.out->type == MCU_FLOAT32) return MCU_OK;
  if (io.in->type != MCU_INT8 || io.out->type != MCU_INT8) {
    return mcu_fail(it, MCU_ERR_UNSUPPORTED_TYPE, msg_type);
  }
  if (!act_per_tensor(io.in) || !act_per_tensor(io.out)) {
    return mcu_fail(it, MCU_ERR_PARAMS,
                    "LOGISTIC/TANH: tensors need one positive scale and an in-range zero point");
  }
  if (check_out_zp >= -128 && check_out_zp <= 127 && io.out->zero_point != check_out_zp) {
    return mcu_fail(it, MCU_ERR_PARAMS, msg_zp);
  }
  return sigmoid_prepare_s8(it, name, &io, &d->p);
}

#endif /* SIGMOID_COMMON_H */
