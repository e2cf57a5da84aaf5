/* pad.c - PAD glue: constant paddings tensor ([rank, 2], int32 or int64), up to 6-D;
 * float32/int32/int16 pad with 0, int8 pads with the output zero point (the data is
 * copied unchanged, as the reference does). */
#include <string.h>

#include "ew_util.h"
#include "k_pad.h"
#include "mcu_api.h"

typedef struct {
  mcu_ref in, out;
  k_pad_params p;
} pad_data;

static int pad_prepare(mcu_interp *it, mcu_node *node) {
  const mcu_tensor *in, *pads_t;
  mcu_tensor *out;
  pad_data *d;
  int32_t pads[2 * MCU_MAX_DIMS], before[MCU_MAX_DIMS], after[MCU_MAX_DIMS];
  int32_t n, i, es;

  if (node->n_inputs != 2 || node->n_outputs != 1)
    return mcu_fail(it, MCU_ERR_MODEL, "expects 2 inputs (data, paddings) and 1 output");
  in = mcu_input(it, node, 0);
  pads_t = mcu_input(it, node, 1);
  out = mcu_output(it, node, 0);
  if (in == NULL || pads_t == NULL || out == NULL)
    return mcu_fail(it, MCU_ERR_MODEL, "missing input or output tensor");
  if (!ew_options_ok(node, EW_OPT_PAD))
    return mcu_fail(it, MCU_ERR_MODEL, "options table is not PadOptions");
  es = ew_elem_size(in->type);
  if (in->type != out->type || !(in->type == MCU_INT8 || in->type == MCU_INT16 ||
                                 in->type == MCU_INT32 || in->type == MCU_FLOAT32))
    return mcu_fail_int(it, MCU_ERR_UNSUPPORTED_TYPE,
                        "unsupported types (int8, int16, int32 or float32, input and "
                        "output the same)", in->type);
  if (in->ndims > K_PAD_MAX_DIMS || out->ndims != in->ndims)
    return mcu_fail(it, MCU_ERR_PARAMS, "input rank above 6 or output rank differs");
  n = ew_read_int_tensor(pads_t, pads, 2 * MCU_MAX_DIMS);
  if (n < 0)
    return mcu_fail(it, MCU_ERR_PARAMS, "paddings must be a constant int32/int64 tensor");
  if (n != 2 * in->ndims)
    return mcu_fail_int(it, MCU_ERR_PARAMS, "paddings must have shape [rank, 2], rank",
                        in->ndims);
  for (i = 0; i < in->ndims; ++i) {
    before[i] = pads[2 * i];
    after[i] = pads[2 * i + 1];
    if (before[i] < 0 || after[i] < 0)
      return mcu_fail_int(it, MCU_ERR_PARAMS, "negative padding in dim", i);
    if ((int64_t)out->dims[i] != (int64_t)in->dims[i] + before[i] + after[i])
      return mcu_fail_int(it, MCU_ERR_PARAMS,
                          "output shape does not match input + paddings in dim", i);
  }
  d = (pad_data *)mcu_alloc_persistent(it, sizeof *d);
  if (d == NULL) return MCU_ERR_ARENA;
  d->in = mcu_input_ref(it, node, 0);
  d->out = mcu_output_ref(it, node, 0);
  if (k_pad_init(&d->p, in->dims, in->ndims, before, after) != 0)
    return mcu_fail(it, MCU_ERR_PARAMS, "rank above 6");
  d->p.elem_size = es;
  d->p.out_count = mcu_num_elements(out);
  for (i = 0; i < 4; ++i) d->p.pad_value[i] = 0;
  if (in->type == MCU_INT8) {
    if (out->zero_point < -128 || out->zero_point > 127)
      return mcu_fail(it, MCU_ERR_PARAMS, "int8 output zero point out of range");
    d->p.pad_value[0] = (uint8_t)(int8_t)out->zero_point;
  } else if (in->type == MCU_INT16) {
    const uint16_t z = (uint16_t)(int16_t)out->zero_point;
    memcpy(d->p.pad_value, &z, 2);
  }
  node->op_data = d;
  return MCU_OK;
}

static int pad_invoke(mcu_interp *it, mcu_node *node) {
  const pad_data *d = (const pad_data *)node->op_data;
  (void)it;
  k_pad(&d->p, *d->in, *d->out);
  return MCU_OK;
}

const mcu_op mcu_op_pad = {34 /* PAD */, "PAD", pad_prepare, pad_invoke};
