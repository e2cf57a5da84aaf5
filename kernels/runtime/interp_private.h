/* interp_private.h - the interpreter's state; private to kernels/runtime/.
 *
 * Ownership and lifetimes:
 *  - struct mcu_interp itself is caller-owned static storage (mcu_interp_size bytes);
 *    it holds only fixed-size bookkeeping: graph I/O indices, arena cursors, message.
 *  - The arena (caller-owned) is laid out as
 *        [ planned region: activations + scratch, from offset 0 ] ... [ persistent ]
 *    Persistent allocations (tensor structs, node structs, op data) grow down from the
 *    arena's end and live as long as the interpreter. During init the space between
 *    them holds temporary bookkeeping (scratch requests, planner lists) that the
 *    planned region later reuses.
 *  - The model is read in place: node input/output index vectors, options tables,
 *    quantization vectors and constant tensor data point into it.
 */
#ifndef MCU_INTERP_PRIVATE_H
#define MCU_INTERP_PRIVATE_H

#include <stdint.h>

#include "mcu_interp.h"

/* A node and the operator that runs it (persistent arena). */
typedef struct {
  mcu_node n;
  const mcu_op *op;
} rt_node;

enum { RT_EMPTY = 0, RT_PREPARING = 1, RT_READY = 2, RT_FAILED = 3 };

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
  mcu_tensor *tensors;
  rt_node *nodes;
  uint32_t *scratch_req; /* during init: requested scratch bytes per node (temporary) */
  const int16_t *variables; /* indices of variable tensors (persistent), n_variables */
  int32_t n_variables;
  int32_t n_tensors;
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

/* ---- arena (planner.c) ---- */
void *rt_alloc_persistent(mcu_interp *it, uint32_t bytes);
/* Temporary allocation at the head (init only; released by rt_temp_reset). */
void *rt_alloc_temp(mcu_interp *it, uint32_t bytes);
void rt_temp_reset(mcu_interp *it);
/* Plan activations and scratch; assign data pointers. */
int rt_plan(mcu_interp *it);
/* Zero the variable tensors (after planning; init end). */
void rt_reset_variables(mcu_interp *it);
/* Report an arena shortfall: needs `needed` bytes in total. */
int rt_arena_fail(mcu_interp *it, uint32_t needed, int at_least);

#define RT_ALIGN_UP(x, a) (((x) + ((a) - 1u)) & ~((uint32_t)(a) - 1u))

#endif /* MCU_INTERP_PRIVATE_H */
