/* planner.c - the tensor arena: persistent allocations and the greedy planner.
 *
 * Layout (offsets from the 16-byte aligned arena start):
 *   [0, planned)        activations and scratch, placed by the planner
 *   [tail, arena_len)   persistent: tensor map and structs, node structs, op data
 *                       (grows down)
 * During init, [0, head) holds temporaries (scratch requests, planner
 * lists); the plan reuses that space once init is over.
 *
 * Planner: every non-constant tensor that the graph uses lives from the first operator
 * that writes it (graph inputs, variables and tensors read before being written: from
 * operator 0) to the last operator that reads it (graph outputs and variables: to the
 * last operator). An op's scratch lives during that op only. Buffers are placed one at
 * a time, each at the lowest 16-byte aligned offset where it does not overlap any
 * placed buffer whose lifetime overlaps its own (greedy first fit), in two orders: by
 * decreasing size (TFLM's order) and by decreasing size x lifetime (long-lived large
 * buffers first, which keeps short-lived ones from splitting the space: MobileNet-style
 * graphs come out up to 14 % smaller). The smaller plan wins; ties go to the size order.
 */
#include <string.h>

#include "interp_private.h"
#include "mcu_platform.h"

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
  it->tmap = NULL;
  it->acts = NULL;
  it->ctemp = NULL;
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

/* What a buffer's place in the order is decided by: its size, or its size x lifetime. */
static uint64_t order_key(const pbuf *b, int by_area) {
  return by_area ? (uint64_t)b->size * (uint64_t)(b->last - b->first + 1) : b->size;
}

/* Insertion sort of order[0, nb) by decreasing key; ties by decreasing size, then
 * creation order (the sort is stable). */
static void sort_order(const pbuf *bufs, int16_t *order, int32_t nb, int by_area) {
  for (int32_t k = 1; k < nb; ++k) {
    const int16_t v = order[k];
    const uint64_t kv = order_key(&bufs[v], by_area);
    int32_t j = k - 1;
    while (j >= 0) {
      const uint64_t kj = order_key(&bufs[order[j]], by_area);
      if (kj > kv || (kj == kv && bufs[order[j]].size >= bufs[v].size)) break;
      order[j + 1] = order[j];
      --j;
    }
    order[j + 1] = v;
  }
}

/* Greedy first fit of bufs in the given order (sets every off); returns the extent. */
static uint64_t place(pbuf *bufs, const int16_t *order, int32_t nb) {
  int16_t placed = -1; /* list of the placed buffers in increasing offset order */
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
    /* offsets stay below 2^32: an extent over the arena fails the plan */
    b->off = cand > 0xfffffff0u ? 0xfffffff0u : (uint32_t)cand;
    if (cand + b->size > planned) planned = cand + b->size;
    int16_t self = (int16_t)(b - bufs);
    int16_t *link = &placed;
    while (*link >= 0 && bufs[*link].off <= b->off) link = &bufs[*link].next;
    b->next = *link;
    *link = self;
  }
  return planned;
}

int rt_plan(mcu_interp *it) {
  const int32_t nt = it->n_tensors, nn = it->n_nodes, na = it->n_acts;
  const int16_t end = (int16_t)(nn > 0 ? nn - 1 : 0);
  /* One buffer per struct in acts (bufs[a] for acts[a]; lifetimes found below, unused
   * and constant ones left out of the orders), then one per scratch request. */
  int32_t ns = 0;
  for (int32_t i = 0; i < nn; ++i) ns += it->nodes[i].n.scratch_handle >= 0;
  pbuf *bufs = rt_alloc_temp(it, (uint32_t)(na + ns + 1) * (uint32_t)sizeof(pbuf));
  int16_t *order = rt_alloc_temp(it, (uint32_t)(na + ns + 1) * 2u);
  int16_t *by_area = rt_alloc_temp(it, (uint32_t)(na + ns + 1) * 2u);
  if (bufs == NULL || order == NULL || by_area == NULL) return it->status;

  for (int32_t t = 0; t < nt; ++t) {
    const int16_t a = it->tmap[t];
    if (a < 0) continue;
    bufs[a].size = (uint32_t)it->acts[a].bytes;
    bufs[a].first = UNSET;
    bufs[a].last = -1;
    bufs[a].id = (int16_t)t;
  }
  for (int32_t i = 0; i < nn; ++i) {
    const mcu_node *n = &it->nodes[i].n;
    for (int32_t k = 0; k < n->n_inputs + n->n_outputs; ++k) {
      const int32_t t = k < n->n_inputs ? n->inputs[k] : n->outputs[k - n->n_inputs];
      if (t < 0 || it->tmap[t] < 0) continue; /* absent, or constant */
      pbuf *b = &bufs[it->tmap[t]];
      /* an input read before it is written lives from the start */
      if (b->first == UNSET) b->first = k < n->n_inputs ? 0 : (int16_t)i;
      if (b->last < i) b->last = (int16_t)i;
    }
  }
  for (int32_t k = 0; k < it->n_inputs; ++k) {
    pbuf *b = &bufs[it->tmap[it->inputs[k]]];
    b->first = 0;
    if (b->last < 0) b->last = 0;
  }
  for (int32_t k = 0; k < it->n_outputs; ++k) {
    pbuf *b = &bufs[it->tmap[it->outputs[k]]];
    if (b->first == UNSET) b->first = 0;
    b->last = end;
  }
  for (int32_t k = 0; k < it->n_variables; ++k) {
    pbuf *b = &bufs[it->tmap[it->variables[k].index]];
    b->first = 0;
    b->last = end;
  }
  int32_t nb = 0;
  for (int32_t a = 0; a < na; ++a) {
    pbuf *b = &bufs[a];
    if (it->acts[a].is_const) continue;  /* a constant graph output: in the model */
    if (b->first == UNSET) continue;      /* not used by the graph: no memory */
    if (b->last < b->first) b->last = b->first;
    order[nb++] = (int16_t)a;
  }
  for (int32_t i = 0, j = na; i < nn; ++i) {
    if (it->nodes[i].n.scratch_handle < 0) continue;
    pbuf *b = &bufs[j];
    b->size = it->scratch_req[i];
    b->first = b->last = (int16_t)i;
    b->id = (int16_t)(-(i + 1));
    order[nb++] = (int16_t)j++;
  }
  for (int32_t k = 0; k < nb; ++k) by_area[k] = order[k];
  sort_order(bufs, order, nb, 0);
  sort_order(bufs, by_area, nb, 1);
  const uint64_t by_area_extent = place(bufs, by_area, nb);
  uint64_t planned = place(bufs, order, nb); /* these offsets stay, unless: */
  if (by_area_extent < planned) planned = place(bufs, by_area, nb);
  if (planned > it->arena_len) /* cannot fit whatever the persistent side does */
    return rt_arena_fail(it, (uint32_t)(planned > 0xffffffffu ? 0xffffffffu : planned), 1);
  uint32_t plan = (uint32_t)RT_ALIGN_UP((uint32_t)planned, 16u);
  if (plan > it->tail) {
    uint32_t head = plan > it->head_hw ? plan : it->head_hw;
    return rt_arena_fail(it, (it->arena_len - it->tail) + head, 0);
  }
  for (int32_t k = 0; k < nb; ++k) {
    const pbuf *b = &bufs[order[k]];
    if (b->id >= 0) {
      it->slots[b->id] = it->arena + b->off;
#ifdef MCU_HOST
      mcu_platform_plan(b->id, b->off, b->size);
#endif
    } else {
      it->nodes[-b->id - 1].n.scratch_handle = (int32_t)b->off;
    }
  }
  it->planned = plan;
  if (plan > it->head_hw) it->head_hw = plan;
  return MCU_OK;
}

void rt_keep(mcu_interp *it) {
  for (int32_t k = 0; k < it->n_inputs + it->n_outputs; ++k) {
    const int32_t t = k < it->n_inputs ? it->inputs[k] : it->outputs[k - it->n_inputs];
    it->io[k] = *rt_act(it, t);
    it->io[k].data = it->slots[t];
  }
  for (int32_t k = 0; k < it->n_variables; ++k) {
    rt_var *v = &it->variables[k];
    const mcu_tensor *x = rt_act(it, v->index);
    v->bytes = x->bytes;
    v->fill = x->type == MCU_INT8 ? (uint8_t)x->zero_point : 0;
  }
}

void rt_reset_variables(mcu_interp *it) {
  /* Variable tensors start at their zero value (int8: the zero point). */
  for (int32_t k = 0; k < it->n_variables; ++k) {
    const rt_var *v = &it->variables[k];
    void *data = it->slots[v->index];
    if (data != NULL) memset(data, v->fill, (size_t)v->bytes);
  }
}
