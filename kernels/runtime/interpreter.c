/* interpreter.c - the interpreter's lifecycle (init, invoke, accessors) and messages.
 *
 * init: build the graph from the model (graph.c), run every operator's prepare()
 * (which may allocate persistent op data and request scratch), plan the arena
 * (planner.c). invoke: run the operators in order, bracketed by trace events; this
 * loop is the "interpreter overhead" mcusim measures, so it does nothing else.
 */
#include <string.h>

#include "interp_private.h"
#include "mcu_platform.h"
#include "schema_tables.h"

const uint32_t mcu_interp_size = (uint32_t)sizeof(struct mcu_interp);

/* ---------------------------------------------------------------- messages */

void rt_msg_clear(mcu_interp *it) { it->msg[0] = '\0'; }

void rt_msg_str(mcu_interp *it, const char *s) {
  size_t n = strlen(it->msg);
  while (s != NULL && *s != '\0' && n + 1 < MCU_MESSAGE_LEN) it->msg[n++] = *s++;
  it->msg[n] = '\0';
}

void rt_msg_int(mcu_interp *it, int64_t v) {
  char tmp[24];
  int n = 0;
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  /* Digits by repeated subtraction of powers of ten: no division (ARMv6-M has none,
   * and this avoids pulling in 64-bit division helpers). */
  static const uint64_t pow10[] = {10000000000000000000ull, 1000000000000000000ull,
                                   100000000000000000ull, 10000000000000000ull,
                                   1000000000000000ull, 100000000000000ull,
                                   10000000000000ull, 1000000000000ull, 100000000000ull,
                                   10000000000ull, 1000000000ull, 100000000ull,
                                   10000000ull, 1000000ull, 100000ull, 10000ull,
                                   1000ull, 100ull, 10ull, 1ull};
  if (v < 0) tmp[n++] = '-';
  int started = 0;
  for (size_t k = 0; k < sizeof pow10 / sizeof pow10[0]; ++k) {
    char d = '0';
    while (u >= pow10[k]) {
      u -= pow10[k];
      ++d;
    }
    if (d != '0' || started || pow10[k] == 1) {
      tmp[n++] = d;
      started = 1;
    }
  }
  tmp[n] = '\0';
  rt_msg_str(it, tmp);
}

const char *rt_builtin_name(int32_t code) {
  if (code < 0 || code >= mcu_builtin_count) return "";
  const char *p = mcu_builtin_names;
  for (int32_t i = 0; i < code; ++i) p += strlen(p) + 1;
  return p;
}

static const char *const type_names[] = {
    "FLOAT32", "FLOAT16", "INT32", "UINT8",  "INT64",     "STRING", "BOOL",
    "INT16",   "COMPLEX64", "INT8", "FLOAT64", "COMPLEX128", "UINT64", "RESOURCE",
    "VARIANT", "UINT32",  "UINT16", "INT4",  "BFLOAT16",  "INT2",   "UINT4",
    "FLOAT8_E4M3FN", "FLOAT8_E5M2"};

const char *rt_type_name(int32_t type) {
  if (type < 0 || (size_t)type >= sizeof type_names / sizeof type_names[0]) return "";
  return type_names[type];
}

uint32_t rt_type_size(int32_t type) {
  switch (type) {
    case MCU_FLOAT32: case MCU_INT32: return 4;
    case MCU_INT8: case MCU_UINT8: case MCU_BOOL: return 1;
    case MCU_INT16: return 2;
    case MCU_INT64: return 8;
    default: return 0;
  }
}

/* ---------------------------------------------------------------- lifecycle */

/* Prefix the current message with "<NAME> (operator i): ". */
static void prefix_op(mcu_interp *it, int32_t i, const char *what) {
  char saved[MCU_MESSAGE_LEN];
  memcpy(saved, it->msg, sizeof saved);
  saved[MCU_MESSAGE_LEN - 1] = '\0';
  rt_msg_clear(it);
  rt_msg_str(it, rt_builtin_name(it->nodes[i].n.builtin));
  rt_msg_str(it, " (operator ");
  rt_msg_int(it, i);
  rt_msg_str(it, "): ");
  rt_msg_str(it, saved[0] ? saved : what);
}

int mcu_interp_init(mcu_interp *it, const uint8_t *model, uint32_t model_len,
                    uint8_t *arena, uint32_t arena_len) {
  memset(it, 0, sizeof *it);
  it->model = model;
  it->model_len = model_len;
  it->arena_given = arena_len;
  uintptr_t a = (uintptr_t)arena;
  uintptr_t aligned = (a + 15u) & ~(uintptr_t)15u;
  uint32_t loss = (uint32_t)(aligned - a);
  it->arena = (uint8_t *)aligned;
  it->arena_len = (arena == NULL || arena_len < loss) ? 0 : (arena_len - loss) & ~7u;
  it->tail = it->arena_len;
  it->state = RT_PREPARING;
  int s = rt_build_graph(it);
  if (s == MCU_OK && it->n_nodes > 0) {
    it->scratch_req = rt_alloc_temp(it, (uint32_t)it->n_nodes * 4u);
    if (it->scratch_req == NULL) s = it->status;
  }
  for (int32_t i = 0; s == MCU_OK && i < it->n_nodes; ++i) {
    rt_node *rn = &it->nodes[i];
    if (rn->op->prepare == NULL) continue;
    rt_msg_clear(it);
    /* the constant tensor structs this prepare() asks for are temporaries above `mark` */
    const uint32_t mark = it->head;
    s = rn->op->prepare(it, &rn->n);
    it->head = mark;
    it->ctemp = NULL;
    if (it->temp_short != 0) { /* say so, whatever the glue made of the NULL it got */
      s = rt_arena_fail(it, it->temp_short, 1);
      it->temp_short = 0;
    }
    if (s != MCU_OK) {
      if (it->status == MCU_OK) it->status = s;
      if (s != MCU_ERR_ARENA) prefix_op(it, i, "prepare failed");
    }
  }
  if (s == MCU_OK) s = rt_plan(it);
  if (s == MCU_OK) rt_keep(it);
  rt_temp_reset(it);
  if (s == MCU_OK && (rt_reset_variables(it), 1)) {
    it->state = RT_READY;
    it->status = MCU_OK;
    rt_msg_clear(it);
    return MCU_OK;
  }
  it->state = RT_FAILED;
  if (it->status == MCU_OK) it->status = s;
  if (it->msg[0] == '\0') rt_msg_str(it, "init failed");
  return s;
}

int mcu_interp_invoke(mcu_interp *it) {
  if (it->state != RT_READY) {
    if (it->msg[0] == '\0') rt_msg_str(it, "invoke before a successful init");
    return it->status != MCU_OK ? it->status : MCU_ERR_INTERNAL;
  }
  rt_node *rn = it->nodes;
  int32_t n = it->n_nodes;
  it->msg[0] = '\0';
  for (int32_t i = 0; i < n; ++i, ++rn) {
    mcu_platform_trace(MCU_TRACE_OP_BEGIN, (uint32_t)i);
    int s = rn->op->invoke(it, &rn->n);
    mcu_platform_trace(MCU_TRACE_OP_END, (uint32_t)i);
    if (s != MCU_OK) {
      prefix_op(it, i, "invoke failed");
      it->status = s;
      return s;
    }
  }
  return MCU_OK;
}

int mcu_interp_num_inputs(const mcu_interp *it) { return it->n_inputs; }
int mcu_interp_num_outputs(const mcu_interp *it) { return it->n_outputs; }

mcu_tensor *mcu_interp_input(mcu_interp *it, int i) {
  if (it->state != RT_READY || i < 0 || i >= it->n_inputs) return NULL;
  return &it->io[i];
}

mcu_tensor *mcu_interp_output(mcu_interp *it, int i) {
  if (it->state != RT_READY || i < 0 || i >= it->n_outputs) return NULL;
  return &it->io[it->n_inputs + i];
}

int mcu_interp_num_ops(const mcu_interp *it) { return it->n_nodes; }

mcu_node *mcu_interp_node(mcu_interp *it, int i) {
  if (it->nodes == NULL || i < 0 || i >= it->n_nodes) return NULL;
  return &it->nodes[i].n;
}

const mcu_op *mcu_interp_node_op(const mcu_interp *it, int i) {
  if (it->nodes == NULL || i < 0 || i >= it->n_nodes) return NULL;
  return it->nodes[i].op;
}

mcu_arena_usage mcu_interp_arena_usage(const mcu_interp *it) {
  mcu_arena_usage u;
  u.persistent = it->arena_len - it->tail;
  u.planned = it->planned;
  u.total = u.persistent + (it->head_hw > it->planned ? it->head_hw : it->planned);
  return u;
}

const char *mcu_interp_message(const mcu_interp *it) { return it->msg; }
