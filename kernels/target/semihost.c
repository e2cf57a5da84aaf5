/* semihost.c - Arm semihosting calls: r0 = operation, r1 = argument, bkpt 0xab. */
#include "semihost.h"

#include "mcu_platform.h"

enum { SYS_WRITE0 = 0x04, SYS_EXIT_EXTENDED = 0x20 };
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static uint32_t semihost_call(uint32_t op, const void *arg) {
  register uint32_t r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

void semihost_write0(const char *s) { semihost_call(SYS_WRITE0, s); }

void semihost_exit(int status) {
  uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)status};
  semihost_call(SYS_EXIT_EXTENDED, block);
  for (;;) {
  }
}

void mcu_platform_write(const char *s) { semihost_write0(s); }
