/* mcu_platform.h - what the runtime needs from the machine it runs on. Two
 * implementations: kernels/target/ (bare-metal Cortex-M: trace port MMIO, Arm
 * semihosting) and kernels/host/ (a native build for tests and fuzzing, -DMCU_HOST). */
#ifndef MCU_PLATFORM_H
#define MCU_PLATFORM_H

#include <stdint.h>

/* Trace port: a 32-bit MMIO register in the simulated machine; a store of
 * (kind << 24) | index is one event. mcusim.machine hooks writes to this page only. */
#define MCU_TRACE_PORT 0x4FFF0000u

#ifdef MCU_HOST
void mcu_platform_trace(uint32_t kind, uint32_t index);
#else
/* Inline: one store, so tracing adds the same few cycles around every op. */
static inline void mcu_platform_trace(uint32_t kind, uint32_t index) {
  *(volatile uint32_t *)MCU_TRACE_PORT = (kind << 24) | index;
}
#endif

/* Write a NUL-terminated string to the console. */
void mcu_platform_write(const char *s);

#ifdef MCU_HOST
/* Host builds only: the planner reports where it placed each tensor (offset from the
 * arena's aligned start, bytes), so that tests can check the plan independently (no
 * tensor struct survives init to be asked afterwards). */
void mcu_platform_plan(int32_t tensor, uint32_t offset, uint32_t bytes);
#endif

#endif /* MCU_PLATFORM_H */
