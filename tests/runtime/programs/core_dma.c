/* The core and the DMA share the TCDM: the core fills a static TCDM buffer, the DMA copies
 * it to an L3 array; the DMA brings a host-written L3 array into the TCDM and the core
 * checksums it. Exercises SNAX_TCDM, SNAX_L3, snax_dma_memcpy and the waits. */
#include "snax.h"

#define N 1024

SNAX_TCDM uint8_t produced[N];
SNAX_TCDM uint8_t consumed[N];
SNAX_L3 uint8_t l3_out[N];
SNAX_L3 uint8_t l3_in[N] = {1};

int main(void) {
  for (uint32_t i = 0; i < N; ++i) {
    produced[i] = (uint8_t)(i * 7u + 3u);
  }
  uint32_t out_id = snax_dma_memcpy((uint32_t)l3_out, (uint32_t)produced, N);
  uint32_t in_id = snax_dma_memcpy((uint32_t)consumed, (uint32_t)l3_in, N);
  snax_dma_wait(out_id);
  snax_dma_wait(in_id);
  uint32_t sum = 0;
  for (uint32_t i = 0; i < N; ++i) {
    sum = sum * 31u + consumed[i];
  }
  snax_print_hex(sum);
  return (int)(in_id - out_id); /* ids are consecutive */
}
