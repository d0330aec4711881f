/* GeMM jobs configured directly from C with the generated driver header (snax_gemm.h).
 *
 * The host fills `jobs` (problem sizes, zero points, requantization -- out_int8 = 1:
 * fixed-point multipliers/shifts in Q, 2: float32 scales (requant_f32) --, and where each
 * operand lives in L3 and in the TCDM). For every job the program copies the operands
 * into the TCDM with the DMA, programs the row-major streamer patterns and the datapath
 * fields, launches, and copies D back to L3. With `overlap` set, all operands are loaded
 * first and the jobs are launched back to back (each configuration is written while the
 * previous job runs); otherwise every job is awaited before the next is configured.
 * Results per job: the launch id and the accelerator's busy cycles (and, with `overlap`,
 * the STATUS register right after each launch). */
#include "snax.h"
#include "snax_accelerators.h"

#define MAX_JOBS 8

typedef struct {
  uint32_t m, k, n;
  int32_t a_zp, b_zp;
  uint32_t has_c, out_int8;
  int32_t out_zp, clamp_min, clamp_max;
  uint32_t l3_a, l3_b, l3_c, l3_q, l3_d; /* L3 byte addresses */
  uint32_t a, b, c, q, d;                /* TCDM byte addresses */
} gemm_job_t;

SNAX_HOST_PARAM uint32_t n_jobs = 0;
SNAX_HOST_PARAM uint32_t overlap = 0;
SNAX_HOST_PARAM gemm_job_t jobs[MAX_JOBS] = {{0}};
SNAX_HOST_PARAM uint32_t launch_ids[MAX_JOBS] = {0};
SNAX_HOST_PARAM uint32_t busy_cycles[MAX_JOBS] = {0};
SNAX_HOST_PARAM uint32_t status_after_launch[MAX_JOBS] = {0};
SNAX_HOST_PARAM uint32_t final_done = 0;

static const uint32_t acc = SNAX_ACC_GEMM0;

static void set_pattern(uint32_t streamer_base_reg, uint32_t base, uint32_t n_loops,
                        const uint32_t *bounds, const int32_t *strides, int32_t sstride) {
  /* Register layout of one streamer: base, 6 bounds, 6 strides, spatial stride. */
  snax_acc_write(acc, streamer_base_reg, base);
  for (uint32_t d = 0; d < 6; ++d) {
    snax_acc_write(acc, streamer_base_reg + 4u * (1u + d), d < n_loops ? bounds[d] : 1u);
    snax_acc_write(acc, streamer_base_reg + 4u * (7u + d),
                   d < n_loops ? (uint32_t)strides[d] : 0u);
  }
  snax_acc_write(acc, streamer_base_reg + 4u * 13u, (uint32_t)sstride);
}

static void configure(const gemm_job_t *j) {
  uint32_t mt = j->m / 8u, kt = j->k / 8u, nt = j->n / 8u;
  {
    uint32_t b[3] = {kt, nt, mt};
    int32_t s[3] = {8, 0, (int32_t)(8u * j->k)};
    set_pattern(SNAX_GEMM_REG_A_BASE, j->a, 3, b, s, (int32_t)j->k);
  }
  {
    uint32_t b[3] = {kt, nt, mt};
    int32_t s[3] = {(int32_t)(8u * j->n), 8, 0};
    set_pattern(SNAX_GEMM_REG_B_BASE, j->b, 3, b, s, (int32_t)j->n);
  }
  if (j->has_c) {
    uint32_t b[3] = {4, nt, mt};
    int32_t s[3] = {8, 32, (int32_t)(32u * j->n)};
    set_pattern(SNAX_GEMM_REG_C_BASE, j->c, 3, b, s, (int32_t)(4u * j->n));
  }
  if (j->out_int8) {
    uint32_t bq[2] = {nt, mt};
    int32_t sq[2] = {64, 0};
    set_pattern(SNAX_GEMM_REG_Q_BASE, j->q, 2, bq, sq, 8);
    uint32_t bd[2] = {nt, mt};
    int32_t sd[2] = {8, (int32_t)(8u * j->n)};
    set_pattern(SNAX_GEMM_REG_D_BASE, j->d, 2, bd, sd, (int32_t)j->n);
  } else {
    uint32_t b[3] = {4, nt, mt};
    int32_t s[3] = {8, 32, (int32_t)(32u * j->n)};
    set_pattern(SNAX_GEMM_REG_D_BASE, j->d, 3, b, s, (int32_t)(4u * j->n));
  }
  snax_gemm_set_k_tiles(acc, kt);
  snax_gemm_set_mn_tiles(acc, mt * nt);
  snax_gemm_set_a_zp(acc, (uint32_t)j->a_zp);
  snax_gemm_set_b_zp(acc, (uint32_t)j->b_zp);
  snax_gemm_set_c_enable(acc, j->has_c);
  snax_gemm_set_b_transposed(acc, 0);
  snax_gemm_set_out_int8(acc, j->out_int8 != 0u);
  snax_gemm_set_requant_f32(acc, j->out_int8 == 2u); /* float32 scales in Q */
  snax_gemm_set_out_zp(acc, (uint32_t)j->out_zp);
  snax_gemm_set_clamp_min(acc, (uint32_t)j->clamp_min);
  snax_gemm_set_clamp_max(acc, (uint32_t)j->clamp_max);
}

static void load_operands(const gemm_job_t *j) {
  snax_dma_memcpy(j->a, j->l3_a, j->m * j->k);
  snax_dma_memcpy(j->b, j->l3_b, j->k * j->n);
  if (j->has_c) snax_dma_memcpy(j->c, j->l3_c, 4u * j->m * j->n);
  if (j->out_int8) snax_dma_memcpy(j->q, j->l3_q, 8u * j->n);
}

static uint32_t d_bytes(const gemm_job_t *j) {
  return (j->out_int8 ? 1u : 4u) * j->m * j->n;
}

int main(void) {
  if (overlap) {
    for (uint32_t i = 0; i < n_jobs; ++i) load_operands(&jobs[i]);
    snax_dma_wait_all();
    uint32_t busy0 = snax_acc_busy_cycles(acc);
    for (uint32_t i = 0; i < n_jobs; ++i) {
      configure(&jobs[i]); /* written while job i - 1 runs */
      launch_ids[i] = snax_acc_launch(acc);
      status_after_launch[i] = snax_acc_status(acc);
    }
    snax_acc_await(acc, launch_ids[n_jobs - 1]);
    busy_cycles[0] = snax_acc_busy_cycles(acc) - busy0;
    for (uint32_t i = 0; i < n_jobs; ++i) snax_dma_memcpy(jobs[i].l3_d, jobs[i].d, d_bytes(&jobs[i]));
  } else {
    for (uint32_t i = 0; i < n_jobs; ++i) {
      load_operands(&jobs[i]);
      snax_dma_wait_all();
      configure(&jobs[i]);
      uint32_t busy0 = snax_acc_busy_cycles(acc);
      launch_ids[i] = snax_acc_launch(acc);
      snax_acc_await(acc, launch_ids[i]);
      busy_cycles[i] = snax_acc_busy_cycles(acc) - busy0;
      snax_dma_memcpy(jobs[i].l3_d, jobs[i].d, d_bytes(&jobs[i]));
      snax_dma_wait_all();
    }
  }
  snax_dma_wait_all();
  final_done = snax_acc_read(acc, SNAX_GEMM_REG_DONE);
  return 0;
}
