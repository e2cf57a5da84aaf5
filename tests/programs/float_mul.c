/* Float arithmetic: FPU instructions when built for a core with an FPU. Exits 0 when
 * the product is right. */
volatile float a = 1.5f, b = 2.5f;

int main(void) { return a * b == 3.75f ? 0 : 1; }
