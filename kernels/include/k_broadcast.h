/* k_broadcast.h - NumPy-style broadcasting of two operands, shared by the binary
 * elementwise kernels (ADD, SUB, MUL).
 *
 * Prepare-time: k_bcast_init() extends both input shapes to the output rank, checks
 * they broadcast to the output shape, drops size-1 output dims and merges adjacent
 * dims whose broadcast pattern (which operands run along them) is the same. The
 * result is a short loop nest (often a single flat loop) with per-operand element
 * strides, 0 along dims where that operand is broadcast.
 *
 * Run-time: kernels walk the outer dims with k_bcast_next() and run a tight loop over
 * the innermost dim, whose strides are 0 or 1 for each operand.
 */
#ifndef K_BROADCAST_H
#define K_BROADCAST_H

#include <stdint.h>

#define K_BCAST_MAX_DIMS 6

typedef struct {
  int32_t ndims;                     /* >= 1 after k_bcast_init */
  int32_t count;                     /* output elements; kernels do nothing when 0 */
  int32_t dims[K_BCAST_MAX_DIMS];    /* collapsed output dims, outermost first */
  int32_t stride1[K_BCAST_MAX_DIMS]; /* element stride of operand 1 along each dim */
  int32_t stride2[K_BCAST_MAX_DIMS]; /* element stride of operand 2 along each dim */
} k_bcast;

/* Returns 0, or -1 when the shapes do not broadcast to the output shape (or a rank
 * exceeds K_BCAST_MAX_DIMS). */
static inline int k_bcast_init(k_bcast *b, const int32_t *d1, int n1, const int32_t *d2,
                               int n2, const int32_t *dout, int nout) {
  int32_t e1[K_BCAST_MAX_DIMS], e2[K_BCAST_MAX_DIMS], eo[K_BCAST_MAX_DIMS];
  int32_t pat[K_BCAST_MAX_DIMS];
  int r = n1 > n2 ? n1 : n2;
  int i, k;
  if (nout > r) r = nout;
  if (r > K_BCAST_MAX_DIMS || n1 < 0 || n2 < 0 || nout < 0) return -1;
  for (i = 0; i < r; ++i) {
    int j1 = i - (r - n1), j2 = i - (r - n2), jo = i - (r - nout);
    e1[i] = j1 >= 0 ? d1[j1] : 1;
    e2[i] = j2 >= 0 ? d2[j2] : 1;
    eo[i] = jo >= 0 ? dout[jo] : 1;
    if (e1[i] < 0 || e2[i] < 0) return -1;
    {
      int32_t want = e1[i] == 1 ? e2[i] : e1[i];
      if (e1[i] != 1 && e2[i] != 1 && e1[i] != e2[i]) return -1;
      if (eo[i] != want) return -1;
    }
  }
  /* drop size-1 dims, merge runs with the same pattern (bit0: operand 1 runs along
   * it, bit1: operand 2 does) */
  k = 0;
  for (i = 0; i < r; ++i) {
    int32_t p;
    if (eo[i] == 1) continue;
    p = (e1[i] == eo[i] ? 1 : 0) | (e2[i] == eo[i] ? 2 : 0);
    if (k > 0 && pat[k - 1] == p) {
      b->dims[k - 1] *= eo[i];
    } else {
      pat[k] = p;
      b->dims[k] = eo[i];
      ++k;
    }
  }
  if (k == 0) { /* every dim is 1 (or a scalar) */
    pat[0] = 3;
    b->dims[0] = 1;
    k = 1;
  }
  b->ndims = k;
  b->count = 1;
  for (i = 0; i < r; ++i) b->count *= eo[i];
  {
    int32_t s1 = 1, s2 = 1;
    for (i = k - 1; i >= 0; --i) {
      b->stride1[i] = (pat[i] & 1) ? s1 : 0;
      b->stride2[i] = (pat[i] & 2) ? s2 : 0;
      if (pat[i] & 1) s1 *= b->dims[i];
      if (pat[i] & 2) s2 *= b->dims[i];
    }
  }
  for (i = k; i < K_BCAST_MAX_DIMS; ++i) {
    b->dims[i] = 1;
    b->stride1[i] = 0;
    b->stride2[i] = 0;
  }
  return 0;
}

/* Number of rows (product of all dims but the innermost). */
static inline int32_t k_bcast_rows(const k_bcast *b) {
  int32_t n = 1;
  for (int i = 0; i < b->ndims - 1; ++i) n *= b->dims[i];
  return n;
}

/* Advance the outer-dim counters idx[0..ndims-2] by one row, updating the operands'
 * element offsets. Returns 0 once every row has been visited. */
static inline int k_bcast_next(const k_bcast *b, int32_t *idx, int32_t *o1, int32_t *o2) {
  for (int d = b->ndims - 2; d >= 0; --d) {
    *o1 += b->stride1[d];
    *o2 += b->stride2[d];
    if (++idx[d] < b->dims[d]) return 1;
    *o1 -= b->stride1[d] * b->dims[d];
    *o2 -= b->stride2[d] * b->dims[d];
    idx[d] = 0;
  }
  return 0;
}

#endif /* K_BROADCAST_H */
