/* weighted_op.c - prepare() logic shared by the CONV_2D, DEPTHWISE_CONV_2D and
 * FULLY_CONNECTED glue (see weighted_op.h). Runs at init only. */
#include "weighted_op.h"

#include "k_padding.h"
#include "mcu_quant.h"

/* The fields Conv2DOptions and DepthwiseConv2DOptions begin with (schema order); their
 * activation and dilations come later, at the op's opt_act, opt_act + 1, opt_act + 2. */
enum { OPT_PADDING = 0, OPT_STRIDE_W, OPT_STRIDE_H };

static int fail_input_type(mcu_interp *it, const weighted_op_messages *msg, int32_t type) {
  switch (type) {
    case MCU_INT16:
      return mcu_fail(it, MCU_ERR_UNSUPPORTED_TYPE, msg->int16);
    case MCU_UINT8:
      return mcu_fail(it, MCU_ERR_UNSUPPORTED_TYPE, msg->uint8);
    default:
      return mcu_fail_int(it, MCU_ERR_UNSUPPORTED_TYPE, msg->type, type);
  }
}

int weighted_op_tensors(mcu_interp *it, const mcu_node *node, const weighted_op_messages *msg,
                        int out_dim, weighted_tensors *t) {
  if (node->n_inputs < 2 || node->n_inputs > 3 || node->n_outputs != 1) {
    return mcu_fail(it, MCU_ERR_PARAMS, msg->arity);
  }
  t->input = mcu_input(it, node, 0);
  t->filter = mcu_input(it, node, 1);
  t->bias = node->n_inputs > 2 ? mcu_input(it, node, 2) : NULL;
  t->output = mcu_output(it, node, 0);
  t->out_dim = out_dim;
  const mcu_tensor *in = t->input, *f = t->filter, *bias = t->bias, *out = t->output;
  if (in == NULL || f == NULL || out == NULL) return mcu_fail(it, MCU_ERR_PARAMS, msg->missing);

  if (in->type == MCU_INT8) {
    if (f->type != MCU_INT8 || out->type != MCU_INT8) {
      return mcu_fail(it, MCU_ERR_UNSUPPORTED_TYPE, msg->int8_types);
    }
    if (bias != NULL && bias->type != MCU_INT32) {
      return mcu_fail(it, MCU_ERR_UNSUPPORTED_TYPE, msg->int8_bias);
    }
    t->is_float = 0;
  } else if (in->type == MCU_FLOAT32) {
    if (f->type == MCU_INT8 || f->type == MCU_UINT8) {
      return mcu_fail(it, MCU_ERR_HYBRID, msg->hybrid);
    }
    if (f->type != MCU_FLOAT32 || out->type != MCU_FLOAT32 ||
        (bias != NULL && bias->type != MCU_FLOAT32)) {
      return mcu_fail(it, MCU_ERR_UNSUPPORTED_TYPE, msg->float_types);
    }
    t->is_float = 1;
  } else {
    return fail_input_type(it, msg, in->type);
  }
  if (msg->rank != NULL && (in->ndims != 4 || f->ndims != 4 || out->ndims != 4)) {
    return mcu_fail(it, MCU_ERR_PARAMS, msg->rank);
  }
  return MCU_OK;
}

int weighted_op_activation(mcu_interp *it, const mcu_node *node, const weighted_op_messages *msg,
                           int field, int32_t *act) {
  *act = mcu_opt_int(node, field, MCU_ACT_NONE);
  if (*act < MCU_ACT_NONE || *act > MCU_ACT_RELU6) {
    return mcu_fail_int(it, MCU_ERR_PARAMS, msg->act, *act);
  }
  return MCU_OK;
}

int weighted_op_window(mcu_interp *it, const mcu_node *node, const weighted_op_messages *msg,
                       int opt_act, const weighted_tensors *t, weighted_window *w) {
  const mcu_tensor *in = t->input, *out = t->output;
  const int32_t out_c = t->filter->dims[t->out_dim];
  if (out->dims[0] != in->dims[0] || out->dims[3] != out_c) {
    return mcu_fail(it, MCU_ERR_PARAMS, msg->out_shape);
  }
  if (t->bias != NULL && mcu_num_elements(t->bias) != out_c) {
    return mcu_fail_int(it, MCU_ERR_PARAMS, msg->bias, out_c);
  }

  const int32_t padding = mcu_opt_int(node, OPT_PADDING, K_PADDING_SAME);
  const int32_t stride_w = mcu_opt_int(node, OPT_STRIDE_W, 0);
  const int32_t stride_h = mcu_opt_int(node, OPT_STRIDE_H, 0);
  const int32_t dil_w = mcu_opt_int(node, opt_act + 1, 1);
  const int32_t dil_h = mcu_opt_int(node, opt_act + 2, 1);
  const int32_t in_h = in->dims[1], in_w = in->dims[2];
  const int32_t fh = t->filter->dims[1], fw = t->filter->dims[2];
  if (padding != K_PADDING_SAME && padding != K_PADDING_VALID) {
    return mcu_fail_int(it, MCU_ERR_PARAMS, msg->padding, padding);
  }
  if (stride_w < 1 || stride_h < 1 || dil_w < 1 || dil_h < 1) {
    return mcu_fail(it, MCU_ERR_PARAMS, msg->strides);
  }
  if (!k_window_ok(in_h, fh, stride_h, dil_h) || !k_window_ok(in_w, fw, stride_w, dil_w)) {
    return mcu_fail(it, MCU_ERR_PARAMS, msg->window);
  }
  int32_t act;
  int rc = weighted_op_activation(it, node, msg, opt_act, &act);
  if (rc != MCU_OK) return rc;
  const int32_t out_h = k_output_size(padding, in_h, fh, stride_h, dil_h);
  const int32_t out_w = k_output_size(padding, in_w, fw, stride_w, dil_w);
  if (out_h <= 0 || out_w <= 0 || out->dims[1] != out_h || out->dims[2] != out_w) {
    return mcu_fail(it, MCU_ERR_PARAMS, msg->out_hw);
  }
  *w = (weighted_window){.act = act,
                         .stride_h = stride_h,
                         .stride_w = stride_w,
                         .dilation_h = dil_h,
                         .dilation_w = dil_w,
                         .pad_h = k_padding_before(in_h, out_h, fh, stride_h, dil_h),
                         .pad_w = k_padding_before(in_w, out_w, fw, stride_w, dil_w)};
  return MCU_OK;
}

/* in_scale * filter_scale / out_scale as a Q31 multiplier and a shift. */
static void multiplier(const weighted_tensors *t, float filter_scale, int32_t *mult, int *shift) {
  const double real = (double)t->input->scale * (double)filter_scale / (double)t->output->scale;
  mcu_quantize_multiplier(real, mult, shift);
}

void *weighted_op_data(mcu_interp *it, const weighted_tensors *t, const weighted_op_messages *msg,
                       int32_t act, int mult_form, size_t bytes, weighted_quant *q, int *rc) {
  const mcu_tensor *in = t->input, *f = t->filter, *out = t->output;
  const int32_t n = out->dims[out->ndims - 1];
  const int per_channel = !t->is_float && f->num_scales > 1;
  if (per_channel && (f->num_scales != n || f->quant_dim != t->out_dim || f->scales == NULL)) {
    *rc = mcu_fail(it, MCU_ERR_PARAMS, msg->per_channel);
    return NULL;
  }
  /* per output channel: an int32 multiplier and an int8 shift (in [-31, 30]) */
  const int32_t n_mult =
      !t->is_float && (per_channel || mult_form == WEIGHTED_MULT_PER_CHANNEL) ? n : 0;
  void *data = mcu_alloc_persistent(it, bytes + (size_t)n_mult * (sizeof(int32_t) + 1));
  if (data == NULL) {
    *rc = MCU_ERR_ARENA;
    return NULL;
  }

  *q = (weighted_quant){.act_min = -128, .act_max = 127};
  mcu_activation_range_float(act, &q->act_min_f, &q->act_max_f);
  if (t->is_float) return data;
  if (!(in->scale > 0.0f) || !(out->scale > 0.0f)) {
    *rc = mcu_fail(it, MCU_ERR_PARAMS, msg->scale);
    return NULL;
  }
  if (n_mult > 0) {
    int32_t *mult = (int32_t *)((char *)data + bytes);
    int8_t *shift = (int8_t *)(mult + n_mult);
    for (int32_t c = 0; c < n_mult; ++c) {
      int s;
      multiplier(t, per_channel ? f->scales[c] : f->scale, &mult[c], &s);
      shift[c] = (int8_t)s;
    }
    q->mult = mult;
    q->shift = shift;
  } else {
    int s;
    multiplier(t, f->scale, &q->tensor_mult, &s);
    q->tensor_shift = s;
    q->filter_offset = -f->zero_point;
  }
  q->input_offset = -in->zero_point;
  q->output_offset = out->zero_point;
  mcu_activation_range_quantized(act, out->scale, out->zero_point, -128, 127, &q->act_min,
                                 &q->act_max);
  return data;
}

int weighted_op_finish(mcu_interp *it, mcu_node *node, const weighted_tensors *t,
                       void *op_data, weighted_io *io, size_t scratch) {
  if (scratch > 0) {
    int rc = mcu_request_scratch(it, node, scratch);
    if (rc != MCU_OK) return rc;
  }
  io->input = mcu_input_ref(it, node, 0);
  io->filter = mcu_input_ref(it, node, 1);
  io->bias = t->bias != NULL ? mcu_input_ref(it, node, 2) : NULL;
  io->output = mcu_output_ref(it, node, 0);
  io->is_float = t->is_float;
  node->op_data = op_data;
  return MCU_OK;
}
