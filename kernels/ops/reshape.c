/* reshape.c - RESHAPE glue. The output shape is settled in prepare and written to
 * the output tensor (dims, ndims, bytes):
 *  - the model's output shape when it is fully specified and holds as many elements
 *    as the input (this is what the reference interpreter uses);
 *  - otherwise the constant shape input tensor (int32/int64, 1-D; the legacy [0]
 *    means a scalar), else the new_shape option, else the model's output shape,
 *    with one -1 dim inferred from the input's element count.
 * Any element type; the data is copied unchanged. */
#include "ew_util.h"
#include "k_reshape.h"
#include "mcu_api.h"

typedef struct {
  mcu_ref in, out;
  int32_t bytes;
} reshape_data;

static int32_t type_size(int32_t type) {
  return type == MCU_INT64 ? 8 : ew_elem_size(type);
}

static int reshape_prepare(mcu_interp *it, mcu_node *node) {
  const mcu_tensor *in, *shape_t;
  mcu_tensor *out;
  reshape_data *d;
  int32_t shape[MCU_MAX_DIMS];
  int32_t n = -1, i, stretch = -1, in_count, model_ok = 1;
  /* products of dims from the model's shape vectors: int64, and capped so that they
   * cannot overflow (any product above INT32_MAX already differs from in_count) */
  int64_t known = 1, out_model_count = 1;

  if (node->n_inputs < 1 || node->n_inputs > 2 || node->n_outputs != 1)
    return mcu_fail(it, MCU_ERR_MODEL, "expects 1 or 2 inputs and 1 output");
  in = mcu_input(it, node, 0);
  out = mcu_output(it, node, 0);
  shape_t = node->n_inputs == 2 ? mcu_input(it, node, 1) : NULL;
  if (in == NULL || out == NULL)
    return mcu_fail(it, MCU_ERR_MODEL, "missing input or output tensor");
  if (!ew_options_ok(node, EW_OPT_RESHAPE))
    return mcu_fail(it, MCU_ERR_MODEL, "options table is not ReshapeOptions");
  if (in->type != out->type || type_size(in->type) == 0)
    return mcu_fail_int(it, MCU_ERR_UNSUPPORTED_TYPE,
                        "unsupported types (input and output must be the same)",
                        in->type);
  in_count = mcu_num_elements(in);

  for (i = 0; i < out->ndims; ++i) {
    if (out->dims[i] < 0) model_ok = 0; else out_model_count *= out->dims[i];
    if (out_model_count > INT32_MAX) out_model_count = (int64_t)INT32_MAX + 1;
  }
  if (model_ok && out_model_count == in_count) {
    n = out->ndims; /* the model's shape stands */
    for (i = 0; i < n; ++i) shape[i] = out->dims[i];
  } else {
    if (shape_t != NULL) {
      if (shape_t->ndims > 1)
        return mcu_fail(it, MCU_ERR_PARAMS, "shape input must be 1-D");
      n = ew_read_int_tensor(shape_t, shape, MCU_MAX_DIMS);
      if (n < 0)
        return mcu_fail(it, MCU_ERR_PARAMS,
                        "shape input must be a constant int32 tensor of <= 6 values");
      if (n == 1 && shape[0] == 0) n = 0; /* legacy scalar */
    }
    if (n < 0) {
      const int32_t *ns = NULL;
      int32_t len = mcu_opt_int_vector(node, 0, &ns);
      if (len > MCU_MAX_DIMS)
        return mcu_fail(it, MCU_ERR_PARAMS, "new_shape has more than 6 dims");
      if (len >= 0) {
        n = len;
        for (i = 0; i < n; ++i) shape[i] = ns[i];
        if (n == 1 && shape[0] == 0) n = 0;
      }
    }
    if (n < 0) {
      n = out->ndims;
      for (i = 0; i < n; ++i) shape[i] = out->dims[i];
    }
    for (i = 0; i < n; ++i) {
      if (shape[i] == -1) {
        if (stretch >= 0)
          return mcu_fail(it, MCU_ERR_PARAMS, "more than one -1 in the shape");
        stretch = i;
      } else if (shape[i] < 0) {
        return mcu_fail_int(it, MCU_ERR_PARAMS, "negative dim in the shape:", shape[i]);
      } else {
        known *= shape[i];
        if (known > INT32_MAX) known = (int64_t)INT32_MAX + 1;
      }
    }
    if (stretch >= 0) {
      if (known == 0 || in_count % known != 0)
        return mcu_fail(it, MCU_ERR_PARAMS, "cannot infer the -1 dim");
      shape[stretch] = (int32_t)(in_count / known);
      known *= shape[stretch];
    }
    if (known != in_count)
      return mcu_fail_int(it, MCU_ERR_PARAMS,
                          "shape element count differs from the input's:",
                          known > INT32_MAX ? INT32_MAX : (int32_t)known);
  }

  {
    int rc = mcu_resize_output(it, node, 0, shape, n);
    if (rc != MCU_OK) return rc;
  }
  d = (reshape_data *)mcu_alloc_persistent(it, sizeof *d);
  if (d == NULL) return MCU_ERR_ARENA;
  d->in = mcu_input_ref(it, node, 0);
  d->out = mcu_output_ref(it, node, 0);
  d->bytes = out->bytes;
  node->op_data = d;
  return MCU_OK;
}

static int reshape_invoke(mcu_interp *it, mcu_node *node) {
  const reshape_data *d = (const reshape_data *)node->op_data;
  (void)it;
  k_reshape(*d->in, *d->out, d->bytes);
  return MCU_OK;
}

const mcu_op mcu_op_reshape = {22 /* RESHAPE */, "RESHAPE", reshape_prepare, reshape_invoke};
