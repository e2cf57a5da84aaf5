/* 300 KiB of constant data in flash. */
#include <stdint.h>

const uint8_t table[300 * 1024] = {1};
volatile int index_ = 12345;

int main(void) { return table[index_] + table[0] - 1; }
