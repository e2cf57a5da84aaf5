/* bare.h - the bare-kernel harness (kernels/bench/bare.c). */
#ifndef MCU_BENCH_BARE_H
#define MCU_BENCH_BARE_H

#include "mcu_interp.h"

/* Run every operator once outside the interpreter loop (MARK events per op). */
int mcu_bench_ops(mcu_interp *it);

#endif
