/* quant.c - prepare-time quantization helpers (run once per op at init, so double
 * precision soft-float on FPU-less cores is acceptable here). */
#include <stdint.h>
#include <string.h>

#include "mcu_quant.h"

/* Round half away from zero, as C's round(); |x| < 2^62 is all callers pass. */
static int64_t round_away_double(double x) {
  int64_t t = (int64_t)x; /* truncates toward zero */
  double diff = x - (double)t;
  if (diff >= 0.5) t += 1;
  if (diff <= -0.5) t -= 1;
  return t;
}

static int32_t round_away_float(float x) {
  if (x >= 2147483520.0f) return INT32_MAX;
  if (x <= -2147483648.0f) return INT32_MIN;
  int32_t t = (int32_t)x;
  float diff = x - (float)t;
  if (diff >= 0.5f) t += 1;
  if (diff <= -0.5f) t -= 1;
  return t;
}

/* frexp for finite positive doubles: real = q * 2^e with q in [0.5, 1). */
static double frexp_positive(double real, int *e) {
  uint64_t bits;
  memcpy(&bits, &real, sizeof bits);
  int adjust = 0;
  if (((bits >> 52) & 0x7ff) == 0) { /* subnormal: scale into the normal range */
    real *= 18014398509481984.0;     /* 2^54 */
    memcpy(&bits, &real, sizeof bits);
    adjust = -54;
  }
  *e = (int)((bits >> 52) & 0x7ff) - 1022 + adjust;
  bits = (bits & ~(0x7ffULL << 52)) | (1022ULL << 52);
  double q;
  memcpy(&q, &bits, sizeof q);
  return q;
}

void mcu_quantize_multiplier(double real, int32_t *multiplier, int *shift) {
  if (!(real > 0.0)) { /* zero, negative or NaN: TFLite only passes >= 0 */
    *multiplier = 0;
    *shift = 0;
    return;
  }
  int e;
  double q = frexp_positive(real, &e);
  int64_t q_fixed = round_away_double(q * 2147483648.0);
  if (q_fixed == (1LL << 31)) {
    q_fixed /= 2;
    ++e;
  }
  if (e < -31) {
    e = 0;
    q_fixed = 0;
  }
  /* A left shift above 30 cannot be applied to an int32 without overflow (only a
   * corrupt or absurd model gets here): saturate, as TFLite's single-rounding rule does,
   * so kernels never shift by 31 or more. */
  if (e > 30) {
    e = 30;
    q_fixed = 0x7fffffff;
  }
  *multiplier = (int32_t)q_fixed;
  *shift = e;
}

/* zero_point + round(x / scale), saturated to int32: a tiny (corrupt) scale makes the
 * quotient huge, and the sum must not overflow (it is clamped to [qmin, qmax] after). */
static int32_t quantize_point(float x, float scale, int32_t zero_point) {
  int64_t q = (int64_t)zero_point + round_away_float(x / scale);
  return q > INT32_MAX ? INT32_MAX : (q < INT32_MIN ? INT32_MIN : (int32_t)q);
}

void mcu_activation_range_quantized(int activation, float scale, int32_t zero_point,
                                    int32_t qmin, int32_t qmax, int32_t *lo, int32_t *hi) {
  int32_t q0 = quantize_point(0.0f, scale, zero_point);
  *lo = qmin;
  *hi = qmax;
  if (activation == MCU_ACT_RELU) {
    *lo = q0 > qmin ? q0 : qmin;
  } else if (activation == MCU_ACT_RELU6) {
    int32_t q6 = quantize_point(6.0f, scale, zero_point);
    *lo = q0 > qmin ? q0 : qmin;
    *hi = q6 < qmax ? q6 : qmax;
  } else if (activation == MCU_ACT_RELU_N1_TO_1) {
    int32_t qn1 = quantize_point(-1.0f, scale, zero_point);
    int32_t q1 = quantize_point(1.0f, scale, zero_point);
    *lo = qn1 > qmin ? qn1 : qmin;
    *hi = q1 < qmax ? q1 : qmax;
  }
}

void mcu_activation_range_float(int activation, float *lo, float *hi) {
  *lo = -3.4028234663852886e38f;
  *hi = 3.4028234663852886e38f;
  if (activation == MCU_ACT_RELU) {
    *lo = 0.0f;
  } else if (activation == MCU_ACT_RELU6) {
    *lo = 0.0f;
    *hi = 6.0f;
  } else if (activation == MCU_ACT_RELU_N1_TO_1) {
    *lo = -1.0f;
    *hi = 1.0f;
  }
}
