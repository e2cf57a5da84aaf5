/* ew_binary.h - prepare() shared by the ADD, SUB and MUL glue: type checks, the
 * broadcast plan and the quantization parameters. Runs at init only. */
#ifndef EW_BINARY_H
#define EW_BINARY_H

#include <stdint.h>

#include "ew_util.h"
#include "k_elementwise.h"
#include "mcu_api.h"
#include "mcu_quant.h"

enum { EW_ADD = 0, EW_SUB = 1, EW_MUL = 2 };

typedef struct {
  mcu_ref in1, in2, out;
  int32_t type; /* MCU_INT8, MCU_FLOAT32, MCU_INT32 */
  union {
    k_add_s8_params add_s8; /* ADD and SUB */
    k_mul_s8_params mul_s8;
    k_arith_f32_params f32;
    k_arith_s32_params s32;
  } p;
} ew_binary_data;

/* TFLite's ADD/SUB rescale int8 operands after shifting them left by 20 bits. */
#define EW_ADD_LEFT_SHIFT 20

static inline int ew_binary_prepare(mcu_interp *it, mcu_node *node, int kind) {
  static const int32_t opt_type[3] = {EW_OPT_ADD, EW_OPT_SUB, EW_OPT_MUL};
  const mcu_tensor *a, *b;
  mcu_tensor *o;
  ew_binary_data *d;
  k_bcast *shape;
  int32_t act;

  if (node->n_inputs != 2 || node->n_outputs != 1)
    return mcu_fail(it, MCU_ERR_MODEL, "expects 2 inputs and 1 output");
  a = mcu_input(it, node, 0);
  b = mcu_input(it, node, 1);
  o = mcu_output(it, node, 0);
  if (a == NULL || b == NULL || o == NULL)
    return mcu_fail(it, MCU_ERR_MODEL, "expects 2 inputs and 1 output");
  if (!ew_options_ok(node, opt_type[kind]))
    return mcu_fail(it, MCU_ERR_MODEL, "options table of the wrong type");
  act = mcu_opt_int(node, 0, MCU_ACT_NONE);
  if (!ew_act_supported(act))
    return mcu_fail_int(it, MCU_ERR_PARAMS, "unsupported fused activation", act);
  if (a->type != b->type || a->type != o->type ||
      (a->type != MCU_INT8 && a->type != MCU_FLOAT32 && a->type != MCU_INT32))
    return mcu_fail_int(
        it, MCU_ERR_UNSUPPORTED_TYPE,
        "unsupported types (int8, float32 or int32, inputs and output the same); input type",
        a->type);

  d = (ew_binary_data *)mcu_alloc_persistent(it, sizeof *d);
  if (d == NULL) return MCU_ERR_ARENA;
  d->in1 = mcu_input_ref(it, node, 0);
  d->in2 = mcu_input_ref(it, node, 1);
  d->out = mcu_output_ref(it, node, 0);
  d->type = a->type;
  if (a->type == MCU_INT8) {
    shape = kind == EW_MUL ? &d->p.mul_s8.shape : &d->p.add_s8.shape;
  } else if (a->type == MCU_FLOAT32) {
    shape = &d->p.f32.shape;
  } else {
    shape = &d->p.s32.shape;
  }
  if (k_bcast_init(shape, a->dims, a->ndims, b->dims, b->ndims, o->dims, o->ndims) != 0)
    return mcu_fail(it, MCU_ERR_PARAMS,
                    "input shapes do not broadcast to the output shape (max 6 dims)");

  if (a->type == MCU_FLOAT32) {
    mcu_activation_range_float(act, &d->p.f32.act_min, &d->p.f32.act_max);
  } else if (a->type == MCU_INT32) {
    /* The reference clamps int32 SUB and MUL to the activation range but ignores
     * the activation of int32 ADD. */
    if (kind == EW_ADD) {
      d->p.s32.act_min = INT32_MIN;
      d->p.s32.act_max = INT32_MAX;
    } else {
      (void)ew_act_range_s32(act, &d->p.s32.act_min, &d->p.s32.act_max);
    }
  } else {
    int32_t lo, hi;
    if (!ew_per_tensor_quant(a) || !ew_per_tensor_quant(b) || !ew_per_tensor_quant(o))
      return mcu_fail(it, MCU_ERR_PARAMS,
                      "int8 tensors need per-tensor quantization with scale > 0");
    mcu_activation_range_quantized(act, o->scale, o->zero_point, -128, 127, &lo, &hi);
    if (kind == EW_MUL) {
      k_mul_s8_params *q = &d->p.mul_s8;
      int shift;
      q->in1_offset = -a->zero_point;
      q->in2_offset = -b->zero_point;
      q->out_offset = o->zero_point;
      mcu_quantize_multiplier((double)a->scale * (double)b->scale / (double)o->scale,
                              &q->out_multiplier, &shift);
      q->out_shift = shift;
      q->act_min = lo;
      q->act_max = hi;
    } else {
      k_add_s8_params *q = &d->p.add_s8;
      const double s1 = (double)a->scale, s2 = (double)b->scale;
      const double twice_max = 2.0 * (s1 > s2 ? s1 : s2);
      int shift;
      q->left_shift = EW_ADD_LEFT_SHIFT;
      q->in1_offset = -a->zero_point;
      q->in2_offset = -b->zero_point;
      q->out_offset = o->zero_point;
      mcu_quantize_multiplier(s1 / twice_max, &q->in1_multiplier, &shift);
      q->in1_shift = shift;
      mcu_quantize_multiplier(s2 / twice_max, &q->in2_multiplier, &shift);
      q->in2_shift = shift;
      mcu_quantize_multiplier(
          twice_max / ((double)(1L << EW_ADD_LEFT_SHIFT) * (double)o->scale),
          &q->out_multiplier, &shift);
      q->out_shift = shift;
      q->act_min = lo;
      q->act_max = hi;
    }
  }
  node->op_data = d;
  return MCU_OK;
}

#endif /* EW_BINARY_H */
