/* services.c - what the runtime offers operator glue (mcu_api.h): tensors of a node,
 * persistent memory and scratch, builtin-options fields, errors, shape helpers.
 *
 * Options tables were validated at init (graph.c): every field the schema defines for
 * the node's options type lies inside the table, and vector fields inside the model,
 * aligned. So the readers here only walk the vtable; fields are read byte-wise since
 * only valid-model alignment is guaranteed for scalars.
 */
#include <string.h>

#include "flatbuf.h"
#include "interp_private.h"
#include "schema_tables.h"

/* The struct of tensor t during prepare(): its one in acts, or for a constant tensor
 * one rebuilt from the model into a temporary that lives until the running prepare()
 * returns (one per tensor and prepare). NULL outside prepare(). */
static mcu_tensor *tensor_struct(mcu_interp *it, int32_t t) {
  if (it->state != RT_PREPARING || it->tmap == NULL) return NULL;
  mcu_tensor *x = rt_act(it, t);
  if (x != NULL) return x;
  for (rt_ctemp *c = it->ctemp; c != NULL; c = c->next)
    if (c->index == t) return &c->t;
  const uint32_t need = it->head + RT_ALIGN_UP((uint32_t)sizeof(rt_ctemp), 8u);
  rt_ctemp *c = rt_alloc_temp(it, (uint32_t)sizeof(rt_ctemp));
  if (c == NULL) {
    /* rt_alloc_temp recorded the shortfall; the prepare loop reports it again after
     * the glue has failed on the NULL */
    it->temp_short = (it->arena_len - it->tail) + need;
    return NULL;
  }
  if (rt_read_tensor(it, t, &c->t) != MCU_OK) return NULL; /* cannot happen after init */
  c->index = t;
  c->next = it->ctemp;
  it->ctemp = c;
  return &c->t;
}

mcu_tensor *mcu_input(mcu_interp *it, const mcu_node *node, int i) {
  if (i < 0 || i >= node->n_inputs) return NULL;
  int32_t t = node->inputs[i];
  return t < 0 ? NULL : tensor_struct(it, t);
}

mcu_tensor *mcu_output(mcu_interp *it, const mcu_node *node, int i) {
  if (i < 0 || i >= node->n_outputs) return NULL;
  return tensor_struct(it, node->outputs[i]); /* never a constant (checked at init) */
}

/* Where tensor t's data pointer lives for the interpreter's life. */
static mcu_ref tensor_ref(mcu_interp *it, int32_t t) { return (mcu_ref)&it->slots[t]; }

mcu_ref mcu_input_ref(mcu_interp *it, const mcu_node *node, int i) {
  if (i < 0 || i >= node->n_inputs || node->inputs[i] < 0) return NULL;
  return tensor_ref(it, node->inputs[i]);
}

mcu_ref mcu_output_ref(mcu_interp *it, const mcu_node *node, int i) {
  if (i < 0 || i >= node->n_outputs) return NULL;
  return tensor_ref(it, node->outputs[i]);
}

void *mcu_alloc_persistent(mcu_interp *it, size_t bytes) {
  if (it->state != RT_PREPARING) {
    mcu_fail(it, MCU_ERR_INTERNAL, "mcu_alloc_persistent called outside prepare()");
    return NULL;
  }
  return rt_alloc_persistent(it, bytes > 0x7fffffffu ? 0x7fffffffu : (uint32_t)bytes);
}

int mcu_request_scratch(mcu_interp *it, mcu_node *node, size_t bytes) {
  if (it->state != RT_PREPARING || it->scratch_req == NULL || node->index < 0 ||
      node->index >= it->n_nodes || &it->nodes[node->index].n != node)
    return mcu_fail(it, MCU_ERR_INTERNAL, "mcu_request_scratch called outside prepare()");
  if (bytes > 0x7fffffffu) return rt_arena_fail(it, 0xffffffffu, 1);
  uint32_t b = (uint32_t)bytes;
  if (node->scratch_handle < 0) {
    it->scratch_req[node->index] = b;
  } else if (b > it->scratch_req[node->index]) {
    it->scratch_req[node->index] = b;
  }
  node->scratch_handle = node->index; /* replaced by the arena offset after planning */
  return MCU_OK;
}

void *mcu_scratch(mcu_interp *it, const mcu_node *node) {
  return node->scratch_handle < 0 ? NULL : it->arena + node->scratch_handle;
}

/* The options field `field` of node, or NULL; *kind gets its wire type char. */
static const uint8_t *opt_field(const mcu_node *node, int field, char *kind) {
  if (node == NULL || node->options == NULL || field < 0) return NULL;
  int32_t t = node->options_type;
  if (t <= 0 || t >= mcu_options_count) return NULL;
  const char *lay = mcu_options_layout[t];
  for (int k = 0; k < field; ++k)
    if (lay[k] == '\0') return NULL;
  if (lay[field] == '\0') return NULL;
  const uint8_t *tbl = node->options;
  const uint8_t *vt = tbl - (int32_t)fb_rd32(tbl);
  uint32_t slot = 4u + 2u * (uint32_t)field;
  if (slot + 2u > fb_rd16(vt)) return NULL;
  uint16_t off = fb_rd16(vt + slot);
  if (off == 0) return NULL;
  *kind = lay[field];
  return tbl + off;
}

int32_t mcu_opt_int(const mcu_node *node, int field, int32_t dflt) {
  char k = 0;
  const uint8_t *p = opt_field(node, field, &k);
  if (p == NULL) return dflt;
  switch (k) {
    case 'b': return (int8_t)p[0];
    case 'B': case 'o': return p[0];
    case 'h': return (int16_t)fb_rd16(p);
    case 'H': return fb_rd16(p);
    case 'i': case 'I': case 'l': case 'L': return (int32_t)fb_rd32(p);
    default: return dflt;
  }
}

float mcu_opt_float(const mcu_node *node, int field, float dflt) {
  char k = 0;
  const uint8_t *p = opt_field(node, field, &k);
  if (p == NULL) return dflt;
  if (k == 'f') {
    uint32_t bits = fb_rd32(p);
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
  }
  if (k == 'd') {
    uint64_t bits = fb_rd64(p);
    double d;
    memcpy(&d, &bits, sizeof d);
    return (float)d;
  }
  return dflt;
}

int32_t mcu_opt_int_vector(const mcu_node *node, int field, const int32_t **out) {
  char k = 0;
  const uint8_t *p = opt_field(node, field, &k);
  *out = NULL;
  if (p == NULL || k != '4') return -1;
  const uint8_t *v = p + fb_rd32(p);
  *out = (const int32_t *)(const void *)(v + 4);
  return (int32_t)fb_rd32(v);
}

int mcu_fail(mcu_interp *it, int code, const char *msg) {
  rt_msg_clear(it);
  rt_msg_str(it, msg);
  it->status = code;
  return code;
}

int mcu_fail_int(mcu_interp *it, int code, const char *msg, int32_t value) {
  rt_msg_clear(it);
  rt_msg_str(it, msg);
  rt_msg_str(it, " ");
  rt_msg_int(it, value);
  it->status = code;
  return code;
}

int mcu_resize_output(mcu_interp *it, const mcu_node *node, int k, const int32_t *dims,
                      int32_t ndims) {
  if (it->state != RT_PREPARING || node->index < 0 || node->index >= it->n_nodes ||
      k < 0 || k >= node->n_outputs)
    return mcu_fail(it, MCU_ERR_INTERNAL, "mcu_resize_output called outside prepare()");
  if (ndims < 0 || ndims > MCU_MAX_DIMS)
    return mcu_fail_int(it, MCU_ERR_PARAMS, "output rank out of range:", ndims);
  const int32_t t = node->outputs[k];
  mcu_tensor *x = rt_act(it, t); /* during prepare(): tmap and acts exist */
  int64_t bytes = rt_type_size(x->type);
  for (int32_t d = 0; d < ndims; ++d) {
    if (dims[d] < 0) return mcu_fail_int(it, MCU_ERR_PARAMS, "negative output dim:", dims[d]);
    bytes *= dims[d];
    if (bytes > 0x7fffffff) return mcu_fail(it, MCU_ERR_PARAMS, "output tensor too large");
  }
  if (bytes != x->bytes) {
    int32_t user = -1;
    for (int32_t g = 0; g < it->n_inputs; ++g)
      if (it->inputs[g] == t) user = it->n_nodes; /* marks "graph input" */
    for (int32_t j = 0; user < 0 && j < node->index; ++j) {
      const mcu_node *n = &it->nodes[j].n;
      for (int32_t q = 0; user < 0 && q < n->n_inputs + n->n_outputs; ++q)
        if ((q < n->n_inputs ? n->inputs[q] : n->outputs[q - n->n_inputs]) == t) user = j;
    }
    if (user >= 0) {
      rt_msg_clear(it);
      rt_msg_str(it, "corrupt model: changes the size of tensor ");
      rt_msg_int(it, t);
      if (user == it->n_nodes) {
        rt_msg_str(it, ", a graph input");
      } else {
        rt_msg_str(it, ", which operator ");
        rt_msg_int(it, user);
        rt_msg_str(it, " already uses");
      }
      return it->status = MCU_ERR_MODEL;
    }
  }
  x->ndims = ndims;
  for (int32_t d = 0; d < ndims; ++d) x->dims[d] = dims[d];
  x->bytes = (int32_t)bytes;
  return MCU_OK;
}

int32_t mcu_num_elements(const mcu_tensor *t) {
  int32_t n = 1;
  for (int32_t d = 0; d < t->ndims; ++d) n *= t->dims[d];
  return n;
}

int mcu_same_shape(const mcu_tensor *a, const mcu_tensor *b) {
  if (a->ndims != b->ndims) return 0;
  for (int32_t d = 0; d < a->ndims; ++d)
    if (a->dims[d] != b->dims[d]) return 0;
  return 1;
}
