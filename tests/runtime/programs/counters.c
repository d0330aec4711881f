/* Reads the cycle counter and the performance counters from the core. The host compares
 * the values with the model's own counters and the run's cycle count. */
#include "snax.h"

SNAX_HOST_PARAM uint32_t loops = 1000;
SNAX_HOST_PARAM uint64_t seen[4] = {1, 1, 1, 1};

int main(void) {
  uint64_t c0 = snax_cycles();
  uint64_t p0 = snax_perf(SNAX_PERF_CYCLES);
  for (volatile uint32_t i = 0; i < loops; i = i + 1) {
  }
  uint64_t c1 = snax_cycles();
  uint64_t p1 = snax_perf(SNAX_PERF_CYCLES);
  seen[0] = c0;
  seen[1] = c1;
  seen[2] = p0;
  seen[3] = p1;
  return 0;
}
