/* leaky_relu.c - LEAKY_RELU glue: float32, int8, int16 (same type in and out), with
 * the options' alpha. Quantized multipliers as TFLite computes them: the ratios in
 * double (input_scale * alpha / output_scale, input_scale / output_scale; float
 * arithmetic differs in the last bit often enough to move ties), then split into a
 * Q31 multiplier and shift (a negative alpha gives a negative multiplier). */
#include "act_common.h"
#include "k_activations.h"

typedef struct {
  act_run io;
  float alpha;
  k_leaky_relu_params p;
} leaky_relu_data;

static int signed_multiplier(mcu_interp *it, double real, int32_t *m, int32_t *shift) {
  static const char msg[] = "scale ratio (x alpha) of 2^31 or more";
  int rc = act_multiplier(it, real < 0.0 ? -real : real, m, shift, msg);
  if (real < 0.0) *m = -*m;
  return rc;
}

static int leaky_relu_prepare(mcu_interp *it, mcu_node *node) {
  act_io io;
  int rc = act_get_io(it, node, &io);
  if (rc != MCU_OK) return rc;
  if (node->options != NULL && node->options_type != ACT_OPT_LEAKY_RELU) {
    return mcu_fail(it, MCU_ERR_MODEL, "options table is not LeakyReluOptions");
  }
  leaky_relu_data *d = (leaky_relu_data *)act_alloc(it, node, sizeof *d);
  if (d == NULL) return MCU_ERR_ARENA;
  act_keep(it, node, &io, &d->io);
  d->alpha = mcu_opt_float(node, 0, 0.0f);
  if (io.in->type == MCU_FLOAT32 && io.out->type == MCU_FLOAT32) return MCU_OK;
  if (io.in->type != io.out->type || (io.in->type != MCU_INT8 && io.in->type != MCU_INT16)) {
    return mcu_fail(it, MCU_ERR_UNSUPPORTED_TYPE,
                    "supported types are float32, int8 and int16 (same in and out)");
  }
  if (!act_per_tensor(io.in) || !act_per_tensor(io.out)) {
    return mcu_fail(it, MCU_ERR_PARAMS,
                    "tensors need one positive scale and an in-range zero point");
  }
  const double in_scale = io.in->scale, out_scale = io.out->scale;
  rc = signed_multiplier(it, in_scale * (double)d->alpha / out_scale, &d->p.alpha_multiplier,
                         &d->p.alpha_shift);
  if (rc != MCU_OK) return rc;
  rc = signed_multiplier(it, in_scale / out_scale, &d->p.identity_multiplier,
                         &d->p.identity_shift);
  if (rc != MCU_OK) return rc;
  d->p.input_zero_point = io.in->zero_point;
  d->p.output_zero_point = io.out->zero_point;
  return MCU_OK;
}

static int leaky_relu_invoke(mcu_interp *it, mcu_node *node) {
  const leaky_relu_data *d = (const leaky_relu_data *)node->op_data;
  (void)it;
  switch (d->io.in_type) {
    case MCU_INT8:
      k_leaky_relu_s8(&d->p, (const int8_t *)*d->io.in, (int8_t *)*d->io.out,
                      d->io.size);
      break;
    case MCU_INT16:
      k_leaky_relu_s16(&d->p, (const int16_t *)*d->io.in, (int16_t *)*d->io.out,
                       d->io.size);
      break;
    default:
      k_leaky_relu_f32(d->alpha, (const float *)*d->io.in, (float *)*d->io.out,
                       d->io.size);
      break;
  }
  return MCU_OK;
}

const mcu_op mcu_op_leaky_relu = {98 /* LEAKY_RELU */, "LEAKY_RELU", leaky_relu_prepare,
                                  leaky_relu_invoke};
