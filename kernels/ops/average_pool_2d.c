/* average_pool_2d.c - AVERAGE_POOL_2D operator glue: prepare validates the node and fills
 * k_pool_params (pool_2d_common.h); invoke calls the kernel
 * (kernels/reference/average_pool_2d.c). int8 (input and output quantized alike, no
 * rescaling, as TFLite) and float32. */
#include "k_pooling.h"
#include "mcu_api.h"
#include "pool_2d_common.h"

static const pool_messages messages = {
    "AVERAGE_POOL_2D: expects 1 input and 1 output",
    "AVERAGE_POOL_2D: type not supported (int8 or float32, input and output alike), TensorType",
    "AVERAGE_POOL_2D: int16 activations are not supported (int8 or float32)",
    "AVERAGE_POOL_2D: input and output must be 4-D with equal batches and channels",
    "AVERAGE_POOL_2D: unknown padding",
    "AVERAGE_POOL_2D: strides and filter size must be in 1..2^24",
    "AVERAGE_POOL_2D: fused activation not supported (NONE, RELU, RELU_N1_TO_1, RELU6), got",
    "AVERAGE_POOL_2D: output height/width do not follow from input, filter, stride and padding",
    "AVERAGE_POOL_2D: int8 output with a fused activation needs a quantization scale",
    "AVERAGE_POOL_2D: int8 input and output quantization must match (pooling does not rescale)",
};

static int prepare(mcu_interp *it, mcu_node *node) { return pool_2d_prepare(it, node, &messages); }

static int invoke(mcu_interp *it, mcu_node *node) {
  (void)it;
  const pool_data *d = (const pool_data *)node->op_data;
  if (d->is_float) {
    k_average_pool_2d_f32(&d->k, (const float *)*d->input, (float *)*d->output);
  } else {
    k_average_pool_2d_s8(&d->k, (const int8_t *)*d->input, (int8_t *)*d->output);
  }
  return MCU_OK;
}

const mcu_op mcu_op_average_pool_2d = {1 /* AVERAGE_POOL_2D */, "AVERAGE_POOL_2D", prepare, invoke};
