/* GeMM utilization benchmark (benchmarks/gemm_utilization.py).
 *
 * Phase 1: one TCDM-resident 64x64x64 int8 matmul (int32 out); the GeMM's BUSY_CYCLES
 *          counter gives launch-to-completion cycles.
 * Phase 2: eight 64x64x64 tiles back to back; tile t + 1 is configured while tile t runs
 *          (the CSR manager queues it). The window runs from just before the first launch
 *          to the return of the await of the last one (core cycle counter), so the
 *          configuration writes of tiles 2..8 are inside it.
 * Operands use the tiled layouts of snaxc.accelerators.gemm (tile_a, tile_b, tile_int32):
 * every A and B beat is one 64-byte block and the A and B bases differ by 128 bytes modulo
 * 256, so the two streamers never meet in a bank. */
#include "snax.h"
#include "snax_accelerators.h"

#define TILES 8
#define DIM 64u
#define KT (DIM / 8u)
#define NT (DIM / 8u)
#define MT (DIM / 8u)

SNAX_HOST_PARAM uint32_t l3_a[TILES] = {0}; /* tiled A and B of each tile in L3 */
SNAX_HOST_PARAM uint32_t l3_b[TILES] = {0};
SNAX_HOST_PARAM uint32_t l3_d[2] = {0};     /* where the last two results go */
SNAX_HOST_PARAM uint32_t results[8] = {0};

static const uint32_t acc = SNAX_ACC_GEMM0;

static uint32_t tcdm_a(uint32_t t) { return SNAX_TCDM_BASE + t * 0x2100u; }
static uint32_t tcdm_b(uint32_t t) { return tcdm_a(t) + 0x1080u; }
static uint32_t tcdm_d(uint32_t t) { return SNAX_TCDM_BASE + 0x11000u + (t % 2u) * 0x4000u; }

static void pattern(uint32_t reg, uint32_t base, uint32_t b0, int32_t s0, uint32_t b1,
                    int32_t s1, uint32_t b2, int32_t s2) {
  /* A streamer's registers: base, bounds 0..5, strides 0..5, spatial stride. */
  snax_acc_write(acc, reg, base);
  snax_acc_write(acc, reg + 0x04u, b0);
  snax_acc_write(acc, reg + 0x08u, b1);
  snax_acc_write(acc, reg + 0x0cu, b2);
  snax_acc_write(acc, reg + 0x1cu, (uint32_t)s0);
  snax_acc_write(acc, reg + 0x20u, (uint32_t)s1);
  snax_acc_write(acc, reg + 0x24u, (uint32_t)s2);
  snax_acc_write(acc, reg + 0x34u, 8u);
}

/* Everything that stays the same from tile to tile (the shadow registers keep it). */
static void configure_common(void) {
  for (uint32_t r = SNAX_GEMM_REG_A_BASE; r < SNAX_GEMM_REG_K_TILES; r += 4u) {
    uint32_t in_streamer = (r - SNAX_GEMM_REG_A_BASE) % 0x38u;
    /* bounds default to 1, strides to 0 */
    snax_acc_write(acc, r, (in_streamer >= 0x04u && in_streamer < 0x1cu) ? 1u : 0u);
  }
  snax_gemm_set_k_tiles(acc, KT);
  snax_gemm_set_mn_tiles(acc, MT * NT);
  snax_gemm_set_a_zp(acc, 0);
  snax_gemm_set_b_zp(acc, 0);
  snax_gemm_set_c_enable(acc, 0);
  snax_gemm_set_b_transposed(acc, 0);
  snax_gemm_set_out_int8(acc, 0);
}

/* What changes per tile: the three operand patterns. */
static void configure_tile(uint32_t t) {
  pattern(SNAX_GEMM_REG_A_BASE, tcdm_a(t), KT, 64, NT, 0, MT, (int32_t)(KT * 64u));
  pattern(SNAX_GEMM_REG_B_BASE, tcdm_b(t), KT, 64, NT, (int32_t)(KT * 64u), MT, 0);
  pattern(SNAX_GEMM_REG_D_BASE, tcdm_d(t), 4, 64, NT, 256, MT, (int32_t)(NT * 256u));
}

int main(void) {
  for (uint32_t t = 0; t < TILES; ++t) {
    snax_dma_memcpy(tcdm_a(t), l3_a[t], DIM * DIM);
    snax_dma_memcpy(tcdm_b(t), l3_b[t], DIM * DIM);
  }
  snax_dma_wait_all();
  configure_common();

  /* Phase 1: a single tile. */
  configure_tile(0);
  uint32_t busy0 = snax_acc_busy_cycles(acc);
  uint32_t stall0 = snax_acc_stall_cycles(acc);
  uint32_t id = snax_acc_launch(acc);
  snax_acc_await(acc, id);
  results[0] = snax_acc_busy_cycles(acc) - busy0;
  results[1] = snax_acc_stall_cycles(acc) - stall0;

  /* Phase 2: eight tiles, configuration overlapped with execution. */
  busy0 = snax_acc_busy_cycles(acc);
  stall0 = snax_acc_stall_cycles(acc);
  uint32_t first = 0;
  uint32_t start = 0;
  for (uint32_t t = 0; t < TILES; ++t) {
    configure_tile(t);
    if (t == 0) start = (uint32_t)snax_cycles();
    id = snax_acc_launch(acc);
    if (t == 0) first = id;
  }
  snax_acc_await(acc, id);
  uint32_t end = (uint32_t)snax_cycles();
  results[2] = end - start;
  results[3] = snax_acc_busy_cycles(acc) - busy0;
  results[4] = snax_acc_stall_cycles(acc) - stall0;
  results[5] = id - first + 1u;
  snax_dma_memcpy(l3_d[0], tcdm_d(TILES - 2u), DIM * DIM * 4u);
  snax_dma_memcpy(l3_d[1], tcdm_d(TILES - 1u), DIM * DIM * 4u);
  snax_dma_wait_all();
  return 0;
}
