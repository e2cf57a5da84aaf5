/* Reads DWT_CYCCNT (ARMv7-M and later) and SysTick VAL around some work; exits 0 when
 * CYCCNT increased and SysTick counted down, 1 otherwise. */
#include <stdint.h>

#define DWT_CYCCNT (*(volatile uint32_t *)0xE0001004u)
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

volatile uint32_t sink;

int main(void) {
  SYST_RVR = 0xFFFFFF;
  SYST_CVR = 0;
  SYST_CSR = 5; /* enable, processor clock */
  uint32_t t0 = DWT_CYCCNT, s0 = SYST_CVR;
  for (int i = 0; i < 100; ++i) sink += (uint32_t)i;
  uint32_t t1 = DWT_CYCCNT, s1 = SYST_CVR;
  return (t1 > t0 + 100 && s1 < s0) ? 0 : 1;
}
