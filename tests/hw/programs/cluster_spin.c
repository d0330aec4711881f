/* A compute loop on the core (loads, multiplies, adds in core memory) for `iters`
 * iterations: the simulation-speed benchmark and the counter checks use it. */
#include "snax.h"

SNAX_HOST_PARAM volatile uint32_t iters = 1000;
static uint32_t table[16] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3};

int main(void) {
  uint32_t acc = 0;
  uint32_t n = iters;
  for (uint32_t i = 0; i < n; ++i) acc += table[i & 15] * (i | 1u);
  return (int)(acc & 0x7fffffff);
}
