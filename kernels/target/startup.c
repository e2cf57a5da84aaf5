/* startup.c - vector table and reset for the simulated Cortex-M.
 *
 * The stack pointer comes from the board's SRAM-end register (the machine fills it
 * with the configured SRAM size), so one image serves every --sram setting. The
 * vector table's initial SP is a small boot stack at the end of .bss, used by
 * nothing but the first instructions of Reset_Handler. */
#include <stdint.h>
#include <string.h>

#include "semihost.h"

extern uint32_t __data_load, __data_start, __data_end, __bss_start, __bss_end, __boot_stack;
int main(void);

void Default_Handler(void) { semihost_exit(0x7F); }

void c_startup(void) {
  memcpy(&__data_start, &__data_load, (size_t)((char *)&__data_end - (char *)&__data_start));
  memset(&__bss_start, 0, (size_t)((char *)&__bss_end - (char *)&__bss_start));
#if defined(__ARM_FP)
  /* CPACR: full access to CP10/CP11, as hardware requires before any FPU instruction. */
  *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
  __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
  /* DEMCR.TRCENA, then DWT_CYCCNT = 0 and CYCCNTENA. */
#if !defined(__ARM_ARCH_6M__)
  *(volatile uint32_t *)0xE000EDFCu |= 1u << 24;
  *(volatile uint32_t *)0xE0001004u = 0;
  *(volatile uint32_t *)0xE0001000u |= 1u;
#endif
  semihost_exit(main());
}

__attribute__((naked, noreturn)) void Reset_Handler(void) {
  __asm__ volatile(
      "ldr r0, =0x4FFF010C\n\t" /* MCU_BOARD_SRAM_END */
      "ldr r0, [r0]\n\t"
      "mov sp, r0\n\t"
      "bl c_startup\n\t");
}

__attribute__((section(".vectors"), used)) void (*const vector_table[16])(void) = {
    (void (*)(void))&__boot_stack, Reset_Handler, Default_Handler, Default_Handler,
    Default_Handler, Default_Handler, Default_Handler, 0, 0, 0, 0,
    Default_Handler, Default_Handler, 0, Default_Handler, Default_Handler,
};
