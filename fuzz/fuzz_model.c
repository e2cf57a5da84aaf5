/* fuzz_model.c - libFuzzer target over the firmware's model reader, graph building,
 * every operator's prepare(), the arena planner and (when init succeeds) one invoke
 * with all-zero inputs: the same C sources that run on the simulated Cortex-M
 * (kernels/runtime, kernels/ops, kernels/reference), built natively with
 * -DMCU_HOST and sanitizers by fuzz/run_fuzz.sh.
 *
 * The input is the .tflite bytes. libFuzzer hands them over in an exactly sized heap
 * block, so AddressSanitizer reports any read past the model's end, as the
 * simulator's flash guard does on the target. A well-behaved runtime returns MCU_OK
 * or an MCU_ERR_* code with a message for every input; anything else (a sanitizer
 * report, a crash, a timeout) is a finding.
 *
 * Build by hand (fuzz/run_fuzz.sh does this):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -DMCU_HOST \
 *     -Ikernels/include -Ikernels/runtime fuzz/fuzz_model.c kernels/runtime/*.c \
 *     kernels/ops/*.c kernels/reference/*.c kernels/host/host_platform.c -lm
 * With -DFUZZ_MAIN instead of -fsanitize=fuzzer it is a plain program that runs the
 * files named on its command line once each (for a compiler without libFuzzer).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mcu_interp.h"

/* The same arena the host driver gives by default (kernels/host/host_main.c), so a
 * finding replays identically through tests/host_runtime.run_host. */
#define FUZZ_ARENA (1u << 20)

static uint8_t arena[FUZZ_ARENA] __attribute__((aligned(16)));
static uint8_t interp_storage[16384] __attribute__((aligned(16)));
static int last_init, last_invoke; /* for the FUZZ_MAIN report */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 0x7fffffffu || mcu_interp_size > sizeof interp_storage) return 0;
  mcu_interp *it = (mcu_interp *)(void *)interp_storage;
  /* a fresh arena each time: a tensor read before any operator writes it would
   * otherwise see the previous input's data, and runs would not be repeatable */
  memset(arena, 0, sizeof arena);
  int s = mcu_interp_init(it, data, (uint32_t)size, arena, FUZZ_ARENA);
  last_init = s;
  last_invoke = -1;
  const char *msg = mcu_interp_message(it);
  if (s != MCU_OK) {
    /* every refusal must say why, in a terminated message */
    if (msg == NULL || msg[0] == '\0' || strlen(msg) >= MCU_MESSAGE_LEN) __builtin_trap();
    return 0;
  }
  for (int i = 0; i < mcu_interp_num_inputs(it); ++i) {
    mcu_tensor *t = mcu_interp_input(it, i);
    if (t == NULL || (t->bytes > 0 && t->data == NULL)) __builtin_trap();
    if (t->bytes > 0) memset(t->data, 0, (size_t)t->bytes);
  }
  s = mcu_interp_invoke(it);
  last_invoke = s;
  if (s != MCU_OK && mcu_interp_message(it)[0] == '\0') __builtin_trap();
  for (int i = 0; s == MCU_OK && i < mcu_interp_num_outputs(it); ++i) {
    mcu_tensor *t = mcu_interp_output(it, i);
    if (t == NULL || (t->bytes > 0 && t->data == NULL)) __builtin_trap();
  }
  return 0;
}

#ifdef FUZZ_MAIN
#include <stdlib.h>
int main(int argc, char **argv) {
  for (int a = 1; a < argc; ++a) {
    FILE *f = fopen(argv[a], "rb");
    if (f == NULL) return 2;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) return 2;
    fclose(f);
    LLVMFuzzerTestOneInput(buf, (size_t)n);
    free(buf);
    printf("%s: init %d invoke %d%s%s\n", argv[a], last_init, last_invoke,
           last_init || last_invoke > 0 ? ": " : "",
           mcu_interp_message((mcu_interp *)(void *)interp_storage));
  }
  return 0;
}
#endif
