/* relu.c - RELU glue: float32, int8, int16 (same type in and out). Quantized RELU
 * requantizes from the input to the output quantization (input_scale / output_scale
 * in double, as TFLite) and clamps below at the output zero point. int16 needs zero
 * points 0 (TFLite's symmetric int16 convention, which it checks). */
#include "act_common.h"
#include "k_activations.h"

typedef struct {
  act_run io;
  k_relu_params p;
} relu_data;

static int relu_prepare(mcu_interp *it, mcu_node *node) {
  act_io io;
  int rc = act_get_io(it, node, &io);
  if (rc != MCU_OK) return rc;
  relu_data *d = (relu_data *)act_alloc(it, node, sizeof *d);
  if (d == NULL) return MCU_ERR_ARENA;
  act_keep(it, node, &io, &d->io);
  if (io.in->type == MCU_FLOAT32 && io.out->type == MCU_FLOAT32) return MCU_OK;
  if (io.in->type != io.out->type || (io.in->type != MCU_INT8 && io.in->type != MCU_INT16)) {
    return mcu_fail(it, MCU_ERR_UNSUPPORTED_TYPE,
                    "supported types are float32, int8 and int16 (same in and out)");
  }
  if (!act_per_tensor(io.in) || !act_per_tensor(io.out)) {
    return mcu_fail(it, MCU_ERR_PARAMS,
                    "tensors need one positive scale and an in-range zero point");
  }
  if (io.in->type == MCU_INT16 && (io.in->zero_point != 0 || io.out->zero_point != 0)) {
    return mcu_fail(it, MCU_ERR_PARAMS, "int16 tensors need zero point 0");
  }
  const int32_t qmin = io.in->type == MCU_INT8 ? -128 : -32768;
  const int32_t qmax = io.in->type == MCU_INT8 ? 127 : 32767;
  rc = act_multiplier(it, (double)io.in->scale / (double)io.out->scale, &d->p.multiplier,
                      &d->p.shift, "input/output scale ratio of 2^31 or more");
  if (rc != MCU_OK) return rc;
  d->p.input_zero_point = io.in->zero_point;
  d->p.output_zero_point = io.out->zero_point;
  d->p.act_min = io.out->zero_point > qmin ? io.out->zero_point : qmin;
  d->p.act_max = qmax;
  return MCU_OK;
}

static int relu_invoke(mcu_interp *it, mcu_node *node) {
  const relu_data *d = (const relu_data *)node->op_data;
  (void)it;
  switch (d->io.in_type) {
    case MCU_INT8:
      k_relu_s8(&d->p, (const int8_t *)*d->io.in, (int8_t *)*d->io.out,
                d->io.size);
      break;
    case MCU_INT16:
      k_relu_s16(&d->p, (const int16_t *)*d->io.in, (int16_t *)*d->io.out,
                 d->io.size);
      break;
    default:
      k_relu_f32((const float *)*d->io.in, (float *)*d->io.out, d->io.size);
      break;
  }
  return MCU_OK;
}

const mcu_op mcu_op_relu = {19 /* RELU */, "RELU", relu_prepare, relu_invoke};
