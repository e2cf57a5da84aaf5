/* semihost.h - Arm semihosting (bkpt 0xab) as the firmware uses it, plus the
 * simulated board's info registers (see mcusim/machine.py). */
#ifndef MCU_SEMIHOST_H
#define MCU_SEMIHOST_H

#include <stdint.h>

/* Read-only board info registers beside the trace port, filled by the machine. */
#define MCU_BOARD_INFO 0x4FFF0100u
#define MCU_BOARD_SRAM_END (*(volatile const uint32_t *)(MCU_BOARD_INFO + 0x0Cu))

void semihost_write0(const char *s);
void semihost_exit(int status) __attribute__((noreturn));

#endif
