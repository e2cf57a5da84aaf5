/* strided_slice.c - STRIDED_SLICE glue: constant begin/end/strides (int32/int64; may
 * be shorter than the input rank: the remaining dims are taken whole), begin_mask,
 * end_mask, shrink_axis_mask, negative indices and strides, up to 6-D, any 1/2/4-byte
 * element type. ellipsis_mask, new_axis_mask and offset are refused: the reference
 * interpreter ignores them, which gives wrong shapes or data. */
#include "ew_util.h"
#include "k_strided_slice.h"
#include "mcu_api.h"

typedef struct {
  mcu_ref in, out;
  k_strided_slice_params p;
} slice_data;

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

static int slice_prepare(mcu_interp *it, mcu_node *node) {
  const mcu_tensor *in;
  mcu_tensor *out;
  slice_data *d;
  int32_t begin[MCU_MAX_DIMS], end[MCU_MAX_DIMS], strides[MCU_MAX_DIMS];
  int32_t start[MCU_MAX_DIMS], step[MCU_MAX_DIMS], count[MCU_MAX_DIMS];
  int32_t nb, ne, ns, rank, i, es, out_rank = 0;
  int32_t begin_mask, end_mask, shrink_mask;

  if (node->n_inputs != 4 || node->n_outputs != 1)
    return mcu_fail(it, MCU_ERR_MODEL,
                    "expects 4 inputs (data, begin, end, strides) and 1 output");
  in = mcu_input(it, node, 0);
  out = mcu_output(it, node, 0);
  if (in == NULL || out == NULL)
    return mcu_fail(it, MCU_ERR_MODEL, "missing input or output tensor");
  if (!ew_options_ok(node, EW_OPT_STRIDED_SLICE))
    return mcu_fail(it, MCU_ERR_MODEL, "options table is not StridedSliceOptions");
  es = ew_elem_size(in->type);
  if (in->type != out->type || es == 0 || in->type == MCU_UINT8)
    return mcu_fail_int(it, MCU_ERR_UNSUPPORTED_TYPE,
                        "unsupported types (float32, int32, int16, int8, bool; "
                        "input and output the same)", in->type);
  rank = in->ndims;
  if (rank > K_SLICE_MAX_DIMS)
    return mcu_fail_int(it, MCU_ERR_PARAMS, "input rank above 6:", rank);
  begin_mask = mcu_opt_int(node, 0, 0);
  end_mask = mcu_opt_int(node, 1, 0);
  shrink_mask = mcu_opt_int(node, 4, 0);
  if (mcu_opt_int(node, 2, 0) != 0)
    return mcu_fail(it, MCU_ERR_PARAMS, "ellipsis_mask is not supported");
  if (mcu_opt_int(node, 3, 0) != 0)
    return mcu_fail(it, MCU_ERR_PARAMS, "new_axis_mask is not supported");
  if (mcu_opt_int(node, 5, 0) != 0)
    return mcu_fail(it, MCU_ERR_PARAMS, "offset=true is not supported");
  nb = ew_read_int_tensor(mcu_input(it, node, 1), begin, MCU_MAX_DIMS);
  ne = ew_read_int_tensor(mcu_input(it, node, 2), end, MCU_MAX_DIMS);
  ns = ew_read_int_tensor(mcu_input(it, node, 3), strides, MCU_MAX_DIMS);
  if (nb < 0 || ne < 0 || ns < 0)
    return mcu_fail(it, MCU_ERR_PARAMS,
                    "begin, end and strides must be constant int32 tensors "
                    "of at most 6 elements");
  if (nb != ne || nb != ns || nb > rank)
    return mcu_fail(it, MCU_ERR_PARAMS,
                    "begin, end and strides must have one length <= input rank");

  for (i = 0; i < rank; ++i) {
    const int64_t dim = in->dims[i];
    const int shrink = i < nb && ((shrink_mask >> i) & 1);
    int64_t s = i < nb ? strides[i] : 1;
    int64_t b, e, n;
    if (s == 0) return mcu_fail_int(it, MCU_ERR_PARAMS, "zero stride in dim", i);
    /* start */
    if (i >= nb || ((begin_mask >> i) & 1)) {
      b = s > 0 ? INT32_MIN : INT32_MAX;
    } else {
      b = begin[i];
    }
    if (b < 0) b += dim;
    b = s > 0 ? clamp64(b, 0, dim) : clamp64(b, -1, dim - 1);
    if (shrink) {
      if (b < 0 || b >= dim)
        return mcu_fail_int(it, MCU_ERR_PARAMS, "shrunk index out of range in dim", i);
      s = 1;
      n = 1;
    } else {
      if (i >= nb || ((end_mask >> i) & 1)) {
        e = s > 0 ? INT32_MAX : INT32_MIN;
      } else {
        e = end[i];
      }
      if (e < 0) e += dim;
      e = s > 0 ? clamp64(e, 0, dim) : clamp64(e, -1, dim - 1);
      if (s > 0) {
        n = e > b ? (e - b + s - 1) / s : 0;
      } else {
        n = b > e ? (b - e + (-s) - 1) / (-s) : 0;
      }
      if (out_rank >= out->ndims || out->dims[out_rank] != n)
        return mcu_fail_int(it, MCU_ERR_PARAMS,
                            "output shape does not match the slice in dim", i);
      ++out_rank;
    }
    start[i] = (int32_t)(n > 0 ? b : 0);
    step[i] = (int32_t)s;
    count[i] = (int32_t)n;
  }
  if (out_rank != out->ndims)
    return mcu_fail(it, MCU_ERR_PARAMS, "output rank does not match the slice");

  d = (slice_data *)mcu_alloc_persistent(it, sizeof *d);
  if (d == NULL) return MCU_ERR_ARENA;
  d->in = mcu_input_ref(it, node, 0);
  d->out = mcu_output_ref(it, node, 0);
  if (k_strided_slice_init(&d->p, in->dims, rank, start, step, count, es) != 0)
    return mcu_fail(it, MCU_ERR_PARAMS, "input rank above 6");
  node->op_data = d;
  return MCU_OK;
}

static int slice_invoke(mcu_interp *it, mcu_node *node) {
  const slice_data *d = (const slice_data *)node->op_data;
  (void)it;
  k_strided_slice(&d->p, *d->in, *d->out);
  return MCU_OK;
}

const mcu_op mcu_op_strided_slice = {45 /* STRIDED_SLICE */, "STRIDED_SLICE", slice_prepare,
                                     slice_invoke};
