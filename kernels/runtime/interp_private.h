/* interp_private.h - the interpreter's state; private to kernels/runtime/.
 *
 * Ownership and lifetimes:
 *  - struct mcu_interp itself is caller-owned static storage (mcu_interp_size bytes);
 *    it holds only fixed-size bookkeeping: graph I/O indices, arena cursors, message.
 *  - The arena (caller-owned) is laid out as
 *        [ planned region: activations + scratch, from offset 0 ] ... [ persistent ]
 *    Persistent allocations grow down from the arena's end and live as long as the
 *    interpreter: one data pointer per tensor (slots), copies of the graph inputs' and
 *    outputs' structs (io), the variable tensors' reset records, node structs, op data.
 *    During init the space between them holds temporaries that the planned region
 *    later reuses: the tensor structs of the non-constant tensors (acts, with tmap
 *    from tensor index to them), scratch requests, the structs of the constant tensors
 *    one prepare() asks for (ctemp), planner lists.
 *  - So no tensor struct outlives init: what invoke needs of a tensor is its data
 *    pointer, which glue reaches through an mcu_ref (&slots[t]); everything else it
 *    needs was computed into op data by prepare(). A constant tensor's struct is
 *    rebuilt from the model when a prepare() asks for it, and released when that
 *    prepare() returns.
 *  - The model is read in place: node input/output index vectors, options tables,
 *    quantization vectors and constant tensor data point into it.
 */
#ifndef MCU_INTERP_PRIVATE_H
#define MCU_INTERP_PRIVATE_H

#include <stdint.h>

#include "flatbuf.h"
#include "mcu_interp.h"

/* A variable tensor: reset to its zero value at init (persistent). */
typedef struct {
  int32_t bytes;
  int16_t index; /* tensor index */
  uint8_t fill;  /* the byte value of its zero (int8: the zero point) */
} rt_var;

/* A node and the operator that runs it (persistent arena). */
typedef struct {
  mcu_node n;
  const mcu_op *op;
} rt_node;

enum { RT_EMPTY = 0, RT_PREPARING = 1, RT_READY = 2, RT_FAILED = 3 };

/* A constant tensor's struct, rebuilt for one prepare() (temporary). */
typedef struct rt_ctemp {
  struct rt_ctemp *next;
  int32_t index;
  mcu_tensor t;
} rt_ctemp;

struct mcu_interp {
  const uint8_t *model;
  uint32_t model_len;
  uint8_t *arena;        /* 16-byte aligned start */
  uint32_t arena_len;    /* usable bytes from `arena` */
  uint32_t arena_given;  /* bytes the caller passed */
  uint32_t tail;         /* persistent region is [tail, arena_len) */
  uint32_t head;         /* temporary bookkeeping is [0, head) during init */
  uint32_t head_hw;      /* high-water of the head side (temporaries or plan) */
  uint32_t planned;      /* bytes of the planned region */
  void **slots;           /* per tensor: its data pointer (persistent; mcu_ref points here) */
  mcu_tensor *io;         /* graph inputs then outputs: struct copies (persistent) */
  rt_var *variables;      /* variable tensors (persistent), n_variables */
  rt_node *nodes;
  /* During init only (temporaries): */
  int16_t *tmap;          /* per tensor: index into acts, or -1 for a constant tensor */
  mcu_tensor *acts;       /* the structs of the tensors that are not constant (and of
                           * constant graph outputs) */
  uint32_t *scratch_req;  /* requested scratch bytes per node */
  rt_ctemp *ctemp;        /* the constant tensor structs the running prepare() asked for */
  uint32_t temp_short;    /* bytes a failed temporary needed during the running prepare() */
  fb_vec fb_tensors, fb_buffers; /* the model's tensor and buffer vectors (rebuilding) */
  int32_t n_variables;
  int32_t n_tensors;
  int32_t n_acts;
  int32_t n_nodes;
  int32_t n_inputs, n_outputs;
  int16_t inputs[MCU_MAX_IO];
  int16_t outputs[MCU_MAX_IO];
  int32_t state;
  int32_t status;
  char msg[MCU_MESSAGE_LEN];
};

/* ---- messages (interpreter.c) ---- */
void rt_msg_clear(mcu_interp *it);
void rt_msg_str(mcu_interp *it, const char *s);
void rt_msg_int(mcu_interp *it, int64_t v);
/* Name of a builtin operator, "" if unknown. */
const char *rt_builtin_name(int32_t code);
/* Name of a tensor type, "" if unknown. */
const char *rt_type_name(int32_t type);
/* Element size of a supported type, 0 if not supported. */
uint32_t rt_type_size(int32_t type);

/* ---- graph building from the flatbuffer (graph.c) ---- */
/* Fills tensors, nodes, graph I/O; resolves operators. Returns MCU_OK or an error
 * with it->msg set. */
int rt_build_graph(mcu_interp *it);
/* Rebuild the struct of tensor i from the model into *t (the same validation as at
 * init, so it cannot fail for a tensor init accepted). Returns MCU_OK or an error. */
int rt_read_tensor(mcu_interp *it, int32_t i, mcu_tensor *t);

/* During init: the struct of tensor t if it has one in acts, else NULL (a constant). */
static inline mcu_tensor *rt_act(const mcu_interp *it, int32_t t) {
  const int16_t k = it->tmap[t];
  return k >= 0 ? &it->acts[k] : (mcu_tensor *)0;
}
/* During init: 1 when tensor t is constant (its data comes from the model). */
static inline int rt_is_const(const mcu_interp *it, int32_t t) {
  const int16_t k = it->tmap[t];
  return k < 0 || it->acts[k].is_const;
}

/* ---- arena (planner.c) ---- */
void *rt_alloc_persistent(mcu_interp *it, uint32_t bytes);
/* Temporary allocation at the head (init only; released by rt_temp_reset). */
void *rt_alloc_temp(mcu_interp *it, uint32_t bytes);
void rt_temp_reset(mcu_interp *it);
/* Plan activations and scratch; assign data pointers (slots, scratch handles). */
int rt_plan(mcu_interp *it);
/* After planning: copy the graph I/O structs and the variables' reset records out of
 * the temporaries (before anything writes the planned region, which overlaps them). */
void rt_keep(mcu_interp *it);
/* Zero the variable tensors (after rt_keep; init end). */
void rt_reset_variables(mcu_interp *it);
/* Report an arena shortfall: needs `needed` bytes in total. */
int rt_arena_fail(mcu_interp *it, uint32_t needed, int at_least);

#define RT_ALIGN_UP(x, a) (((x) + ((a) - 1u)) & ~((uint32_t)(a) - 1u))

#endif /* MCU_INTERP_PRIVATE_H */
