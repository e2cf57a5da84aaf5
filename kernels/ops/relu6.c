/* relu6.c - RELU6 glue: float32, int8, int16 (same type in and out). TFLite's
 * quantized RELU6 does not requantize: it clamps to [zero point, q(6.0)] of the
 * *input* quantization and ignores the output's (we follow it to stay bit-exact;
 * converters give RELU6 the same quantization in and out). */
#include "act_common.h"
#include "k_activations.h"

typedef struct {
  act_run io;
  int32_t lo, hi;
} relu6_data;

static int relu6_prepare(mcu_interp *it, mcu_node *node) {
  act_io io;
  int rc = act_get_io(it, node, &io);
  if (rc != MCU_OK) return rc;
  relu6_data *d = (relu6_data *)act_alloc(it, node, sizeof *d);
  if (d == NULL) return MCU_ERR_ARENA;
  act_keep(it, node, &io, &d->io);
  if (io.in->type == MCU_FLOAT32 && io.out->type == MCU_FLOAT32) return MCU_OK;
  if (io.in->type != io.out->type || (io.in->type != MCU_INT8 && io.in->type != MCU_INT16)) {
    return mcu_fail(it, MCU_ERR_UNSUPPORTED_TYPE,
                    "supported types are float32, int8 and int16 (same in and out)");
  }
  if (!act_per_tensor(io.in)) {
    return mcu_fail(it, MCU_ERR_PARAMS,
                    "input needs one positive scale and an in-range zero point");
  }
  const int32_t qmin = io.in->type == MCU_INT8 ? -128 : -32768;
  const int32_t qmax = io.in->type == MCU_INT8 ? 127 : 32767;
  /* q(6.0) = round_half_away(6 / scale) + zp, in float, clamped to the type. */
  const float q6 = 6.0f / io.in->scale;
  int32_t hi = qmax;
  if (q6 < 65536.0f) {
    int32_t t = (int32_t)q6;
    if (q6 - (float)t >= 0.5f) ++t;
    t += io.in->zero_point;
    if (t < hi) hi = t;
  }
  if (hi < qmin) hi = qmin;
  d->lo = io.in->zero_point;
  d->hi = hi;
  return MCU_OK;
}

static int relu6_invoke(mcu_interp *it, mcu_node *node) {
  const relu6_data *d = (const relu6_data *)node->op_data;
  (void)it;
  switch (d->io.in_type) {
    case MCU_INT8:
      k_clamp_s8(d->lo, d->hi, (const int8_t *)*d->io.in, (int8_t *)*d->io.out,
                 d->io.size);
      break;
    case MCU_INT16:
      k_clamp_s16(d->lo, d->hi, (const int16_t *)*d->io.in, (int16_t *)*d->io.out,
                  d->io.size);
      break;
    default:
      k_relu6_f32((const float *)*d->io.in, (float *)*d->io.out, d->io.size);
      break;
  }
  return MCU_OK;
}

const mcu_op mcu_op_relu6 = {21 /* RELU6 */, "RELU6", relu6_prepare, relu6_invoke};
