/* Never exits. */
volatile int spin;

int main(void) {
  for (;;) ++spin;
}
