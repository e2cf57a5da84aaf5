/* main.c - the interpreter firmware's entry: read the model slot, run the model, leave
 * the results where the host reads them.
 *
 * Model slot protocol (mcusim/firmware.py writes it into flash before reset, as
 * flashing a model partition would): a header, then the .tflite bytes. The input
 * tensors' bytes, concatenated in input order, sit in the machine's host I/O region
 * (not flash: they stand for a sensor, not for the deployed image). The arena is all SRAM between
 * the end of .bss and the stack reserve below the top of SRAM (read from the board
 * info register), so one image serves every model and every --sram setting.
 * Results go to `mcu_result` (a symbol the host looks up) and the exit status. */
#include <stdint.h>
#include <string.h>

#include "mcu_interp.h"
#include "mcu_platform.h"
#include "semihost.h"
#ifdef MCU_BENCH
#include "bare.h"
#endif

#define SLOT_MAGIC 0x5355434Du /* "MCUS" */
#define SLOT_VERSION 1u

typedef struct {
  uint32_t magic, version;
  uint32_t model_offset, model_len;
  uint32_t input_addr, input_len; /* absolute address in the host I/O region */
  uint32_t runs;          /* invocations, each bracketed by INVOKE_BEGIN/END */
  uint32_t stack_reserve; /* bytes kept for the stack at the top of SRAM */
} slot_header;

typedef struct {
  uint32_t status;
  uint32_t arena_base, arena_size;
  uint32_t arena_total, arena_persistent, arena_planned;
  uint32_t interp_bytes;
  uint32_t n_outputs;
  uint32_t output_addr[MCU_MAX_IO], output_bytes[MCU_MAX_IO];
  char message[MCU_MESSAGE_LEN];
} result_block;

extern const uint8_t __model_slot[];
extern uint8_t __boot_stack[];

result_block mcu_result;

static int finish(int status, const char *message) {
  mcu_result.status = (uint32_t)status;
  if (status != MCU_OK) {
    size_t n = strlen(message);
    if (n >= MCU_MESSAGE_LEN) n = MCU_MESSAGE_LEN - 1;
    memcpy(mcu_result.message, message, n);
    mcu_result.message[n] = 0;
    semihost_write0("mcusim-firmware: ");
    semihost_write0(mcu_result.message);
    semihost_write0("\n");
  }
  return status;
}

/* Input tensors from the host I/O region; false when the sizes disagree. */
static int copy_inputs(mcu_interp *it, const slot_header *slot) {
  const uint8_t *input = (const uint8_t *)(uintptr_t)slot->input_addr;
  uint32_t consumed = 0;
  for (int i = 0; i < mcu_interp_num_inputs(it); ++i) {
    mcu_tensor *t = mcu_interp_input(it, i);
    if (consumed + (uint32_t)t->bytes > slot->input_len) return 0;
    memcpy(t->data, input + consumed, (size_t)t->bytes);
    consumed += (uint32_t)t->bytes;
  }
  return consumed == slot->input_len;
}

int main(void) {
  const slot_header *slot = (const slot_header *)__model_slot;
  if (slot->magic != SLOT_MAGIC || slot->version != SLOT_VERSION) {
    return finish(MCU_ERR_SLOT, "no model in the model slot (host and firmware disagree)");
  }
  uintptr_t base = ((uintptr_t)__boot_stack + 15u) & ~(uintptr_t)15u;
  uintptr_t top = MCU_BOARD_SRAM_END - slot->stack_reserve;
  uint32_t interp_bytes = (mcu_interp_size + 15u) & ~15u;
  if (top <= base + interp_bytes) {
    return finish(MCU_ERR_ARENA, "arena too small: no SRAM left between static data and the stack");
  }
  mcu_interp *it = (mcu_interp *)base;
  uint8_t *arena = (uint8_t *)(base + interp_bytes);
  uint32_t arena_size = (uint32_t)(top - (uintptr_t)arena);
  mcu_result.arena_base = (uint32_t)(uintptr_t)arena;
  mcu_result.arena_size = arena_size;
  mcu_result.interp_bytes = interp_bytes;

  mcu_platform_trace(MCU_TRACE_INIT_BEGIN, 0);
  int status = mcu_interp_init(it, __model_slot + slot->model_offset, slot->model_len, arena, arena_size);
  mcu_platform_trace(MCU_TRACE_INIT_END, 0);
  mcu_arena_usage usage = mcu_interp_arena_usage(it);
  mcu_result.arena_total = usage.total;
  mcu_result.arena_persistent = usage.persistent;
  mcu_result.arena_planned = usage.planned;
  if (status != MCU_OK) return finish(status, mcu_interp_message(it));

  for (uint32_t run = 0; run < slot->runs && status == MCU_OK; ++run) {
    /* Before every inference: the previous one may have reused the input buffers. */
    if (!copy_inputs(it, slot)) {
      return finish(MCU_ERR_SLOT, "input bytes in the model slot do not match the model's inputs");
    }
    mcu_platform_trace(MCU_TRACE_INVOKE_BEGIN, run);
    status = mcu_interp_invoke(it);
    mcu_platform_trace(MCU_TRACE_INVOKE_END, run);
  }
#ifdef MCU_BENCH
  /* Restore the inputs so every operator sees the data it saw inside the interpreter. */
  if (status == MCU_OK && copy_inputs(it, slot)) status = mcu_bench_ops(it);
#endif
  if (status != MCU_OK) return finish(status, mcu_interp_message(it));

  int n = mcu_interp_num_outputs(it);
  mcu_result.n_outputs = (uint32_t)n;
  for (int i = 0; i < n && i < MCU_MAX_IO; ++i) {
    mcu_tensor *t = mcu_interp_output(it, i);
    mcu_result.output_addr[i] = (uint32_t)(uintptr_t)t->data;
    mcu_result.output_bytes[i] = (uint32_t)t->bytes;
  }
  return finish(MCU_OK, "");
}
