/* Prints with every snax.h print helper; the test compares the exact text. */
#include "snax.h"

SNAX_HOST_PARAM volatile int32_t values[4] = {0, -42, 2147483647, (-2147483647 - 1)};
SNAX_HOST_PARAM volatile uint32_t hex_value = 0xdeadbeefu;

int main(void) {
  snax_print("hello, snax\n");
  for (int i = 0; i < 4; ++i) {
    snax_print_dec(values[i]);
    snax_putchar(' ');
  }
  snax_print_udec(4294967295u);
  snax_putchar('\n');
  snax_print_hex(hex_value);
  snax_putchar('\n');
  return 0;
}
