/* One 64-byte DMA transfer from L3 into the TCDM, timed with the cycle counter: the host
 * runs it with two L3 latencies (same model: the latency is a harness parameter) and checks
 * both the data and that the time grows by exactly the latency difference. */
#include "snax.h"

SNAX_L3 const uint8_t src[64] = {
    1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
    23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44,
    45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64};
SNAX_TCDM volatile uint32_t dst[16];
SNAX_HOST_PARAM uint32_t copied[16];

int main(void) {
  snax_dma_desc_t d;
  snax_dma_desc_1d(&d, (uint32_t)(uintptr_t)dst, (uint32_t)(uintptr_t)src, 1, 6);
  snax_dma_set(&d);
  uint32_t t0 = snax_read32(SNAX_CTRL_BASE + SNAX_CTRL_CYCLE_LO);
  snax_dma_wait(snax_dma_start());
  uint32_t t1 = snax_read32(SNAX_CTRL_BASE + SNAX_CTRL_CYCLE_LO);
  for (int i = 0; i < 16; ++i) copied[i] = dst[i];
  return (int)(t1 - t0);
}
