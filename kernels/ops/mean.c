/* mean.c - MEAN glue: constant axis vector (negative and repeated axes allowed),
 * keep_dims; int8 (requantized as the reference does) and float32. */
#include "ew_util.h"
#include "k_mean.h"
#include "mcu_api.h"
#include "mcu_quant.h"

typedef struct {
  mcu_ref in, out;
  int32_t type;
  k_mean_params p;
} mean_data;

static int mean_prepare(mcu_interp *it, mcu_node *node) {
  const mcu_tensor *in, *axis_t;
  mcu_tensor *out;
  mean_data *d;
  int32_t axes[MCU_MAX_DIMS * 4];
  int32_t reduced[MCU_MAX_DIMS] = {0};
  int32_t n_axes, i, k, expect_out;

  if (node->n_inputs != 2 || node->n_outputs != 1)
    return mcu_fail(it, MCU_ERR_MODEL, "expects 2 inputs (data, axis) and 1 output");
  in = mcu_input(it, node, 0);
  axis_t = mcu_input(it, node, 1);
  out = mcu_output(it, node, 0);
  if (in == NULL || axis_t == NULL || out == NULL)
    return mcu_fail(it, MCU_ERR_MODEL, "missing input or output tensor");
  if (!ew_options_ok(node, EW_OPT_REDUCER))
    return mcu_fail(it, MCU_ERR_MODEL, "options table is not ReducerOptions");
  if (in->type != out->type || (in->type != MCU_INT8 && in->type != MCU_FLOAT32))
    return mcu_fail_int(it, MCU_ERR_UNSUPPORTED_TYPE,
                        "unsupported types (int8 or float32, input and output the same)",
                        in->type);
  n_axes = ew_read_int_tensor(axis_t, axes, (int32_t)(sizeof axes / sizeof axes[0]));
  if (n_axes < 0)
    return mcu_fail(it, MCU_ERR_PARAMS, "axis must be a constant int32 tensor");
  if (in->ndims < 1 || in->ndims > K_MEAN_MAX_DIMS)
    return mcu_fail_int(it, MCU_ERR_PARAMS, "input rank must be 1..6, got", in->ndims);
  for (i = 0; i < n_axes; ++i) {
    int32_t a = axes[i] < 0 ? axes[i] + in->ndims : axes[i];
    if (a < 0 || a >= in->ndims)
      return mcu_fail_int(it, MCU_ERR_PARAMS, "axis out of range:", axes[i]);
    reduced[a] = 1;
  }
  /* keep_dims (field 0) only changes the output's rank, which the model gives; the
   * element count is checked below. */

  d = (mean_data *)mcu_alloc_persistent(it, sizeof *d);
  if (d == NULL) return MCU_ERR_ARENA;
  d->in = mcu_input_ref(it, node, 0);
  d->out = mcu_output_ref(it, node, 0);
  d->type = in->type;

  /* collapse: drop size-1 dims, merge neighbours of the same kind */
  {
    k_mean_params *p = &d->p;
    int32_t kinds[K_MEAN_MAX_DIMS];
    int32_t n_out_expected = 1;
    p->num_inputs = 1;
    p->count = 1;
    k = 0;
    for (i = 0; i < in->ndims; ++i) {
      const int32_t dim = in->dims[i];
      p->num_inputs *= dim;
      if (reduced[i]) p->count *= dim; else n_out_expected *= dim;
      if (dim == 1) continue;
      if (k > 0 && kinds[k - 1] == reduced[i]) {
        p->dims[k - 1] *= dim;
      } else {
        kinds[k] = reduced[i];
        p->dims[k] = dim;
        ++k;
      }
    }
    if (k == 0) {
      kinds[0] = 0;
      p->dims[0] = 1;
      k = 1;
    }
    p->ndims = k;
    {
      int32_t s = 1;
      for (i = k - 1; i >= 0; --i) {
        p->out_stride[i] = kinds[i] ? 0 : s;
        if (!kinds[i]) s *= p->dims[i];
      }
    }
    for (i = k; i < K_MEAN_MAX_DIMS; ++i) {
      p->dims[i] = 1;
      p->out_stride[i] = 0;
    }
    p->num_outputs = n_out_expected;
    expect_out = n_out_expected;
    if (p->num_inputs == 0) return mcu_fail(it, MCU_ERR_PARAMS, "empty input tensor");
    if (mcu_num_elements(out) != expect_out)
      return mcu_fail_int(it, MCU_ERR_PARAMS,
                          "output element count does not match the reduction, expected",
                          expect_out);

    if (in->type == MCU_INT8) {
      int shift;
      int32_t sh;
      if (!ew_per_tensor_quant(in) || !ew_per_tensor_quant(out))
        return mcu_fail(it, MCU_ERR_PARAMS,
                        "int8 tensors need per-tensor quantization with scale > 0");
      p->in_zero_point = in->zero_point;
      p->out_zero_point = out->zero_point;
      mcu_quantize_multiplier((double)in->scale / (double)out->scale, &p->out_multiplier,
                              &shift);
      sh = shift;
      k_mean_fold_count(p->count, &p->out_multiplier, &sh);
      p->out_shift = sh;
      if (mcu_request_scratch(it, node, (size_t)k_mean_s8_scratch_size(p)) != MCU_OK)
        return MCU_ERR_ARENA;
    } else {
      p->in_zero_point = 0;
      p->out_zero_point = 0;
      p->out_multiplier = 0;
      p->out_shift = 0;
    }
  }
  node->op_data = d;
  return MCU_OK;
}

static int mean_invoke(mcu_interp *it, mcu_node *node) {
  const mean_data *d = (const mean_data *)node->op_data;
  if (d->type == MCU_INT8) {
    k_mean_s8(&d->p, (const int8_t *)*d->in, (int8_t *)*d->out,
              (int32_t *)mcu_scratch(it, node));
  } else {
    k_mean_f32(&d->p, (const float *)*d->in, (float *)*d->out);
  }
  return MCU_OK;
}

const mcu_op mcu_op_mean = {40 /* MEAN */, "MEAN", mean_prepare, mean_invoke};
