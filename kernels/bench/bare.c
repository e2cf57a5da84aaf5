/* bare.c - the bare-kernel harness: after the interpreter has prepared the model and
 * run it once (so every tensor holds the values a real inference leaves there), call
 * each operator's prepared invoke entry directly, one after another, bracketed by
 * MARK_BEGIN/MARK_END(op index) - no interpreter loop, no per-op dispatch around it.
 * Comparing these windows with the OP windows inside an invoke measures what the
 * interpreter adds per operator. Built into the image only with -DMCU_BENCH. */
#include "bare.h"

#include "mcu_platform.h"

int mcu_bench_ops(mcu_interp *it) {
  int n = mcu_interp_num_ops(it);
  for (int i = 0; i < n; ++i) {
    mcu_node *node = mcu_interp_node(it, i);
    const mcu_op *op = mcu_interp_node_op(it, i);
    mcu_platform_trace(MCU_TRACE_MARK_BEGIN, (uint32_t)i);
    int status = op->invoke(it, node);
    mcu_platform_trace(MCU_TRACE_MARK_END, (uint32_t)i);
    if (status != MCU_OK) return status;
  }
  return MCU_OK;
}
