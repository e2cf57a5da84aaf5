/* mean.c - reference MEAN kernels (int8, float32). */
#include <string.h>

#include "k_mean.h"
#include "mcu_quant.h"

void k_mean_fold_count(int32_t count, int32_t *multiplier, int32_t *shift) {
  int k = 0;
  if (count <= 0) return;
  while (k < 31 && ((int64_t)1 << (k + 1)) <= (int64_t)count) ++k; /* floor(log2) */
  if (k > 31 + *shift) k = 31 + *shift;
  if (k < 0) k = 0;
  *multiplier = (int32_t)(((int64_t)*multiplier * ((int64_t)1 << k)) / count);
  *shift -= k;
}

int32_t k_mean_s8_scratch_size(const k_mean_params *p) {
  return p->num_outputs * (int32_t)sizeof(int32_t);
}

/* Next row of the outer dims; updates the output offset. 0 when done. */
static int next_row(const k_mean_params *p, int32_t *idx, int32_t *o) {
  for (int d = p->ndims - 2; d >= 0; --d) {
    *o += p->out_stride[d];
    if (++idx[d] < p->dims[d]) return 1;
    *o -= p->out_stride[d] * p->dims[d];
    idx[d] = 0;
  }
  return 0;
}

void k_mean_s8(const k_mean_params *p, const int8_t *in, int8_t *out, int32_t *sum) {
  const int last = p->ndims - 1;
  const int32_t n = p->dims[last];
  int32_t idx[K_MEAN_MAX_DIMS] = {0};
  int32_t o = 0;
  if (p->num_inputs == 0) return;
  memset(sum, 0, (size_t)p->num_outputs * sizeof(int32_t));
  if (p->out_stride[last] == 0) {
    do {
      int32_t acc = sum[o];
      for (int32_t i = 0; i < n; ++i) acc += *in++;
      sum[o] = acc;
    } while (next_row(p, idx, &o));
  } else {
    do {
      int32_t *s = sum + o;
      for (int32_t i = 0; i < n; ++i) s[i] += *in++;
    } while (next_row(p, idx, &o));
  }
  {
    const int32_t bias = p->in_zero_point * p->count;
    for (int32_t i = 0; i < p->num_outputs; ++i) {
      int32_t v = mcu_multiply_by_quantized_multiplier(sum[i] - bias, p->out_multiplier,
                                                       (int)p->out_shift) + p->out_zero_point;
      out[i] = (int8_t)mcu_clamp_i32(v, -128, 127);
    }
  }
}

void k_mean_f32(const k_mean_params *p, const float *in, float *out) {
  const int last = p->ndims - 1;
  const int32_t n = p->dims[last];
  int32_t idx[K_MEAN_MAX_DIMS] = {0};
  int32_t o = 0;
  if (p->num_inputs == 0) return;
  for (int32_t i = 0; i < p->num_outputs; ++i) out[i] = 0.0f;
  if (p->out_stride[last] == 0) {
    do {
      float acc = out[o];
      for (int32_t i = 0; i < n; ++i) acc += *in++;
      out[o] = acc;
    } while (next_row(p, idx, &o));
  } else {
    do {
      float *s = out + o;
      for (int32_t i = 0; i < n; ++i) s[i] += *in++;
    } while (next_row(p, idx, &o));
  }
  {
    const float count = (float)p->count;
    for (int32_t i = 0; i < p->num_outputs; ++i) out[i] = out[i] / count;
  }
}
