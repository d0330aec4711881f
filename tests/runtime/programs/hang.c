/* Never finishes: the watchdog (cycle budget) must stop it and report a PC in spin(). */
#include "snax.h"

SNAX_HOST_PARAM volatile uint32_t counter = 0;

__attribute__((noinline)) void spin(void) {
  for (;;) {
    counter = counter + 1;
  }
}

int main(void) {
  snax_print("spinning\n");
  spin();
  return 0;
}
