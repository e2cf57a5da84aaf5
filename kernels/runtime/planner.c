/* planner.c - the tensor arena: persistent allocations and the greedy planner.
 *
 * Layout (offsets from the 16-byte aligned arena start):
 *   [0, planned)        activations and scratch, placed by the planner
 *   [tail, arena_len)   persistent: tensor/node structs, op data (grows down)
 * During init, [0, head) holds temporaries (scratch requests, planner
 * lists); the plan reuses that space once init is over.
 *
 * Planner: every non-constant tensor that the graph uses lives from the first operator
 * that writes it (graph inputs, variables and tensors read before being written: from
 * operator 0) to the last operator that reads it (graph outputs and variables: to the
 * last operator). An op's scratch lives during that op only. Buffers are placed in
 * order of decreasing size, each at the lowest 16-byte aligned offset where it does not
 * overlap any placed buffer whose lifetime overlaps its own.
 */
#include <string.h>

#include "interp_private.h"

#define UNSET 0x7fff

void *rt_alloc_persistent(mcu_interp *it, uint32_t bytes) {
  if (bytes > 0x7ffffff0u) bytes = 0x7ffffff0u; /* fails below, without overflow */
  uint32_t need = RT_ALIGN_UP(bytes, 8u);
  if (need > it->tail - it->head) {
    rt_arena_fail(it, (it->arena_len - it->tail) + it->head + need, 1);
    return NULL;
  }
  it->tail -= need;
  return it->arena + it->tail;
}

void *rt_alloc_temp(mcu_interp *it, uint32_t bytes) {
  if (bytes > 0x7ffffff0u) bytes = 0x7ffffff0u;
  uint32_t need = RT_ALIGN_UP(bytes, 8u);
  if (need > it->tail - it->head) {
    rt_arena_fail(it, (it->arena_len - it->tail) + it->head + need, 1);
    return NULL;
  }
  void *p = it->arena + it->head;
  it->head += need;
  if (it->head > it->head_hw) it->head_hw = it->head;
  return p;
}

void rt_temp_reset(mcu_interp *it) {
  it->head = 0;
  it->scratch_req = NULL;
}

int rt_arena_fail(mcu_interp *it, uint32_t needed, int at_least) {
  uint32_t loss = it->arena_given - it->arena_len; /* alignment of the start */
  rt_msg_clear(it);
  rt_msg_str(it, "arena too small: needs ");
  if (at_least) rt_msg_str(it, "at least ");
  rt_msg_int(it, (int64_t)needed + loss);
  rt_msg_str(it, " bytes, has ");
  rt_msg_int(it, it->arena_given);
  return it->status = MCU_ERR_ARENA;
}

typedef struct {
  uint32_t size;
  uint32_t off;
  int16_t first, last;
  int16_t next; /* next placed buffer in offset order, -1 = end */
  int16_t id;   /* tensor index, or -(node + 1) for a node's scratch */
} pbuf;

static int overlaps(const pbuf *a, const pbuf *b) {
  return a->first <= b->last && b->first <= a->last;
}

int rt_plan(mcu_interp *it) {
  int32_t nt = it->n_tensors, nn = it->n_nodes;
  int16_t end = (int16_t)(nn > 0 ? nn - 1 : 0);
  int16_t *first = rt_alloc_temp(it, (uint32_t)(nt + 1) * 2u);
  int16_t *last = rt_alloc_temp(it, (uint32_t)(nt + 1) * 2u);
  if (first == NULL || last == NULL) return it->status;

  for (int32_t t = 0; t < nt; ++t) {
    first[t] = UNSET;
    last[t] = -1;
  }
  for (int32_t i = 0; i < nn; ++i) {
    const mcu_node *n = &it->nodes[i].n;
    for (int32_t k = 0; k < n->n_inputs; ++k) {
      int32_t t = n->inputs[k];
      if (t < 0) continue;
      if (first[t] == UNSET) first[t] = 0; /* read before written: live from the start */
      if (last[t] < i) last[t] = (int16_t)i;
    }
    for (int32_t k = 0; k < n->n_outputs; ++k) {
      int32_t t = n->outputs[k];
      if (first[t] == UNSET) first[t] = (int16_t)i;
      if (last[t] < i) last[t] = (int16_t)i;
    }
  }
  for (int32_t k = 0; k < it->n_inputs; ++k) {
    int32_t t = it->inputs[k];
    first[t] = 0;
    if (last[t] < 0) last[t] = 0;
  }
  for (int32_t k = 0; k < it->n_outputs; ++k) {
    int32_t t = it->outputs[k];
    if (first[t] == UNSET) first[t] = 0;
    last[t] = end;
  }
  for (int32_t k = 0; k < it->n_variables; ++k) {
    first[it->variables[k]] = 0;
    last[it->variables[k]] = end;
  }
  int32_t nb = 0;
  for (int32_t t = 0; t < nt; ++t) nb += !it->tensors[t].is_const && first[t] != UNSET;
  for (int32_t i = 0; i < nn; ++i) nb += it->nodes[i].n.scratch_handle >= 0;
  pbuf *bufs = rt_alloc_temp(it, (uint32_t)(nb + 1) * (uint32_t)sizeof(pbuf));
  int16_t *order = rt_alloc_temp(it, (uint32_t)(nb + 1) * 2u);
  if (bufs == NULL || order == NULL) return it->status;
  nb = 0;
  for (int32_t t = 0; t < nt; ++t) {
    if (it->tensors[t].is_const) continue;
    if (first[t] == UNSET) continue; /* not used by the graph: no memory */
    pbuf *b = &bufs[nb];
    b->size = (uint32_t)it->tensors[t].bytes;
    b->first = first[t];
    b->last = last[t] < first[t] ? first[t] : last[t];
    b->id = (int16_t)t;
    order[nb] = (int16_t)nb;
    ++nb;
  }
  for (int32_t i = 0; i < nn; ++i) {
    if (it->nodes[i].n.scratch_handle < 0) continue;
    pbuf *b = &bufs[nb];
    b->size = it->scratch_req[i];
    b->first = b->last = (int16_t)i;
    b->id = (int16_t)(-(i + 1));
    order[nb] = (int16_t)nb;
    ++nb;
  }
  /* Insertion sort by size, largest first; ties keep creation order. */
  for (int32_t k = 1; k < nb; ++k) {
    int16_t v = order[k];
    int32_t j = k - 1;
    while (j >= 0 && bufs[order[j]].size < bufs[v].size) {
      order[j + 1] = order[j];
      --j;
    }
    order[j + 1] = v;
  }
  /* Greedy placement; `placed` is a list in increasing offset order. */
  int16_t placed = -1;
  uint64_t planned = 0;
  for (int32_t k = 0; k < nb; ++k) {
    pbuf *b = &bufs[order[k]];
    uint64_t cand = 0;
    for (int16_t p = placed; p >= 0; p = bufs[p].next) {
      const pbuf *q = &bufs[p];
      if (!overlaps(b, q)) continue;
      if (cand + b->size <= q->off) break;
      uint64_t qend = ((uint64_t)q->off + q->size + 15u) & ~(uint64_t)15u;
      if (qend > cand) cand = qend;
    }
    if (cand + b->size > it->arena_len) {
      /* Cannot fit whatever the persistent side does; report what the plan needs. */
      planned = cand + b->size;
      return rt_arena_fail(it, (uint32_t)(planned > 0xffffffffu ? 0xffffffffu : planned), 1);
    }
    b->off = (uint32_t)cand;
    if (cand + b->size > planned) planned = cand + b->size;
    int16_t self = (int16_t)(b - bufs);
    int16_t *link = &placed;
    while (*link >= 0 && bufs[*link].off <= b->off) link = &bufs[*link].next;
    b->next = *link;
    *link = self;
  }
  uint32_t plan = (uint32_t)RT_ALIGN_UP((uint32_t)planned, 16u);
  if (plan > it->tail) {
    uint32_t head = plan > it->head_hw ? plan : it->head_hw;
    return rt_arena_fail(it, (it->arena_len - it->tail) + head, 0);
  }
  for (int32_t k = 0; k < nb; ++k) {
    const pbuf *b = &bufs[k];
    if (b->id >= 0)
      it->tensors[b->id].data = it->arena + b->off;
    else
      it->nodes[-b->id - 1].n.scratch_handle = (int32_t)b->off;
  }
  it->planned = plan;
  if (plan > it->head_hw) it->head_hw = plan;
  return MCU_OK;
}

void rt_reset_variables(mcu_interp *it) {
  /* Variable tensors start at their zero value (int8: the zero point). */
  for (int32_t k = 0; k < it->n_variables; ++k) {
    mcu_tensor *x = &it->tensors[it->variables[k]];
    if (x->data != NULL)
      memset(x->data, x->type == MCU_INT8 ? (int)(uint8_t)x->zero_point : 0, (size_t)x->bytes);
  }
}
