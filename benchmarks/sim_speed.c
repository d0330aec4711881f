/* Workload of sim_speed.py: `iters` iterations of a load/multiply/add loop on the core,
 * optionally while the DMA keeps copying 16 KiB blocks inside the TCDM (`with_dma`). */
#include "snax.h"

SNAX_HOST_PARAM volatile uint32_t iters = 100000;
SNAX_HOST_PARAM volatile uint32_t with_dma = 0;
SNAX_TCDM uint8_t src[16384];
SNAX_TCDM uint8_t dst[16384];
static uint32_t table[16] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3};

int main(void) {
  snax_dma_desc_t d;
  snax_dma_desc_1d(&d, (uint32_t)(uintptr_t)dst, (uint32_t)(uintptr_t)src, 16384 / 64, 6);
  uint32_t id = 0;
  uint32_t acc = 0;
  uint32_t n = iters;
  for (uint32_t i = 0; i < n; ++i) {
    if (with_dma && (int32_t)(snax_dma_done() - id) >= 0) id = snax_dma_enqueue(&d);
    acc += table[i & 15] * (i | 1u);
  }
  snax_dma_wait(id);
  return (int)(acc & 0x7fffffff);
}
