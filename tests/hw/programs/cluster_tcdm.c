/* The core's own path into the TCDM (32-bit bus -> 64-bit bank word adapter): word,
 * half-word and byte stores into both halves of bank words, read back with every width.
 * The host reads `words` and `sums` and checks them against the same operations in numpy. */
#include "snax.h"

#define N 64

SNAX_TCDM volatile uint32_t buf[N];
SNAX_HOST_PARAM uint32_t words[N];
SNAX_HOST_PARAM uint32_t sums[3];
SNAX_HOST_PARAM volatile uint32_t seed = 12345u;

int main(void) {
  uint32_t x = seed;
  for (int i = 0; i < N; ++i) {
    x = x * 1664525u + 1013904223u;
    buf[i] = x;
  }
  volatile uint16_t *h = (volatile uint16_t *)buf;
  volatile uint8_t *b = (volatile uint8_t *)buf;
  for (int i = 0; i < N; i += 3) h[2 * i + 1] = (uint16_t)(0xbe00u + i);
  for (int i = 0; i < N; i += 5) b[4 * i + 2] = (uint8_t)(0x40u + i);
  uint32_t s32 = 0, s16 = 0, s8 = 0;
  for (int i = 0; i < N; ++i) {
    words[i] = buf[i];
    s32 += buf[i];
  }
  for (int i = 0; i < 2 * N; ++i) s16 += h[i];
  for (int i = 0; i < 4 * N; ++i) s8 += b[i];
  sums[0] = s32;
  sums[1] = s16;
  sums[2] = s8;
  return 0;
}
