/* concatenation.c - CONCATENATION glue: any number of inputs along `axis` (negative
 * counts from the end), up to 6-D; float32/int32/int16/int8/bool. int8 inputs whose
 * quantization differs from the output's are requantized (TFLite's rule; the
 * tflite-micro reference refuses such models). Fused activations other than NONE are
 * refused, as by the reference. */
#include "ew_util.h"
#include "k_concatenation.h"
#include "mcu_api.h"

typedef struct {
  mcu_ref *in;       /* [num_inputs] */
  const void **ptrs; /* [num_inputs]: *in[j], gathered at invoke */
  mcu_ref out;
  k_concatenation_params p;
} concat_data;

static int concat_prepare(mcu_interp *it, mcu_node *node) {
  const int32_t n_in = node->n_inputs;
  mcu_tensor *out;
  concat_data *d;
  int32_t axis, rank, es, outer = 1, inner = 1, i, j, need_lut = 0;
  int64_t axis_sum = 0; /* up to 1024 inputs of up to 2^31 - 1 each */
  int32_t *in_row;

  if (n_in < 1 || node->n_outputs != 1)
    return mcu_fail(it, MCU_ERR_MODEL, "expects >= 1 inputs and 1 output");
  out = mcu_output(it, node, 0);
  if (out == NULL) return mcu_fail(it, MCU_ERR_MODEL, "missing output tensor");
  if (!ew_options_ok(node, EW_OPT_CONCATENATION))
    return mcu_fail(it, MCU_ERR_MODEL,
                    "options table is not ConcatenationOptions");
  if (mcu_opt_int(node, 1, MCU_ACT_NONE) != MCU_ACT_NONE)
    return mcu_fail(it, MCU_ERR_PARAMS, "fused activation not supported");
  rank = out->ndims;
  axis = mcu_opt_int(node, 0, 0);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank)
    return mcu_fail_int(it, MCU_ERR_PARAMS, "axis out of range:",
                        mcu_opt_int(node, 0, 0));
  es = ew_elem_size(out->type);
  if (es == 0 || out->type == MCU_UINT8)
    return mcu_fail_int(it, MCU_ERR_UNSUPPORTED_TYPE,
                        "unsupported type (float32, int32, int16, int8, bool)",
                        out->type);

  d = (concat_data *)mcu_alloc_persistent(it, sizeof *d);
  if (d == NULL) return MCU_ERR_ARENA;
  d->in = (mcu_ref *)mcu_alloc_persistent(it, (size_t)n_in * sizeof(mcu_ref));
  d->ptrs = (const void **)mcu_alloc_persistent(it, (size_t)n_in * sizeof(void *));
  in_row = (int32_t *)mcu_alloc_persistent(it, (size_t)n_in * sizeof(int32_t));
  if (d->in == NULL || d->ptrs == NULL || in_row == NULL) return MCU_ERR_ARENA;
  d->out = mcu_output_ref(it, node, 0);

  for (i = 0; i < axis; ++i) outer *= out->dims[i];
  for (i = axis + 1; i < rank; ++i) inner *= out->dims[i];
  for (j = 0; j < n_in; ++j) {
    const mcu_tensor *t = mcu_input(it, node, j);
    if (t == NULL) return mcu_fail(it, MCU_ERR_MODEL, "missing input tensor");
    if (t->type != out->type)
      return mcu_fail_int(it, MCU_ERR_UNSUPPORTED_TYPE,
                          "input type differs from the output's, input", j);
    if (t->ndims != rank)
      return mcu_fail_int(it, MCU_ERR_PARAMS, "rank mismatch, input", j);
    for (i = 0; i < rank; ++i) {
      if (i != axis && t->dims[i] != out->dims[i])
        return mcu_fail_int(it, MCU_ERR_PARAMS,
                            "non-axis dim differs from the output's, input", j);
    }
    axis_sum += t->dims[axis];
    in_row[j] = t->dims[axis] * inner;
    d->in[j] = mcu_input_ref(it, node, j);
    if (out->type == MCU_INT8) {
      if (!ew_per_tensor_quant(t) || !ew_per_tensor_quant(out))
        return mcu_fail(it, MCU_ERR_PARAMS,
                        "int8 tensors need per-tensor quantization");
      if (t->scale != out->scale || t->zero_point != out->zero_point) {
        /* the requantization table's float arithmetic (k_concatenation_requant_table)
         * must stay finite: refuse absurd scale ratios (a corrupt model) */
        const float ratio = t->scale * (1.0f / out->scale);
        if (!(ratio < 1.0e30f))
          return mcu_fail_int(it, MCU_ERR_PARAMS,
                              "input/output scale ratio out of range, input", j);
        need_lut = 1;
      }
    }
  }
  if (axis_sum != out->dims[axis])
    return mcu_fail(it, MCU_ERR_PARAMS,
                    "output axis dim is not the sum of the inputs'");

  d->p.num_inputs = n_in;
  d->p.outer = outer;
  d->p.elem_size = es;
  d->p.in_row = in_row;
  d->p.lut = NULL;
  if (need_lut) {
    const int8_t **luts =
        (const int8_t **)mcu_alloc_persistent(it, (size_t)n_in * sizeof(int8_t *));
    if (luts == NULL) return MCU_ERR_ARENA;
    for (j = 0; j < n_in; ++j) {
      const mcu_tensor *t = mcu_input(it, node, j); /* as above (prepare-time struct) */
      if (t == NULL) return mcu_fail(it, MCU_ERR_MODEL, "missing input tensor");
      luts[j] = NULL;
      if (t->scale != out->scale || t->zero_point != out->zero_point) {
        int8_t *table = (int8_t *)mcu_alloc_persistent(it, 256);
        if (table == NULL) return MCU_ERR_ARENA;
        k_concatenation_requant_table(t->scale, t->zero_point, out->scale, out->zero_point,
                                      table);
        luts[j] = table;
      }
    }
    d->p.lut = luts;
  }
  node->op_data = d;
  return MCU_OK;
}

static int concat_invoke(mcu_interp *it, mcu_node *node) {
  const concat_data *d = (const concat_data *)node->op_data;
  const int32_t n = d->p.num_inputs;
  (void)it;
  for (int32_t j = 0; j < n; ++j) d->ptrs[j] = *d->in[j];
  k_concatenation(&d->p, d->ptrs, *d->out);
  return MCU_OK;
}

const mcu_op mcu_op_concatenation = {2 /* CONCATENATION */, "CONCATENATION", concat_prepare,
                                     concat_invoke};
