/* Float32 arithmetic, comparisons and conversions on the FPU-less core (compiler-rt libcalls):
 * the host writes operand arrays, the core writes one result array per operation. */
#include "snax.h"

#define N 64

SNAX_HOST_PARAM volatile float fa[N] = {0};
SNAX_HOST_PARAM volatile float fb[N] = {0};
SNAX_HOST_PARAM volatile int32_t ia[N] = {0};

volatile float r_add[N], r_sub[N], r_mul[N], r_div[N], r_fma[N], r_itof[N];
volatile int32_t r_lt[N], r_le[N], r_gt[N], r_eq[N], r_ftoi[N];
volatile float r_dot;

int main(void) {
  float acc = 0.0f;
  for (int i = 0; i < N; i++) {
    float a = fa[i], b = fb[i];
    r_add[i] = a + b;
    r_sub[i] = a - b;
    r_mul[i] = a * b;
    r_div[i] = a / b;
    /* Two roundings (no contraction: the core has no fused multiply-add). */
    float p = a * b;
    r_fma[i] = p + a;
    r_lt[i] = a < b;
    r_le[i] = a <= b;
    r_gt[i] = a > b;
    r_eq[i] = a == b;
    r_itof[i] = (float)ia[i];
    r_ftoi[i] = (int32_t)a;
    acc += p;
  }
  r_dot = acc;
  return 0;
}
