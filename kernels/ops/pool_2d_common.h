/* pool_2d_common.h - prepare() logic shared by the AVERAGE_POOL_2D and MAX_POOL_2D glue
 * (kernels/ops/average_pool_2d.c, max_pool_2d.c): validation and k_pool_params. */
#ifndef POOL_2D_COMMON_H
#define POOL_2D_COMMON_H

#include <stddef.h>

#include "k_padding.h"
#include "k_pooling.h"
#include "mcu_api.h"
#include "mcu_quant.h"

/* Pool2DOptions fields (schema order) */
enum { POOL_OPT_PADDING = 0, POOL_OPT_STRIDE_W, POOL_OPT_STRIDE_H, POOL_OPT_FILTER_W,
       POOL_OPT_FILTER_H, POOL_OPT_ACTIVATION };

typedef struct {
  k_pool_params k;
  mcu_ref input, output;
  int32_t is_float;
} pool_data;

/* Messages are per operator (static strings), selected by index. */
typedef struct {
  const char *arity, *type, *int16, *shape, *padding, *params, *act, *out_hw, *quant, *requant;
} pool_messages;

static inline int pool_2d_prepare(mcu_interp *it, mcu_node *node, const pool_messages *msg) {
  if (node->n_inputs != 1 || node->n_outputs != 1) return mcu_fail(it, MCU_ERR_PARAMS, msg->arity);
  const mcu_tensor *in = mcu_input(it, node, 0);
  const mcu_tensor *out = mcu_output(it, node, 0);
  if (in == NULL || out == NULL) return mcu_fail(it, MCU_ERR_PARAMS, msg->arity);
  if (in->type != MCU_INT8 && in->type != MCU_FLOAT32) {
    if (in->type == MCU_INT16) return mcu_fail(it, MCU_ERR_UNSUPPORTED_TYPE, msg->int16);
    return mcu_fail_int(it, MCU_ERR_UNSUPPORTED_TYPE, msg->type, in->type);
  }
  if (out->type != in->type) return mcu_fail_int(it, MCU_ERR_UNSUPPORTED_TYPE, msg->type, out->type);
  const int is_float = in->type == MCU_FLOAT32;
  if (in->ndims != 4 || out->ndims != 4 || in->dims[0] != out->dims[0] ||
      in->dims[3] != out->dims[3]) {
    return mcu_fail(it, MCU_ERR_PARAMS, msg->shape);
  }
  const int32_t padding = mcu_opt_int(node, POOL_OPT_PADDING, K_PADDING_SAME);
  const int32_t stride_w = mcu_opt_int(node, POOL_OPT_STRIDE_W, 0);
  const int32_t stride_h = mcu_opt_int(node, POOL_OPT_STRIDE_H, 0);
  const int32_t fw = mcu_opt_int(node, POOL_OPT_FILTER_W, 0);
  const int32_t fh = mcu_opt_int(node, POOL_OPT_FILTER_H, 0);
  const int32_t act = mcu_opt_int(node, POOL_OPT_ACTIVATION, MCU_ACT_NONE);
  if (padding != K_PADDING_SAME && padding != K_PADDING_VALID) {
    return mcu_fail_int(it, MCU_ERR_PARAMS, msg->padding, padding);
  }
  if (stride_w < 1 || stride_h < 1 || fw < 1 || fh < 1 || !k_window_ok(in->dims[1], fh, stride_h, 1) ||
      !k_window_ok(in->dims[2], fw, stride_w, 1)) {
    return mcu_fail(it, MCU_ERR_PARAMS, msg->params);
  }
  if (act < MCU_ACT_NONE || act > MCU_ACT_RELU6) return mcu_fail_int(it, MCU_ERR_PARAMS, msg->act, act);
  const int32_t in_h = in->dims[1], in_w = in->dims[2];
  const int32_t out_h = k_output_size(padding, in_h, fh, stride_h, 1);
  const int32_t out_w = k_output_size(padding, in_w, fw, stride_w, 1);
  if (out_h <= 0 || out_w <= 0 || out->dims[1] != out_h || out->dims[2] != out_w) {
    return mcu_fail(it, MCU_ERR_PARAMS, msg->out_hw);
  }

  if (!is_float) {
    /* TFLite's pooling does not rescale: it requires equal zero points and scales
     * within 1e-6 of each other. */
    const float ds = in->scale - out->scale;
    if (in->zero_point != out->zero_point || ds > 1.0e-6f || ds < -1.0e-6f) {
      return mcu_fail(it, MCU_ERR_PARAMS, msg->requant);
    }
  }

  pool_data *d = (pool_data *)mcu_alloc_persistent(it, sizeof(pool_data));
  if (d == NULL) return MCU_ERR_ARENA;
  k_pool_params *k = &d->k;
  k->batches = in->dims[0];
  k->in_h = in_h;
  k->in_w = in_w;
  k->channels = in->dims[3];
  k->out_h = out_h;
  k->out_w = out_w;
  k->filter_h = fh;
  k->filter_w = fw;
  k->stride_h = stride_h;
  k->stride_w = stride_w;
  k->pad_h = k_padding_before(in_h, out_h, fh, stride_h, 1);
  k->pad_w = k_padding_before(in_w, out_w, fw, stride_w, 1);
  k->act_min = -128;
  k->act_max = 127;
  mcu_activation_range_float(act, &k->act_min_f, &k->act_max_f);
  if (!is_float && act != MCU_ACT_NONE) {
    if (!(out->scale > 0.0f)) return mcu_fail(it, MCU_ERR_PARAMS, msg->quant);
    mcu_activation_range_quantized(act, out->scale, out->zero_point, -128, 127, &k->act_min,
                                   &k->act_max);
  }
  d->input = mcu_input_ref(it, node, 0);
  d->output = mcu_output_ref(it, node, 0);
  d->is_float = is_float;
  node->op_data = d;
  return MCU_OK;
}

#endif /* POOL_2D_COMMON_H */
