/* broadcast_ref.h - the loop the binary elementwise reference kernels (ADD, SUB, MUL;
 * add_ref.h, sub.c, mul.c) share: the outer dims of a broadcast shape walked with
 * k_bcast_next, a tight loop over the innermost (see k_broadcast.h). */
#ifndef BROADCAST_REF_H
#define BROADCAST_REF_H

#include <stdint.h>

#include "k_broadcast.h"

/* For each output element, in order, with x and y (names the caller picks, of type T)
 * the elements of in1 and in2 that broadcast to it: *out++ = EXPR. A macro as it
 * serves several element types; the kernel hoists whatever EXPR needs out of the
 * loop itself. shape is a const k_bcast *. */
#define K_BCAST_REF_LOOP(shape, T, in1, in2, out, x, y, EXPR)                                  \
  do {                                                                                         \
    const k_bcast *const bc_ = (shape);                                                        \
    const int bc_last_ = bc_->ndims - 1;                                                       \
    const int32_t bc_n_ = bc_->dims[bc_last_];                                                 \
    const int32_t bc_s1_ = bc_->stride1[bc_last_], bc_s2_ = bc_->stride2[bc_last_];            \
    int32_t bc_idx_[K_BCAST_MAX_DIMS] = {0};                                                   \
    int32_t bc_o1_ = 0, bc_o2_ = 0;                                                            \
    if (bc_->count > 0) {                                                                      \
      do {                                                                                     \
        const T *bc_a_ = (in1) + bc_o1_, *bc_c_ = (in2) + bc_o2_;                              \
        for (int32_t bc_i_ = 0; bc_i_ < bc_n_; ++bc_i_) {                                      \
          const T x = *bc_a_, y = *bc_c_;                                                      \
          *(out)++ = (EXPR);                                                                   \
          bc_a_ += bc_s1_;                                                                     \
          bc_c_ += bc_s2_;                                                                     \
        }                                                                                      \
      } while (k_bcast_next(bc_, bc_idx_, &bc_o1_, &bc_o2_));                                  \
    }                                                                                          \
  } while (0)

/* The float32 kernels' clamp to the activation range [lo, hi]. */
static inline float k_clamp_f32(float v, float lo, float hi) {
  v = v < lo ? lo : v;
  return v > hi ? hi : v;
}

#endif /* BROADCAST_REF_H */
