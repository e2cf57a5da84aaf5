/* conv_2d.c - CONV_2D operator glue: validates the node and precomputes k_conv_params
 * (padding, per-channel multipliers, activation clamp) in prepare; invoke only
 * unpacks data pointers and calls the kernel (kernels/reference/conv_2d.c).
 *
 * Supported: int8 input/filter/output with optional int32 bias, filter quantized
 * per-tensor or per-channel (quantized dimension 0); float32 throughout. Grouped
 * convolution (input channels a multiple of the filter's) is supported. */
#include <stddef.h>

#include "k_conv_2d.h"
#include "k_padding.h"
#include "mcu_api.h"
#include "mcu_quant.h"

/* Conv2DOptions fields (schema order) */
enum { OPT_PADDING = 0, OPT_STRIDE_W, OPT_STRIDE_H, OPT_ACTIVATION, OPT_DILATION_W,
       OPT_DILATION_H };

typedef struct {
  k_conv_params k;
  mcu_ref input, filter, bias, output; /* bias NULL when absent */
  int32_t is_float;
} conv_data;

static int fail_input_type(mcu_interp *it, int32_t type) {
  switch (type) {
    case MCU_INT16:
      return mcu_fail(it, MCU_ERR_UNSUPPORTED_TYPE,
                      "CONV_2D: int16 activations are not supported (int8 or float32)");
    case MCU_UINT8:
      return mcu_fail(it, MCU_ERR_UNSUPPORTED_TYPE,
                      "CONV_2D: uint8 (legacy asymmetric) is not supported (int8 or float32)");
    default:
      return mcu_fail_int(it, MCU_ERR_UNSUPPORTED_TYPE,
                          "CONV_2D: input type not supported (int8 or float32), TensorType",
                          type);
  }
}

static int prepare(mcu_interp *it, mcu_node *node) {
  if (node->n_inputs < 2 || node->n_inputs > 3 || node->n_outputs != 1) {
    return mcu_fail(it, MCU_ERR_PARAMS, "CONV_2D: expects 2 or 3 inputs and 1 output");
  }
  const mcu_tensor *in = mcu_input(it, node, 0);
  const mcu_tensor *f = mcu_input(it, node, 1);
  const mcu_tensor *bias = node->n_inputs > 2 ? mcu_input(it, node, 2) : NULL;
  const mcu_tensor *out = mcu_output(it, node, 0);
  if (in == NULL || f == NULL || out == NULL) {
    return mcu_fail(it, MCU_ERR_PARAMS, "CONV_2D: missing input, filter or output tensor");
  }

  /* types */
  int is_float;
  if (in->type == MCU_INT8) {
    if (f->type != MCU_INT8 || out->type != MCU_INT8) {
      return mcu_fail(it, MCU_ERR_UNSUPPORTED_TYPE,
                      "CONV_2D: int8 input needs int8 filter and int8 output");
    }
    if (bias != NULL && bias->type != MCU_INT32) {
      return mcu_fail(it, MCU_ERR_UNSUPPORTED_TYPE, "CONV_2D: int8 conv needs an int32 bias");
    }
    is_float = 0;
  } else if (in->type == MCU_FLOAT32) {
    if (f->type == MCU_INT8 || f->type == MCU_UINT8) {
      return mcu_fail(it, MCU_ERR_HYBRID,
                      "CONV_2D: hybrid model (int8 weights, float32 activations) is not "
                      "supported; quantize the model fully to int8 or keep float32 weights");
    }
    if (f->type != MCU_FLOAT32 || out->type != MCU_FLOAT32 ||
        (bias != NULL && bias->type != MCU_FLOAT32)) {
      return mcu_fail(it, MCU_ERR_UNSUPPORTED_TYPE,
                      "CONV_2D: float32 input needs float32 filter, bias and output");
    }
    is_float = 1;
  } else {
    return fail_input_type(it, in->type);
  }

  /* shapes */
  if (in->ndims != 4 || f->ndims != 4 || out->ndims != 4) {
    return mcu_fail(it, MCU_ERR_PARAMS, "CONV_2D: input, filter and output must be 4-D");
  }
  const int32_t out_c = f->dims[0], fh = f->dims[1], fw = f->dims[2], fic = f->dims[3];
  const int32_t in_c = in->dims[3];
  if (fh <= 0 || fw <= 0 || fic <= 0 || out_c <= 0 || in_c < fic || in_c % fic != 0 ||
      out_c % (in_c / fic) != 0) {
    return mcu_fail(it, MCU_ERR_PARAMS,
                    "CONV_2D: filter shape does not match the input channels");
  }
  if (out->dims[0] != in->dims[0] || out->dims[3] != out_c) {
    return mcu_fail(it, MCU_ERR_PARAMS, "CONV_2D: output batch or channel count is wrong");
  }
  if (bias != NULL && mcu_num_elements(bias) != out_c) {
    return mcu_fail_int(it, MCU_ERR_PARAMS, "CONV_2D: bias must have one value per output channel:",
                        out_c);
  }

  /* options */
  const int32_t padding = mcu_opt_int(node, OPT_PADDING, K_PADDING_SAME);
  const int32_t stride_w = mcu_opt_int(node, OPT_STRIDE_W, 0);
  const int32_t stride_h = mcu_opt_int(node, OPT_STRIDE_H, 0);
  const int32_t act = mcu_opt_int(node, OPT_ACTIVATION, MCU_ACT_NONE);
  const int32_t dil_w = mcu_opt_int(node, OPT_DILATION_W, 1);
  const int32_t dil_h = mcu_opt_int(node, OPT_DILATION_H, 1);
  if (padding != K_PADDING_SAME && padding != K_PADDING_VALID) {
    return mcu_fail_int(it, MCU_ERR_PARAMS, "CONV_2D: unknown padding", padding);
  }
  if (stride_w < 1 || stride_h < 1 || dil_w < 1 || dil_h < 1) {
    return mcu_fail(it, MCU_ERR_PARAMS, "CONV_2D: strides and dilations must be >= 1");
  }
  if (!k_window_ok(in->dims[1], fh, stride_h, dil_h) ||
      !k_window_ok(in->dims[2], fw, stride_w, dil_w)) {
    return mcu_fail(it, MCU_ERR_PARAMS,
                    "CONV_2D: input size, filter size, stride or dilation above 2^24");
  }
  if (act < MCU_ACT_NONE || act > MCU_ACT_RELU6) {
    return mcu_fail_int(it, MCU_ERR_PARAMS,
                        "CONV_2D: fused activation not supported (NONE, RELU, RELU_N1_TO_1, "
                        "RELU6), got",
                        act);
  }
  const int32_t in_h = in->dims[1], in_w = in->dims[2];
  const int32_t out_h = k_output_size(padding, in_h, fh, stride_h, dil_h);
  const int32_t out_w = k_output_size(padding, in_w, fw, stride_w, dil_w);
  if (out_h <= 0 || out_w <= 0 || out->dims[1] != out_h || out->dims[2] != out_w) {
    return mcu_fail(it, MCU_ERR_PARAMS,
                    "CONV_2D: output height/width do not follow from input, filter, stride, "
                    "dilation and padding");
  }

  const int per_channel = !is_float && f->num_scales > 1;
  if (per_channel && (f->num_scales != out_c || f->quant_dim != 0 || f->scales == NULL)) {
    return mcu_fail(it, MCU_ERR_PARAMS,
                    "CONV_2D: per-channel filter needs one scale per output channel (dim 0)");
  }
  /* per channel: an int32 multiplier and an int8 shift (mcu_quantize_multiplier gives
   * shifts in [-31, 30]), after the struct; sizeof(conv_data) keeps them int32-aligned */
  size_t bytes = sizeof(conv_data) + (is_float ? 0 : (size_t)out_c * (sizeof(int32_t) + 1));
  conv_data *d = (conv_data *)mcu_alloc_persistent(it, bytes);
  if (d == NULL) return MCU_ERR_ARENA;

  k_conv_params *k = &d->k;
  k->batches = in->dims[0];
  k->in_h = in_h;
  k->in_w = in_w;
  k->in_c = in_c;
  k->out_h = out_h;
  k->out_w = out_w;
  k->out_c = out_c;
  k->filter_h = fh;
  k->filter_w = fw;
  k->filter_in_c = fic;
  k->stride_h = stride_h;
  k->stride_w = stride_w;
  k->dilation_h = dil_h;
  k->dilation_w = dil_w;
  k->pad_h = k_padding_before(in_h, out_h, fh, stride_h, dil_h);
  k->pad_w = k_padding_before(in_w, out_w, fw, stride_w, dil_w);
  k->input_offset = 0;
  k->output_offset = 0;
  k->act_min = -128;
  k->act_max = 127;
  k->out_mult = NULL;
  k->out_shift = NULL;
  mcu_activation_range_float(act, &k->act_min_f, &k->act_max_f);

  if (!is_float) {
    if (!(in->scale > 0.0f) || !(out->scale > 0.0f)) {
      return mcu_fail(it, MCU_ERR_PARAMS, "CONV_2D: int8 input and output need a quantization scale");
    }
    int32_t *mult = (int32_t *)(d + 1);
    int8_t *shift = (int8_t *)(mult + out_c);
    for (int32_t c = 0; c < out_c; ++c) {
      const float fs = per_channel ? f->scales[c] : f->scale;
      const double real = (double)in->scale * (double)fs / (double)out->scale;
      int s;
      mcu_quantize_multiplier(real, &mult[c], &s);
      shift[c] = (int8_t)s;
    }
    k->out_mult = mult;
    k->out_shift = shift;
    k->input_offset = -in->zero_point;
    k->output_offset = out->zero_point;
    mcu_activation_range_quantized(act, out->scale, out->zero_point, -128, 127, &k->act_min,
                                   &k->act_max);
  }

  size_t scratch = is_float ? k_conv_2d_f32_scratch_size(k) : k_conv_2d_s8_scratch_size(k);
  if (scratch > 0) {
    int rc = mcu_request_scratch(it, node, scratch);
    if (rc != MCU_OK) return rc;
  }
  d->input = mcu_input_ref(it, node, 0);
  d->filter = mcu_input_ref(it, node, 1);
  d->bias = bias != NULL ? mcu_input_ref(it, node, 2) : NULL;
  d->output = mcu_output_ref(it, node, 0);
  d->is_float = is_float;
  node->op_data = d;
  return MCU_OK;
}

static int invoke(mcu_interp *it, mcu_node *node) {
  const conv_data *d = (const conv_data *)node->op_data;
  void *scratch = node->scratch_handle >= 0 ? mcu_scratch(it, node) : NULL;
  const void *bias = d->bias != NULL ? *d->bias : NULL;
  if (d->is_float) {
    k_conv_2d_f32(&d->k, (const float *)*d->input, (const float *)*d->filter,
                  (const float *)bias, (float *)*d->output, scratch);
  } else {
    k_conv_2d_s8(&d->k, (const int8_t *)*d->input, (const int8_t *)*d->filter,
                 (const int32_t *)bias, (int8_t *)*d->output, scratch);
  }
  return MCU_OK;
}

const mcu_op mcu_op_conv_2d = {3 /* CONV_2D */, "CONV_2D", prepare, invoke};
