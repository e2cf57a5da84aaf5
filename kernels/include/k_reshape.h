/* k_reshape.h - RESHAPE and SQUEEZE: the data is unchanged, only the shape differs,
 * which the glue settles in prepare. The kernels copy the bytes to the output's own
 * buffer (the arena planner gives every output one); nothing is copied when both
 * pointers are the same. */
#ifndef K_RESHAPE_H
#define K_RESHAPE_H

#include <stdint.h>

void k_reshape(const void *in, void *out, int32_t bytes);
void k_squeeze(const void *in, void *out, int32_t bytes);

#endif /* K_RESHAPE_H */
