/* mcu_math.c - float exp/expm1/tanh without libm (see mcu_math.h for accuracy).
 *
 * exp: x = k ln2 + r with |r| <= ln2/2 (ln2 split in a short high part, exact in
 * k * ln2_hi for |k| < 2^8, and a low correction), exp(r) from a degree-7 polynomial
 * (minimax-fitted coefficients, the classic single-precision set), result scaled by
 * 2^k through the exponent bits. */
#include <stdint.h>

#include "mcu_math.h"

static float bits_to_float(uint32_t b) {
  union {
    uint32_t u;
    float f;
  } v;
  v.u = b;
  return v.f;
}

/* 2^k for -126 <= k <= 127. */
static float pow2i(int32_t k) { return bits_to_float((uint32_t)(k + 127) << 23); }

/* exp(r) - 1 - r for |r| <= ln2/2 (polynomial in r, times r^2). */
static float expm1_poly_tail(float r) {
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  return p * (r * r);
}

/* Reduce x = k ln2 + r. Caller guarantees |x| < 105. */
static float reduce_ln2(float x, int32_t *k_out) {
  const float log2e = 1.44269504088896341f;
  const float ln2_hi = 0.693359375f;       /* 0x3f318000: 10 significant bits */
  const float ln2_lo = -2.12194440e-4f;    /* ln2 - ln2_hi */
  float t = x * log2e;
  int32_t k = (int32_t)(t + (t >= 0.0f ? 0.5f : -0.5f));
  float fk = (float)k;
  *k_out = k;
  return (x - fk * ln2_hi) - fk * ln2_lo;
}

float mcu_expf(float x) {
  if (x != x) return x;
  if (x > 88.72283935546875f) return bits_to_float(0x7f800000u); /* +inf */
  if (x < -104.0f) return 0.0f;
  int32_t k;
  float r = reduce_ln2(x, &k);
  float y = 1.0f + (r + expm1_poly_tail(r));
  if (k > 127) return y * pow2i(127) * 2.0f;
  if (k < -126) return (y * pow2i(k + 100)) * pow2i(-100);
  return y * pow2i(k);
}

float mcu_expm1f(float x) {
  if (x != x) return x;
  if (x > -0.34657359f && x < 0.34657359f) {
    if (x > -1e-9f && x < 1e-9f) return x;
    return x + expm1_poly_tail(x);
  }
  if (x < -18.0f) return -1.0f; /* exp(x) below half an ulp of 1 */
  return mcu_expf(x) - 1.0f;
}

float mcu_tanhf(float x) {
  if (x != x) return x;
  float ax = x < 0.0f ? -x : x;
  float r;
  if (ax > 9.1f) {
    r = 1.0f; /* 1 - tanh(9.1) < 2^-25 */
  } else if (ax < 2.44140625e-4f) {
    r = ax; /* tanh(x) = x (1 - x^2/3 ...), x^2/3 below half an ulp */
  } else {
    float t = mcu_expm1f(2.0f * ax);
    r = t / (t + 2.0f);
  }
  return x < 0.0f ? -r : r;
}
