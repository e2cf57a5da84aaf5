/* concatenation.c - reference CONCATENATION kernel. */
#include <string.h>

#include "k_concatenation.h"

/* Round half away from zero (std::round) for |x| < 2^31. */
static int32_t round_away(float x) {
  int32_t t = (int32_t)x;
  const float diff = x - (float)t;
  if (diff >= 0.5f) ++t;
  if (diff <= -0.5f) --t;
  return t;
}

void k_concatenation_requant_table(float in_scale, int32_t in_zero_point, float out_scale,
                                   int32_t out_zero_point, int8_t *table) {
  const float inv_out = 1.0f / out_scale;
  const float scale = in_scale * inv_out;
  const float bias = -(float)in_zero_point * scale;
  for (int32_t q = -128; q <= 127; ++q) {
    float v = (float)q * scale;
    int32_t r;
    v = v + bias;
    if (v > 65536.0f) v = 65536.0f; /* far outside int8 either way: avoid overflow */
    if (v < -65536.0f) v = -65536.0f;
    r = round_away(v) + out_zero_point;
    table[q + 128] = (int8_t)(r < -128 ? -128 : (r > 127 ? 127 : r));
  }
}

void k_concatenation(const k_concatenation_params *p, const void *const *inputs, void *out) {
  const int32_t es = p->elem_size;
  uint8_t *dst = (uint8_t *)out;
  for (int32_t o = 0; o < p->outer; ++o) {
    for (int32_t i = 0; i < p->num_inputs; ++i) {
      const int32_t n = p->in_row[i];
      const uint8_t *src = (const uint8_t *)inputs[i] + (size_t)o * (size_t)n * (size_t)es;
      const int8_t *lut = p->lut != NULL ? p->lut[i] : NULL;
      if (lut != NULL) {
        int8_t *d8 = (int8_t *)dst;
        const int8_t *s8 = (const int8_t *)src;
        for (int32_t j = 0; j < n; ++j) d8[j] = lut[s8[j] + 128];
      } else {
        memcpy(dst, src, (size_t)n * (size_t)es);
      }
      dst += (size_t)n * (size_t)es;
    }
  }
}
