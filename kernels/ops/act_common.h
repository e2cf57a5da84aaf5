/* act_common.h - prepare-time helpers shared by the activation, softmax and
 * quantize/dequantize glue (kernels/ops/{softmax,logistic,tanh,hard_swish,leaky_relu,
 * relu,relu6,quantize,dequantize}.c). Nothing here runs in invoke().
 *
 * Every one of these ops maps one input tensor to one output tensor of the same
 * element count, elementwise (softmax: row-wise over the last dimension). prepare()
 * looks at the two tensor structs (act_io); the op data keeps what invoke needs of
 * them (act_run): refs to their data pointers, read at invoke since the planner places
 * activations after every prepare() has run, and their types. */
#ifndef ACT_COMMON_H
#define ACT_COMMON_H

#include <stdint.h>

#include "mcu_api.h"
#include "mcu_quant.h"

/* BuiltinOptions union type codes (TFLite schema). */
enum { ACT_OPT_SOFTMAX = 9, ACT_OPT_LEAKY_RELU = 75 };

typedef struct {
  const mcu_tensor *in;
  const mcu_tensor *out;
  int32_t size; /* element count */
} act_io;

/* What invoke() needs of the two tensors (op data). */
typedef struct {
  mcu_ref in, out;
  int32_t size;              /* element count */
  uint8_t in_type, out_type; /* MCU_INT8, ... */
} act_run;

/* Fetch input 0 / output 0, check both are present and have the same element count.
 * (Error messages need no operator name: the runtime prefixes it.) */
static inline int act_get_io(mcu_interp *it, mcu_node *node, act_io *io) {
  io->in = io->out = NULL;
  io->size = 0;
  if (node->n_inputs < 1 || node->n_outputs < 1) {
    return mcu_fail(it, MCU_ERR_MODEL, "needs one input and one output");
  }
  io->in = mcu_input(it, node, 0);
  io->out = mcu_output(it, node, 0);
  if (io->in == NULL || io->out == NULL) {
    return mcu_fail(it, MCU_ERR_MODEL, "input or output tensor missing");
  }
  io->size = mcu_num_elements(io->in);
  if (io->size < 0 || io->size != mcu_num_elements(io->out)) {
    return mcu_fail_int(it, MCU_ERR_PARAMS,
                        "output element count differs from the input's, which is",
                        io->size);
  }
  return MCU_OK;
}

/* 1 when t carries a usable per-tensor quantization: one positive finite scale and a
 * zero point inside the element type's range (TFLite assumes both without checking;
 * a corrupt model must not reach the kernels with them). */
static inline int act_per_tensor(const mcu_tensor *t) {
  int32_t lo = 0, hi = 0;
  switch (t->type) {
    case MCU_INT8: lo = -128; hi = 127; break;
    case MCU_UINT8: lo = 0; hi = 255; break;
    case MCU_INT16: lo = -32768; hi = 32767; break;
    default: lo = INT32_MIN; hi = INT32_MAX; break; /* int32 (QUANTIZE output) */
  }
  return t->num_scales <= 1 && t->scale > 0.0f && t->scale < 3.0e38f &&
         t->zero_point >= lo && t->zero_point <= hi;
}

/* TFLite's QuantizeMultiplier without mcu_quantize_multiplier's clamp of shifts above
 * 30: real = q * 2^shift, q in [0.5, 1) rounded to Q31 (ties away from zero, 1.0
 * renormalised), flushed to 0 below 2^-31. LOGISTIC, TANH and SOFTMAX derive their
 * saturation radius from this exact shift, which legitimately reaches 31 and more
 * for large input scales (the kernels never apply such a shift to a nonzero value).
 * real must be finite and > 0. */
static inline void act_split_multiplier(double real, int32_t *mult, int *shift) {
  int e = 0;
  while (real >= 1.0) { /* exact: scaling by powers of two */
    real *= 0.5;
    ++e;
  }
  while (real < 0.5) {
    real *= 2.0;
    --e;
  }
  double scaled = real * 2147483648.0; /* in [2^30, 2^31) */
  int64_t q = (int64_t)scaled;
  if (scaled - (double)q >= 0.5) ++q;
  if (q == ((int64_t)1 << 31)) {
    q /= 2;
    ++e;
  }
  if (e < -31) {
    e = 0;
    q = 0;
  }
  *mult = (int32_t)q;
  *shift = e;
}

/* Split a real multiplier for mcu_multiply_by_quantized_multiplier, refusing ratios
 * of 2^31 and more (the left shift would overflow; no sane model has them). */
static inline int act_multiplier(mcu_interp *it, double real, int32_t *mult, int32_t *shift,
                                 const char *msg) {
  int s;
  mcu_quantize_multiplier(real, mult, &s);
  if (s > 31) return mcu_fail(it, MCU_ERR_PARAMS, msg);
  *shift = s;
  return MCU_OK;
}

/* Fill *run from io (input 0 / output 0 of the node). */
static inline void act_keep(mcu_interp *it, const mcu_node *node, const act_io *io,
                            act_run *run) {
  run->in = mcu_input_ref(it, node, 0);
  run->out = mcu_output_ref(it, node, 0);
  run->size = io->size;
  run->in_type = io->in->type;
  run->out_type = io->out->type;
}

/* Allocate the op data (persistent); NULL after recording MCU_ERR_ARENA. */
static inline void *act_alloc(mcu_interp *it, mcu_node *node, size_t bytes) {
  void *p = mcu_alloc_persistent(it, bytes);
  node->op_data = p;
  return p;
}

/* TFLite's CalculateInputRadius: the largest |x - zp| (input steps) whose rescaled
 * value 2^shift * x stays below (2^int_bits - 1) in Q(int_bits); floor of
 * (2^int_bits - 1) * 2^(31 - int_bits) / 2^shift; shift >= 0. */
static inline int32_t act_input_radius(int int_bits, int shift) {
  if (shift >= 31) return 0;
  const double max_rescaled = (double)((1 << int_bits) - 1) *
                              (double)((int64_t)1 << (31 - int_bits)) /
                              (double)((int64_t)1 << shift);
  return (int32_t)max_rescaled; /* positive: truncation is floor */
}

#endif /* ACT_COMMON_H */
