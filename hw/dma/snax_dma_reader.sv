// DMA reader: walks the source pattern of the descriptor at the head of its queue and pushes
// the bytes it reads, in pattern order, into the data FIFO: one chunk per cycle, right-aligned
// in a 512-bit word with its length (dma_chunk_t). A chunk is one element, or, when the
// source's innermost loop is contiguous (stride[0] == E), a run of elements up to the next
// 64-byte line boundary (L3) or across up to 8 TCDM words (TCDM), whatever its alignment.
//
// TCDM source: the chunk's bytes occupy consecutive words from its address's word, requested
// on narrow ports 0..n-1. Ports that lose their bank retry alone; the next chunk is requested
// once every word of the current one is granted. Read data comes back one cycle after each
// grant, is collected until the chunk is complete and shifted down by the chunk's offset in
// its first word.
//
// L3 source: one 64-byte line request per chunk, up to DmaMaxOutstanding in flight.
// Responses arrive in order and cannot be back-pressured, so a request is only issued when
// the data FIFO has a free slot for it (FIFO occupancy + requests in flight < depth).
//
// Chunks enter the FIFO in source order: a TCDM descriptor starts only once all L3 responses
// are in, and an L3 request is not issued while a TCDM chunk is completing.
module snax_dma_reader
  import snax_cluster_cfg_pkg::*;
  import snax_dma_pkg::*;
#(
  localparam int unsigned FifoCntW = $clog2(DmaDataFifoDepth + 1)
) (
  input  logic                         clk_i,
  input  logic                         rst_ni,
  // Source side of the head descriptor.
  input  logic                         desc_valid_i,
  input  dma_side_t                    desc_i,
  output logic                         desc_pop_o,
  // TCDM read ports.
  output logic [DmaPorts-1:0]          tcdm_req_o,
  output logic [DmaPorts-1:0][31:0]    tcdm_addr_o,
  input  logic [DmaPorts-1:0]          tcdm_gnt_i,
  input  logic [DmaPorts-1:0]          tcdm_rvalid_i,
  input  logic [DmaPorts-1:0][63:0]    tcdm_rdata_i,
  // L3 read requests and responses.
  output logic                         l3_valid_o,
  input  logic                         l3_ready_i,
  output logic [31:0]                  l3_addr_o,
  input  logic                         l3_rsp_valid_i,
  input  logic [DmaWidth-1:0]          l3_rsp_rdata_i,
  // Data FIFO.
  output logic                         push_o,
  output dma_chunk_t                   push_data_o,
  input  logic [FifoCntW-1:0]          fifo_count_i,
  // Bytes that entered the FIFO this cycle.
  output logic [7:0]                   bytes_o
);

  localparam int unsigned MetaW = 6 + 7;  // line offset, chunk length
  localparam int unsigned MetaCntW = $clog2(DmaMaxOutstanding + 1);

  // Head descriptor --------------------------------------------------------------------------

  logic [31:0]          addr, rem0;
  logic                 last, step, empty_desc, src_l3;
  logic [6:0]           n_elems, len;
  logic [DmaPorts-1:0]  word_mask;

  always_comb begin
    empty_desc = 1'b0;
    for (int unsigned d = 0; d < DmaDims; d++) empty_desc |= desc_i.bound[d] == '0;
  end
  assign src_l3    = is_l3(desc_i.base);
  assign n_elems   = step_elems(addr[5:0], desc_i.elem_log2, rem0, side_contiguous(desc_i.stride[0], desc_i.elem_log2), src_l3);
  assign len       = n_elems << desc_i.elem_log2;
  assign word_mask = words_mask(addr[2:0], len);

  snax_dma_agen u_agen (
    .clk_i,
    .rst_ni,
    .base_i      (desc_i.base),
    .bound_i     (desc_i.bound),
    .stride_i    (desc_i.stride),
    .step_i      (step),
    .step_elems_i(n_elems),
    .step_bytes_i(n_elems == 7'd1 ? desc_i.stride[0] : 32'(len)),
    .addr_o      (addr),
    .rem0_o      (rem0),
    .last_o      (last)
  );

  // TCDM path --------------------------------------------------------------------------------

  logic [DmaPorts-1:0] granted_d, granted_q, granted_now;
  logic                tcdm_go, tcdm_chunk_done, meta_valid;
  logic                pend_q;           // the chunk whose last word was granted last cycle
  logic [2:0]          pend_off_q;
  logic [6:0]          pend_len_q;
  logic [DmaPorts-1:0][63:0] rbuf_q, rmerged;

  assign tcdm_go = desc_valid_i && !empty_desc && !src_l3 &&
                   (granted_q != '0 ||
                    (32'(fifo_count_i) + 32'(pend_q) < DmaDataFifoDepth && !meta_valid));

  always_comb begin
    for (int unsigned i = 0; i < DmaPorts; i++) begin
      tcdm_req_o[i]  = tcdm_go && word_mask[i] && !granted_q[i];
      tcdm_addr_o[i] = {addr[31:3], 3'b000} + 32'(8 * i);
    end
    granted_now     = granted_q | (tcdm_req_o & tcdm_gnt_i);
    tcdm_chunk_done = tcdm_go && ((granted_now & word_mask) == word_mask);
    granted_d       = tcdm_chunk_done ? '0 : granted_now;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      granted_q  <= '0;
      pend_q     <= 1'b0;
      pend_off_q <= '0;
      pend_len_q <= '0;
      rbuf_q     <= '0;
    end else begin
      granted_q  <= granted_d;
      pend_q     <= tcdm_chunk_done;
      pend_off_q <= addr[2:0];
      pend_len_q <= len;
      for (int unsigned i = 0; i < DmaPorts; i++) begin
        if (tcdm_rvalid_i[i]) rbuf_q[i] <= tcdm_rdata_i[i];
      end
    end
  end

  always_comb begin
    rmerged = '0;
    if (pend_q) begin  // only needed when a chunk completes (simulation speed)
      for (int unsigned i = 0; i < DmaPorts; i++) begin
        rmerged[i] = tcdm_rvalid_i[i] ? tcdm_rdata_i[i] : rbuf_q[i];
      end
    end
  end

  // L3 path ----------------------------------------------------------------------------------

  logic                meta_full;
  logic [MetaCntW-1:0] meta_count;
  logic [MetaW-1:0]    meta_head;
  logic                l3_fire;

  assign l3_valid_o = desc_valid_i && !empty_desc && src_l3 && !pend_q && !meta_full &&
                      32'(fifo_count_i) + 32'(meta_count) < DmaDataFifoDepth;
  assign l3_addr_o  = {addr[31:6], 6'b0};
  assign l3_fire    = l3_valid_o && l3_ready_i;

  snax_dma_fifo #(
    .Width(MetaW),
    .Depth(DmaMaxOutstanding)
  ) u_meta_fifo (
    .clk_i,
    .rst_ni,
    .push_i (l3_fire),
    .data_i ({addr[5:0], len}),
    .pop_i  (l3_rsp_valid_i),
    .data_o (meta_head),
    .valid_o(meta_valid),
    .full_o (meta_full),
    .count_o(meta_count)
  );

  // Descriptor progress and FIFO push ----------------------------------------------------------

  assign step       = tcdm_chunk_done || l3_fire;
  assign desc_pop_o = (step && last) || (desc_valid_i && empty_desc);

  // The 512-bit data path is only evaluated when something is pushed (simulation speed).
  always_comb begin
    push_data_o = '0;
    if (l3_rsp_valid_i) begin
      push_data_o.data = meta_head[MetaW-1:7] == '0 ? l3_rsp_rdata_i
                                                    : l3_rsp_rdata_i >> {meta_head[MetaW-1:7], 3'b000};
      push_data_o.len  = meta_head[6:0];
    end else if (pend_q) begin
      push_data_o.data = pend_off_q == '0 ? rmerged : rmerged >> {pend_off_q, 3'b000};
      push_data_o.len  = pend_len_q;
    end
  end
  assign push_o  = l3_rsp_valid_i || pend_q;
  assign bytes_o = push_o ? 8'(push_data_o.len) : 8'd0;

  // Assertions --------------------------------------------------------------------------------

  NoUnexpectedResponse: assert property (@(posedge clk_i) disable iff (!rst_ni)
      l3_rsp_valid_i |-> meta_valid)
    else $error("DMA: L3 read response without an outstanding request");
  OnePushPerCycle: assert property (@(posedge clk_i) disable iff (!rst_ni)
      !(l3_rsp_valid_i && pend_q))
    else $error("DMA: L3 and TCDM data collided at the data FIFO");
  TcdmSrcInRange: assert property (@(posedge clk_i) disable iff (!rst_ni)
      tcdm_go |-> in_tcdm(addr) && in_tcdm(addr + 32'(len) - 32'd1))
    else $error("DMA: source bytes 0x%08x + %0d are not inside the TCDM", addr, len);
  TcdmSrcAligned: assert property (@(posedge clk_i) disable iff (!rst_ni)
      tcdm_go |-> (6'(addr[2:0]) & elem_align_mask(desc_i.elem_log2) & 6'h7) == '0)
    else $error("DMA: TCDM source element at 0x%08x is not aligned", addr);
  L3SrcAligned: assert property (@(posedge clk_i) disable iff (!rst_ni)
      l3_valid_o |-> (addr[5:0] & elem_align_mask(desc_i.elem_log2)) == '0)
    else $error("DMA: L3 source element at 0x%08x is not aligned to its size", addr);
  ChunkInLine: assert property (@(posedge clk_i) disable iff (!rst_ni)
      (tcdm_go || l3_valid_o) |->
        len != '0 && 8'(len) + (src_l3 ? 8'(addr[5:0]) : 8'(addr[2:0])) <= 8'd64)
    else $error("DMA: source chunk of %0d bytes at 0x%08x crosses its line", len, addr);

endmodule
