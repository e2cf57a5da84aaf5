/* flatbuf.c - bounds-checked flatbuffer reading (see flatbuf.h).
 *
 * Wire format facts used: a buffer starts with a uoffset (u32) to the root table,
 * optionally followed by a 4-byte file identifier. A table starts with an soffset
 * (i32): vtable = table - soffset. A vtable is u16 vtable_bytes, u16 table_bytes, then
 * one u16 per field: the field's offset from the table start (0 = absent). Offset
 * fields hold a uoffset relative to the field's own position. A vector is a u32
 * element count followed by the elements; a string is a vector of bytes plus a NUL.
 */
#include "flatbuf.h"

#include <string.h>

int fb_fail(fb_reader *r, const char *msg) {
  if (r->err == NULL) r->err = msg;
  return -1;
}

/* Is [pos, pos + n) inside the buffer? Overflow-safe. */
static int in_bounds(const fb_reader *r, uint32_t pos, uint32_t n) {
  return pos <= r->len && n <= r->len - pos;
}

int fb_table_at(fb_reader *r, uint32_t pos, fb_table *t) {
  memset(t, 0, sizeof *t);
  if (r->err) return -1;
  if (pos == 0 || !in_bounds(r, pos, 4)) return fb_fail(r, "table offset out of range");
  int64_t vt = (int64_t)pos - (int64_t)(int32_t)fb_rd32(r->buf + pos);
  if (vt < 0 || vt > (int64_t)r->len - 4) return fb_fail(r, "vtable offset out of range");
  uint32_t v = (uint32_t)vt;
  uint16_t vt_len = fb_rd16(r->buf + v);
  uint16_t tbl_len = fb_rd16(r->buf + v + 2);
  if (vt_len < 4 || (vt_len & 1) != 0 || !in_bounds(r, v, vt_len))
    return fb_fail(r, "bad vtable size");
  if (tbl_len < 4 || !in_bounds(r, pos, tbl_len)) return fb_fail(r, "bad table size");
  t->pos = pos;
  t->vt = v;
  t->vt_len = vt_len;
  t->tbl_len = tbl_len;
  return 0;
}

int fb_open(fb_reader *r, const uint8_t *buf, uint32_t len, const char *ident,
            fb_table *root) {
  r->buf = buf;
  r->len = len;
  r->err = NULL;
  memset(root, 0, sizeof *root);
  if (buf == NULL || len < 8) return fb_fail(r, "file too short to be a flatbuffer");
  if (ident != NULL && memcmp(buf + 4, ident, 4) != 0)
    return fb_fail(r, "wrong file identifier (not a .tflite model)");
  return fb_table_at(r, fb_rd32(buf), root);
}

uint32_t fb_field(fb_reader *r, const fb_table *t, int field, uint32_t size) {
  if (r->err || t->pos == 0 || field < 0) return 0;
  uint32_t slot = 4u + 2u * (uint32_t)field;
  if (slot + 2u > t->vt_len) return 0;
  uint32_t off = fb_rd16(r->buf + t->vt + slot);
  if (off == 0) return 0;
  if (off < 4 || size > t->tbl_len || off > t->tbl_len - size) {
    fb_fail(r, "field lies outside its table");
    return 0;
  }
  return t->pos + off;
}

uint8_t fb_u8(fb_reader *r, const fb_table *t, int field, uint8_t dflt) {
  uint32_t p = fb_field(r, t, field, 1);
  return p ? r->buf[p] : dflt;
}

int8_t fb_i8(fb_reader *r, const fb_table *t, int field, int8_t dflt) {
  uint32_t p = fb_field(r, t, field, 1);
  return p ? (int8_t)r->buf[p] : dflt;
}

int32_t fb_i32(fb_reader *r, const fb_table *t, int field, int32_t dflt) {
  uint32_t p = fb_field(r, t, field, 4);
  return p ? (int32_t)fb_rd32(r->buf + p) : dflt;
}

uint32_t fb_u32(fb_reader *r, const fb_table *t, int field, uint32_t dflt) {
  uint32_t p = fb_field(r, t, field, 4);
  return p ? fb_rd32(r->buf + p) : dflt;
}

uint64_t fb_u64(fb_reader *r, const fb_table *t, int field, uint64_t dflt) {
  uint32_t p = fb_field(r, t, field, 8);
  return p ? fb_rd64(r->buf + p) : dflt;
}

/* Follow the uoffset stored at position p (already known to hold 4 bytes). */
static uint32_t follow(fb_reader *r, uint32_t p) {
  uint32_t off = fb_rd32(r->buf + p);
  if (off == 0 || off > r->len - p) {
    fb_fail(r, "offset out of range");
    return 0;
  }
  return p + off;
}

int fb_offset_ok(fb_reader *r, const fb_table *t, int field) {
  uint32_t p = fb_field(r, t, field, 4);
  if (p == 0) return 0;
  uint32_t target = follow(r, p);
  if (target == 0) return 0;
  if (!in_bounds(r, target, 4)) return fb_fail(r, "offset target out of range"), 0;
  return 1;
}

int fb_table_field(fb_reader *r, const fb_table *t, int field, fb_table *out) {
  memset(out, 0, sizeof *out);
  uint32_t p = fb_field(r, t, field, 4);
  if (p == 0) return 0;
  uint32_t target = follow(r, p);
  if (target == 0) return 0;
  return fb_table_at(r, target, out) == 0;
}

/* A vector whose length word is at position v. */
static int vector_at(fb_reader *r, uint32_t v, uint32_t elem_size, fb_vec *out) {
  if (!in_bounds(r, v, 4)) return fb_fail(r, "vector out of range"), 0;
  uint32_t n = fb_rd32(r->buf + v);
  uint64_t bytes = (uint64_t)n * elem_size;
  if (bytes > (uint64_t)(r->len - v - 4)) return fb_fail(r, "vector runs past the end of the file"), 0;
  out->pos = v + 4;
  out->n = n;
  return 1;
}

int fb_vector(fb_reader *r, const fb_table *t, int field, uint32_t elem_size, fb_vec *out) {
  out->pos = 0;
  out->n = 0;
  uint32_t p = fb_field(r, t, field, 4);
  if (p == 0) return 0;
  uint32_t target = follow(r, p);
  if (target == 0) return 0;
  fb_vec v;
  if (!vector_at(r, target, elem_size, &v)) return 0;
  *out = v;
  return 1;
}

int fb_string(fb_reader *r, const fb_table *t, int field, const char **s, uint32_t *n) {
  fb_vec v;
  *s = NULL;
  *n = 0;
  if (!fb_vector(r, t, field, 1, &v)) return 0;
  *s = (const char *)(r->buf + v.pos);
  *n = v.n;
  return 1;
}

int fb_vec_table(fb_reader *r, const fb_vec *v, uint32_t i, fb_table *out) {
  memset(out, 0, sizeof *out);
  if (r->err) return 0;
  if (i >= v->n) return fb_fail(r, "vector index out of range"), 0;
  uint32_t p = v->pos + 4u * i; /* in bounds: the vector was checked with elem 4 */
  uint32_t target = follow(r, p);
  if (target == 0) return 0;
  return fb_table_at(r, target, out) == 0;
}

uint32_t fb_vec_u32(const fb_reader *r, const fb_vec *v, uint32_t i) {
  return fb_rd32(r->buf + v->pos + 4u * i);
}
