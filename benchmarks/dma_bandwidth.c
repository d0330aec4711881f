/* DMA bandwidth probe: runs the host-written descriptors one at a time and records, for
 * each, the cycles from START until DONE as seen by the core and the DMA's own counters. */
#include "snax.h"

#define MAX_CASES 16

SNAX_HOST_PARAM volatile uint32_t num_cases = 0;
SNAX_HOST_PARAM volatile uint32_t repeat = 1; /* the whole list; results of the last pass */
SNAX_HOST_PARAM snax_dma_desc_t cases[MAX_CASES] = {{1}};
/* Per case: core-measured cycles, busy cycles, bytes read, bytes written, bank conflicts. */
SNAX_HOST_PARAM uint32_t results[MAX_CASES][5] = {{1}};

/* Back-to-back phase: case 0 split into `queued` equal chunks, all enqueued without waiting
 * (the descriptor queue hides the core's setup time). Cycles, busy cycles, bytes written. */
SNAX_HOST_PARAM volatile uint32_t queued = 0;
SNAX_HOST_PARAM uint32_t queued_results[3] = {1};

static void run_queued(void) {
  const snax_dma_desc_t *whole = &cases[0];
  uint32_t chunk = whole->src_bound[0] / queued;
  uint32_t step = chunk << whole->elem_log2;
  uint64_t busy = snax_perf(SNAX_PERF_DMA_BUSY_CYCLES);
  uint64_t wr = snax_perf(SNAX_PERF_DMA_BYTES_WRITTEN);
  uint64_t t0 = snax_cycles();
  for (uint32_t i = 0; i < queued; ++i) {
    snax_dma_desc_t d;
    snax_dma_desc_1d(&d, whole->dst + i * step, whole->src + i * step, chunk, whole->elem_log2);
    snax_dma_enqueue(&d);
  }
  snax_dma_wait_all();
  queued_results[0] = (uint32_t)(snax_cycles() - t0);
  queued_results[1] = (uint32_t)(snax_perf(SNAX_PERF_DMA_BUSY_CYCLES) - busy);
  queued_results[2] = (uint32_t)(snax_perf(SNAX_PERF_DMA_BYTES_WRITTEN) - wr);
}

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
  if (queued > 0 && num_cases > 0) {
    run_queued();
  }
  return 0;
}
