/* fully_connected.c - FULLY_CONNECTED operator glue: validates the node and
 * precomputes k_fc_params in prepare (shared logic: weighted_op.h); invoke calls the
 * kernel (kernels/reference/fully_connected.c).
 *
 * Supported: int8 input/weights/output with optional int32 bias, weights quantized
 * per-tensor (any zero point) or per-channel (quantized dimension 0); float32
 * throughout. The input may have any shape: it is read as
 * [elements / accum_depth, accum_depth]; keep_num_dims only changes the output shape,
 * which the model already states and prepare checks. */
#include <stddef.h>

#include "k_fully_connected.h"
#include "mcu_api.h"
#include "weighted_op.h"

/* FullyConnectedOptions fields (schema order) */
enum { OPT_ACTIVATION = 0, OPT_WEIGHTS_FORMAT, OPT_KEEP_NUM_DIMS };

typedef struct {
  k_fc_params k;
  weighted_io io;
} fc_data;

static const weighted_op_messages messages = {
    WEIGHTED_OP_MESSAGES("FULLY_CONNECTED", "weights", "input",
                         "per-channel weights need one scale per unit (dim 0)"),
    .rank = NULL /* no window messages: the shapes are checked here */};

static int prepare(mcu_interp *it, mcu_node *node) {
  weighted_tensors t;
  int rc = weighted_op_tensors(it, node, &messages, 0, &t);
  if (rc != MCU_OK) return rc;
  const mcu_tensor *w = t.filter, *out = t.output;

  if (mcu_opt_int(node, OPT_WEIGHTS_FORMAT, 0) != 0) {
    return mcu_fail(it, MCU_ERR_PARAMS,
                    "FULLY_CONNECTED: shuffled weights format is not supported (DEFAULT only)");
  }
  int32_t act;
  rc = weighted_op_activation(it, node, &messages, OPT_ACTIVATION, &act);
  if (rc != MCU_OK) return rc;
  if (w->ndims != 2 || w->dims[0] <= 0 || w->dims[1] <= 0) {
    return mcu_fail(it, MCU_ERR_PARAMS, "FULLY_CONNECTED: weights must be 2-D [units, depth]");
  }
  const int32_t out_depth = w->dims[0], depth = w->dims[1];
  const int32_t in_elems = mcu_num_elements(t.input);
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
  if (t.bias != NULL && mcu_num_elements(t.bias) != out_depth) {
    return mcu_fail_int(it, MCU_ERR_PARAMS,
                        "FULLY_CONNECTED: bias must have one value per unit:", out_depth);
  }
  weighted_quant q;
  fc_data *d = (fc_data *)weighted_op_data(it, &t, &messages, act, WEIGHTED_MULT_PER_FILTER,
                                           sizeof(fc_data), &q, &rc);
  if (d == NULL) return rc;

  k_fc_params *k = &d->k;
  k->batches = batches;
  k->accum_depth = depth;
  k->out_depth = out_depth;
  k->input_offset = q.input_offset;
  k->filter_offset = q.filter_offset;
  k->output_offset = q.output_offset;
  k->act_min = q.act_min;
  k->act_max = q.act_max;
  k->out_mult = q.tensor_mult;
  k->out_shift = q.tensor_shift;
  k->ch_mult = q.mult;
  k->ch_shift = q.shift;
  k->act_min_f = q.act_min_f;
  k->act_max_f = q.act_max_f;
  const size_t scratch = t.is_float ? k_fully_connected_f32_scratch_size(k)
                                    : k_fully_connected_s8_scratch_size(k);
  return weighted_op_finish(it, node, &t, d, &d->io, scratch);
}

WEIGHTED_OP_INVOKE(invoke, fc_data, k_fully_connected_s8, k_fully_connected_f32)

const mcu_op mcu_op_fully_connected = {9 /* FULLY_CONNECTED */, "FULLY_CONNECTED", prepare,
                                       invoke};
