/* k_pad.h - PAD: constant padding of an N-D tensor, type-agnostic (element size 1, 2
 * or 4 bytes; the pad value is one element's bytes).
 *
 * Prepare collapses the shape: a dim with no padding is merged into the dim before
 * it, so every dim but the first has padding and the innermost dim is one row:
 * before[last] pad elements, in_dims[last] input elements, after[last] pad elements.
 * The kernel walks output rows in order; a row lying in the padding of some outer
 * dim is all pad value, any other row copies the next input row. */
#ifndef K_PAD_H
#define K_PAD_H

#include <stdint.h>

#define K_PAD_MAX_DIMS 6

typedef struct {
  int32_t ndims;                   /* collapsed, >= 1 */
  int32_t in_dims[K_PAD_MAX_DIMS];
  int32_t before[K_PAD_MAX_DIMS];  /* pad elements before, per collapsed dim */
  int32_t after[K_PAD_MAX_DIMS];
  int32_t elem_size;               /* 1, 2 or 4 */
  int32_t out_count;               /* output elements */
  uint8_t pad_value[4];            /* one element, in memory byte order */
} k_pad_params;

/* Collapse a shape and its paddings into p (elem_size, pad_value and out_count are
 * left to the caller). Returns 0, or -1 for a rank above K_PAD_MAX_DIMS. */
int k_pad_init(k_pad_params *p, const int32_t *in_dims, int32_t ndims, const int32_t *before,
               const int32_t *after);

void k_pad(const k_pad_params *p, const void *in, void *out);

#endif /* K_PAD_H */
