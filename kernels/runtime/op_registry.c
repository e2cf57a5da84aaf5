/* op_registry.c - which operators this firmware supports.
 *
 * Each operator's glue (kernels/ops/<op>.c) defines one `const mcu_op mcu_op_<name>`.
 * References are weak so an image without an operator still links; that operator is
 * then reported as unsupported at init, by name. */
#include <stddef.h>

#include "mcu_interp.h"

#define MCU_OPS(X)                                                                      \
  X(add) X(average_pool_2d) X(concatenation) X(conv_2d) X(depthwise_conv_2d)             \
  X(dequantize) X(fully_connected) X(hard_swish) X(leaky_relu) X(logistic)               \
  X(max_pool_2d) X(mean) X(mul) X(pad) X(quantize) X(relu) X(relu6) X(reshape)           \
  X(softmax) X(squeeze) X(strided_slice) X(sub) X(tanh) X(transpose)

#define DECLARE(name) extern const mcu_op mcu_op_##name __attribute__((weak));
MCU_OPS(DECLARE)
#undef DECLARE

#define ENTRY(name) &mcu_op_##name,
static const mcu_op *const registry[] = {MCU_OPS(ENTRY)};
#undef ENTRY

const mcu_op *mcu_find_op(int32_t builtin) {
  for (size_t i = 0; i < sizeof registry / sizeof registry[0]; ++i) {
    if (registry[i] != NULL && registry[i]->builtin == builtin) return registry[i];
  }
  return NULL;
}
