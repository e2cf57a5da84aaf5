/* softmax.c - SOFTMAX glue: float32 -> float32, int8 -> int8 (output scale 1/256,
 * zero point -128) and int8 -> int16 (scale 1/65536, zero point -32768), over the
 * last dimension, with the options' beta. */
#include "act_common.h"
#include "k_softmax.h"
#include "mcu_api.h"
#include "mcu_quant.h"

typedef struct {
  act_run io;
  int32_t rows, depth;
  float beta;
  k_softmax_params p;
} softmax_data;

static int softmax_prepare(mcu_interp *it, mcu_node *node) {
  act_io io;
  int rc = act_get_io(it, node, &io);
  if (rc != MCU_OK) return rc;
  if (node->options != NULL && node->options_type != ACT_OPT_SOFTMAX) {
    return mcu_fail(it, MCU_ERR_MODEL, "options table is not SoftmaxOptions");
  }
  const mcu_tensor *in = io.in, *out = io.out;
  if (in->ndims < 1) return mcu_fail(it, MCU_ERR_PARAMS, "input must have rank >= 1");
  const int32_t depth = in->dims[in->ndims - 1];
  if (depth <= 0 || io.size % depth != 0) {
    return mcu_fail_int(it, MCU_ERR_PARAMS, "bad last dimension", depth);
  }
  /* Schema default 0.0: a flatbuffer omits a field equal to its default. */
  const float beta = mcu_opt_float(node, 0, 0.0f);

  softmax_data *d = (softmax_data *)act_alloc(it, node, sizeof *d);
  if (d == NULL) return MCU_ERR_ARENA;
  act_keep(it, node, &io, &d->io);
  d->depth = depth;
  d->rows = io.size / depth;
  d->beta = beta;

  if (in->type == MCU_FLOAT32 && out->type == MCU_FLOAT32) return MCU_OK;
  if (in->type != MCU_INT8 || (out->type != MCU_INT8 && out->type != MCU_INT16)) {
    return mcu_fail(it, MCU_ERR_UNSUPPORTED_TYPE,
                    in->type == MCU_INT16
                        ? "int16 input is not supported (int8 or float32 only)"
                        : "supported types are float32->float32, int8->int8 and "
                          "int8->int16");
  }
  if (!act_per_tensor(in) || !act_per_tensor(out)) {
    return mcu_fail(it, MCU_ERR_PARAMS,
                    "input and output need one positive scale and an in-range zero point");
  }
  if (out->type == MCU_INT8) {
    if (out->zero_point != -128 || out->scale != 1.0f / 256.0f) {
      return mcu_fail(it, MCU_ERR_PARAMS,
                      "int8 output must have scale 1/256 and zero point -128");
    }
  } else {
    const float want = 1.0f / 65536.0f, diff = out->scale - want;
    if (out->zero_point != -32768 || diff > 0.001f * want || diff < -0.001f * want) {
      return mcu_fail(it, MCU_ERR_PARAMS,
                      "int16 output must have scale 1/65536 and zero point -32768");
    }
  }
  /* beta * input_scale rescales input differences to Q5 (5 integer bits). */
  enum { kScaledDiffIntegerBits = 5 };
  double real = (double)beta * (double)in->scale *
                (double)((int64_t)1 << (31 - kScaledDiffIntegerBits));
  if (real > 2147483647.0) real = 2147483647.0;
  int32_t mult;
  int shift;
  if (!(real >= 0.0)) {
    return mcu_fail(it, MCU_ERR_PARAMS, "beta must not be negative");
  }
  /* TFLite aborts when this multiplier is <= 1 (beta * input_scale <= 2^-26); we
   * carry on with a right shift (beta 0 gives a uniform distribution). */
  mult = 0;
  shift = 0;
  if (real > 0.0) act_split_multiplier(real, &mult, &shift);
  d->p.input_multiplier = mult;
  d->p.input_left_shift = shift;
  d->p.diff_min =
      shift >= 0 ? -act_input_radius(kScaledDiffIntegerBits, shift) : -INT32_MAX;
  return MCU_OK;
}

static int softmax_invoke(mcu_interp *it, mcu_node *node) {
  const softmax_data *d = (const softmax_data *)node->op_data;
  (void)it;
  const void *in = *d->io.in;
  void *out = *d->io.out;
  if (d->io.in_type == MCU_FLOAT32) {
    k_softmax_f32(d->beta, (const float *)in, (float *)out, d->rows, d->depth);
  } else if (d->io.out_type == MCU_INT8) {
    k_softmax_s8(&d->p, (const int8_t *)in, (int8_t *)out, d->rows, d->depth);
  } else {
    k_softmax_s8_s16(&d->p, (const int8_t *)in, (int16_t *)out, d->rows, d->depth);
  }
  return MCU_OK;
}

const mcu_op mcu_op_softmax = {25 /* SOFTMAX */, "SOFTMAX", softmax_prepare, softmax_invoke};
