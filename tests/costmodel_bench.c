/* costmodel_bench.c - hand-written Thumb sequences whose cycle counts follow from the
 * Arm TRM timing tables; tests/test_costmodel.py runs them and checks the counts.
 *
 * ARMv7-M and later: each bench_* function reads DWT_CYCCNT (0xE0001004) into r12 (t0),
 * runs its body, reads CYCCNT again (t1, a 2-cycle LDR unless the test says otherwise)
 * and returns t1 - t0; main stores the results in `results` for the test to read. A
 * CYCCNT read counts the reading instruction itself (mcusim's documented semantics), so
 * t1 - t0 = the body + the closing LDR.
 * ARMv6-M has no CYCCNT: each bench writes the trace port (a STR, 2 cycles) before and
 * after its body; the test takes the difference of the two events' cycle counts.
 */
#include <stdint.h>

volatile uint32_t results[32];

#define STR_(x) #x
#define STR(x) STR_(x)

#if !defined(__ARM_ARCH_6M__)

__attribute__((aligned(64))) const uint32_t flash_table[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                                             17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30};

#define BENCH(name, setup, body)                                                      \
  __attribute__((naked, noinline)) uint32_t name(void) {                               \
    __asm__ volatile("push {r4-r11, lr}\n\t"                                          \
                     "sub sp, sp, #64\n\t" /* scratch memory for the loads */         \
                     "ldr r3, =0xE0001004\n\t" setup "ldr r12, [r3]\n\t" body         \
                     "ldr r2, [r3]\n\t"                                               \
                     "sub r0, r2, r12\n\t"                                            \
                     "add sp, sp, #64\n\t"                                            \
                     "pop {r4-r11, pc}\n\t"                                           \
                     ".ltorg\n\t");                                                   \
  }

BENCH(bench_add, "", ".rept 10\n\tadd r0, r0, #1\n\t.endr\n\t")
BENCH(bench_ldr, "mov r5, sp\n\tstr r5, [r5]\n\t",
      "nop\n\tldr r4, [r5]\n\tldr r6, [r5, #4]\n\tldr r7, [r5, #8]\n\tldr r8, [r5, #12]\n\tnop\n\t")
BENCH(bench_ldr_dep, "mov r5, sp\n\tstr r5, [r5]\n\t", "nop\n\tldr r4, [r5]\n\tldr r6, [r4]\n\tnop\n\t")
BENCH(bench_ldm, "mov r5, sp\n\t", "nop\n\tldm r5, {r0, r1, r2, r4, r6, r7, r8, r9}\n\tnop\n\t")
BENCH(bench_loop, "movs r0, #10\n\t", "1:\n\tsubs r0, r0, #1\n\tbne 1b\n\t")
BENCH(bench_agu, "mov r5, sp\n\t", "add r5, r5, #0\n\tldr r4, [r5]\n\tnop\n\t")
BENCH(bench_mla, "movs r1, #3\n\tmovs r2, #5\n\t", "mla r0, r1, r2, r0\n\t")
BENCH(bench_umull, "movs r1, #3\n\tmovs r2, #5\n\t", "umull r0, r1, r1, r2\n\t")
BENCH(bench_sdiv_early, "movs r4, #5\n\tmovs r6, #7\n\t", "sdiv r0, r4, r6\n\t")
BENCH(bench_sdiv_mid, "movs r4, #100\n\tmovs r6, #7\n\t", "sdiv r0, r4, r6\n\t")
BENCH(bench_udiv_worst, "mvn r4, #0\n\tmovs r6, #1\n\t", "udiv r0, r4, r6\n\t")
BENCH(bench_it_fail, "movs r0, #0\n\tmov r5, sp\n\t",
      "cmp r0, #0\n\tite ne\n\tldrne r4, [r5]\n\taddeq r0, r0, #1\n\tnop\n\t")
BENCH(bench_it_pass, "movs r0, #0\n\tmov r5, sp\n\t",
      "cmp r0, #0\n\titt eq\n\tldreq r4, [r5]\n\tldreq r6, [r5, #4]\n\tnop\n\t")
/* the same, but the flags change before the block ends: charged by an exec hook */
BENCH(bench_it_pass_flags, "movs r0, #0\n\tmov r5, sp\n\t",
      "cmp r0, #0\n\titt eq\n\tldreq r4, [r5]\n\tldreq r6, [r5, #4]\n\tcmp r0, #1\n\t")
BENCH(bench_flash, "ldr r5, =flash_table\n\t",
      "nop\n\tldr r4, [r5]\n\tnop\n\tldr r4, [r5, #32]\n\tnop\n\tldr r4, [r5, #64]\n\tnop\n\t")
BENCH(bench_pairs, "", ".rept 5\n\tadd r0, r0, #1\n\tadd r1, r1, #1\n\t.endr\n\t")
/* Code in SRAM (copied there by startup as .data): ADDS r0, r0, #1; BX LR. */
__attribute__((aligned(4))) uint16_t sram_code[2] = {0x1c40, 0x4770};
BENCH(bench_sram_call, "ldr r4, =sram_code\n\tadds r4, r4, #1\n\tmovs r0, #41\n\t", "blx r4\n\t")
#if defined(__ARM_FP)
BENCH(bench_vdiv, "", "vdiv.f32 s0, s1, s2\n\t")
BENCH(bench_fp, "", "vadd.f32 s0, s1, s2\n\tvmul.f32 s3, s4, s5\n\tvfma.f32 s6, s7, s8\n\t")
#endif

int main(void) {
  results[0] = bench_add();
  results[1] = bench_ldr();
  results[2] = bench_ldr_dep();
  results[3] = bench_ldm();
  results[4] = bench_loop();
  results[5] = bench_agu();
  results[6] = bench_mla();
  results[7] = bench_umull();
  results[8] = bench_sdiv_early();
  results[9] = bench_sdiv_mid();
  results[10] = bench_udiv_worst();
  results[11] = bench_it_fail();
  results[12] = bench_it_pass();
  results[13] = bench_flash();
  results[14] = bench_pairs();
  results[17] = bench_sram_call();
  results[18] = bench_it_pass_flags();
#if defined(__ARM_FP)
  results[15] = bench_vdiv();
  results[16] = bench_fp();
#endif
  return 0;
}

#else /* ARMv6-M: trace-port windows; event index = bench number */

#define BENCH(name, index, setup, body)                                               \
  __attribute__((naked, noinline)) void name(void) {                                   \
    __asm__ volatile("push {r4-r7, lr}\n\t"                                           \
                     "sub sp, #64\n\t"                                                \
                     "ldr r3, =0x4FFF0000\n\t"                                        \
                     "movs r2, #" STR(index) "\n\t" setup "str r2, [r3]\n\t" body     \
                     "str r2, [r3]\n\t"                                               \
                     "add sp, #64\n\t"                                                \
                     "pop {r4-r7, pc}\n\t"                                            \
                     ".ltorg\n\t");                                                   \
  }

__attribute__((naked, noinline)) void leaf(void) { __asm__ volatile("bx lr\n\t"); }

BENCH(bench_add, 1, "", ".rept 10\n\tadds r0, r0, #1\n\t.endr\n\t")
BENCH(bench_muls, 2, "movs r0, #3\n\tmovs r1, #5\n\t", "muls r0, r1, r0\n\t")
BENCH(bench_loop, 3, "movs r0, #10\n\t", "1:\n\tsubs r0, r0, #1\n\tbne 1b\n\t")
BENCH(bench_ldr, 4, "mov r5, sp\n\t", "ldr r4, [r5]\n\tldr r6, [r5, #4]\n\t")
BENCH(bench_pushpop, 5, "", "push {r0-r7}\n\tpop {r0-r7}\n\t")
BENCH(bench_call, 6, "", "bl leaf\n\t")

int main(void) {
  bench_add();
  bench_muls();
  bench_loop();
  bench_ldr();
  bench_pushpop();
  bench_call();
  return 0;
}
#endif
