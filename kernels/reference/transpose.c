/* transpose.c - reference TRANSPOSE kernel (strided gather). */
#include <stddef.h>
#include <string.h>

#include "k_transpose.h"

int k_transpose_init(k_transpose_params *p, const int32_t *in_dims, int32_t ndims,
                     const int32_t *perm, int32_t elem_size) {
  int32_t in_stride[K_TRANSPOSE_MAX_DIMS];
  int32_t k = 0, s = 1, i;
  if (ndims < 0 || ndims > K_TRANSPOSE_MAX_DIMS) return -1;
  for (i = ndims - 1; i >= 0; --i) {
    in_stride[i] = s;
    s *= in_dims[i];
  }
  p->count = s;
  p->elem_size = elem_size;
  for (i = 0; i < ndims; ++i) {
    const int32_t dim = in_dims[perm[i]], st = in_stride[perm[i]];
    if (dim == 1) continue;
    if (k > 0 && p->in_stride[k - 1] == st * dim) { /* adjacent in the input too */
      p->dims[k - 1] *= dim;
      p->in_stride[k - 1] = st;
    } else {
      p->dims[k] = dim;
      p->in_stride[k] = st;
      ++k;
    }
  }
  if (k == 0) {
    p->dims[0] = 1;
    p->in_stride[0] = 1;
    k = 1;
  }
  p->ndims = k;
  for (i = k; i < K_TRANSPOSE_MAX_DIMS; ++i) {
    p->dims[i] = 1;
    p->in_stride[i] = 0;
  }
  return 0;
}

void k_transpose(const k_transpose_params *p, const void *in, void *out) {
  const int last = p->ndims - 1;
  const int32_t n = p->dims[last], s = p->in_stride[last], es = p->elem_size;
  int32_t idx[K_TRANSPOSE_MAX_DIMS] = {0};
  int32_t off = 0;
  uint8_t *dst = (uint8_t *)out;
  if (p->count == 0) return;
  for (;;) {
    const uint8_t *src = (const uint8_t *)in + (ptrdiff_t)off * es;
    if (s == 1) {
      memcpy(dst, src, (size_t)n * (size_t)es);
      dst += (size_t)n * (size_t)es;
    } else if (es == 1) {
      for (int32_t i = 0; i < n; ++i, src += s) *dst++ = *src;
    } else if (es == 2) {
      for (int32_t i = 0; i < n; ++i, src += (ptrdiff_t)s * 2, dst += 2) memcpy(dst, src, 2);
    } else {
      for (int32_t i = 0; i < n; ++i, src += (ptrdiff_t)s * 4, dst += 4) memcpy(dst, src, 4);
    }
    {
      int d = last - 1;
      for (; d >= 0; --d) {
        off += p->in_stride[d];
        if (++idx[d] < p->dims[d]) break;
        off -= p->in_stride[d] * p->dims[d];
        idx[d] = 0;
      }
      if (d < 0) break;
    }
  }
}
