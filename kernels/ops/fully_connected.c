/* fully_connected.c - FULLY_CONNECTED operator glue: validates the node and
 * precomputes k_fc_params in prepare; invoke calls the kernel
 * (kernels/reference/fully_connected.c).
 *
 * Supported: int8 input/weights/output with optional int32 bias, weights quantized
 * per-tensor (any zero point) or per-channel (quantized dimension 0); float32
 * throughout. The input may have any shape: it is read as
 * [elements / accum_depth, accum_depth]; keep_num_dims only changes the output shape,
 * which the model already states and prepare checks. */
#include <stddef.h>

#include "k_fully_connected.h"
#include "mcu_api.h"
#include "mcu_quant.h"

/* FullyConnectedOptions fields (schema order) */
enum { OPT_ACTIVATION = 0, OPT_WEIGHTS_FORMAT, OPT_KEEP_NUM_DIMS };

typedef struct {
  k_fc_params k;
  mcu_ref input, weights, bias, output; /* bias NULL when absent */
  int32_t is_float;
} fc_data;

static int fail_input_type(mcu_interp *it, int32_t type) {
  switch (type) {
    case MCU_INT16:
      return mcu_fail(it, MCU_ERR_UNSUPPORTED_TYPE,
                      "FULLY_CONNECTED: int16 activations are not supported (int8 or float32)");
    case MCU_UINT8:
      return mcu_fail(it, MCU_ERR_UNSUPPORTED_TYPE,
                      "FULLY_CONNECTED: uint8 (legacy asymmetric) is not supported (int8 or "
                      "float32)");
    default:
      return mcu_fail_int(it, MCU_ERR_UNSUPPORTED_TYPE,
                          "FULLY_CONNECTED: input type not supported (int8 or float32), "
                          "TensorType",
                          type);
  }
}

static int prepare(mcu_interp *it, mcu_node *node) {
  if (node->n_inputs < 2 || node->n_inputs > 3 || node->n_outputs != 1) {
    return mcu_fail(it, MCU_ERR_PARAMS, "FULLY_CONNECTED: expects 2 or 3 inputs and 1 output");
  }
  const mcu_tensor *in = mcu_input(it, node, 0);
  const mcu_tensor *w = mcu_input(it, node, 1);
  const mcu_tensor *bias = node->n_inputs > 2 ? mcu_input(it, node, 2) : NULL;
  const mcu_tensor *out = mcu_output(it, node, 0);
  if (in == NULL || w == NULL || out == NULL) {
    return mcu_fail(it, MCU_ERR_PARAMS,
                    "FULLY_CONNECTED: missing input, weights or output tensor");
  }

  int is_float;
  if (in->type == MCU_INT8) {
    if (w->type != MCU_INT8 || out->type != MCU_INT8) {
      return mcu_fail(it, MCU_ERR_UNSUPPORTED_TYPE,
                      "FULLY_CONNECTED: int8 input needs int8 weights and int8 output");
    }
    if (bias != NULL && bias->type != MCU_INT32) {
      return mcu_fail(it, MCU_ERR_UNSUPPORTED_TYPE,
                      "FULLY_CONNECTED: int8 input needs an int32 bias");
    }
    is_float = 0;
  } else if (in->type == MCU_FLOAT32) {
    if (w->type == MCU_INT8 || w->type == MCU_UINT8) {
      return mcu_fail(it, MCU_ERR_HYBRID,
                      "FULLY_CONNECTED: hybrid model (int8 weights, float32 activations) is "
                      "not supported; quantize the model fully to int8 or keep float32 weights");
    }
    if (w->type != MCU_FLOAT32 || out->type != MCU_FLOAT32 ||
        (bias != NULL && bias->type != MCU_FLOAT32)) {
      return mcu_fail(it, MCU_ERR_UNSUPPORTED_TYPE,
                      "FULLY_CONNECTED: float32 input needs float32 weights, bias and output");
    }
    is_float = 1;
  } else {
    return fail_input_type(it, in->type);
  }

  if (mcu_opt_int(node, OPT_WEIGHTS_FORMAT, 0) != 0) {
    return mcu_fail(it, MCU_ERR_PARAMS,
                    "FULLY_CONNECTED: shuffled weights format is not supported (DEFAULT only)");
  }
  const int32_t act = mcu_opt_int(node, OPT_ACTIVATION, MCU_ACT_NONE);
  if (act < MCU_ACT_NONE || act > MCU_ACT_RELU6) {
    return mcu_fail_int(it, MCU_ERR_PARAMS,
                        "FULLY_CONNECTED: fused activation not supported (NONE, RELU, "
                        "RELU_N1_TO_1, RELU6), got",
                        act);
  }
  if (w->ndims != 2 || w->dims[0] <= 0 || w->dims[1] <= 0) {
    return mcu_fail(it, MCU_ERR_PARAMS, "FULLY_CONNECTED: weights must be 2-D [units, depth]");
  }
  const int32_t out_depth = w->dims[0], depth = w->dims[1];
  const int32_t in_elems = mcu_num_elements(in);
  if (in_elems % depth != 0) {
    return mcu_fail_int(it, MCU_ERR_PARAMS,
                        "FULLY_CONNECTED: input size is not a multiple of the weights' depth",
                        depth);
  }
  const int32_t batches = in_elems / depth;
  if (out->ndims < 1 || out->dims[out->ndims - 1] != out_depth ||
      (int64_t)mcu_num_elements(out) != (int64_t)batches * out_depth) {
    return mcu_fail(it, MCU_ERR_PARAMS,
                    "FULLY_CONNECTED: output shape must be [batches, units] (or the input's "
                    "leading dims with keep_num_dims)");
  }
  if (bias != NULL && mcu_num_elements(bias) != out_depth) {
    return mcu_fail_int(it, MCU_ERR_PARAMS,
                        "FULLY_CONNECTED: bias must have one value per unit:", out_depth);
  }

  const int per_channel = !is_float && w->num_scales > 1;
  if (per_channel && (w->num_scales != out_depth || w->quant_dim != 0 || w->scales == NULL)) {
    return mcu_fail(it, MCU_ERR_PARAMS,
                    "FULLY_CONNECTED: per-channel weights need one scale per unit (dim 0)");
  }
  /* per channel: an int32 multiplier and an int8 shift (in [-31, 30]) */
  size_t bytes = sizeof(fc_data) + (per_channel ? (size_t)out_depth * (sizeof(int32_t) + 1) : 0);
  fc_data *d = (fc_data *)mcu_alloc_persistent(it, bytes);
  if (d == NULL) return MCU_ERR_ARENA;

  k_fc_params *k = &d->k;
  k->batches = batches;
  k->accum_depth = depth;
  k->out_depth = out_depth;
  k->input_offset = 0;
  k->filter_offset = 0;
  k->output_offset = 0;
  k->act_min = -128;
  k->act_max = 127;
  k->out_mult = 0;
  k->out_shift = 0;
  k->ch_mult = NULL;
  k->ch_shift = NULL;
  mcu_activation_range_float(act, &k->act_min_f, &k->act_max_f);

  if (!is_float) {
    if (!(in->scale > 0.0f) || !(out->scale > 0.0f)) {
      return mcu_fail(it, MCU_ERR_PARAMS,
                      "FULLY_CONNECTED: int8 input and output need a quantization scale");
    }
    int s;
    if (per_channel) {
      int32_t *mul = (int32_t *)(d + 1);
      int8_t *shift = (int8_t *)(mul + out_depth);
      for (int32_t c = 0; c < out_depth; ++c) {
        const double real = (double)in->scale * (double)w->scales[c] / (double)out->scale;
        mcu_quantize_multiplier(real, &mul[c], &s);
        shift[c] = (int8_t)s;
      }
      k->ch_mult = mul;
      k->ch_shift = shift;
    } else {
      const double real = (double)in->scale * (double)w->scale / (double)out->scale;
      mcu_quantize_multiplier(real, &k->out_mult, &s);
      k->out_shift = s;
      k->filter_offset = -w->zero_point;
    }
    k->input_offset = -in->zero_point;
    k->output_offset = out->zero_point;
    mcu_activation_range_quantized(act, out->scale, out->zero_point, -128, 127, &k->act_min,
                                   &k->act_max);
  }

  size_t scratch = is_float ? k_fully_connected_f32_scratch_size(k)
                            : k_fully_connected_s8_scratch_size(k);
  if (scratch > 0) {
    int rc = mcu_request_scratch(it, node, scratch);
    if (rc != MCU_OK) return rc;
  }
  d->input = mcu_input_ref(it, node, 0);
  d->weights = mcu_input_ref(it, node, 1);
  d->bias = bias != NULL ? mcu_input_ref(it, node, 2) : NULL;
  d->output = mcu_output_ref(it, node, 0);
  d->is_float = is_float;
  node->op_data = d;
  return MCU_OK;
}

static int invoke(mcu_interp *it, mcu_node *node) {
  const fc_data *d = (const fc_data *)node->op_data;
  void *scratch = node->scratch_handle >= 0 ? mcu_scratch(it, node) : NULL;
  const void *bias = d->bias != NULL ? *d->bias : NULL;
  if (d->is_float) {
    k_fully_connected_f32(&d->k, (const float *)*d->input, (const float *)*d->weights,
                          (const float *)bias, (float *)*d->output, scratch);
  } else {
    k_fully_connected_s8(&d->k, (const int8_t *)*d->input, (const int8_t *)*d->weights,
                         (const int32_t *)bias, (int8_t *)*d->output, scratch);
  }
  return MCU_OK;
}

const mcu_op mcu_op_fully_connected = {9 /* FULLY_CONNECTED */, "FULLY_CONNECTED", prepare,
                                       invoke};
