/* mcu_interp.h - the interpreter's lifecycle, used by the firmware's main
 * (kernels/target/main.c), the host driver (kernels/host/) and the bare-kernel
 * harness (kernels/bench/).
 *
 * The caller owns the mcu_interp struct (static storage), the model bytes (must
 * outlive the interpreter: they are read in place) and the arena.
 */
#ifndef MCU_INTERP_H
#define MCU_INTERP_H

#include <stdint.h>

#include "mcu_api.h"

#define MCU_MAX_TENSORS 512
#define MCU_MAX_OPS 256
#define MCU_MAX_IO 16
#define MCU_MESSAGE_LEN 160

typedef struct {
  uint32_t total;       /* bytes of the arena really used: persistent + the larger of
                         * planned and the init-time temporaries' high-water mark */
  uint32_t persistent;  /* per-tensor data pointers, graph I/O tensor structs, node
                         * structs, op data */
  uint32_t planned;     /* activations + scratch, as laid out by the planner */
} mcu_arena_usage;

/* Parse the model (validating every offset against model_len), allocate tensors
 * and nodes, run every op's prepare(), plan the arena. Emits no trace events
 * itself: the caller brackets it with INIT_BEGIN/INIT_END. Returns MCU_OK or an
 * MCU_ERR_* code; mcu_interp_message() then says why. */
int mcu_interp_init(mcu_interp *it, const uint8_t *model, uint32_t model_len,
                    uint8_t *arena, uint32_t arena_len);
/* Run every operator once, emitting OP_BEGIN/OP_END (i) around each op's invoke(). */
int mcu_interp_invoke(mcu_interp *it);

int mcu_interp_num_inputs(const mcu_interp *it);
int mcu_interp_num_outputs(const mcu_interp *it);
/* Graph input/output i after a successful init (NULL otherwise): the runtime keeps a
 * copy of these tensors' structs for the interpreter's life (data, bytes, shape, type,
 * quantization); write inputs and read outputs through ->data. */
mcu_tensor *mcu_interp_input(mcu_interp *it, int i);
mcu_tensor *mcu_interp_output(mcu_interp *it, int i);
int mcu_interp_num_ops(const mcu_interp *it);
mcu_node *mcu_interp_node(mcu_interp *it, int i);
const mcu_op *mcu_interp_node_op(const mcu_interp *it, int i);
mcu_arena_usage mcu_interp_arena_usage(const mcu_interp *it);
const char *mcu_interp_message(const mcu_interp *it);

/* Size of struct mcu_interp, for callers that allocate it statically. */
extern const uint32_t mcu_interp_size;

/* The registry (kernels/runtime/op_registry.c): NULL when the builtin is not built in. */
const mcu_op *mcu_find_op(int32_t builtin);

#endif /* MCU_INTERP_H */
