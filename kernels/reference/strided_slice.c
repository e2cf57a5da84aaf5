/* strided_slice.c - reference STRIDED_SLICE kernel (strided gather). */
#include <stddef.h>
#include <string.h>

#include "k_strided_slice.h"

int k_strided_slice_init(k_strided_slice_params *p, const int32_t *in_dims, int32_t ndims,
                         const int32_t *start, const int32_t *step, const int32_t *count,
                         int32_t elem_size) {
  int32_t elem_stride = 1, k = 0, i;
  int32_t st[K_SLICE_MAX_DIMS], cn[K_SLICE_MAX_DIMS];
  if (ndims < 0 || ndims > K_SLICE_MAX_DIMS) return -1;
  p->start_offset = 0;
  p->out_count = 1;
  p->elem_size = elem_size;
  /* innermost first, so merging looks at the dim just inside */
  for (i = ndims - 1; i >= 0; --i) {
    p->out_count *= count[i];
    p->start_offset += start[i] * elem_stride;
    if (count[i] != 1) {
      const int32_t s = step[i] * elem_stride;
      if (k > 0 && st[k - 1] * cn[k - 1] == s) {
        cn[k - 1] *= count[i]; /* contiguous with the dim inside: merge */
      } else {
        st[k] = s;
        cn[k] = count[i];
        ++k;
      }
    }
    elem_stride *= in_dims[i];
  }
  if (p->out_count == 0) k = 0;
  if (k == 0) {
    st[0] = 1;
    cn[0] = p->out_count == 0 ? 0 : 1;
    k = 1;
  }
  p->ndims = k;
  for (i = 0; i < k; ++i) { /* back to outermost first */
    p->count[i] = cn[k - 1 - i];
    p->in_stride[i] = st[k - 1 - i];
  }
  for (i = k; i < K_SLICE_MAX_DIMS; ++i) {
    p->count[i] = 1;
    p->in_stride[i] = 0;
  }
  return 0;
}

void k_strided_slice(const k_strided_slice_params *p, const void *in, void *out) {
  const int last = p->ndims - 1;
  const int32_t n = p->count[last], s = p->in_stride[last], es = p->elem_size;
  int32_t idx[K_SLICE_MAX_DIMS] = {0};
  int32_t off = p->start_offset;
  uint8_t *dst = (uint8_t *)out;
  if (p->out_count == 0) return;
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
        if (++idx[d] < p->count[d]) break;
        off -= p->in_stride[d] * p->count[d];
        idx[d] = 0;
      }
      if (d < 0) break;
    }
  }
}
