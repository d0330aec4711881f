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

  // An entry of the data FIFO: `len` (1..64) bytes of the byte stream, right-aligned in
  // `data` (bytes at and above `len` are don't-care).
  typedef struct packed {
    logic [6:0]          len;
    logic [DmaWidth-1:0] data;
  } dma_chunk_t;

  // A side's innermost loop is contiguous (stride[0] == E): it is walked in runs of up to a
  // 64-byte line of elements per cycle instead of one element per cycle.
  function automatic logic side_contiguous(logic [31:0] stride0, logic [2:0] elem_log2);
    return stride0 == (32'd1 << elem_log2);
  endfunction

  // Elements moved by one step of a side at line offset `line_off` (address bits 5:0) with `rem0` elements left in its innermost
  // loop: one element, or for a contiguous side as many as fit before the next 64-byte line
  // boundary (L3) or in the 8 TCDM words starting at addr's word (TCDM: the DMA's 8 narrow
  // ports). Alignment (E-aligned in L3, min(E, 8)-aligned in the TCDM) makes the space there
  // a whole number (>= 1) of elements.
  function automatic logic [6:0] step_elems(logic [5:0] line_off, logic [2:0] elem_log2,
                                            logic [31:0] rem0, logic contiguous, logic l3);
    logic [6:0] space;
    if (!contiguous) return 7'd1;
    space = l3 ? 7'd64 - 7'(line_off) : 7'd64 - 7'(line_off[2:0]);
    space = space >> elem_log2;
    return rem0 < 32'(space) ? rem0[6:0] : space;
  endfunction

  // Byte mask of the low `len` bytes (len <= 64).
  function automatic logic [63:0] len_mask(logic [6:0] len);
    return len[6] ? '1 : (64'd1 << len[5:0]) - 64'd1;
  endfunction

  // Narrow ports 0..n-1 for the TCDM words holding `len` bytes from byte `off` of a word.
  function automatic logic [DmaPorts-1:0] words_mask(logic [2:0] off, logic [6:0] len);
    logic [4:0] words;
    words = 5'((8'(off) + 8'(len) + 8'd7) >> 3);
    return DmaPorts'((16'd1 << words) - 16'd1);
  endfunction

  // Address bits that must be zero for an element of 2**elem_log2 bytes to be size-aligned.
  function automatic logic [5:0] elem_align_mask(logic [2:0] elem_log2);
    return 6'((7'd1 << elem_log2) - 7'd1);
  endfunction

  function automatic logic is_l3(logic [31:0] addr);
    return addr >= L3Base;
  endfunction

  function automatic logic in_tcdm(logic [31:0] addr);
    return (addr - TcdmBase) < TcdmBytes;
  endfunction

endpackage
