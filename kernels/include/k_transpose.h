/* k_transpose.h - TRANSPOSE as a strided gather, type-agnostic (element size 1, 2 or
 * 4 bytes), up to 6-D.
 *
 * Output dim i is input dim perm[i]. Prepare drops size-1 dims and merges output dims
 * that are also adjacent, in order, in the input; the kernel walks the output in
 * order: out[i0..ik] = in[sum(i_d * in_stride[d])], copying whole rows when the
 * innermost output dim is contiguous in the input. */
#ifndef K_TRANSPOSE_H
#define K_TRANSPOSE_H

#include <stdint.h>

#define K_TRANSPOSE_MAX_DIMS 6

typedef struct {
  int32_t ndims;                         /* collapsed, >= 1 */
  int32_t dims[K_TRANSPOSE_MAX_DIMS];    /* collapsed output dims */
  int32_t in_stride[K_TRANSPOSE_MAX_DIMS]; /* input element stride along each output dim */
  int32_t count;                         /* elements; 0 = nothing to do */
  int32_t elem_size;                     /* 1, 2 or 4 */
} k_transpose_params;

/* perm must be a permutation of 0..ndims-1. Returns 0, or -1 for a rank above
 * K_TRANSPOSE_MAX_DIMS. */
int k_transpose_init(k_transpose_params *p, const int32_t *in_dims, int32_t ndims,
                     const int32_t *perm, int32_t elem_size);

void k_transpose(const k_transpose_params *p, const void *in, void *out);

#endif /* K_TRANSPOSE_H */
