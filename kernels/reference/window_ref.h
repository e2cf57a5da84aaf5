/* window_ref.h - what the windowed reference kernels share (CONV_2D, DEPTHWISE_CONV_2D,
 * AVERAGE_POOL_2D, MAX_POOL_2D; included by their _ref.h): the walk over the output
 * positions, the convolutions' per-type arithmetic and the pools' loop nest.
 *
 * Each kernel is written once for int8 and float32: a macro holds the loop nest and
 * takes the element types and the per-type steps (static inline functions) as
 * arguments, as C has no generics; everything inlines into the kernel. */
#ifndef WINDOW_REF_H
#define WINDOW_REF_H

#include <stddef.h>
#include <stdint.h>

#include "k_padding.h"
#include "k_pooling.h"
#include "mcu_quant.h"

/* Runs the statements given last once per output position of an NHWC windowed operator,
 * in output order (batch, row, column), with in scope
 *   ky_lo, ky_hi   the filter rows [ky_lo, ky_hi) whose taps lie inside the input
 *   kx_lo, kx_hi   the filter columns likewise
 *   in_win         (const T *) the input at the window's first in-bounds tap, channel 0
 * so the statements never test bounds: taps in the padding are skipped. p points to
 * the kernel's params (batches, in_h, in_w, out_h, out_w, filter_h, filter_w, stride_h,
 * stride_w, pad_h, pad_w), input to the input, ch is its channel count and dil_h,
 * dil_w the dilations. */
#define K_FOR_EACH_WINDOW(T, p, input, ch, dil_h, dil_w, ...)                                  \
  do {                                                                                         \
    const int32_t win_in_w_ = (p)->in_w, win_row_stride_ = win_in_w_ * (ch);                   \
    for (int32_t win_b_ = 0; win_b_ < (p)->batches; ++win_b_) {                                \
      const T *const win_in_b_ = (input) + (size_t)win_b_ * (p)->in_h * win_row_stride_;       \
      for (int32_t win_oy_ = 0; win_oy_ < (p)->out_h; ++win_oy_) {                             \
        const int32_t win_iy0_ = win_oy_ * (p)->stride_h - (p)->pad_h;                         \
        int32_t ky_lo, ky_hi;                                                                  \
        k_valid_taps(win_iy0_, (p)->in_h, (p)->filter_h, (dil_h), &ky_lo, &ky_hi);             \
        for (int32_t win_ox_ = 0; win_ox_ < (p)->out_w; ++win_ox_) {                           \
          const int32_t win_ix0_ = win_ox_ * (p)->stride_w - (p)->pad_w;                       \
          int32_t kx_lo, kx_hi;                                                                \
          k_valid_taps(win_ix0_, win_in_w_, (p)->filter_w, (dil_w), &kx_lo, &kx_hi);           \
          const T *const in_win = win_in_b_ + (win_iy0_ + ky_lo * (dil_h)) * win_row_stride_ + \
                                  (win_ix0_ + kx_lo * (dil_w)) * (ch);                         \
          __VA_ARGS__                                                                          \
        }                                                                                      \
      }                                                                                        \
    }                                                                                          \
  } while (0)

/* ---- CONV_2D and DEPTHWISE_CONV_2D: the per-type arithmetic ----
 *
 * What the output stage needs, taken from the params once (their structs name these
 * fields alike) into a local: a store through the int8 output may alias anything as
 * far as C is concerned, so fields read through p would be re-read after each output.
 * The per-channel arrays are the exception: the loop nests pass p->out_mult and
 * p->out_shift at each output, as holding them too across the whole nest measured
 * slower on Cortex-M4 (registers run short). Where a nest declares its stage among its
 * locals sways register allocation too (a few % either way, benchmarks/models.py). */
typedef struct {
  int32_t in_off, out_off, act_min, act_max;  /* int8 */
  float act_min_f, act_max_f;                 /* float32 */
} k_conv_stage;

#define K_CONV_STAGE(p)                                                                        \
  {.in_off = (p)->input_offset, .out_off = (p)->output_offset, .act_min = (p)->act_min,        \
   .act_max = (p)->act_max, .act_min_f = (p)->act_min_f, .act_max_f = (p)->act_max_f}

/* One tap: acc + (input + input offset) * filter. */
static inline int32_t k_conv_tap_s8(int32_t acc, int8_t x, int8_t w, const k_conv_stage *st) {
  return acc + ((int32_t)x + st->in_off) * (int32_t)w;
}

static inline float k_conv_tap_f32(float acc, float x, float w, const k_conv_stage *st) {
  (void)st;
  return acc + x * w;
}

/* Output channel oc from its accumulator: bias, requantization by the channel's
 * multiplier mult[oc] and shift shift[oc] (int8 only), clamp. */
static inline int8_t k_conv_out_s8(int32_t acc, const int32_t *bias, int32_t oc,
                                   const int32_t *mult, const int8_t *shift,
                                   const k_conv_stage *st) {
  if (bias != NULL) acc += bias[oc];
  acc = mcu_multiply_by_quantized_multiplier(acc, mult[oc], shift[oc]);
  acc += st->out_off;
  return (int8_t)mcu_clamp_i32(acc, st->act_min, st->act_max);
}

static inline float k_conv_out_f32(float acc, const float *bias, int32_t oc,
                                   const int32_t *mult, const int8_t *shift,
                                   const k_conv_stage *st) {
  (void)mult;
  (void)shift;
  acc += bias != NULL ? bias[oc] : 0.0f;
  acc = acc < st->act_min_f ? st->act_min_f : acc;
  acc = acc > st->act_max_f ? st->act_max_f : acc;
  return acc;
}

/* ---- AVERAGE_POOL_2D and MAX_POOL_2D: the loop nest ----
 *
 * The activation clamp, taken from the params once for the reason k_conv_stage gives. */
typedef struct {
  int32_t act_min, act_max;    /* int8 */
  float act_min_f, act_max_f;  /* float32 */
} k_pool_stage;

/* For each output position and channel: acc = INIT, acc = STEP(acc, x) over the
 * window's in-bounds values x in row-major order, then the output
 * OUT(acc, count of those values, stage). Reads the kernel's arguments p, input and
 * output. */
#define K_POOL_2D_REF_BODY(T, ACC, INIT, STEP, OUT)                                            \
  const k_pool_stage st = {.act_min = p->act_min, .act_max = p->act_max,                       \
                           .act_min_f = p->act_min_f, .act_max_f = p->act_max_f};              \
  const int32_t ch = p->channels, in_row_stride = p->in_w * ch;                                \
  K_FOR_EACH_WINDOW(T, p, input, ch, 1, 1, {                                                   \
    const int32_t count = (ky_hi - ky_lo) * (kx_hi - kx_lo);                                   \
    for (int32_t c = 0; c < ch; ++c) {                                                         \
      ACC acc = INIT;                                                                          \
      const T *in_row = in_win + c;                                                            \
      for (int32_t ky = ky_lo; ky < ky_hi; ++ky) {                                             \
        const T *in_px = in_row;                                                               \
        for (int32_t kx = kx_lo; kx < kx_hi; ++kx) {                                           \
          acc = STEP(acc, *in_px);                                                             \
          in_px += ch;                                                                         \
        }                                                                                      \
        in_row += in_row_stride;                                                               \
      }                                                                                        \
      *output++ = OUT(acc, count, &st);                                                        \
    }                                                                                          \
  })

#endif /* WINDOW_REF_H */
