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

/* The last plan's placements, for mcu_host --plan (reset by the driver before init). */
#define HOST_PLAN_MAX 4096
int mcu_host_plan_n;
int32_t mcu_host_plan_tensor[HOST_PLAN_MAX];
uint32_t mcu_host_plan_offset[HOST_PLAN_MAX], mcu_host_plan_bytes[HOST_PLAN_MAX];

void mcu_platform_plan(int32_t tensor, uint32_t offset, uint32_t bytes) {
  if (mcu_host_plan_n >= HOST_PLAN_MAX) return;
  mcu_host_plan_tensor[mcu_host_plan_n] = tensor;
  mcu_host_plan_offset[mcu_host_plan_n] = offset;
  mcu_host_plan_bytes[mcu_host_plan_n] = bytes;
  ++mcu_host_plan_n;
}
