/* string.h for the bare-metal target: the few functions kernels/target/libc_min.c
 * provides (the host build uses the system header instead). */
#ifndef MCU_TARGET_STRING_H
#define MCU_TARGET_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#endif
