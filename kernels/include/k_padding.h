/* k_padding.h - TFLite's output-size and padding rules for windowed operators
 * (CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, MAX_POOL_2D).
 *
 * Used by operator glue at prepare time only; kernels receive the resulting
 * top/left padding in their parameter structs. Padding values are the schema's
 * Padding enum (SAME = 0, VALID = 1).
 *
 * The rules (TFLite's documented behaviour):
 *   effective filter  = (filter - 1) * dilation + 1
 *   SAME  output      = ceil(in / stride)
 *   VALID output      = ceil((in - effective filter + 1) / stride)
 *   total padding     = max((out - 1) * stride + effective filter - in, 0)
 *   before (top/left) = total / 2 (the odd extra element goes after)
 */
#ifndef K_PADDING_H
#define K_PADDING_H

#include <stdint.h>

enum { K_PADDING_SAME = 0, K_PADDING_VALID = 1 };

/* Upper bound on an input extent, stride, dilation and effective filter size: far
 * above any microcontroller model (2^24), and low enough that every sum and product
 * below and in the kernels' index arithmetic (origin = out * stride - pad, plus
 * tap * dilation) stays inside int32. */
#define K_WINDOW_MAX (1 << 24)

/* 1 when one axis of a windowed operator is in the range the rules below handle:
 * in >= 0, filter, stride and dilation >= 1, and in, stride, dilation and the
 * effective filter size at most K_WINDOW_MAX. Glue checks this (MCU_ERR_PARAMS)
 * before calling k_output_size or k_padding_before. */
static inline int k_window_ok(int32_t in, int32_t filter, int32_t stride, int32_t dilation) {
  if (in < 0 || filter < 1 || stride < 1 || dilation < 1) return 0;
  if (in > K_WINDOW_MAX || stride > K_WINDOW_MAX || dilation > K_WINDOW_MAX) return 0;
  return (int64_t)(filter - 1) * dilation + 1 <= K_WINDOW_MAX;
}

static inline int32_t k_effective_filter_size(int32_t filter, int32_t dilation) {
  return (filter - 1) * dilation + 1;
}

/* Output extent along one axis; <= 0 when the window does not fit (VALID). Callers
 * guarantee k_window_ok(in, filter, stride, dilation) and padding SAME or VALID. */
static inline int32_t k_output_size(int padding, int32_t in, int32_t filter, int32_t stride,
                                    int32_t dilation) {
  int32_t eff = k_effective_filter_size(filter, dilation);
  if (padding == K_PADDING_SAME) return (in + stride - 1) / stride;
  if (in < eff) return 0;
  return (in - eff + stride) / stride;
}

/* Padding before the first element (top or left) for an output of extent out. */
static inline int32_t k_padding_before(int32_t in, int32_t out, int32_t filter, int32_t stride,
                                       int32_t dilation) {
  int32_t total = (out - 1) * stride + k_effective_filter_size(filter, dilation) - in;
  return total > 0 ? total / 2 : 0;
}

/* The filter taps k in [*lo, *hi) whose input coordinate origin + k * dilation lies in
 * [0, in). Kernels call this per output row/column so inner loops never test bounds. */
static inline void k_valid_taps(int32_t origin, int32_t in, int32_t filter, int32_t dilation,
                                int32_t *lo, int32_t *hi) {
  int32_t a, b;
  if (dilation == 1) {
    a = origin < 0 ? -origin : 0;
    b = in - origin;
  } else {
    a = origin < 0 ? (-origin + dilation - 1) / dilation : 0;
    b = in - origin > 0 ? (in - origin + dilation - 1) / dilation : 0;
  }
  if (b > filter) b = filter;
  if (a > b) a = b;
  *lo = a;
  *hi = b;
}

#endif /* K_PADDING_H */
