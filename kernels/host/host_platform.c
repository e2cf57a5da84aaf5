/* host_platform.c - mcu_platform.h for the native host build (-DMCU_HOST): trace
 * events are counted (no timing on the host), the console is stderr. */
#include <stdio.h>

#include "mcu_platform.h"

unsigned long mcu_host_trace_events;

void mcu_platform_trace(uint32_t kind, uint32_t index) {
  (void)kind;
  (void)index;
  ++mcu_host_trace_events;
}

void mcu_platform_write(const char *s) { fputs(s, stderr); }
