/* host_main.c - native driver for the firmware runtime, used by tests and fuzzing.
 *
 *   mcu_host [--io] [--arena BYTES] MODEL.tflite INPUT.bin OUTPUT.bin
 *   mcu_host [--arena BYTES] [--init-only] --mutate MODEL.tflite SEED COUNT  (fuzzing;
 *            SEED 0 = truncation sweep at every COUNT-th length)
 *
 * INPUT.bin holds the raw bytes of every input tensor, concatenated in input order;
 * its size must match exactly. OUTPUT.bin receives the output tensors the same way.
 * stdout: one line "ARENA <total> <persistent> <planned>" (after a successful init),
 * and with --io one line per input/output "INPUT|OUTPUT <i> <type> <ndims> <dims...>"
 * (type = TFLite TensorType); with --plan "TENSOR <index> <arena offset> <bytes>" for
 * every tensor the planner placed (as it reported them through mcu_platform_plan). On
 * error the message goes to stderr and the exit code is the MCU_ERR_* code (10 for
 * usage and file errors).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcu_interp.h"
#include "mcu_platform.h"

#define HOST_ERR_USAGE 10
#define DEFAULT_ARENA (1u << 20)

static uint8_t arena[16u << 20] __attribute__((aligned(16))); /* --arena may ask for up to 16 MiB */
static uint8_t interp_storage[16384] __attribute__((aligned(16)));

/* host_platform.c: the placements of the last plan */
extern int mcu_host_plan_n;
extern int32_t mcu_host_plan_tensor[];
extern uint32_t mcu_host_plan_offset[], mcu_host_plan_bytes[];

static uint8_t *read_file(const char *path, long *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  uint8_t *buf = NULL;
  if (fseek(f, 0, SEEK_END) == 0) {
    long n = ftell(f);
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0) {
      /* exact-size allocation, so ASan catches any read past the model's end */
      buf = malloc(n > 0 ? (size_t)n : 1);
      if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
      }
      *len = n;
    }
  }
  fclose(f);
  return buf;
}

static void print_io(const char *what, int i, const mcu_tensor *t) {
  printf("%s %d %d %d", what, i, (int)t->type, (int)t->ndims);
  for (int d = 0; d < t->ndims; ++d) printf(" %d", (int)t->dims[d]);
  printf("\n");
}

/* ---- mutation fuzzing: mcu_host --mutate MODEL SEED COUNT ----
 * Each iteration copies the model into an exactly sized heap block (so ASan sees any
 * read past its end), damages it (truncation, bit flips, or a 32-bit word overwritten
 * with an interesting value), runs init and, when init succeeds, invoke with
 * pseudo-random inputs. Prints "STATUS <init|invoke> <code> <count>" lines. */
static uint32_t rng_state;
static uint32_t rnd(void) {
  uint32_t x = rng_state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return rng_state = x;
}

/* seed == 0 with count > 0: a truncation sweep instead, lengths 0, step, 2*step, ...
 * (count = step). */
static int mutate_main(const char *path, uint32_t seed, long count, uint32_t arena_len,
                       int run_invoke) {
  long len = 0;
  uint8_t *orig = read_file(path, &len);
  if (orig == NULL || len < 8) {
    fprintf(stderr, "cannot read model %s\n", path);
    return HOST_ERR_USAGE;
  }
  static long init_counts[16], invoke_counts[16];
  static const uint32_t interesting[] = {0u, 1u, 0xffffffffu, 0x7fffffffu, 0x80000000u,
                                         0xffffu, 0x10000u, 4u, 8u, 0xfffffffcu};
  mcu_interp *it = (mcu_interp *)(void *)interp_storage;
  long step = 0;
  if (seed == 0) { /* truncation sweep */
    step = count > 0 ? count : 1;
    count = (len + step - 1) / step;
  }
  for (long n = 0; n < count; ++n) {
    rng_state = seed * 2654435761u + (uint32_t)n * 40503u + 1u;
    if (rng_state == 0) rng_state = 1;
    for (int k = 0; k < 4; ++k) rnd();
    uint32_t kind = step ? 4 : rnd() % 4;
    long mlen = len;
    if (kind == 0) mlen = (long)(rnd() % (uint32_t)len);
    if (kind == 4) mlen = n * step;
    uint8_t *m = malloc(mlen > 0 ? (size_t)mlen : 1);
    if (m == NULL) return MCU_ERR_INTERNAL;
    memcpy(m, orig, (size_t)mlen);
    if (kind == 1) { /* flip 1..8 random bits */
      uint32_t flips = 1 + rnd() % 8;
      for (uint32_t f = 0; f < flips; ++f) m[rnd() % (uint32_t)len] ^= (uint8_t)(1u << (rnd() % 8));
    } else if (kind == 2 && len >= 4) { /* overwrite an aligned word */
      uint32_t pos = (rnd() % (uint32_t)(len / 4)) * 4u;
      uint32_t v = interesting[rnd() % (sizeof interesting / sizeof interesting[0])];
      if (rnd() & 1) v = rnd() % 256u;
      memcpy(m + pos, &v, 4);
    } else if (kind == 3) { /* random bytes in the first 1/8 (where the tables are) */
      uint32_t span = (uint32_t)(len / 8 > 4 ? len / 8 : len);
      uint32_t flips = 1 + rnd() % 4;
      for (uint32_t f = 0; f < flips; ++f) m[rnd() % span] = (uint8_t)rnd();
    }
    int s = mcu_interp_init(it, m, (uint32_t)mlen, arena, arena_len);
    init_counts[s & 15]++;
    if (s == MCU_OK && run_invoke) {
      for (int i = 0; i < mcu_interp_num_inputs(it); ++i) {
        mcu_tensor *t = mcu_interp_input(it, i);
        uint8_t *d = t->data;
        for (int32_t b = 0; b < t->bytes; ++b) d[b] = (uint8_t)rnd();
        if (t->type == MCU_FLOAT32) /* keep floats finite and moderate */
          for (int32_t b = 3; b < t->bytes; b += 4) d[b] = (uint8_t)(d[b] & 0xbf);
        if (t->type == MCU_BOOL)
          for (int32_t b = 0; b < t->bytes; ++b) d[b] &= 1;
      }
      s = mcu_interp_invoke(it);
      invoke_counts[s & 15]++;
    }
    free(m);
  }
  for (int c = 0; c < 16; ++c) {
    if (init_counts[c]) printf("STATUS init %d %ld\n", c, init_counts[c]);
    if (invoke_counts[c]) printf("STATUS invoke %d %ld\n", c, invoke_counts[c]);
  }
  free(orig);
  return 0;
}

int main(int argc, char **argv) {
  int io = 0, run_invoke = 1, show_plan = 0;
  unsigned long arena_len = DEFAULT_ARENA;
  int a = 1;
  for (; a < argc && strncmp(argv[a], "--", 2) == 0; ++a) {
    if (strcmp(argv[a], "--io") == 0) {
      io = 1;
    } else if (strcmp(argv[a], "--plan") == 0) {
      show_plan = 1;
    } else if (strcmp(argv[a], "--init-only") == 0) {
      run_invoke = 0;
    } else if (strcmp(argv[a], "--mutate") == 0 && a + 3 < argc) {
      return mutate_main(argv[a + 1], (uint32_t)strtoul(argv[a + 2], NULL, 0),
                         strtol(argv[a + 3], NULL, 0), (uint32_t)arena_len, run_invoke);
    } else if (strcmp(argv[a], "--arena") == 0 && a + 1 < argc) {
      arena_len = strtoul(argv[++a], NULL, 0);
      if (arena_len > sizeof arena) arena_len = sizeof arena;
    } else {
      break;
    }
  }
  if (argc - a != 3) {
    fprintf(stderr, "usage: %s [--io] [--plan] [--arena BYTES] MODEL.tflite INPUT.bin OUTPUT.bin\n",
            argv[0]);
    return HOST_ERR_USAGE;
  }
  if (mcu_interp_size > sizeof interp_storage) {
    fprintf(stderr, "interpreter struct too large (%u bytes)\n", (unsigned)mcu_interp_size);
    return MCU_ERR_INTERNAL;
  }
  long model_len = 0, in_len = 0;
  uint8_t *model = read_file(argv[a], &model_len);
  if (model == NULL || model_len > 0x7fffffffL) {
    fprintf(stderr, "cannot read model %s\n", argv[a]);
    return HOST_ERR_USAGE;
  }
  uint8_t *input = read_file(argv[a + 1], &in_len);
  if (input == NULL) {
    fprintf(stderr, "cannot read input %s\n", argv[a + 1]);
    return HOST_ERR_USAGE;
  }
  mcu_interp *it = (mcu_interp *)(void *)interp_storage;
  mcu_host_plan_n = 0;
  mcu_platform_trace(MCU_TRACE_INIT_BEGIN, 0);
  int s = mcu_interp_init(it, model, (uint32_t)model_len, arena, (uint32_t)arena_len);
  mcu_platform_trace(MCU_TRACE_INIT_END, 0);
  if (s != MCU_OK) {
    fprintf(stderr, "%s\n", mcu_interp_message(it));
    return s;
  }
  mcu_arena_usage u = mcu_interp_arena_usage(it);
  printf("ARENA %u %u %u\n", (unsigned)u.total, (unsigned)u.persistent, (unsigned)u.planned);
  if (show_plan) { /* where the planner put each tensor, as offsets from the arena */
    for (int k = 0; k < mcu_host_plan_n; ++k)
      printf("TENSOR %d %lu %lu\n", (int)mcu_host_plan_tensor[k],
             (unsigned long)mcu_host_plan_offset[k], (unsigned long)mcu_host_plan_bytes[k]);
  }
  long need = 0;
  for (int i = 0; i < mcu_interp_num_inputs(it); ++i) {
    mcu_tensor *t = mcu_interp_input(it, i);
    if (io) print_io("INPUT", i, t);
    need += t->bytes;
  }
  if (io)
    for (int i = 0; i < mcu_interp_num_outputs(it); ++i) print_io("OUTPUT", i, mcu_interp_output(it, i));
  fflush(stdout);
  if (need != in_len) {
    fprintf(stderr, "input size mismatch: the model's inputs take %ld bytes, %s has %ld\n", need,
            argv[a + 1], in_len);
    return MCU_ERR_PARAMS;
  }
  long pos = 0;
  for (int i = 0; i < mcu_interp_num_inputs(it); ++i) {
    mcu_tensor *t = mcu_interp_input(it, i);
    if (t->bytes > 0) memcpy(t->data, input + pos, (size_t)t->bytes);
    pos += t->bytes;
  }
  mcu_platform_trace(MCU_TRACE_INVOKE_BEGIN, 0);
  s = mcu_interp_invoke(it);
  mcu_platform_trace(MCU_TRACE_INVOKE_END, 0);
  if (s != MCU_OK) {
    fprintf(stderr, "%s\n", mcu_interp_message(it));
    return s;
  }
  FILE *f = fopen(argv[a + 2], "wb");
  if (f == NULL) {
    fprintf(stderr, "cannot write %s\n", argv[a + 2]);
    return HOST_ERR_USAGE;
  }
  for (int i = 0; i < mcu_interp_num_outputs(it); ++i) {
    mcu_tensor *t = mcu_interp_output(it, i);
    if (t->bytes > 0 && fwrite(t->data, 1, (size_t)t->bytes, f) != (size_t)t->bytes) {
      fclose(f);
      fprintf(stderr, "cannot write %s\n", argv[a + 2]);
      return HOST_ERR_USAGE;
    }
  }
  fclose(f);
  free(model);
  free(input);
  return MCU_OK;
}
