/* Turns the FPU off again (CPACR CP10/CP11 = no access), then uses it: the hardware
 * raises a UsageFault (NOCP). */
#include <stdint.h>

volatile float a = 1.5f, b = 2.5f;

int main(void) {
  *(volatile uint32_t *)0xE000ED88u &= ~(0xFu << 20);
  __asm__ volatile("dsb\n\tisb" ::: "memory");
  return a * b == 3.75f ? 0 : 1;
}
