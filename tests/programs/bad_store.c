/* Stores to an address outside every mapped region from a named function. */
#include <stdint.h>

__attribute__((noinline)) void poke_bad_address(uint32_t value) {
  *(volatile uint32_t *)0x30000010u = value;
}

int main(void) {
  poke_bad_address(0x1234);
  return 0;
}
