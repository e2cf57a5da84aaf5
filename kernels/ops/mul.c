/* mul.c - MUL glue: int8 (product rescaled by s1*s2/so), float32, int32; NumPy
 * broadcasting up to 6-D; fused NONE/RELU/RELU_N1_TO_1/RELU6. */
#include "ew_binary.h"
#include "k_elementwise.h"
#include "mcu_api.h"

static int mul_prepare(mcu_interp *it, mcu_node *node) {
  return ew_binary_prepare(it, node, EW_MUL);
}

static int mul_invoke(mcu_interp *it, mcu_node *node) {
  const ew_binary_data *d = (const ew_binary_data *)node->op_data;
  (void)it;
  switch (d->type) {
    case MCU_INT8:
      k_mul_s8(&d->p.mul_s8, (const int8_t *)*d->in1, (const int8_t *)*d->in2,
               (int8_t *)*d->out);
      break;
    case MCU_FLOAT32:
      k_mul_f32(&d->p.f32, (const float *)*d->in1, (const float *)*d->in2,
                (float *)*d->out);
      break;
    default:
      k_mul_s32(&d->p.s32, (const int32_t *)*d->in1, (const int32_t *)*d->in2,
                (int32_t *)*d->out);
      break;
  }
  return MCU_OK;
}

const mcu_op mcu_op_mul = {18 /* MUL */, "MUL", mul_prepare, mul_invoke};
