/* weighted_op.h - prepare() and invoke() logic shared by the glue of the operators with
 * weights: CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED (kernels/ops/conv_2d.c,
 * depthwise_conv_2d.c, fully_connected.c). Each takes an input, a filter (weights) and
 * an optional bias and gives one output: int8 with an int32 bias, requantized by
 * input scale * filter scale / output scale per output channel, or float32 throughout.
 *
 * The op checks its filter's shape and its own options and fills its kernel params;
 * the rest is here. prepare() calls, in this order (each returns MCU_OK or the error
 * it recorded):
 *   weighted_op_tensors     the inputs and output and their types
 *   weighted_op_window      CONV_2D, DEPTHWISE_CONV_2D: output shape, bias, window
 *   weighted_op_activation  FULLY_CONNECTED: the fused activation option
 *   weighted_op_data        the op data and the output stage (requantization)
 *   weighted_op_finish      scratch request, tensor refs, node->op_data
 * and WEIGHTED_OP_INVOKE defines its invoke(). Prepare-time code is in weighted_op.c. */
#ifndef WEIGHTED_OP_H
#define WEIGHTED_OP_H

#include <stddef.h>
#include <stdint.h>

#include "mcu_api.h"

/* The shared checks' messages, each led by the op's name like the op's own (static
 * strings: mcu_fail formats nothing). An op's table is
 *   {WEIGHTED_OP_MESSAGES(name, word for the filter, subject of the int8 bias message,
 *                         per-channel message), WEIGHTED_WINDOW_MESSAGES(name)}
 * the latter for CONV_2D and DEPTHWISE_CONV_2D only: FULLY_CONNECTED checks its own
 * shapes and leaves rank and what follows it NULL. */
typedef struct {
  const char *arity, *missing, *int8_types, *int8_bias, *hybrid, *float_types, *int16,
      *uint8, *type, *act, *scale, *per_channel;
  const char *rank, *out_shape, *bias, *padding, *strides, *window, *out_hw;
} weighted_op_messages;

#define WEIGHTED_OP_MESSAGES(NAME, FILTER, BIAS_SUBJECT, PER_CHANNEL)                          \
  NAME ": expects 2 or 3 inputs and 1 output",                                                 \
  NAME ": missing input, " FILTER " or output tensor",                                         \
  NAME ": int8 input needs int8 " FILTER " and int8 output",                                   \
  NAME ": int8 " BIAS_SUBJECT " needs an int32 bias",                                          \
  NAME ": hybrid model (int8 weights, float32 activations) is not supported; quantize the "    \
       "model fully to int8 or keep float32 weights",                                          \
  NAME ": float32 input needs float32 " FILTER ", bias and output",                            \
  NAME ": int16 activations are not supported (int8 or float32)",                              \
  NAME ": uint8 (legacy asymmetric) is not supported (int8 or float32)",                       \
  NAME ": input type not supported (int8 or float32), TensorType",                             \
  NAME ": fused activation not supported (NONE, RELU, RELU_N1_TO_1, RELU6), got",              \
  NAME ": int8 input and output need a quantization scale",                                    \
  NAME ": " PER_CHANNEL

#define WEIGHTED_WINDOW_MESSAGES(NAME)                                                         \
  NAME ": input, filter and output must be 4-D",                                               \
  NAME ": output batch or channel count is wrong",                                             \
  NAME ": bias must have one value per output channel:",                                       \
  NAME ": unknown padding",                                                                    \
  NAME ": strides and dilations must be >= 1",                                                 \
  NAME ": input size, filter size, stride or dilation above 2^24",                             \
  NAME ": output height/width do not follow from input, filter, stride, dilation and padding"

/* The node's tensors, valid during prepare() only (see mcu_api.h). */
typedef struct {
  const mcu_tensor *input, *filter, *bias, *output; /* bias NULL when absent */
  int is_float;
  int out_dim;   /* the filter dimension along the output channels */
} weighted_tensors;

/* Checks the node's arity (input, filter, optional bias; one output) and types: int8
 * input, filter and output with an int32 bias, or float32 throughout (int8 weights
 * with float32 activations: MCU_ERR_HYBRID); with msg->rank, that all three are 4-D.
 * out_dim: see weighted_tensors. */
int weighted_op_tensors(mcu_interp *it, const mcu_node *node, const weighted_op_messages *msg,
                        int out_dim, weighted_tensors *t);

/* The fused activation option (field `field`): NONE, RELU, RELU_N1_TO_1 or RELU6. */
int weighted_op_activation(mcu_interp *it, const mcu_node *node, const weighted_op_messages *msg,
                           int field, int32_t *act);

typedef struct {
  int32_t act;                   /* fused activation */
  int32_t stride_h, stride_w, dilation_h, dilation_w;
  int32_t pad_h, pad_w;          /* top / left padding */
} weighted_window;

/* CONV_2D and DEPTHWISE_CONV_2D once the op has checked its filter: the output's batch
 * and channels (the filter's along t->out_dim), the bias (one value per output channel)
 * and the window over the input's rows and columns (dims 1 and 2) for the filter's
 * dims 1 and 2. Their options tables share the fields padding (0), stride_w (1),
 * stride_h (2), and fused activation, dilation_w and dilation_h at opt_act,
 * opt_act + 1, opt_act + 2 (DepthwiseConv2DOptions has depth_multiplier before them). */
int weighted_op_window(mcu_interp *it, const mcu_node *node, const weighted_op_messages *msg,
                       int opt_act, const weighted_tensors *t, weighted_window *w);

/* The output stage as the kernels' params hold it. */
typedef struct {
  int32_t input_offset;          /* int8: -(input zero point); float32: 0 */
  int32_t output_offset;         /* int8: output zero point; float32: 0 */
  int32_t act_min, act_max;      /* int8 clamp; float32: -128, 127 */
  float act_min_f, act_max_f;    /* float32 clamp */
  const int32_t *mult;           /* [output channels] Q31 multipliers, or NULL */
  const int8_t *shift;           /* [output channels] shifts (> 0: left), in [-31, 30] */
  /* WEIGHTED_MULT_PER_FILTER with a per-tensor int8 filter, else 0: */
  int32_t tensor_mult, tensor_shift;  /* its one multiplier and shift */
  int32_t filter_offset;              /* -(its zero point) */
} weighted_quant;

/* Which multipliers the kernel takes for int8. */
enum {
  WEIGHTED_MULT_PER_CHANNEL, /* one per output channel, whatever the filter's quantization */
  WEIGHTED_MULT_PER_FILTER,  /* as the filter is quantized: per channel, or one per tensor */
};

/* Checks a per-channel filter (one scale per output channel, along t->out_dim),
 * allocates the op data - `bytes` for the op's struct (whose size keeps what follows
 * int32-aligned), then an int32 multiplier and an int8 shift per output channel when
 * the kernel takes them (mult_form) - and fills *q for the fused activation act, for
 * int8 after checking the input and output scales. Returns the op data, or NULL with
 * the error in *rc. */
void *weighted_op_data(mcu_interp *it, const weighted_tensors *t, const weighted_op_messages *msg,
                       int32_t act, int mult_form, size_t bytes, weighted_quant *q, int *rc);

/* What invoke() needs besides the kernel's params (persistent, in the op data). */
typedef struct {
  mcu_ref input, filter, bias, output; /* bias NULL when absent */
  int32_t is_float;
} weighted_io;

/* Ends prepare(): requests the kernel's scratch (when scratch > 0), fills *io and sets
 * node->op_data to op_data (the op's struct, holding io). */
int weighted_op_finish(mcu_interp *it, mcu_node *node, const weighted_tensors *t,
                       void *op_data, weighted_io *io, size_t scratch);

/* Defines `static int NAME(mcu_interp *, mcu_node *)`, the op's invoke(): its op data
 * is a DATA, a struct with the kernel's params `k` and a weighted_io `io`, and it calls
 * KERNEL_S8 or KERNEL_F32 (the k_<op>_s8/_f32 signature) on the tensors' data. */
#define WEIGHTED_OP_INVOKE(NAME, DATA, KERNEL_S8, KERNEL_F32)                                  \
  static int NAME(mcu_interp *it, mcu_node *node) {                                            \
    const DATA *d = (const DATA *)node->op_data;                                               \
    void *scratch = node->scratch_handle >= 0 ? mcu_scratch(it, node) : NULL;                  \
    const void *bias = d->io.bias != NULL ? *d->io.bias : NULL;                                \
    if (d->io.is_float) {                                                                      \
      KERNEL_F32(&d->k, *d->io.input, *d->io.filter, bias, *d->io.output, scratch);            \
    } else {                                                                                   \
      KERNEL_S8(&d->k, *d->io.input, *d->io.filter, bias, *d->io.output, scratch);             \
    }                                                                                          \
    return MCU_OK;                                                                             \
  }

/* Sets the fields k_conv_params and k_dw_conv_params share (the same names and
 * meaning in both; a macro as they are two struct types): shapes, window and output
 * stage. t, w and q as weighted_op_tensors, _window and _data filled them. */
#define WEIGHTED_OP_SET_WINDOW_PARAMS(k, t, w, q)                                              \
  do {                                                                                         \
    (k)->batches = (t)->input->dims[0];                                                        \
    (k)->in_h = (t)->input->dims[1];                                                           \
    (k)->in_w = (t)->input->dims[2];                                                           \
    (k)->in_c = (t)->input->dims[3];                                                           \
    (k)->out_h = (t)->output->dims[1];                                                         \
    (k)->out_w = (t)->output->dims[2];                                                         \
    (k)->out_c = (t)->output->dims[3];                                                         \
    (k)->filter_h = (t)->filter->dims[1];                                                      \
    (k)->filter_w = (t)->filter->dims[2];                                                      \
    (k)->stride_h = (w)->stride_h;                                                             \
    (k)->stride_w = (w)->stride_w;                                                             \
    (k)->dilation_h = (w)->dilation_h;                                                         \
    (k)->dilation_w = (w)->dilation_w;                                                         \
    (k)->pad_h = (w)->pad_h;                                                                   \
    (k)->pad_w = (w)->pad_w;                                                                   \
    (k)->input_offset = (q)->input_offset;                                                     \
    (k)->output_offset = (q)->output_offset;                                                   \
    (k)->act_min = (q)->act_min;                                                               \
    (k)->act_max = (q)->act_max;                                                               \
    (k)->out_mult = (q)->mult;                                                                 \
    (k)->out_shift = (q)->shift;                                                               \
    (k)->act_min_f = (q)->act_min_f;                                                           \
    (k)->act_max_f = (q)->act_max_f;                                                           \
  } while (0)

#endif /* WEIGHTED_OP_H */
