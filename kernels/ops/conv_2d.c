/* conv_2d.c - CONV_2D operator glue: validates the node and precomputes k_conv_params
 * (padding, per-channel multipliers, activation clamp) in prepare, with the logic it
 * shares with DEPTHWISE_CONV_2D and FULLY_CONNECTED in weighted_op.h; invoke only
 * unpacks data pointers and calls the kernel (kernels/reference/conv_2d.c).
 *
 * Supported: int8 input/filter/output with optional int32 bias, filter quantized
 * per-tensor or per-channel (quantized dimension 0); float32 throughout. Grouped
 * convolution (input channels a multiple of the filter's) is supported. */
#include <stddef.h>

#include "k_conv_2d.h"
#include "mcu_api.h"
#include "weighted_op.h"

/* Conv2DOptions fields (schema order): padding, stride_w, stride_h, activation,
 * dilation_w, dilation_h; weighted_op_window reads them given the activation's. */
enum { OPT_ACTIVATION = 3 };

typedef struct {
  k_conv_params k;
  weighted_io io;
} conv_data;

static const weighted_op_messages messages = {
    WEIGHTED_OP_MESSAGES("CONV_2D", "filter", "conv",
                         "per-channel filter needs one scale per output channel (dim 0)"),
    WEIGHTED_WINDOW_MESSAGES("CONV_2D")};

static int prepare(mcu_interp *it, mcu_node *node) {
  weighted_tensors t;
  int rc = weighted_op_tensors(it, node, &messages, 0, &t);
  if (rc != MCU_OK) return rc;
  const mcu_tensor *f = t.filter;
  const int32_t out_c = f->dims[0], fh = f->dims[1], fw = f->dims[2], fic = f->dims[3];
  const int32_t in_c = t.input->dims[3];
  if (fh <= 0 || fw <= 0 || fic <= 0 || out_c <= 0 || in_c < fic || in_c % fic != 0 ||
      out_c % (in_c / fic) != 0) {
    return mcu_fail(it, MCU_ERR_PARAMS,
                    "CONV_2D: filter shape does not match the input channels");
  }
  weighted_window w;
  rc = weighted_op_window(it, node, &messages, OPT_ACTIVATION, &t, &w);
  if (rc != MCU_OK) return rc;
  weighted_quant q;
  conv_data *d = (conv_data *)weighted_op_data(it, &t, &messages, w.act, WEIGHTED_MULT_PER_CHANNEL,
                                                sizeof(conv_data), &q, &rc);
  if (d == NULL) return rc;

  k_conv_params *k = &d->k;
  WEIGHTED_OP_SET_WINDOW_PARAMS(k, &t, &w, &q);
  k->filter_in_c = fic;
  const size_t scratch =
      t.is_float ? k_conv_2d_f32_scratch_size(k) : k_conv_2d_s8_scratch_size(k);
  return weighted_op_finish(it, node, &t, d, &d->io, scratch);
}

WEIGHTED_OP_INVOKE(invoke, conv_data, k_conv_2d_s8, k_conv_2d_f32)

const mcu_op mcu_op_conv_2d = {3 /* CONV_2D */, "CONV_2D", prepare, invoke};
