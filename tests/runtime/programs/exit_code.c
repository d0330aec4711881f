/* Ends with the host-chosen code, either by returning from main or through snax_exit(). */
#include "snax.h"

SNAX_HOST_PARAM volatile int32_t exit_value = 0;
SNAX_HOST_PARAM volatile uint32_t use_snax_exit = 0;

int main(void) {
  if (use_snax_exit) {
    snax_exit((uint32_t)exit_value);
  }
  return exit_value;
}
