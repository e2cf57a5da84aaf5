/* A known call structure for the per-function profile (tests/test_profile.py):
 *   main calls f twice; f calls g; g is a counted loop (10 iterations);
 *   main calls t once, and t tail-calls g (b.w g);
 *   main calls r(3), which calls itself down to r(0) (recursion: 4 calls), then r(5000)
 *   (5001 calls: deeper than the profiler's shadow stack);
 *   main calls u; u calls v; v calls w; w unwinds straight back into u (longjmp-like: it
 *   drops v's frame and branches to v's return address in u).
 * f, g, t and r are written in assembly so that every instruction, and so every cycle,
 * is known; their symbols carry sizes (.size) like compiled functions. */

void f(void);
void g(void);
void t(void);
void r(unsigned n);
void u(void);

__asm__(
    ".syntax unified\n"
    ".text\n"
    ".balign 4\n"
    ".globl g\n.type g, %function\n.thumb_func\n"
    "g:\n"
    "  movs r0, #10\n"          /* 1 */
    "1:\n"
    "  subs r0, #1\n"           /* 1 x 10 */
    "  bne 1b\n"                /* taken 9 x (1 + P), not taken 1 */
    "  bx lr\n"                 /* 1 + P (register) */
    ".size g, . - g\n"

    ".balign 4\n"
    ".globl f\n.type f, %function\n.thumb_func\n"
    "f:\n"
    "  push {lr}\n"             /* 1 + N */
    "  bl g\n"                  /* 1 + P (call) */
    "  pop {pc}\n"              /* 1 + N + P (load) */
    ".size f, . - f\n"

    ".balign 4\n"
    ".globl t\n.type t, %function\n.thumb_func\n"
    "t:\n"
    "  b.w g\n"                 /* 1 + P (immediate): a tail call */
    ".size t, . - t\n"

    ".balign 4\n"
    ".globl r\n.type r, %function\n.thumb_func\n"
    "r:\n"
    "  cbz r0, 2f\n"
    "  push {lr}\n"
    "  subs r0, #1\n"
    "  bl r\n"
    "  pop {pc}\n"
    "2:\n"
    "  bx lr\n"
    ".size r, . - r\n"

    ".balign 4\n"
    ".globl u\n.type u, %function\n.thumb_func\n"
    "u:\n"
    "  push {lr}\n"
    "  bl v\n"
    "u_after_v:\n"
    "  pop {pc}\n"
    ".size u, . - u\n"

    ".balign 4\n"
    ".globl v\n.type v, %function\n.thumb_func\n"
    "v:\n"
    "  push {lr}\n"
    "  bl w\n"
    "  pop {pc}\n"               /* never reached */
    ".size v, . - v\n"

    ".balign 4\n"
    ".globl w\n.type w, %function\n.thumb_func\n"
    "w:\n"
    "  ldr r1, =u_after_v + 1\n"
    "  add sp, #4\n"             /* drop v's saved lr */
    "  bx r1\n"
    "  .ltorg\n"
    ".size w, . - w\n");

int main(void) {
  f();
  f();
  t();
  r(3);
  r(5000);
  u();
  return 0;
}
