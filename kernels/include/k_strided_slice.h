/* k_strided_slice.h - STRIDED_SLICE as a strided gather, type-agnostic (element size
 * 1, 2 or 4 bytes).
 *
 * Prepare resolves begin/end/strides and the masks per dim into a start index, a
 * step and a count (TFLite's rules: negative indices count from the end, masked
 * begin/end take the full range in the stride's direction, indices are clamped, a
 * shrunk axis takes exactly one element), then drops dims of count 1 (folded into
 * start_offset) and merges dims that are contiguous in the input. The kernel walks
 * the output in order: out[i0..ik] = in[start_offset + sum(i_d * in_stride[d])]. */
#ifndef K_STRIDED_SLICE_H
#define K_STRIDED_SLICE_H

#include <stdint.h>

#define K_SLICE_MAX_DIMS 6

typedef struct {
  int32_t ndims;                     /* collapsed, >= 1 */
  int32_t count[K_SLICE_MAX_DIMS];   /* output elements along each collapsed dim */
  int32_t in_stride[K_SLICE_MAX_DIMS]; /* input element step along each dim (may be < 0) */
  int32_t start_offset;              /* input element index of the first output element */
  int32_t out_count;                 /* output elements; 0 = nothing to do */
  int32_t elem_size;                 /* 1, 2 or 4 */
} k_strided_slice_params;

/* Build p from per-dim start, step (non-zero) and count for an input of `ndims` dims.
 * Returns 0, or -1 for a rank above K_SLICE_MAX_DIMS. */
int k_strided_slice_init(k_strided_slice_params *p, const int32_t *in_dims, int32_t ndims,
                         const int32_t *start, const int32_t *step, const int32_t *count,
                         int32_t elem_size);

void k_strided_slice(const k_strided_slice_params *p, const void *in, void *out);

#endif /* K_STRIDED_SLICE_H */
