/* depthwise_conv_2d.c - DEPTHWISE_CONV_2D operator glue: validates the node and
 * precomputes k_dw_conv_params in prepare (shared logic: weighted_op.h); invoke calls
 * the kernel (kernels/reference/depthwise_conv_2d.c).
 *
 * Supported: int8 input/filter/output with optional int32 bias, filter quantized
 * per-tensor or per-channel (quantized dimension 3); float32 throughout. The depth
 * multiplier is taken from the shapes (filter channels / input channels); a nonzero
 * depth_multiplier option must agree with it. */
#include <stddef.h>

#include "k_depthwise_conv_2d.h"
#include "mcu_api.h"
#include "weighted_op.h"

/* DepthwiseConv2DOptions fields (schema order): padding, stride_w, stride_h,
 * depth_multiplier, activation, dilation_w, dilation_h; weighted_op_window reads all
 * but depth_multiplier given the activation's. */
enum { OPT_DEPTH_MULTIPLIER = 3, OPT_ACTIVATION };

typedef struct {
  k_dw_conv_params k;
  weighted_io io;
} dw_data;

static const weighted_op_messages messages = {
    WEIGHTED_OP_MESSAGES("DEPTHWISE_CONV_2D", "filter", "conv",
                         "per-channel filter needs one scale per output channel (dim 3)"),
    WEIGHTED_WINDOW_MESSAGES("DEPTHWISE_CONV_2D")};

static int prepare(mcu_interp *it, mcu_node *node) {
  weighted_tensors t;
  int rc = weighted_op_tensors(it, node, &messages, 3, &t);
  if (rc != MCU_OK) return rc;
  const mcu_tensor *f = t.filter;
  const int32_t out_c = f->dims[3], in_c = t.input->dims[3];
  if (f->dims[0] != 1 || f->dims[1] <= 0 || f->dims[2] <= 0 || in_c <= 0 || out_c <= 0 ||
      out_c % in_c != 0) {
    return mcu_fail(it, MCU_ERR_PARAMS,
                    "DEPTHWISE_CONV_2D: filter must be [1, h, w, in_channels * multiplier]");
  }
  const int32_t mult = out_c / in_c;
  const int32_t opt_mult = mcu_opt_int(node, OPT_DEPTH_MULTIPLIER, 0);
  if (opt_mult != 0 && opt_mult != mult) {
    return mcu_fail_int(it, MCU_ERR_PARAMS,
                        "DEPTHWISE_CONV_2D: depth_multiplier option disagrees with the "
                        "filter/input channels, which give",
                        mult);
  }
  weighted_window w;
  rc = weighted_op_window(it, node, &messages, OPT_ACTIVATION, &t, &w);
  if (rc != MCU_OK) return rc;
  weighted_quant q;
  dw_data *d = (dw_data *)weighted_op_data(it, &t, &messages, w.act, WEIGHTED_MULT_PER_CHANNEL,
                                           sizeof(dw_data), &q, &rc);
  if (d == NULL) return rc;

  k_dw_conv_params *k = &d->k;
  WEIGHTED_OP_SET_WINDOW_PARAMS(k, &t, &w, &q);
  k->depth_multiplier = mult;
  const size_t scratch = t.is_float ? k_depthwise_conv_2d_f32_scratch_size(k)
                                    : k_depthwise_conv_2d_s8_scratch_size(k);
  return weighted_op_finish(it, node, &t, d, &d->io, scratch);
}

WEIGHTED_OP_INVOKE(invoke, dw_data, k_depthwise_conv_2d_s8, k_depthwise_conv_2d_f32)

const mcu_op mcu_op_depthwise_conv_2d = {4 /* DEPTHWISE_CONV_2D */, "DEPTHWISE_CONV_2D",
                                         prepare, invoke};
