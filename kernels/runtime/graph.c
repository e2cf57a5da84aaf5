/* graph.c - build the interpreter's graph (tensors, nodes, graph I/O) from the model
 * flatbuffer, validating everything the rest of the firmware will trust.
 *
 * Schema fields read (TFLite schema.fbs, field index in parentheses):
 *   Model: version(0) operator_codes(1) subgraphs(2) buffers(4)
 *   OperatorCode: deprecated_builtin_code(0, int8) custom_code(1) version(2)
 *                 builtin_code(3, int32); the code is the larger of the two
 *   SubGraph: tensors(0) inputs(1) outputs(2) operators(3)
 *   Tensor: shape(0) type(1) buffer(2) quantization(4) is_variable(5) sparsity(6)
 *           external_buffer(10)
 *   QuantizationParameters: scale(2) zero_point(3) details_type(4) details(5)
 *                           quantized_dimension(6)
 *   Operator: opcode_index(0) inputs(1) outputs(2) builtin_options_type(3)
 *             builtin_options(4) custom_options(5) large_custom_options_*(9,10)
 *   Buffer: data(0) offset(1) size(2)
 * Only subgraph 0 is built.
 */
#include <string.h>

#include "flatbuf.h"
#include "interp_private.h"
#include "schema_tables.h"

enum {
  BUILTIN_CONV_2D = 3,
  BUILTIN_DEPTHWISE_CONV_2D = 4,
  BUILTIN_FULLY_CONNECTED = 9,
  BUILTIN_SVDF = 27,
  BUILTIN_CUSTOM = 32,
  BUILTIN_UNIDIRECTIONAL_SEQUENCE_LSTM = 44,
  BUILTIN_BATCH_MATMUL = 126,
};

#define MAX_NODE_IO 1024 /* bound on one operator's input/output count */
#define MAX_OP_VERSION 64

typedef struct {
  fb_reader r;
  fb_vec opcodes, buffers, tensors, operators;
} ctx;

static int model_fail(mcu_interp *it, ctx *c, const char *what, int32_t index) {
  rt_msg_clear(it);
  rt_msg_str(it, "corrupt model: ");
  rt_msg_str(it, c->r.err ? c->r.err : "invalid");
  if (what != NULL) {
    rt_msg_str(it, " (");
    rt_msg_str(it, what);
    if (index >= 0) {
      rt_msg_str(it, " ");
      rt_msg_int(it, index);
    }
    rt_msg_str(it, ")");
  }
  return it->status = MCU_ERR_MODEL;
}

static int msg_fail(mcu_interp *it, int code, const char *a, int64_t n, const char *b) {
  rt_msg_clear(it);
  rt_msg_str(it, a);
  if (n != INT64_MIN) rt_msg_int(it, n);
  if (b != NULL) rt_msg_str(it, b);
  return it->status = code;
}

static int parse_quant(mcu_interp *it, ctx *c, const fb_table *q, mcu_tensor *t,
                       int32_t index) {
  fb_reader *r = &c->r;
  fb_vec scales, zps;
  fb_vector(r, q, 2, 4, &scales);
  fb_vector(r, q, 3, 8, &zps);
  uint8_t details_type = fb_u8(r, q, 4, 0);
  int has_details = fb_field(r, q, 5, 4) != 0;
  int32_t qdim = fb_i32(r, q, 6, 0);
  if (r->err) return model_fail(it, c, "quantization of tensor", index);
  if (details_type != 0 || has_details)
    return msg_fail(it, MCU_ERR_UNSUPPORTED_TYPE,
                    "custom quantization details are not supported (tensor ", index, ")");
  if (scales.n == 0) return MCU_OK; /* min/max only, or empty: not quantized */
  if (!fb_aligned(r, scales.pos, 4) || (zps.n != 0 && !fb_aligned(r, zps.pos, 8)))
    return msg_fail(it, MCU_ERR_MODEL,
                    "corrupt model: misaligned quantization vector (tensor ", index, ")");
  if (zps.n != 0 && zps.n != scales.n)
    return msg_fail(it, MCU_ERR_MODEL,
                    "corrupt model: scale and zero_point lengths differ (tensor ", index, ")");
  if (scales.n > 1) {
    if (qdim < 0 || qdim >= t->ndims || (uint32_t)t->dims[qdim] != scales.n)
      return msg_fail(it, MCU_ERR_MODEL,
                      "corrupt model: per-channel scales do not match the quantized "
                      "dimension (tensor ", index, ")");
  } else {
    qdim = 0;
  }
  /* Scales must be finite and not negative; zero points must fit the element type
   * (TFLite's rule; kernels add them to values of that type). Checked on the bit
   * patterns: no floating point here. */
  for (uint32_t k = 0; k < scales.n; ++k) {
    uint32_t bits = fb_rd32(r->buf + scales.pos + 4u * k);
    if ((bits & 0x7f800000u) == 0x7f800000u || (bits >> 31) != 0)
      return msg_fail(it, MCU_ERR_MODEL,
                      "corrupt model: quantization scale is negative or not finite (tensor ",
                      index, ")");
  }
  int64_t zlo = INT64_MIN, zhi = INT64_MAX;
  if (t->type == MCU_INT8) zlo = -128, zhi = 127;
  if (t->type == MCU_UINT8) zlo = 0, zhi = 255;
  if (t->type == MCU_INT16) zlo = -32768, zhi = 32767;
  if (t->type == MCU_INT32) zlo = INT32_MIN, zhi = INT32_MAX;
  for (uint32_t k = 0; k < zps.n; ++k) {
    int64_t z = (int64_t)fb_rd64(r->buf + zps.pos + 8u * k);
    if (z < zlo || z > zhi)
      return msg_fail(it, MCU_ERR_MODEL,
                      "corrupt model: zero point out of range for the tensor type (tensor ",
                      index, ")");
  }
  t->scales = (const float *)(const void *)(r->buf + scales.pos);
  memcpy(&t->scale, r->buf + scales.pos, sizeof t->scale);
  if (zps.n != 0) {
    t->zero_points = (const int64_t *)(const void *)(r->buf + zps.pos);
    t->zero_point = (int32_t)fb_rd32(r->buf + zps.pos); /* low word, little-endian */
  }
  t->num_scales = (int32_t)scales.n;
  t->quant_dim = (int8_t)qdim; /* validated: 0 <= qdim < ndims <= 6 */
  return MCU_OK;
}

static int parse_tensor(mcu_interp *it, ctx *c, int32_t i, mcu_tensor *t, uint8_t *is_variable) {
  fb_reader *r = &c->r;
  fb_table tt, q, buf;
  fb_vec shape, data;
  memset(t, 0, sizeof *t);
  fb_vec_table(r, &c->tensors, (uint32_t)i, &tt);
  fb_vector(r, &tt, 0, 4, &shape);
  uint8_t type = fb_u8(r, &tt, 1, 0);
  uint32_t buffer = fb_u32(r, &tt, 2, 0);
  int has_q = fb_table_field(r, &tt, 4, &q);
  *is_variable = fb_u8(r, &tt, 5, 0);
  int sparse = fb_field(r, &tt, 6, 4) != 0;
  uint32_t external = fb_u32(r, &tt, 10, 0);
  if (r->err) return model_fail(it, c, "tensor", i);
  uint32_t esize = rt_type_size(type);
  if (esize == 0) {
    rt_msg_clear(it);
    rt_msg_str(it, "unsupported tensor type ");
    const char *tn = rt_type_name(type);
    rt_msg_str(it, *tn ? tn : "UNKNOWN");
    rt_msg_str(it, " (type ");
    rt_msg_int(it, type);
    rt_msg_str(it, ", tensor ");
    rt_msg_int(it, i);
    rt_msg_str(it, ")");
    return it->status = MCU_ERR_UNSUPPORTED_TYPE;
  }
  if (sparse)
    return msg_fail(it, MCU_ERR_UNSUPPORTED_TYPE, "sparse tensors are not supported (tensor ",
                    i, ")");
  if (external != 0)
    return msg_fail(it, MCU_ERR_MODEL,
                    "tensors in external buffers are not supported (tensor ", i, ")");
  if (shape.n > MCU_MAX_DIMS)
    return msg_fail(it, MCU_ERR_PARAMS, "tensor rank above 6 is not supported (tensor ", i,
                    ")");
  /* count: the element count; span: the same with zero dims counted as 1, so that a
   * zero-sized tensor cannot carry absurd other dims that overflow glue arithmetic. */
  uint64_t count = 1, span = 1;
  t->ndims = (uint8_t)shape.n;
  for (uint32_t d = 0; d < shape.n; ++d) {
    int32_t v = (int32_t)fb_vec_u32(r, &shape, d);
    if (v < 0)
      return msg_fail(it, MCU_ERR_MODEL,
                      "dynamic or negative tensor dimensions are not supported (tensor ", i,
                      ")");
    t->dims[d] = v;
    count *= (uint64_t)v;
    span *= (uint64_t)(v > 0 ? v : 1);
    if (span > 0x7fffffffu) break;
  }
  uint64_t bytes = count * esize;
  if (span > 0x7fffffffu || span * esize > 0x7fffffffu)
    return msg_fail(it, MCU_ERR_MODEL, "corrupt model: tensor too large (tensor ", i, ")");
  t->type = (uint8_t)type;
  t->bytes = (int32_t)bytes;
  if (has_q) {
    int s = parse_quant(it, c, &q, t, i);
    if (s != MCU_OK) return s;
  }
  /* Constant data: a buffer with non-empty data. Buffer 0 is the empty sentinel. */
  if (buffer != 0 || c->buffers.n != 0) {
    if (buffer >= c->buffers.n)
      return msg_fail(it, MCU_ERR_MODEL, "corrupt model: buffer index out of range (tensor ",
                      i, ")");
    fb_vec_table(r, &c->buffers, buffer, &buf);
    fb_vector(r, &buf, 0, 1, &data);
    uint64_t offset = fb_u64(r, &buf, 1, 0);
    if (r->err) return model_fail(it, c, "buffer", (int32_t)buffer);
    if (offset > 1)
      return msg_fail(it, MCU_ERR_MODEL,
                      "models storing buffers outside the flatbuffer (over 2 GB format) are "
                      "not supported (buffer ",
                      buffer, ")");
    if (data.n != 0) {
      if (data.n < bytes)
        return msg_fail(it, MCU_ERR_MODEL,
                        "corrupt model: constant buffer smaller than its tensor (tensor ", i,
                        ")");
      if (!fb_aligned(r, data.pos, esize > 8 ? 8 : esize))
        return msg_fail(it, MCU_ERR_MODEL, "corrupt model: misaligned constant buffer (tensor ",
                        i, ")");
      t->data = (void *)(uintptr_t)(r->buf + data.pos);
      t->is_const = 1;
    }
  }
  /* No tensor can be larger than the memory that could hold it: the arena for
   * activations, the model for constants. This also bounds every dim that glue
   * multiplies (zero-sized tensors included, via span). */
  uint64_t room = it->arena_len > it->model_len ? it->arena_len : it->model_len;
  if (span * esize > room) {
    if (bytes == 0 || t->is_const)
      return msg_fail(it, MCU_ERR_MODEL, "corrupt model: tensor dimensions too large (tensor ",
                      i, ")");
    rt_msg_clear(it);
    rt_msg_str(it, "arena too small: needs at least ");
    rt_msg_int(it, (int64_t)bytes);
    rt_msg_str(it, " bytes, has ");
    rt_msg_int(it, it->arena_given);
    rt_msg_str(it, " (tensor ");
    rt_msg_int(it, i);
    rt_msg_str(it, " alone)");
    return it->status = MCU_ERR_ARENA;
  }
  return MCU_OK;
}

static int check_options(mcu_interp *it, ctx *c, const fb_table *o, int32_t type,
                         int32_t op) {
  fb_reader *r = &c->r;
  const char *lay = mcu_options_layout[type];
  for (int f = 0; lay[f] != '\0'; ++f) {
    uint32_t size = 0;
    fb_vec v;
    switch (lay[f]) {
      case 'b': case 'B': case 'o': size = 1; break;
      case 'h': case 'H': size = 2; break;
      case 'i': case 'I': case 'f': size = 4; break;
      case 'l': case 'L': case 'd': size = 8; break;
      case '1': case '2': case '4': case '8':
        if (fb_vector(r, o, f, (uint32_t)(lay[f] - '0'), &v) &&
            !fb_aligned(r, v.pos, (uint32_t)(lay[f] - '0')))
          fb_fail(r, "misaligned options vector");
        break;
      case 'p': fb_offset_ok(r, o, f); break;
      default: break;
    }
    if (size != 0) fb_field(r, o, f, size);
  }
  if (r->err) return model_fail(it, c, "options of operator", op);
  return MCU_OK;
}

/* The builtin code (the larger of the deprecated int8 one and the int32 one) and the
 * version of an OperatorCode table. */
static void op_code(ctx *c, const fb_table *oc, int32_t *code, int32_t *version) {
  const int32_t dep = fb_i8(&c->r, oc, 0, 0);
  *code = fb_i32(&c->r, oc, 3, 0);
  *version = fb_i32(&c->r, oc, 2, 1);
  if (dep > *code) *code = dep;
}

static int parse_op(mcu_interp *it, ctx *c, int32_t i) {
  fb_reader *r = &c->r;
  rt_node *rn = &it->nodes[i];
  mcu_node *n = &rn->n;
  fb_table o, oc, opts;
  fb_vec in, out;
  memset(rn, 0, sizeof *rn);
  fb_vec_table(r, &c->operators, (uint32_t)i, &o);
  uint32_t opcode = fb_u32(r, &o, 0, 0);
  fb_vector(r, &o, 1, 4, &in);
  fb_vector(r, &o, 2, 4, &out);
  uint8_t opt_type = fb_u8(r, &o, 3, 0);
  int has_opts = fb_table_field(r, &o, 4, &opts);
  if (r->err) return model_fail(it, c, "operator", i);
  if (opcode >= c->opcodes.n)
    return msg_fail(it, MCU_ERR_MODEL, "corrupt model: opcode index out of range (operator ",
                    i, ")");
  fb_vec_table(r, &c->opcodes, opcode, &oc);
  int32_t code, version;
  op_code(c, &oc, &code, &version);
  if (r->err) return model_fail(it, c, "operator code", (int32_t)opcode);
  if (in.n > MAX_NODE_IO || out.n > MAX_NODE_IO)
    return msg_fail(it, MCU_ERR_MODEL, "corrupt model: too many operator inputs/outputs (operator ",
                    i, ")");
  if ((in.n && !fb_aligned(r, in.pos, 4)) || (out.n && !fb_aligned(r, out.pos, 4)))
    return msg_fail(it, MCU_ERR_MODEL, "corrupt model: misaligned index vector (operator ", i,
                    ")");
  for (uint32_t k = 0; k < in.n; ++k) {
    int32_t t = (int32_t)fb_vec_u32(r, &in, k);
    if (t < -1 || t >= it->n_tensors)
      return msg_fail(it, MCU_ERR_MODEL, "corrupt model: tensor index out of range (operator ",
                      i, " input)");
  }
  for (uint32_t k = 0; k < out.n; ++k) {
    int32_t t = (int32_t)fb_vec_u32(r, &out, k);
    if (t < 0 || t >= it->n_tensors)
      return msg_fail(it, MCU_ERR_MODEL, "corrupt model: tensor index out of range (operator ",
                      i, " output)");
    if (rt_is_const(it, t))
      return msg_fail(it, MCU_ERR_MODEL, "corrupt model: operator writes a constant tensor (operator ",
                      i, ")");
  }
  /* Narrow fields: a code or version out of their range is refused by resolve_op, which
   * reads the raw values again for its message. */
  n->index = (int16_t)i; /* i < MCU_MAX_OPS */
  n->builtin = (int16_t)(code >= 0 && code <= INT16_MAX ? code : -1);
  n->version = (uint8_t)(version >= 1 && version <= MAX_OP_VERSION ? version : 0);
  n->n_inputs = (uint16_t)in.n; /* <= MAX_NODE_IO */
  n->n_outputs = (uint16_t)out.n;
  n->inputs = in.n ? (const int32_t *)(const void *)(r->buf + in.pos) : NULL;
  n->outputs = out.n ? (const int32_t *)(const void *)(r->buf + out.pos) : NULL;
  n->options = NULL;
  n->options_type = opt_type;
  n->op_data = NULL;
  n->scratch_handle = -1;
  if (opt_type != 0 && code >= 0 && code < mcu_builtin_count) {
    uint8_t expected = mcu_builtin_options_type[code];
    if (expected != 0 && expected != opt_type)
      return msg_fail(it, MCU_ERR_MODEL,
                      "corrupt model: options of the wrong type (operator ", i, ")");
  }
  if (has_opts && opt_type != 0 && opt_type < mcu_options_count &&
      mcu_options_layout[opt_type][0] != '\0') {
    int s = check_options(it, c, &opts, opt_type, i);
    if (s != MCU_OK) return s;
    n->options = r->buf + opts.pos;
  }
  return MCU_OK;
}

/* Element type of tensor t (validated at parse_tensor). */
static int32_t tensor_type(const mcu_interp *it, ctx *c, int32_t t) {
  const mcu_tensor *x = rt_act(it, t);
  if (x != NULL) return x->type;
  fb_table tt;
  fb_vec_table(&c->r, &c->tensors, (uint32_t)t, &tt);
  return fb_u8(&c->r, &tt, 1, 0);
}

static int is_float_with_int_weights(const mcu_interp *it, ctx *c, const mcu_node *n) {
  if (n->n_inputs < 2 || n->inputs[0] < 0 || n->inputs[1] < 0) return 0;
  const int32_t a = tensor_type(it, c, n->inputs[0]), w = tensor_type(it, c, n->inputs[1]);
  return a == MCU_FLOAT32 && (w == MCU_INT8 || w == MCU_UINT8);
}

static int resolve_op(mcu_interp *it, ctx *c, int32_t i) {
  rt_node *rn = &it->nodes[i];
  fb_table o, oc;
  int32_t code, version;
  fb_vec_table(&c->r, &c->operators, (uint32_t)i, &o);
  fb_vec_table(&c->r, &c->opcodes, fb_u32(&c->r, &o, 0, 0), &oc);
  op_code(c, &oc, &code, &version); /* the raw values (parse_op validated the tables) */
  rt_msg_clear(it);
  if (code == BUILTIN_CUSTOM) {
    const char *s;
    uint32_t len;
    fb_string(&c->r, &oc, 1, &s, &len);
    rt_msg_str(it, "unsupported custom operator '");
    for (uint32_t k = 0; s != NULL && k < len && k < 48 && s[k] >= 32 && s[k] < 127; ++k) {
      char ch[2] = {s[k], 0};
      rt_msg_str(it, ch);
    }
    rt_msg_str(it, "' (operator ");
    rt_msg_int(it, i);
    rt_msg_str(it, ")");
    return it->status = MCU_ERR_UNSUPPORTED_OP;
  }
  const mcu_op *op = mcu_find_op(code);
  const char *name = rt_builtin_name(code);
  if (op == NULL) {
    rt_msg_str(it, "unsupported operator ");
    rt_msg_str(it, *name ? name : "UNKNOWN");
    rt_msg_str(it, " (builtin ");
    rt_msg_int(it, code);
    rt_msg_str(it, ") at operator ");
    rt_msg_int(it, i);
    return it->status = MCU_ERR_UNSUPPORTED_OP;
  }
  if (version < 1 || version > MAX_OP_VERSION) {
    rt_msg_str(it, "operator ");
    rt_msg_str(it, *name ? name : "UNKNOWN");
    rt_msg_str(it, " version ");
    rt_msg_int(it, version);
    rt_msg_str(it, " is not supported");
    return it->status = MCU_ERR_UNSUPPORTED_OP;
  }
  rn->op = op;
  return MCU_OK;
}

int rt_build_graph(mcu_interp *it) {
  ctx c;
  fb_table model, sg;
  fb_vec subgraphs, gin, gout;
  memset(&c, 0, sizeof c);
  fb_reader *r = &c.r;
  if (fb_open(r, it->model, it->model_len, "TFL3", &model) != 0) {
    rt_msg_clear(it);
    rt_msg_str(it, "not a TFLite model: ");
    rt_msg_str(it, r->err);
    return it->status = MCU_ERR_MODEL;
  }
  uint32_t version = fb_u32(r, &model, 0, 0);
  fb_vector(r, &model, 1, 4, &c.opcodes);
  fb_vector(r, &model, 2, 4, &subgraphs);
  fb_vector(r, &model, 4, 4, &c.buffers);
  if (r->err) return model_fail(it, &c, "model", -1);
  if (version != 3)
    return msg_fail(it, MCU_ERR_MODEL, "unsupported TFLite schema version ", version,
                    " (expected 3)");
  if (subgraphs.n == 0) return msg_fail(it, MCU_ERR_MODEL, "model has no subgraph", INT64_MIN, NULL);
  fb_vec_table(r, &subgraphs, 0, &sg);
  fb_vector(r, &sg, 0, 4, &c.tensors);
  fb_vector(r, &sg, 1, 4, &gin);
  fb_vector(r, &sg, 2, 4, &gout);
  fb_vector(r, &sg, 3, 4, &c.operators);
  if (r->err) return model_fail(it, &c, "subgraph", 0);
  if (c.tensors.n > MCU_MAX_TENSORS)
    return msg_fail(it, MCU_ERR_MODEL, "model has too many tensors for this firmware: ",
                    c.tensors.n, " (at most 512)");
  if (c.operators.n > MCU_MAX_OPS)
    return msg_fail(it, MCU_ERR_MODEL, "model has too many operators for this firmware: ",
                    c.operators.n, " (at most 256)");
  if (gin.n > MCU_MAX_IO || gout.n > MCU_MAX_IO)
    return msg_fail(it, MCU_ERR_MODEL, "model has too many inputs or outputs (at most ",
                    MCU_MAX_IO, ")");
  it->n_tensors = (int32_t)c.tensors.n;
  it->n_nodes = (int32_t)c.operators.n;

  it->fb_tensors = c.tensors;
  it->fb_buffers = c.buffers;

  /* Tensors, in two passes. The first validates every tensor (into a local struct) and
   * marks the constant ones (-1) in tmap; graph outputs that are constant get a struct
   * too (io copies it). The second fills the structs of the others (acts, temporaries
   * until init ends), numbers them in tmap, and every tensor's data pointer slot:
   * constants' now, the others' when the planner has placed them. */
  it->tmap = rt_alloc_temp(it, c.tensors.n * 2u);
  if (it->tmap == NULL) return it->status;
  int32_t nv = 0; /* variable tensors (stateful models) */
  for (int32_t i = 0; i < it->n_tensors; ++i) {
    mcu_tensor x;
    uint8_t variable = 0;
    int s = parse_tensor(it, &c, i, &x, &variable);
    if (s != MCU_OK) return s;
    it->tmap[i] = (int16_t)(x.is_const ? -1 : 0);
    nv += variable && !x.is_const;
  }
  it->n_inputs = (int32_t)gin.n;
  it->n_outputs = (int32_t)gout.n;
  for (uint32_t k = 0; k < gin.n + gout.n; ++k) {
    int in = k < gin.n;
    int32_t t = (int32_t)fb_vec_u32(r, in ? &gin : &gout, in ? k : k - gin.n);
    if (t < 0 || t >= it->n_tensors)
      return msg_fail(it, MCU_ERR_MODEL, "corrupt model: graph input/output index out of range: ",
                      t, NULL);
    if (in && it->tmap[t] < 0)
      return msg_fail(it, MCU_ERR_MODEL, "corrupt model: graph input is a constant tensor ", t,
                      NULL);
    if (in)
      it->inputs[k] = (int16_t)t;
    else
      it->outputs[k - gin.n] = (int16_t)t;
    it->tmap[t] = 0;
  }
  for (int32_t i = 0; i < it->n_tensors; ++i) it->n_acts += it->tmap[i] >= 0;
  it->acts = rt_alloc_temp(it, (uint32_t)it->n_acts * (uint32_t)sizeof(mcu_tensor));
  it->slots = rt_alloc_persistent(it, c.tensors.n * (uint32_t)sizeof(void *));
  it->io = rt_alloc_persistent(it, (gin.n + gout.n) * (uint32_t)sizeof(mcu_tensor));
  if (it->acts == NULL || it->slots == NULL || it->io == NULL) return it->status;
  for (int32_t i = 0, na = 0; i < it->n_tensors; ++i) {
    mcu_tensor x, *t = it->tmap[i] >= 0 ? &it->acts[na] : &x;
    uint8_t variable = 0;
    int s = parse_tensor(it, &c, i, t, &variable);
    if (s != MCU_OK) return s;
    if (t != &x) it->tmap[i] = (int16_t)na++;
    it->slots[i] = t->data; /* NULL for the non-constant ones until planned */
  }

  it->nodes = rt_alloc_persistent(it, (c.operators.n ? c.operators.n : 1) * (uint32_t)sizeof(rt_node));
  if (it->nodes == NULL) return it->status;
  for (int32_t i = 0; i < it->n_nodes; ++i) {
    int s = parse_op(it, &c, i);
    if (s != MCU_OK) return s;
  }
  /* No operator may read the tensor it writes (TFLite graphs never do; kernels assume
   * distinct buffers, e.g. for memcpy). One mark per tensor: the last node + 1 that
   * writes it; a temporary, released at once. */
  if (it->n_nodes > 0) {
    uint16_t *mark = rt_alloc_temp(it, (uint32_t)it->n_tensors * 2u);
    if (mark == NULL) return it->status;
    memset(mark, 0, (size_t)it->n_tensors * 2u);
    for (int32_t i = 0; i < it->n_nodes; ++i) {
      const mcu_node *n = &it->nodes[i].n;
      for (int32_t k = 0; k < n->n_outputs; ++k) mark[n->outputs[k]] = (uint16_t)(i + 1);
      for (int32_t k = 0; k < n->n_inputs; ++k)
        if (n->inputs[k] >= 0 && mark[n->inputs[k]] == (uint16_t)(i + 1))
          return msg_fail(it, MCU_ERR_MODEL,
                          "corrupt model: an operator reads the tensor it writes (operator ",
                          i, ")");
    }
    it->head -= RT_ALIGN_UP((uint32_t)it->n_tensors * 2u, 8u);
  }
  for (int32_t i = 0; i < it->n_nodes; ++i) {
    const mcu_node *n = &it->nodes[i].n;
    int32_t b = n->builtin;
    if ((b == BUILTIN_CONV_2D || b == BUILTIN_DEPTHWISE_CONV_2D ||
         b == BUILTIN_FULLY_CONNECTED || b == BUILTIN_SVDF ||
         b == BUILTIN_UNIDIRECTIONAL_SEQUENCE_LSTM || b == BUILTIN_BATCH_MATMUL) &&
        is_float_with_int_weights(it, &c, n)) {
      rt_msg_clear(it);
      rt_msg_str(it, "hybrid models are not supported (operator ");
      rt_msg_int(it, i);
      rt_msg_str(it, " ");
      rt_msg_str(it, rt_builtin_name(b));
      rt_msg_str(it, " has float32 input and int8 weights); quantize the whole model");
      return it->status = MCU_ERR_HYBRID;
    }
  }
  for (int32_t i = 0; i < it->n_nodes; ++i) {
    int s = resolve_op(it, &c, i);
    if (s != MCU_OK) return s;
  }
  /* Variable tensors: keep their indices for the planner and for resetting (rt_keep
   * fills in the rest of the records). */
  if (nv > 0) {
    rt_var *list = rt_alloc_persistent(it, (uint32_t)nv * (uint32_t)sizeof(rt_var));
    if (list == NULL) return it->status;
    nv = 0;
    for (int32_t i = 0; i < it->n_tensors; ++i) {
      fb_table tt;
      fb_vec_table(r, &c.tensors, (uint32_t)i, &tt);
      if (fb_u8(r, &tt, 5, 0) && !rt_is_const(it, i)) list[nv++].index = (int16_t)i;
    }
    it->variables = list;
  }
  it->n_variables = nv;
  return MCU_OK;
}

int rt_read_tensor(mcu_interp *it, int32_t i, mcu_tensor *t) {
  ctx c;
  uint8_t variable;
  memset(&c, 0, sizeof c);
  c.r.buf = it->model;
  c.r.len = it->model_len;
  c.tensors = it->fb_tensors;
  c.buffers = it->fb_buffers;
  return parse_tensor(it, &c, i, t, &variable);
}
