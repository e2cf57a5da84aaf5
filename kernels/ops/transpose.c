/* transpose.c - TRANSPOSE glue: constant perm tensor (int32/int64), up to 6-D, any
 * 1/2/4-byte element type. */
#include "ew_util.h"
#include "k_transpose.h"
#include "mcu_api.h"

typedef struct {
  mcu_ref in, out;
  k_transpose_params p;
} transpose_data;

static int transpose_prepare(mcu_interp *it, mcu_node *node) {
  const mcu_tensor *in;
  mcu_tensor *out;
  transpose_data *d;
  int32_t perm[MCU_MAX_DIMS];
  int32_t seen[MCU_MAX_DIMS] = {0};
  int32_t n, i, es;

  if (node->n_inputs != 2 || node->n_outputs != 1)
    return mcu_fail(it, MCU_ERR_MODEL, "expects 2 inputs (data, perm) and 1 output");
  in = mcu_input(it, node, 0);
  out = mcu_output(it, node, 0);
  if (in == NULL || out == NULL)
    return mcu_fail(it, MCU_ERR_MODEL, "missing input or output tensor");
  if (!ew_options_ok(node, EW_OPT_TRANSPOSE))
    return mcu_fail(it, MCU_ERR_MODEL, "options table is not TransposeOptions");
  es = ew_elem_size(in->type);
  if (in->type != out->type || es == 0 || in->type == MCU_UINT8)
    return mcu_fail_int(it, MCU_ERR_UNSUPPORTED_TYPE,
                        "unsupported types (float32, int32, int16, int8, bool; "
                        "input and output the same)", in->type);
  if (in->ndims > K_TRANSPOSE_MAX_DIMS)
    return mcu_fail_int(it, MCU_ERR_PARAMS, "input rank above 6:", in->ndims);
  n = ew_read_int_tensor(mcu_input(it, node, 1), perm, MCU_MAX_DIMS);
  if (n < 0)
    return mcu_fail(it, MCU_ERR_PARAMS, "perm must be a constant int32 tensor");
  if (n != in->ndims || out->ndims != in->ndims)
    return mcu_fail_int(it, MCU_ERR_PARAMS,
                        "perm length and output rank must equal the input rank",
                        in->ndims);
  for (i = 0; i < n; ++i) {
    if (perm[i] < 0 || perm[i] >= n || seen[perm[i]])
      return mcu_fail(it, MCU_ERR_PARAMS, "perm is not a permutation of 0..rank-1");
    seen[perm[i]] = 1;
    if (out->dims[i] != in->dims[perm[i]])
      return mcu_fail_int(it, MCU_ERR_PARAMS,
                          "output shape is not the permuted input shape in dim", i);
  }
  d = (transpose_data *)mcu_alloc_persistent(it, sizeof *d);
  if (d == NULL) return MCU_ERR_ARENA;
  d->in = mcu_input_ref(it, node, 0);
  d->out = mcu_output_ref(it, node, 0);
  if (k_transpose_init(&d->p, in->dims, in->ndims, perm, es) != 0)
    return mcu_fail(it, MCU_ERR_PARAMS, "input rank above 6");
  node->op_data = d;
  return MCU_OK;
}

static int transpose_invoke(mcu_interp *it, mcu_node *node) {
  const transpose_data *d = (const transpose_data *)node->op_data;
  (void)it;
  k_transpose(&d->p, *d->in, *d->out);
  return MCU_OK;
}

const mcu_op mcu_op_transpose = {39 /* TRANSPOSE */, "TRANSPOSE", transpose_prepare,
                                 transpose_invoke};
