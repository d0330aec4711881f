/* Runs a host-written list of DMA descriptors and measures them.
 *
 * Each step optionally waits for all earlier transfers (a data dependency through the TCDM),
 * then enqueues its descriptor. Results (cycles and performance-counter deltas around the
 * whole list, and the ids START returned) are left in `results` for the host to read. */
#include "snax.h"

#define MAX_STEPS 8

typedef struct {
  uint32_t wait_before;
  snax_dma_desc_t desc;
} step_t;

SNAX_HOST_PARAM volatile uint32_t num_steps = 0;
SNAX_HOST_PARAM step_t steps[MAX_STEPS] = {{1}};

enum {
  R_CYCLES,
  R_BYTES_READ,
  R_BYTES_WRITTEN,
  R_BUSY,
  R_CONFLICTS,
  R_DONE,
  R_IDS,
  R_NUM = R_IDS + MAX_STEPS
};
SNAX_HOST_PARAM uint32_t results[R_NUM] = {1};

static const uint32_t measured[4] = {SNAX_PERF_DMA_BYTES_READ, SNAX_PERF_DMA_BYTES_WRITTEN,
                                     SNAX_PERF_DMA_BUSY_CYCLES, SNAX_PERF_TCDM_BANK_CONFLICTS};

int main(void) {
  uint32_t n = num_steps;
  if (n > MAX_STEPS) {
    return 1;
  }
  uint64_t before[4];
  for (int i = 0; i < 4; ++i) {
    before[i] = snax_perf(measured[i]);
  }
  uint64_t t0 = snax_cycles();
  for (uint32_t i = 0; i < n; ++i) {
    if (steps[i].wait_before) {
      snax_dma_wait_all();
    }
    results[R_IDS + i] = snax_dma_enqueue(&steps[i].desc);
  }
  snax_dma_wait_all();
  uint64_t t1 = snax_cycles();
  results[R_CYCLES] = (uint32_t)(t1 - t0);
  for (int i = 0; i < 4; ++i) {
    results[R_BYTES_READ + i] = (uint32_t)(snax_perf(measured[i]) - before[i]);
  }
  results[R_DONE] = snax_dma_done();
  return 0;
}
