/* flatbuf.h - a small, read-only, bounds-checked flatbuffer reader.
 *
 * Ownership: the reader never copies; positions are byte offsets into the caller's
 * buffer, which must outlive every fb_table / fb_vec taken from it.
 *
 * Errors are sticky: the first violation (an offset, vtable, vector or string that
 * does not lie inside the buffer, or a field that does not fit its table) is recorded
 * in r->err and every later call returns an empty/default value, so callers can parse
 * a whole structure and check r->err once. No call reads outside [buf, buf + len), and
 * none loops over anything it has not bounded by len first, so a corrupt or truncated
 * buffer can only produce an error, never a wild read or a hang.
 *
 * Multi-byte values are read byte by byte (little-endian, as flatbuffers stores them),
 * so a corrupt, misaligned offset cannot fault on cores without unaligned access.
 * No floating point, no division.
 */
#ifndef MCU_FLATBUF_H
#define MCU_FLATBUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  const uint8_t *buf;
  uint32_t len;
  const char *err; /* NULL while no error */
} fb_reader;

/* A table: pos is its start (0 = absent; no valid table starts at 0). */
typedef struct {
  uint32_t pos;
  uint32_t vt;      /* vtable position */
  uint16_t vt_len;  /* vtable bytes */
  uint16_t tbl_len; /* table inline bytes */
} fb_table;

/* A vector: pos is its first element (0 = absent), n its element count; the reader
 * has checked that pos + n * elem_size <= len. */
typedef struct {
  uint32_t pos;
  uint32_t n;
} fb_vec;

/* Start reading: checks the size, the 4-char file identifier (if ident != NULL) and
 * the root table. Returns 0 on success. */
int fb_open(fb_reader *r, const uint8_t *buf, uint32_t len, const char *ident,
            fb_table *root);

/* Record an error (keeps the first one). Always returns -1. */
int fb_fail(fb_reader *r, const char *msg);

/* Validate the table at pos (its vtable and inline size). */
int fb_table_at(fb_reader *r, uint32_t pos, fb_table *t);

/* Position of field `field` (0-based) if present and `size` bytes of it fit in the
 * table; 0 if absent (or on error). */
uint32_t fb_field(fb_reader *r, const fb_table *t, int field, uint32_t size);

/* Scalars (defaults when absent). */
uint8_t fb_u8(fb_reader *r, const fb_table *t, int field, uint8_t dflt);
int8_t fb_i8(fb_reader *r, const fb_table *t, int field, int8_t dflt);
int32_t fb_i32(fb_reader *r, const fb_table *t, int field, int32_t dflt);
uint32_t fb_u32(fb_reader *r, const fb_table *t, int field, uint32_t dflt);
uint64_t fb_u64(fb_reader *r, const fb_table *t, int field, uint64_t dflt);

/* Offset fields. Return 1 if present and valid, 0 if absent or on error. */
int fb_table_field(fb_reader *r, const fb_table *t, int field, fb_table *out);
int fb_vector(fb_reader *r, const fb_table *t, int field, uint32_t elem_size, fb_vec *out);
/* A string: *s points at its bytes (n of them, NUL follows in a valid buffer). */
int fb_string(fb_reader *r, const fb_table *t, int field, const char **s, uint32_t *n);
/* Check the target of an offset field lies in the buffer (for fields not followed). */
int fb_offset_ok(fb_reader *r, const fb_table *t, int field);

/* Element i of a vector of tables (i < v->n). */
int fb_vec_table(fb_reader *r, const fb_vec *v, uint32_t i, fb_table *out);

/* Element reads from a validated vector (caller guarantees i < v->n). */
uint32_t fb_vec_u32(const fb_reader *r, const fb_vec *v, uint32_t i);

/* Raw little-endian reads at a position the caller has bounds-checked. */
static inline uint16_t fb_rd16(const uint8_t *p) {
  return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t fb_rd32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
         ((uint32_t)p[3] << 24);
}
static inline uint64_t fb_rd64(const uint8_t *p) {
  return (uint64_t)fb_rd32(p) | ((uint64_t)fb_rd32(p + 4) << 32);
}

/* Is the absolute address of buf + pos a multiple of align (a power of two)? */
static inline int fb_aligned(const fb_reader *r, uint32_t pos, uint32_t align) {
  return (((uintptr_t)(r->buf + pos)) & (uintptr_t)(align - 1)) == 0;
}

#endif /* MCU_FLATBUF_H */
