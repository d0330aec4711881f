/* Takes the trap the host selects. Each faulting instruction carries a global label so the
 * test can compare the reported mepc with the symbol's address. */
#include "snax.h"

SNAX_HOST_PARAM volatile uint32_t which = 0;
SNAX_HOST_PARAM volatile uint32_t bad_addr = 0x30000000u;

__attribute__((noinline)) static void illegal(void) {
  __asm__ volatile(".globl fault_illegal\nfault_illegal:\n .word 0x00000000");
}

__attribute__((noinline)) static uint32_t load(uint32_t addr) {
  uint32_t v;
  __asm__ volatile(".globl fault_load\nfault_load:\n lw %0, 0(%1)" : "=r"(v) : "r"(addr));
  return v;
}

__attribute__((noinline)) static void store(uint32_t addr) {
  __asm__ volatile(".globl fault_store\nfault_store:\n sw zero, 0(%0)" : : "r"(addr) : "memory");
}

__attribute__((noinline)) static void ecall(void) {
  __asm__ volatile(".globl fault_ecall\nfault_ecall:\n ecall");
}

int main(void) {
  switch (which) {
  case 0:
    illegal();
    break;
  case 1:
    return (int)load(bad_addr);
  case 2:
    store(bad_addr);
    break;
  case 3:
    ecall();
    break;
  default:
    break;
  }
  return 99; /* not reached when the trap is taken */
}
