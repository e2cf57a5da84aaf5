/* ew_util.h - prepare-time helpers shared by the elementwise and tensor-manipulation
 * glue (add, sub, mul, mean, pad, concatenation, strided_slice, transpose, reshape,
 * squeeze). Everything here runs in prepare(), never in invoke(). */
#ifndef EW_UTIL_H
#define EW_UTIL_H

#include <stdint.h>

#include "mcu_api.h"
#include "mcu_quant.h"

/* BuiltinOptions union type codes (TFLite schema). */
enum {
  EW_OPT_CONCATENATION = 10,
  EW_OPT_ADD = 11,
  EW_OPT_RESHAPE = 17,
  EW_OPT_MUL = 21,
  EW_OPT_PAD = 22,
  EW_OPT_TRANSPOSE = 26,
  EW_OPT_REDUCER = 27,
  EW_OPT_SUB = 28,
  EW_OPT_SQUEEZE = 30,
  EW_OPT_STRIDED_SLICE = 32,
};

/* 1 when the node's options table (if any) is of the expected union type. */
static inline int ew_options_ok(const mcu_node *node, int32_t expected) {
  return node->options == NULL || node->options_type == expected;
}

/* Element size of the plain data types the data-movement ops handle; 0 otherwise. */
static inline int32_t ew_elem_size(int32_t type) {
  switch (type) {
    case MCU_INT8:
    case MCU_UINT8:
    case MCU_BOOL:
      return 1;
    case MCU_INT16:
      return 2;
    case MCU_INT32:
    case MCU_FLOAT32:
      return 4;
    default:
      return 0;
  }
}

/* Read a constant int32/int64 parameter tensor (shape, paddings, perm, begin, ...)
 * into out[0..max-1] (int64 values are truncated to int32 after a range check).
 * Returns the element count, or -1 when the tensor is absent, not constant, of
 * another type, larger than max, or an int64 value is out of int32 range. */
static inline int32_t ew_read_int_tensor(const mcu_tensor *t, int32_t *out, int32_t max) {
  int32_t n, i;
  if (t == NULL) return -1;
  n = mcu_num_elements(t);
  if (n == 0) return 0; /* no values to read: constness does not matter */
  if (!t->is_const || t->data == NULL || n < 0 || n > max) return -1;
  if (t->type == MCU_INT32) {
    const int32_t *d = (const int32_t *)t->data;
    for (i = 0; i < n; ++i) out[i] = d[i];
  } else if (t->type == MCU_INT64) {
    const int64_t *d = (const int64_t *)t->data;
    for (i = 0; i < n; ++i) {
      if (d[i] > INT32_MAX || d[i] < INT32_MIN) return -1;
      out[i] = (int32_t)d[i];
    }
  } else {
    return -1;
  }
  return n;
}

/* Clamp range of a fused activation for int32 outputs (as TFLite's
 * CalculateActivationRange); returns 0, or -1 for an unsupported activation. */
static inline int ew_act_range_s32(int32_t act, int32_t *lo, int32_t *hi) {
  *lo = INT32_MIN;
  *hi = INT32_MAX;
  switch (act) {
    case MCU_ACT_NONE: return 0;
    case MCU_ACT_RELU: *lo = 0; return 0;
    case MCU_ACT_RELU6: *lo = 0; *hi = 6; return 0;
    case MCU_ACT_RELU_N1_TO_1: *lo = -1; *hi = 1; return 0;
    default: return -1;
  }
}

/* 1 for the fused activations the kernels implement (NONE, RELU, RELU_N1_TO_1, RELU6). */
static inline int ew_act_supported(int32_t act) {
  return act >= MCU_ACT_NONE && act <= MCU_ACT_RELU6;
}

/* Per-tensor quantization check: scale > 0 and at most one scale. */
static inline int ew_per_tensor_quant(const mcu_tensor *t) {
  return t->num_scales <= 1 && t->scale > 0.0f;
}

#endif /* EW_UTIL_H */
