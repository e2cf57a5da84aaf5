/* 80 KiB of zero-initialised SRAM. */
#include <stdint.h>

uint8_t buffer[80 * 1024];

int main(void) { return buffer[100]; }
