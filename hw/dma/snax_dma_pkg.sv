// Types shared by the DMA's submodules.
package snax_dma_pkg;
  import snax_cluster_cfg_pkg::*;

  // One side (source or destination) of a descriptor: an N-D pattern of elements of
  // 2**elem_log2 bytes at base + sum_d i_d * stride[d], 0 <= i_d < bound[d] (d = 0 innermost).
  typedef struct packed {
    logic [31:0]              base;
    logic [2:0]               elem_log2;
    logic [DmaDims-1:0][31:0] bound;
    logic [DmaDims-1:0][31:0] stride;
  } dma_side_t;

  // Narrow ports per DMA channel (TCDM words per 512-bit beat).
  localparam int unsigned DmaPorts = DmaWidth / 64;
  // Data FIFO between reader and writer: deep enough to keep DmaMaxOutstanding L3 reads in
  // flight while the writer drains.
  localparam int unsigned DmaDataFifoDepth = DmaMaxOutstanding + 2;

  // Byte mask of an element of 2**elem_log2 bytes (elem_log2 <= 6), right-aligned.
  function automatic logic [63:0] elem_mask(logic [2:0] elem_log2);
    return 64'hffff_ffff_ffff_ffff >> (7'd64 - (7'd1 << elem_log2));
  endfunction

  // Address bits that must be zero for an element of 2**elem_log2 bytes to be size-aligned.
  function automatic logic [5:0] elem_align_mask(logic [2:0] elem_log2);
    return 6'((7'd1 << elem_log2) - 7'd1);
  endfunction

  // Narrow ports used by one element: E/8 consecutive words for E >= 8, one word otherwise.
  function automatic logic [DmaPorts-1:0] elem_word_mask(logic [2:0] elem_log2);
    if (elem_log2 < 3'd3) return DmaPorts'(1);
    return DmaPorts'(elem_mask(elem_log2 - 3'd3));
  endfunction

  function automatic logic is_l3(logic [31:0] addr);
    return addr >= L3Base;
  endfunction

  function automatic logic in_tcdm(logic [31:0] addr);
    return (addr - TcdmBase) < TcdmBytes;
  endfunction

endpackage
