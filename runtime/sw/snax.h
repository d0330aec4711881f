/* snax.h: the thin C driver layer of the snaxc runtime (header only).
 *
 * Control block, performance counters and the N-D DMA, as described in docs/hardware.md.
 * Every register access is volatile. The addresses and sizes come from the generated
 * snax_cfg.h (snaxc.config.ClusterConfig.c_header()), which the toolchain puts on the
 * include path.
 */
#ifndef SNAX_H
#define SNAX_H

#include <stdint.h>

#include "snax_cfg.h"

/* Memory placement: `SNAX_TCDM uint8_t buf[1024];` puts a static buffer in the TCDM
 * (not loaded: its contents are undefined at start), `SNAX_L3 const uint8_t w[] = {...};`
 * puts initialized data in L3 (loaded by the runtime, reachable only by the DMA). */
#define SNAX_TCDM __attribute__((section(".tcdm"), aligned(64)))
#define SNAX_L3 __attribute__((section(".l3"), aligned(64)))
/* A variable the host writes before the run (Simulator.write_symbol) or reads after it:
 * kept in .data, because crt0 zeroes .bss after the program is loaded. */
#define SNAX_HOST_PARAM __attribute__((section(".data"), used))

/* ---- MMIO ------------------------------------------------------------------------------ */

static inline void snax_write32(uint32_t addr, uint32_t value) {
  *(volatile uint32_t *)(uintptr_t)addr = value;
}

static inline uint32_t snax_read32(uint32_t addr) {
  return *(volatile uint32_t *)(uintptr_t)addr;
}

/* Control block registers (offsets from SNAX_CTRL_BASE). */
#define SNAX_CTRL_EXIT 0x00u
#define SNAX_CTRL_PUTCHAR 0x04u
#define SNAX_CTRL_CYCLE_LO 0x08u
#define SNAX_CTRL_CYCLE_HI 0x0Cu

/* DMA registers (offsets from SNAX_DMA_BASE). */
#define SNAX_DMA_SRC 0x00u
#define SNAX_DMA_DST 0x04u
#define SNAX_DMA_ELEM_LOG2 0x08u
#define SNAX_DMA_START 0x10u
#define SNAX_DMA_DONE 0x14u
#define SNAX_DMA_STATUS 0x18u
#define SNAX_DMA_SRC_BOUND(d) (0x40u + 8u * (d))
#define SNAX_DMA_SRC_STRIDE(d) (0x44u + 8u * (d))
#define SNAX_DMA_DST_BOUND(d) (0x80u + 8u * (d))
#define SNAX_DMA_DST_STRIDE(d) (0x84u + 8u * (d))

/* ---- exit and output ------------------------------------------------------------------ */

/* Ends the simulation with `code` (what `return code;` from main does too). */
static inline __attribute__((noreturn)) void snax_exit(uint32_t code) {
  snax_write32(SNAX_CTRL_BASE + SNAX_CTRL_EXIT, code);
  for (;;) {
    __asm__ volatile("wfi");
  }
}

static inline void snax_putchar(char c) {
  snax_write32(SNAX_CTRL_BASE + SNAX_CTRL_PUTCHAR, (uint8_t)c);
}

static inline void snax_print(const char *s) {
  while (*s) {
    snax_putchar(*s++);
  }
}

/* Prints `value` as 0x followed by 8 hex digits. */
static inline void snax_print_hex(uint32_t value) {
  snax_print("0x");
  for (int shift = 28; shift >= 0; shift -= 4) {
    uint32_t nibble = (value >> shift) & 0xFu;
    snax_putchar((char)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10));
  }
}

static inline void snax_print_udec(uint32_t value) {
  char digits[10];
  int n = 0;
  do {
    digits[n++] = (char)('0' + value % 10u);
    value /= 10u;
  } while (value != 0);
  while (n > 0) {
    snax_putchar(digits[--n]);
  }
}

static inline void snax_print_dec(int32_t value) {
  if (value < 0) {
    snax_putchar('-');
    snax_print_udec(0u - (uint32_t)value); /* also right for INT32_MIN */
  } else {
    snax_print_udec((uint32_t)value);
  }
}

/* ---- cycle and performance counters --------------------------------------------------- */

/* Reads a 64-bit counter split over two 32-bit registers without tearing. */
static inline uint64_t snax_read64(uint32_t lo_addr, uint32_t hi_addr) {
  uint32_t hi, lo;
  do {
    hi = snax_read32(hi_addr);
    lo = snax_read32(lo_addr);
  } while (snax_read32(hi_addr) != hi);
  return ((uint64_t)hi << 32) | lo;
}

/* Cycles since reset. */
static inline uint64_t snax_cycles(void) {
  return snax_read64(SNAX_CTRL_BASE + SNAX_CTRL_CYCLE_LO, SNAX_CTRL_BASE + SNAX_CTRL_CYCLE_HI);
}

/* Performance counter `idx` (SNAX_PERF_CYCLES, SNAX_PERF_DMA_BYTES_READ, ...). */
static inline uint64_t snax_perf(uint32_t idx) {
  uint32_t lo = SNAX_PERF_BASE + 8u * idx;
  return snax_read64(lo, lo + 4u);
}

/* ---- DMA ------------------------------------------------------------------------------ */

/* One N-D transfer: element k of the source pattern goes to element k of the destination
 * pattern. Dimension 0 is the innermost loop; unused dimensions have bound 1. */
typedef struct {
  uint32_t src;
  uint32_t dst;
  uint32_t elem_log2; /* element size 1 << elem_log2 bytes, 0..6 */
  uint32_t src_bound[SNAX_DMA_DIMS];
  int32_t src_stride[SNAX_DMA_DIMS];
  uint32_t dst_bound[SNAX_DMA_DIMS];
  int32_t dst_stride[SNAX_DMA_DIMS];
} snax_dma_desc_t;

/* Initializes `d` to a contiguous copy of `n` elements of `1 << elem_log2` bytes. */
static inline void snax_dma_desc_1d(snax_dma_desc_t *d, uint32_t dst, uint32_t src, uint32_t n,
                                    uint32_t elem_log2) {
  d->src = src;
  d->dst = dst;
  d->elem_log2 = elem_log2;
  for (uint32_t i = 0; i < SNAX_DMA_DIMS; ++i) {
    d->src_bound[i] = 1;
    d->src_stride[i] = 0;
    d->dst_bound[i] = 1;
    d->dst_stride[i] = 0;
  }
  d->src_bound[0] = n;
  d->src_stride[0] = (int32_t)(1u << elem_log2);
  d->dst_bound[0] = n;
  d->dst_stride[0] = (int32_t)(1u << elem_log2);
}

/* Writes the descriptor into the DMA registers (does not start it). */
static inline void snax_dma_set(const snax_dma_desc_t *d) {
  snax_write32(SNAX_DMA_BASE + SNAX_DMA_SRC, d->src);
  snax_write32(SNAX_DMA_BASE + SNAX_DMA_DST, d->dst);
  snax_write32(SNAX_DMA_BASE + SNAX_DMA_ELEM_LOG2, d->elem_log2);
  for (uint32_t i = 0; i < SNAX_DMA_DIMS; ++i) {
    snax_write32(SNAX_DMA_BASE + SNAX_DMA_SRC_BOUND(i), d->src_bound[i]);
    snax_write32(SNAX_DMA_BASE + SNAX_DMA_SRC_STRIDE(i), (uint32_t)d->src_stride[i]);
    snax_write32(SNAX_DMA_BASE + SNAX_DMA_DST_BOUND(i), d->dst_bound[i]);
    snax_write32(SNAX_DMA_BASE + SNAX_DMA_DST_STRIDE(i), (uint32_t)d->dst_stride[i]);
  }
}

/* Pushes the current register set into the descriptor queue (stalls while the queue is
 * full) and returns its id, the value to pass to snax_dma_wait(). */
static inline uint32_t snax_dma_start(void) {
  snax_write32(SNAX_DMA_BASE + SNAX_DMA_START, 1u);
  return snax_read32(SNAX_DMA_BASE + SNAX_DMA_START);
}

/* Sets up and starts `d`; returns its id. */
static inline uint32_t snax_dma_enqueue(const snax_dma_desc_t *d) {
  snax_dma_set(d);
  return snax_dma_start();
}

/* Number of descriptors completed since reset. */
static inline uint32_t snax_dma_done(void) {
  return snax_read32(SNAX_DMA_BASE + SNAX_DMA_DONE);
}

/* Waits until descriptor `id` (and every one before it) has performed all its writes.
 * Compared with wrap-around arithmetic so that ids may overflow 32 bits. */
static inline void snax_dma_wait(uint32_t id) {
  while ((int32_t)(snax_dma_done() - id) < 0) {
  }
}

/* Waits until every descriptor pushed so far has completed. */
static inline void snax_dma_wait_all(void) {
  snax_dma_wait(snax_read32(SNAX_DMA_BASE + SNAX_DMA_START));
}

/* Contiguous copy of `n` bytes with the largest element size that the alignment of both
 * addresses and of `n` allows (64-byte elements move one DMA beat per cycle). Returns the
 * descriptor id. */
static inline uint32_t snax_dma_memcpy(uint32_t dst, uint32_t src, uint32_t n) {
  uint32_t elem_log2 = 6;
  while (elem_log2 > 0 && ((dst | src | n) & ((1u << elem_log2) - 1u)) != 0) {
    --elem_log2;
  }
  snax_dma_desc_t d;
  snax_dma_desc_1d(&d, dst, src, n >> elem_log2, elem_log2);
  return snax_dma_enqueue(&d);
}

#endif /* SNAX_H */
