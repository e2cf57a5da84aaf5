/* mcu_api.h - the contract between the interpreter runtime and operator code.
 *
 * Ownership and lifetimes:
 *  - The model flatbuffer lives in flash (the model slot) and is never copied. Tensor
 *    shapes, quantization vectors, operator index vectors and option tables are read
 *    from it in place; constant tensors' data pointers point into it.
 *  - Everything else lives in one caller-provided arena. The runtime plans it ahead:
 *    persistent allocations (one data pointer per tensor, node structs, per-op data
 *    from mcu_alloc_persistent, copies of the graph inputs' and outputs' tensor
 *    structs) stay for the interpreter's life; activation tensors and per-op scratch
 *    share the rest according to their lifetimes (greedy planner). No malloc anywhere.
 *  - An op's prepare() runs once, at init; invoke() runs once per inference.
 *  - The mcu_tensor structs that mcu_input/mcu_output return are valid during prepare()
 *    only: they are init-time temporaries (a constant tensor's is rebuilt from the
 *    model and gone when that prepare() returns; the others go when init ends, their
 *    space reused by the planned region). What invoke() needs of a tensor is its
 *    data: glue keeps an mcu_ref (mcu_input_ref/mcu_output_ref) in its op data and
 *    reads *ref at invoke - an activation's data pointer is not known during prepare
 *    anyway, as the planner places activations after every prepare() has run.
 *    Anything else invoke() needs (types, sizes, quantization) prepare() computes into
 *    the op data. TFLM's split of TfLiteTensor (prepare) and TfLiteEvalTensor
 *    (invoke) is the same idea, with a smaller persistent part (4 bytes per tensor).
 *
 * Operator code is split like CMSIS-NN: kernels/ops/<op>.c is the glue (reads
 * options, computes quantization parameters in prepare, unpacks tensors in invoke)
 * and calls plain C kernel functions declared in kernels/include/k_<op>.h, which
 * kernels/reference/<op>.c (and kernels/optimized/<op>.c) implement over raw
 * pointers and small structs, so a bare harness can call them with no interpreter.
 */
#ifndef MCU_API_H
#define MCU_API_H

#include <stddef.h>
#include <stdint.h>

/* Tensor element types: the values of the TFLite schema's TensorType enum. */
enum {
  MCU_FLOAT32 = 0,
  MCU_FLOAT16 = 1,
  MCU_INT32 = 2,
  MCU_UINT8 = 3,
  MCU_INT64 = 4,
  MCU_BOOL = 6,
  MCU_INT16 = 7,
  MCU_INT8 = 9,
};

/* Status codes. 0 is success; the host maps the others to typed exceptions. */
enum {
  MCU_OK = 0,
  MCU_ERR_MODEL = 1,          /* not a valid .tflite / schema violation / corrupt */
  MCU_ERR_UNSUPPORTED_OP = 2, /* operator (or its version) not in the registry */
  MCU_ERR_UNSUPPORTED_TYPE = 3, /* tensor type / type combination not handled */
  MCU_ERR_HYBRID = 4,         /* int8 weights with float activations */
  MCU_ERR_ARENA = 5,          /* arena too small; message says how much is needed */
  MCU_ERR_PARAMS = 6,         /* op parameters out of range (bad shapes, options) */
  MCU_ERR_INTERNAL = 7,
  MCU_ERR_SLOT = 8,           /* model slot header invalid (host/firmware mismatch) */
};

/* Trace-port events: the firmware writes (kind << 24) | index to MCU_TRACE_PORT. */
enum {
  MCU_TRACE_INIT_BEGIN = 1,
  MCU_TRACE_INIT_END = 2,
  MCU_TRACE_INVOKE_BEGIN = 3,
  MCU_TRACE_INVOKE_END = 4,
  MCU_TRACE_OP_BEGIN = 5, /* index = operator index in the subgraph */
  MCU_TRACE_OP_END = 6,
  MCU_TRACE_MARK_BEGIN = 7, /* index = user marker id */
  MCU_TRACE_MARK_END = 8,
  MCU_TRACE_KERNEL = 9, /* index = K_VARIANT_* of k_variant.h: the optimized path taken */
};

#define MCU_MAX_DIMS 6

/* A tensor as prepare() sees it (a temporary: see the top of this file; 56 bytes on a
 * 32-bit target, small fields last and narrow). */
typedef struct {
  void *data;                  /* arena (set after planning), or flash for constant tensors */
  int32_t dims[MCU_MAX_DIMS];
  int32_t bytes;               /* element count * element size */
  /* Quantization. Per-tensor: scale/zero_point, num_scales <= 1, scales may be NULL.
   * Per-channel: num_scales > 1, scales[]/zero_points[] along quant_dim. */
  float scale;
  int32_t zero_point;
  int32_t num_scales;
  const float *scales;         /* into the flatbuffer (flash) */
  const int64_t *zero_points;  /* into the flatbuffer (flash), may be NULL */
  uint8_t ndims;
  uint8_t type;                /* MCU_INT8, MCU_FLOAT32, ... */
  uint8_t is_const;            /* data comes from a model buffer */
  int8_t quant_dim;
} mcu_tensor;

typedef struct mcu_interp mcu_interp;

/* One operator (persistent: 32 bytes each on a 32-bit target, so the small fields are
 * narrow; the runtime validated every one of them at init). */
typedef struct {
  const int32_t *inputs;       /* tensor indices (in the model), -1 = optional input absent */
  const int32_t *outputs;
  const uint8_t *options;      /* builtin_options table (in the model), NULL if absent */
  void *op_data;               /* whatever prepare() stored (persistent arena) */
  int32_t scratch_handle;      /* -1, or what mcu_request_scratch returned */
  int16_t index;               /* operator index in the subgraph (< MCU_MAX_OPS) */
  int16_t builtin;             /* BuiltinOperator code */
  uint16_t n_inputs, n_outputs;
  uint8_t version;             /* operator version, 1..64 */
  uint8_t options_type;        /* BuiltinOptions union type */
} mcu_node;

typedef struct {
  int32_t builtin;             /* BuiltinOperator code this entry serves */
  const char *name;            /* e.g. "CONV_2D" */
  int (*prepare)(mcu_interp *it, mcu_node *node);
  int (*invoke)(mcu_interp *it, mcu_node *node);
} mcu_op;

/* ---- services the runtime gives operator glue ---- */

/* Input/output i of the node; NULL for an absent optional input (index -1). Only
 * during prepare(), and valid until it returns (see the top of this file); NULL at any
 * other time. A second call for the same tensor in one prepare() gives the same struct,
 * so a change made through it (mcu_resize_output) is seen by later calls. */
mcu_tensor *mcu_input(mcu_interp *it, const mcu_node *node, int i);
mcu_tensor *mcu_output(mcu_interp *it, const mcu_node *node, int i);

/* Where a tensor's data pointer lives for the interpreter's life: *ref is the data
 * (valid at invoke; for an activation only once init has planned the arena). Reading
 * it costs what reading t->data through a kept tensor pointer would. */
typedef void *const *mcu_ref;
/* The ref of input/output i; NULL for an absent optional input. */
mcu_ref mcu_input_ref(mcu_interp *it, const mcu_node *node, int i);
mcu_ref mcu_output_ref(mcu_interp *it, const mcu_node *node, int i);

/* Persistent memory for the interpreter's life; only during prepare(). 8-byte aligned.
 * Returns NULL (and records MCU_ERR_ARENA) when the arena is exhausted. */
void *mcu_alloc_persistent(mcu_interp *it, size_t bytes);

/* Scratch memory valid during this node's invoke() only; request during prepare(),
 * fetch during invoke(). Sets node->scratch_handle. Returns MCU_OK or an error. */
int mcu_request_scratch(mcu_interp *it, mcu_node *node, size_t bytes);
void *mcu_scratch(mcu_interp *it, const mcu_node *node);

/* Builtin options table fields (flatbuffer field index as in the schema, 0-based).
 * Absent table or field returns the default. */
int32_t mcu_opt_int(const mcu_node *node, int field, int32_t dflt);  /* byte/short/int/bool/enum */
float mcu_opt_float(const mcu_node *node, int field, float dflt);
/* Vector of int32 field; returns its length and sets *out, or -1 when absent. */
int32_t mcu_opt_int_vector(const mcu_node *node, int field, const int32_t **out);

/* Record an error with a message (short, static or formatted into the interpreter's
 * buffer) and return the code, so glue can write `return mcu_fail(it, CODE, "...")`. */
int mcu_fail(mcu_interp *it, int code, const char *msg);
/* As mcu_fail, appending " <name> <value>" pairs is left to the caller; this variant
 * formats one integer: "<msg> <value>". */
int mcu_fail_int(mcu_interp *it, int code, const char *msg, int32_t value);

/* Give output k of the node a new shape (RESHAPE and SQUEEZE settle theirs in
 * prepare; only during prepare()). Sets dims, ndims and bytes. A change of the
 * tensor's byte size is refused (MCU_ERR_MODEL, with a message) when the tensor is a
 * graph input or an earlier operator already uses it: their buffers and kernel
 * parameters were sized from the old shape. Returns MCU_OK or the error. */
int mcu_resize_output(mcu_interp *it, const mcu_node *node, int k, const int32_t *dims,
                      int32_t ndims);

/* Helpers for glue. */
int32_t mcu_num_elements(const mcu_tensor *t);
int mcu_same_shape(const mcu_tensor *a, const mcu_tensor *b);

#endif /* MCU_API_H */
