/* hard_swish.c - HARD_SWISH glue: float32 and int8 (same type in and out). The int8
 * multipliers are computed in float, then split, as TFLite does: input_scale / 128
 * over the output scale (must be < 1, i.e. input_scale < 128 * output_scale) and over
 * 3/32768 (the "relu-ish" scale on which 3.0 is 32768), each rounded to Q15. */
#include "act_common.h"
#include "k_activations.h"

typedef struct {
  act_run io;
  k_hard_swish_params p;
} hard_swish_data;

/* Q31 -> Q15 with rounding, saturating near 1.0. */
static int16_t q31_to_q15(int32_t m) {
  if (m >= INT32_MAX - (1 << 15)) return INT16_MAX;
  return (int16_t)((m + (1 << 15)) >> 16);
}

static int hard_swish_prepare(mcu_interp *it, mcu_node *node) {
  act_io io;
  int rc = act_get_io(it, node, &io);
  if (rc != MCU_OK) return rc;
  hard_swish_data *d = (hard_swish_data *)act_alloc(it, node, sizeof *d);
  if (d == NULL) return MCU_ERR_ARENA;
  act_keep(it, node, &io, &d->io);
  if (io.in->type == MCU_FLOAT32 && io.out->type == MCU_FLOAT32) return MCU_OK;
  if (io.in->type != MCU_INT8 || io.out->type != MCU_INT8) {
    return mcu_fail(it, MCU_ERR_UNSUPPORTED_TYPE,
                    "supported types are float32 and int8 (same in and out)");
  }
  if (!act_per_tensor(io.in) || !act_per_tensor(io.out)) {
    return mcu_fail(it, MCU_ERR_PARAMS,
                    "tensors need one positive scale and an in-range zero point");
  }
  const float hires_input_scale = (1.0f / 128.0f) * io.in->scale;
  const float reluish_scale = 3.0f / 32768.0f;
  const float output_multiplier = hires_input_scale / io.out->scale;
  const float reluish_multiplier = hires_input_scale / reluish_scale;
  int32_t m;
  int shift;
  mcu_quantize_multiplier((double)output_multiplier, &m, &shift);
  if (shift > 0) {
    return mcu_fail(it, MCU_ERR_PARAMS,
                    "input scale must be below 128 x output scale");
  }
  d->p.output_multiplier = q31_to_q15(m);
  d->p.output_shift = shift;
  mcu_quantize_multiplier((double)reluish_multiplier, &m, &shift);
  d->p.reluish_multiplier = q31_to_q15(m);
  d->p.reluish_shift = shift;
  d->p.input_zero_point = io.in->zero_point;
  d->p.output_zero_point = io.out->zero_point;
  return MCU_OK;
}

static int hard_swish_invoke(mcu_interp *it, mcu_node *node) {
  const hard_swish_data *d = (const hard_swish_data *)node->op_data;
  (void)it;
  if (d->io.in_type == MCU_INT8) {
    k_hard_swish_s8(&d->p, (const int8_t *)*d->io.in, (int8_t *)*d->io.out,
                    d->io.size);
  } else {
    k_hard_swish_f32((const float *)*d->io.in, (float *)*d->io.out, d->io.size);
  }
  return MCU_OK;
}

const mcu_op mcu_op_hard_swish = {117 /* HARD_SWISH */, "HARD_SWISH", hard_swish_prepare,
                                  hard_swish_invoke};
