/* Single bus accesses selected by the host: `op` 0 loads a word from `addr`, 1 stores a
 * word to it, 2 jumps to it. Used to check the cluster's address decoder: mapped addresses
 * answer, everything else raises an access fault whose mtval/mepc the host checks. */
#include "snax.h"

SNAX_HOST_PARAM volatile uint32_t op = 0;
SNAX_HOST_PARAM volatile uint32_t addr = 0;
SNAX_HOST_PARAM volatile uint32_t loaded = 0;

int main(void) {
  switch (op) {
  case 0:
    loaded = *(volatile uint32_t *)(uintptr_t)addr;
    return 0;
  case 1:
    *(volatile uint32_t *)(uintptr_t)addr = 0x5a5a5a5au;
    return 0;
  case 2:
    ((void (*)(void))(uintptr_t)addr)();
    return 0;
  default:
    return 99;
  }
}
