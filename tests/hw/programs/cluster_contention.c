/* The core reads the TCDM while the DMA copies 32 KiB inside the TCDM (8 banks read and 8
 * written per cycle): the core's requests lose banks to the DMA, which the performance
 * counters must show (core data-bus stalls, bank conflicts). */
#include "snax.h"

#define BYTES 32768

SNAX_TCDM uint8_t src[BYTES];
SNAX_TCDM uint8_t dst[BYTES];
SNAX_HOST_PARAM uint32_t core_reads = 0;

int main(void) {
  snax_dma_desc_t d;
  snax_dma_desc_1d(&d, (uint32_t)(uintptr_t)dst, (uint32_t)(uintptr_t)src, BYTES / 64, 6);
  uint32_t id = snax_dma_enqueue(&d);
  volatile uint32_t *p = (volatile uint32_t *)src;
  uint32_t n = 0, sum = 0;
  while ((int32_t)(snax_dma_done() - id) < 0) {
    for (int i = 0; i < 64; ++i) sum += p[2 * i];  // one word in each of 64 consecutive banks
    n += 64;
  }
  core_reads = n;
  return (int)(sum & 1u);  // keep the loads
}
