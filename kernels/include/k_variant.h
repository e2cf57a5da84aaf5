/* k_variant.h - which code path an optimized kernel call took.
 *
 * Each optimized kernel entry point (kernels/optimized/) that runs one of its own paths
 * says so with one trace-port event, MCU_TRACE_KERNEL with one of the values below as
 * its index, before it starts; a call that falls back to the reference code says
 * nothing. mcusim attributes the event to the enclosing operator window, so a result
 * records per operator the kernel that really ran ("reference" when no event came).
 * mcusim.firmware reads the names from this file: keep one "K_VARIANT_X = n," per line. */
#ifndef K_VARIANT_H
#define K_VARIANT_H

#include "mcu_api.h"
#include "mcu_platform.h"

enum {
  K_VARIANT_DSP = 1,     /* DSP extension (SMLAD, SXTB16, SSAT ...): M4, M4F, M7, M33 */
  K_VARIANT_DSP_1X1 = 2, /* CONV_2D: 1x1 filter, columns straight from the input */
  K_VARIANT_DSP_3X3 = 3, /* DEPTHWISE_CONV_2D: 3x3 filter, hand-written loop */
  K_VARIANT_C = 4,       /* tuned code for cores without the DSP extension (C; Thumb-1 asm on v6-M) */
  K_VARIANT_DSP_1D = 5,  /* DEPTHWISE_CONV_2D: k x 1 / 1 x k filter, channel lines in int16 */
};

static inline void k_variant(uint32_t variant) { mcu_platform_trace(MCU_TRACE_KERNEL, variant); }

#endif /* K_VARIANT_H */
