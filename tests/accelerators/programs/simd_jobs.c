/* SIMD jobs configured directly from C with the generated driver header (snax_simd.h).
 * For each job: DMA X (`reduce` vectors for rmax/rsum/fsum) and Y into the TCDM, program the
 * contiguous streamer patterns and the datapath fields, launch, await, DMA Z back. */
#include "snax.h"
#include "snax_accelerators.h"

#define MAX_JOBS 9

typedef struct {
  uint32_t op, elems, in_int32, out_int8, reduce;
  int32_t x_zp, y_zp, multiplier;
  uint32_t shift;
  int32_t out_zp, clamp_min, clamp_max;
  uint32_t l3_x, l3_y, l3_z; /* L3 byte addresses */
  uint32_t x, y, z;          /* TCDM byte addresses */
  uint32_t scale_x, scale_y, offset; /* fadd: float32 bits of rA, rB, F */
} simd_job_t;

SNAX_HOST_PARAM uint32_t n_jobs = 0;
SNAX_HOST_PARAM simd_job_t jobs[MAX_JOBS] = {{0}};
SNAX_HOST_PARAM uint32_t busy_cycles[MAX_JOBS] = {0};

static const uint32_t acc = SNAX_ACC_SIMD0;

static int is_binary(uint32_t op) {
  return op == SNAX_SIMD_OP_ADD || op == SNAX_SIMD_OP_MUL || op == SNAX_SIMD_OP_MAX ||
         op == SNAX_SIMD_OP_FADD;
}

static int is_reduction(uint32_t op) {
  return op == SNAX_SIMD_OP_RMAX || op == SNAX_SIMD_OP_RSUM || op == SNAX_SIMD_OP_FSUM;
}

int main(void) {
  for (uint32_t i = 0; i < n_jobs; ++i) {
    const simd_job_t *j = &jobs[i];
    uint32_t esize = j->in_int32 ? 4u : 1u;
    /* fsum writes float32 bits in int32 lanes, also from int8 inputs. */
    uint32_t out_int8 = j->op != SNAX_SIMD_OP_FSUM && (j->out_int8 || !j->in_int32);
    uint32_t reduce = is_reduction(j->op) ? j->reduce : 1u;
    uint32_t in_beats = j->elems * esize / 64u;
    uint32_t out_beats = j->elems * (out_int8 ? 1u : 4u) / 64u;

    snax_dma_memcpy(j->x, j->l3_x, reduce * j->elems * esize);
    if (is_binary(j->op)) snax_dma_memcpy(j->y, j->l3_y, j->elems * esize);
    snax_dma_wait_all();

    /* X: window position (stride: one whole vector) inside the beat loop. */
    uint32_t xb[6] = {reduce, in_beats, 1, 1, 1, 1};
    int32_t xs[6] = {(int32_t)(j->elems * esize), 64, 0, 0, 0, 0};
    int32_t ss[1] = {8};
    snax_simd_set_x_pattern(acc, j->x, xb, xs, ss);
    uint32_t yb[6] = {in_beats, 1, 1, 1, 1, 1};
    int32_t ys[6] = {64, 0, 0, 0, 0, 0};
    snax_simd_set_y_pattern(acc, j->y, yb, ys, ss);
    uint32_t zb[6] = {out_beats, 1, 1, 1, 1, 1};
    snax_simd_set_z_pattern(acc, j->z, zb, ys, ss);
    snax_simd_set_op(acc, j->op);
    snax_simd_set_in_int32(acc, j->in_int32);
    snax_simd_set_out_int8(acc, out_int8);
    snax_simd_set_out_beats(acc, out_beats);
    snax_simd_set_reduce(acc, reduce);
    snax_simd_set_x_zp(acc, (uint32_t)j->x_zp);
    snax_simd_set_y_zp(acc, (uint32_t)j->y_zp);
    snax_simd_set_multiplier(acc, (uint32_t)j->multiplier);
    snax_simd_set_shift(acc, j->shift);
    snax_simd_set_out_zp(acc, (uint32_t)j->out_zp);
    snax_simd_set_clamp_min(acc, (uint32_t)j->clamp_min);
    snax_simd_set_clamp_max(acc, (uint32_t)j->clamp_max);
    snax_simd_set_scale_x(acc, j->scale_x);
    snax_simd_set_scale_y(acc, j->scale_y);
    snax_simd_set_offset(acc, j->offset);

    uint32_t busy0 = snax_acc_busy_cycles(acc);
    snax_acc_await(acc, snax_acc_launch(acc));
    busy_cycles[i] = snax_acc_busy_cycles(acc) - busy0;
    snax_dma_memcpy(j->l3_z, j->z, out_beats * 64u);
    snax_dma_wait_all();
  }
  return 0;
}
