/* Prints through semihosting and exits with status 3. */
#include "semihost.h"

int main(void) {
  semihost_write0("hello from the core\n");
  return 3;
}
