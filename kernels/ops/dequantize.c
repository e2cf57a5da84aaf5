/* dequantize.c - DEQUANTIZE glue: int8 / uint8 / int16 -> float32, per-tensor.
 * (The reference interpreter silently uses the first scale of a per-channel tensor;
 * we refuse per-channel input rather than produce that.) */
#include "act_common.h"
#include "k_quantize.h"

typedef struct {
  act_run io;
  k_dequantize_params p;
} dequantize_data;

static int dequantize_prepare(mcu_interp *it, mcu_node *node) {
  act_io io;
  int rc = act_get_io(it, node, &io);
  if (rc != MCU_OK) return rc;
  if (io.out->type != MCU_FLOAT32 ||
      (io.in->type != MCU_INT8 && io.in->type != MCU_UINT8 && io.in->type != MCU_INT16)) {
    return mcu_fail(it, MCU_ERR_UNSUPPORTED_TYPE,
                    "supported are int8, uint8 and int16 -> float32");
  }
  if (io.in->num_scales > 1) {
    return mcu_fail(it, MCU_ERR_UNSUPPORTED_TYPE,
                    "per-channel quantized input is not supported");
  }
  if (!act_per_tensor(io.in)) {
    return mcu_fail(it, MCU_ERR_PARAMS,
                    "input needs one positive scale and an in-range zero point");
  }
  dequantize_data *d = (dequantize_data *)act_alloc(it, node, sizeof *d);
  if (d == NULL) return MCU_ERR_ARENA;
  act_keep(it, node, &io, &d->io);
  d->p.scale = io.in->scale;
  d->p.zero_point = io.in->zero_point;
  return MCU_OK;
}

static int dequantize_invoke(mcu_interp *it, mcu_node *node) {
  const dequantize_data *d = (const dequantize_data *)node->op_data;
  (void)it;
  switch (d->io.in_type) {
    case MCU_INT8:
      k_dequantize_s8_f32(&d->p, (const int8_t *)*d->io.in, (float *)*d->io.out,
                          d->io.size);
      break;
    case MCU_UINT8:
      k_dequantize_u8_f32(&d->p, (const uint8_t *)*d->io.in, (float *)*d->io.out,
                          d->io.size);
      break;
    default:
      k_dequantize_s16_f32(&d->p, (const int16_t *)*d->io.in, (float *)*d->io.out,
                           d->io.size);
      break;
  }
  return MCU_OK;
}

const mcu_op mcu_op_dequantize = {6 /* DEQUANTIZE */, "DEQUANTIZE", dequantize_prepare,
                                  dequantize_invoke};
