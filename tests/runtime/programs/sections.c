/* Exercises every section the linker script places: .text, .rodata, .data, .bss, .tcdm
 * (NOLOAD) and .l3 (loaded into L3). Used by the toolchain tests; it also runs. */
#include "snax.h"

SNAX_TCDM uint8_t tcdm_buf[256];
SNAX_L3 const uint32_t l3_table[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
volatile uint32_t params[4] = {0x11111111u, 0x22222222u, 0x33333333u, 0x44444444u};
uint32_t zeroed[64];
static const char message[] = "sections\n";

int main(void) {
  snax_print(message);
  uint32_t sum = 0;
  for (int i = 0; i < 64; ++i) {
    sum += zeroed[i];
  }
  return (int)(sum + params[0] + (uint32_t)tcdm_buf[0] * 0u);
}
