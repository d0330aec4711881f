/* DMA bandwidth probe: runs the host-written descriptors one at a time and records, for
 * each, the cycles from START until DONE as seen by the core and the DMA's own counters. */
#include "snax.h"

#define MAX_CASES 16

SNAX_HOST_PARAM volatile uint32_t num_cases = 0;
SNAX_HOST_PARAM volatile uint32_t repeat = 1; /* the whole list; results of the last pass */
SNAX_HOST_PARAM snax_dma_desc_t cases[MAX_CASES] = {{1}};
/* Per case: core-measured cycles, busy cycles, bytes read, bytes written, bank conflicts. */
SNAX_HOST_PARAM uint32_t results[MAX_CASES][5] = {{1}};

int main(void) {
  if (num_cases > MAX_CASES) {
    return 1;
  }
  for (uint32_t r = 0; r < repeat; ++r) {
  for (uint32_t i = 0; i < num_cases; ++i) {
    snax_dma_set(&cases[i]);
    uint64_t busy = snax_perf(SNAX_PERF_DMA_BUSY_CYCLES);
    uint64_t rd = snax_perf(SNAX_PERF_DMA_BYTES_READ);
    uint64_t wr = snax_perf(SNAX_PERF_DMA_BYTES_WRITTEN);
    uint64_t cf = snax_perf(SNAX_PERF_TCDM_BANK_CONFLICTS);
    uint64_t t0 = snax_cycles();
    snax_dma_wait(snax_dma_start());
    uint64_t t1 = snax_cycles();
    results[i][0] = (uint32_t)(t1 - t0);
    results[i][1] = (uint32_t)(snax_perf(SNAX_PERF_DMA_BUSY_CYCLES) - busy);
    results[i][2] = (uint32_t)(snax_perf(SNAX_PERF_DMA_BYTES_READ) - rd);
    results[i][3] = (uint32_t)(snax_perf(SNAX_PERF_DMA_BYTES_WRITTEN) - wr);
    results[i][4] = (uint32_t)(snax_perf(SNAX_PERF_TCDM_BANK_CONFLICTS) - cf);
  }
  }
  return 0;
}
