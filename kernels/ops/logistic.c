/* logistic.c - LOGISTIC glue: float32, and int8 whose output is implied to be scale
 * 1/256, zero point -128 (TFLite checks the zero point and ignores the scale; so
 * do we, to stay bit-exact). */
#include "sigmoid_common.h"

static int logistic_prepare(mcu_interp *it, mcu_node *node) {
  static const int32_t out_zp = -128;
  return sigmoid_prepare(it, node, &out_zp,
                         "supported types are float32 and int8 (same in and out)");
}

static int logistic_invoke(mcu_interp *it, mcu_node *node) {
  const sigmoid_data *d = (const sigmoid_data *)node->op_data;
  (void)it;
  if (d->io.in_type == MCU_INT8) {
    k_logistic_s8(&d->p, (const int8_t *)*d->io.in, (int8_t *)*d->io.out,
                  d->io.size);
  } else {
    k_logistic_f32((const float *)*d->io.in, (float *)*d->io.out, d->io.size);
  }
  return MCU_OK;
}

const mcu_op mcu_op_logistic = {14 /* LOGISTIC */, "LOGISTIC", logistic_prepare,
                                logistic_invoke};
