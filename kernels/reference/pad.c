/* pad.c - reference PAD kernel (any 1/2/4-byte element type). */
#include <string.h>

#include "k_pad.h"

int k_pad_init(k_pad_params *p, const int32_t *in_dims, int32_t ndims, const int32_t *before,
               const int32_t *after) {
  int32_t k = 0;
  if (ndims < 0 || ndims > K_PAD_MAX_DIMS) return -1;
  for (int32_t i = 0; i < ndims; ++i) {
    if (k > 0 && before[i] == 0 && after[i] == 0) { /* unpadded: merge into previous */
      p->in_dims[k - 1] *= in_dims[i];
      p->before[k - 1] *= in_dims[i];
      p->after[k - 1] *= in_dims[i];
      continue;
    }
    p->in_dims[k] = in_dims[i];
    p->before[k] = before[i];
    p->after[k] = after[i];
    ++k;
  }
  if (k == 0) { /* scalar */
    p->in_dims[0] = 1;
    p->before[0] = 0;
    p->after[0] = 0;
    k = 1;
  }
  p->ndims = k;
  for (int32_t i = k; i < K_PAD_MAX_DIMS; ++i) {
    p->in_dims[i] = 1;
    p->before[i] = 0;
    p->after[i] = 0;
  }
  return 0;
}

static void fill(uint8_t *dst, int32_t n, int32_t size, const uint8_t *value) {
  if (n <= 0) return;
  if (size == 1) {
    memset(dst, value[0], (size_t)n);
  } else if (size == 2) {
    for (int32_t i = 0; i < n; ++i, dst += 2) memcpy(dst, value, 2);
  } else {
    for (int32_t i = 0; i < n; ++i, dst += 4) memcpy(dst, value, 4);
  }
}

void k_pad(const k_pad_params *p, const void *in, void *out) {
  const int last = p->ndims - 1;
  const int32_t es = p->elem_size;
  const int32_t row_before = p->before[last] * es;
  const int32_t row_data = p->in_dims[last] * es;
  const int32_t row_after = p->after[last] * es;
  const int32_t row_out = row_before + row_data + row_after;
  const uint8_t *src = (const uint8_t *)in;
  uint8_t *dst = (uint8_t *)out;
  int32_t idx[K_PAD_MAX_DIMS] = {0};
  if (p->out_count == 0) return;
  for (;;) {
    int pad_row = 0;
    for (int d = 0; d < last; ++d) {
      if (idx[d] < p->before[d] || idx[d] >= p->before[d] + p->in_dims[d]) {
        pad_row = 1;
        break;
      }
    }
    if (pad_row) {
      fill(dst, p->before[last] + p->in_dims[last] + p->after[last], es, p->pad_value);
    } else {
      fill(dst, p->before[last], es, p->pad_value);
      memcpy(dst + row_before, src, (size_t)row_data);
      src += row_data;
      fill(dst + row_before + row_data, p->after[last], es, p->pad_value);
    }
    dst += row_out;
    {
      int d = last - 1;
      for (; d >= 0; --d) {
        if (++idx[d] < p->before[d] + p->in_dims[d] + p->after[d]) break;
        idx[d] = 0;
      }
      if (d < 0) break;
    }
  }
}
