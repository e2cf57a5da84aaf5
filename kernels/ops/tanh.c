/* tanh.c - TANH glue: float32, and int8 whose output is implied to be scale 1/128,
 * zero point 0 (TFLite does not look at the output quantization; neither do we). */
#include "sigmoid_common.h"

static int tanh_prepare(mcu_interp *it, mcu_node *node) {
  return sigmoid_prepare(it, node, NULL,
                         "supported types are float32 and int8 (same in and out)");
}

static int tanh_invoke(mcu_interp *it, mcu_node *node) {
  const sigmoid_data *d = (const sigmoid_data *)node->op_data;
  (void)it;
  if (d->io.in_type == MCU_INT8) {
    k_tanh_s8(&d->p, (const int8_t *)*d->io.in, (int8_t *)*d->io.out, d->io.size);
  } else {
    k_tanh_f32((const float *)*d->io.in, (float *)*d->io.out, d->io.size);
  }
  return MCU_OK;
}

const mcu_op mcu_op_tanh = {28 /* TANH */, "TANH", tanh_prepare, tanh_invoke};
