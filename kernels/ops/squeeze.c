/* squeeze.c - SQUEEZE glue: removes the size-1 dims listed in squeeze_dims (negative
 * counts from the end), or every size-1 dim when the list is empty or absent. The
 * output shape is computed in prepare, checked against the model's element count and
 * written to the output tensor. Any element type; the data is copied unchanged. */
#include "ew_util.h"
#include "k_reshape.h"
#include "mcu_api.h"

typedef struct {
  mcu_ref in, out;
  int32_t bytes;
} squeeze_data;

static int squeeze_prepare(mcu_interp *it, mcu_node *node) {
  const mcu_tensor *in;
  mcu_tensor *out;
  squeeze_data *d;
  const int32_t *sq = NULL;
  int32_t drop[MCU_MAX_DIMS] = {0};
  int32_t n_sq, i, k = 0, es;

  if (node->n_inputs != 1 || node->n_outputs != 1)
    return mcu_fail(it, MCU_ERR_MODEL, "expects 1 input and 1 output");
  in = mcu_input(it, node, 0);
  out = mcu_output(it, node, 0);
  if (in == NULL || out == NULL)
    return mcu_fail(it, MCU_ERR_MODEL, "missing input or output tensor");
  if (!ew_options_ok(node, EW_OPT_SQUEEZE))
    return mcu_fail(it, MCU_ERR_MODEL, "options table is not SqueezeOptions");
  es = in->type == MCU_INT64 ? 8 : ew_elem_size(in->type);
  if (in->type != out->type || es == 0)
    return mcu_fail_int(it, MCU_ERR_UNSUPPORTED_TYPE,
                        "unsupported types (input and output must be the same)",
                        in->type);
  n_sq = mcu_opt_int_vector(node, 0, &sq);
  if (n_sq <= 0) {
    for (i = 0; i < in->ndims; ++i) drop[i] = in->dims[i] == 1;
  } else {
    for (i = 0; i < n_sq; ++i) {
      int32_t a = sq[i] < 0 ? sq[i] + in->ndims : sq[i];
      if (a < 0 || a >= in->ndims)
        return mcu_fail_int(it, MCU_ERR_PARAMS, "squeeze dim out of range:", sq[i]);
      if (in->dims[a] != 1)
        return mcu_fail_int(it, MCU_ERR_PARAMS, "squeezed dim is not 1:", sq[i]);
      drop[a] = 1;
    }
  }
  if (mcu_num_elements(out) != mcu_num_elements(in))
    return mcu_fail(it, MCU_ERR_PARAMS, "output element count differs from the input's");
  {
    int32_t dims[MCU_MAX_DIMS];
    int rc;
    for (i = 0; i < in->ndims; ++i) {
      if (!drop[i]) dims[k++] = in->dims[i];
    }
    rc = mcu_resize_output(it, node, 0, dims, k);
    if (rc != MCU_OK) return rc;
  }
  d = (squeeze_data *)mcu_alloc_persistent(it, sizeof *d);
  if (d == NULL) return MCU_ERR_ARENA;
  d->in = mcu_input_ref(it, node, 0);
  d->out = mcu_output_ref(it, node, 0);
  d->bytes = out->bytes;
  node->op_data = d;
  return MCU_OK;
}

static int squeeze_invoke(mcu_interp *it, mcu_node *node) {
  const squeeze_data *d = (const squeeze_data *)node->op_data;
  (void)it;
  k_squeeze(*d->in, *d->out, d->bytes);
  return MCU_OK;
}

const mcu_op mcu_op_squeeze = {43 /* SQUEEZE */, "SQUEEZE", squeeze_prepare, squeeze_invoke};
