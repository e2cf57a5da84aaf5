/* quantize.c - QUANTIZE glue (per-tensor output quantization, as TFLite requires):
 *   float32 -> int8 | int16
 *   int8 -> int8 | uint8 | int16 | int32,  uint8 -> int8,  int16 -> int8 | int16 | int32
 * (exactly the combinations the reference interpreter accepts). Requantizing uses
 * in_scale / out_scale in double split into a Q31 multiplier and shift. */
#include "act_common.h"
#include "k_quantize.h"

enum {
  Q_F32_S8, Q_F32_S16,
  Q_S8_S8, Q_S8_U8, Q_U8_S8, Q_S8_S16, Q_S8_S32, Q_S16_S8, Q_S16_S16, Q_S16_S32,
};

typedef struct {
  act_run io;
  int32_t kind;
  k_quantize_params q;   /* float input */
  k_requantize_params r; /* integer input */
} quantize_data;

static int32_t quantize_kind(int32_t in, int32_t out) {
  switch (in) {
    case MCU_FLOAT32:
      return out == MCU_INT8 ? Q_F32_S8 : out == MCU_INT16 ? Q_F32_S16 : -1;
    case MCU_INT8:
      return out == MCU_INT8 ? Q_S8_S8 : out == MCU_UINT8 ? Q_S8_U8
           : out == MCU_INT16 ? Q_S8_S16 : out == MCU_INT32 ? Q_S8_S32 : -1;
    case MCU_UINT8:
      return out == MCU_INT8 ? Q_U8_S8 : -1;
    case MCU_INT16:
      return out == MCU_INT8 ? Q_S16_S8 : out == MCU_INT16 ? Q_S16_S16
           : out == MCU_INT32 ? Q_S16_S32 : -1;
    default:
      return -1;
  }
}

static int quantize_prepare(mcu_interp *it, mcu_node *node) {
  act_io io;
  int rc = act_get_io(it, node, &io);
  if (rc != MCU_OK) return rc;
  const int32_t kind = quantize_kind(io.in->type, io.out->type);
  if (kind < 0) {
    return mcu_fail(it, MCU_ERR_UNSUPPORTED_TYPE,
                    "supported are float32->int8/int16, int8->int8/uint8/int16/int32,"
                    " uint8->int8, int16->int8/int16/int32");
  }
  if (!act_per_tensor(io.out)) {
    return mcu_fail(it, MCU_ERR_PARAMS,
                    "output needs one positive scale (per-channel not supported) "
                    "and an in-range zero point");
  }
  if (kind != Q_F32_S8 && kind != Q_F32_S16 && !act_per_tensor(io.in)) {
    return mcu_fail(it, MCU_ERR_PARAMS,
                    "input needs one positive scale (per-channel not supported) "
                    "and an in-range zero point");
  }
  quantize_data *d = (quantize_data *)act_alloc(it, node, sizeof *d);
  if (d == NULL) return MCU_ERR_ARENA;
  act_keep(it, node, &io, &d->io);
  d->kind = kind;
  if (kind == Q_F32_S8 || kind == Q_F32_S16) {
    d->q.scale = io.out->scale;
    d->q.zero_point = io.out->zero_point;
    d->q.qmin = kind == Q_F32_S8 ? -128 : -32768;
    d->q.qmax = kind == Q_F32_S8 ? 127 : 32767;
  } else {
    rc = act_multiplier(it, (double)io.in->scale / (double)io.out->scale, &d->r.multiplier,
                        &d->r.shift, "input/output scale ratio of 2^31 or more");
    if (rc != MCU_OK) return rc;
    d->r.input_zero_point = io.in->zero_point;
    d->r.output_zero_point = io.out->zero_point;
  }
  return MCU_OK;
}

static int quantize_invoke(mcu_interp *it, mcu_node *node) {
  const quantize_data *d = (const quantize_data *)node->op_data;
  const void *in = *d->io.in;
  void *out = *d->io.out;
  const int32_t n = d->io.size;
  (void)it;
  switch (d->kind) {
    case Q_F32_S8: k_quantize_f32_s8(&d->q, (const float *)in, (int8_t *)out, n); break;
    case Q_F32_S16: k_quantize_f32_s16(&d->q, (const float *)in, (int16_t *)out, n); break;
    case Q_S8_S8: k_requantize_s8_s8(&d->r, (const int8_t *)in, (int8_t *)out, n); break;
    case Q_S8_U8: k_requantize_s8_u8(&d->r, (const int8_t *)in, (uint8_t *)out, n); break;
    case Q_U8_S8: k_requantize_u8_s8(&d->r, (const uint8_t *)in, (int8_t *)out, n); break;
    case Q_S8_S16: k_requantize_s8_s16(&d->r, (const int8_t *)in, (int16_t *)out, n); break;
    case Q_S8_S32: k_requantize_s8_s32(&d->r, (const int8_t *)in, (int32_t *)out, n); break;
    case Q_S16_S8: k_requantize_s16_s8(&d->r, (const int16_t *)in, (int8_t *)out, n); break;
    case Q_S16_S16: k_requantize_s16_s16(&d->r, (const int16_t *)in, (int16_t *)out, n); break;
    default: k_requantize_s16_s32(&d->r, (const int16_t *)in, (int32_t *)out, n); break;
  }
  return MCU_OK;
}

const mcu_op mcu_op_quantize = {114 /* QUANTIZE */, "QUANTIZE", quantize_prepare,
                                quantize_invoke};
