/* Workload of sim_speed.py: `iters` iterations of a load/multiply/add loop on the core,
 * optionally while the DMA keeps copying 16 KiB blocks inside the TCDM (`with_dma`) or
 * while the GeMM keeps multiplying 64x64x64 int8 tiles held in the TCDM (`with_gemm`;
 * needs an accelerator named gemm0). The loop relaunches whichever unit has finished. */
#include "snax.h"
#if __has_include("snax_accelerators.h")
#include "snax_accelerators.h"
#endif

SNAX_HOST_PARAM volatile uint32_t iters = 100000;
SNAX_HOST_PARAM volatile uint32_t with_dma = 0;
SNAX_HOST_PARAM volatile uint32_t with_gemm = 0;
SNAX_TCDM uint8_t src[16384];
SNAX_TCDM uint8_t dst[16384];
static uint32_t table[16] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3};

#ifdef SNAX_ACC_GEMM0
/* One 64x64x64 tile with the tiled layouts of snaxc.accelerators.gemm: A in src, B in the
 * second half of src (128 B mod 256 apart from A: no bank conflicts), int32 D in dst. */
static uint32_t gemm_configure(void) {
  const uint32_t acc = SNAX_ACC_GEMM0;
  const uint32_t a = (uint32_t)(uintptr_t)src, b = a + 4096u + 128u;
  for (uint32_t r = SNAX_GEMM_REG_A_BASE; r < SNAX_GEMM_REG_K_TILES; r += 4u) {
    uint32_t in_streamer = (r - SNAX_GEMM_REG_A_BASE) % 0x38u;
    snax_acc_write(acc, r, (in_streamer >= 0x04u && in_streamer < 0x1cu) ? 1u : 0u);
  }
  /* base, bounds 0..2, strides 0..2, spatial stride of A, B and D */
  const uint32_t regs[3] = {SNAX_GEMM_REG_A_BASE, SNAX_GEMM_REG_B_BASE, SNAX_GEMM_REG_D_BASE};
  const uint32_t vals[3][8] = {{a, 8, 8, 8, 64, 0, 512, 8},
                               {b, 8, 8, 8, 64, 512, 0, 8},
                               {(uint32_t)(uintptr_t)dst, 4, 8, 8, 64, 256, 2048, 8}};
  const uint32_t offs[8] = {0x00, 0x04, 0x08, 0x0c, 0x1c, 0x20, 0x24, 0x34};
  for (uint32_t s = 0; s < 3; ++s)
    for (uint32_t i = 0; i < 8; ++i) snax_acc_write(acc, regs[s] + offs[i], vals[s][i]);
  snax_gemm_set_k_tiles(acc, 8);
  snax_gemm_set_mn_tiles(acc, 64);
  snax_gemm_set_a_zp(acc, 0);
  snax_gemm_set_b_zp(acc, 0);
  snax_gemm_set_c_enable(acc, 0);
  snax_gemm_set_b_transposed(acc, 0);
  snax_gemm_set_out_int8(acc, 0);
  return acc;
}
#endif

int main(void) {
  snax_dma_desc_t d;
  snax_dma_desc_1d(&d, (uint32_t)(uintptr_t)dst, (uint32_t)(uintptr_t)src, 16384 / 64, 6);
  uint32_t id = 0, gid = 0, gacc = 0;
#ifdef SNAX_ACC_GEMM0
  if (with_gemm) gacc = gemm_configure();
#endif
  uint32_t acc = 0;
  uint32_t n = iters;
  for (uint32_t i = 0; i < n; ++i) {
    if (with_dma && (int32_t)(snax_dma_done() - id) >= 0) id = snax_dma_enqueue(&d);
    if (gacc && (int32_t)(snax_acc_read(gacc, 0x004u) - gid) >= 0) gid = snax_acc_launch(gacc);
    acc += table[i & 15] * (i | 1u);
  }
  snax_dma_wait(id);
#ifdef SNAX_ACC_GEMM0
  if (gacc) snax_acc_await(gacc, gid);
#endif
  return (int)(acc & 0x7fffffff);
}
