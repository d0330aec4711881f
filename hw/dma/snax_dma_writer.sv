// DMA writer: consumes the byte stream of the data FIFO and writes it along the destination
// pattern of the descriptor at the head of its queue, one chunk per cycle: one element, or,
// when the destination's innermost loop is contiguous (stride[0] == E), a run of elements up
// to the next 64-byte line boundary (L3) or across up to 8 TCDM words (TCDM), whatever its
// alignment.
//
// The reader's chunks and the writer's chunks have different lengths and alignments, so the
// writer realigns: a 64-byte accumulator holds the stream bytes popped but not yet written;
// the bytes available are the accumulator followed by the FIFO head. A chunk is written once
// that many bytes are available, shifted to its address's offset with byte enables (TCDM
// words) or byte strobes (L3 line). The FIFO head is popped when what is left of it fits in
// the accumulator (always when the write took some of its bytes).
//
// TCDM destination: consecutive words from the chunk address's word on narrow ports 0..n-1.
// Ports that lose their bank retry alone; the chunk is consumed once all its words are
// granted (a granted write is performed). L3 destination: one 64-byte line write per chunk,
// consumed when the L3 port accepts it.
//
// `desc_pop_o` pulses when the last write of a descriptor is performed: that is what DONE
// counts.
module snax_dma_writer
  import snax_cluster_cfg_pkg::*;
  import snax_dma_pkg::*;
(
  input  logic                      clk_i,
  input  logic                      rst_ni,
  // Destination side of the head descriptor.
  input  logic                      desc_valid_i,
  input  dma_side_t                 desc_i,
  output logic                      desc_pop_o,
  // Data FIFO head.
  input  logic                      fifo_valid_i,
  input  dma_chunk_t                fifo_data_i,
  output logic                      fifo_pop_o,
  // TCDM write ports.
  output logic [DmaPorts-1:0]       tcdm_req_o,
  output logic [DmaPorts-1:0][31:0] tcdm_addr_o,
  output logic [DmaPorts-1:0][7:0]  tcdm_be_o,
  output logic [DmaPorts-1:0][63:0] tcdm_wdata_o,
  input  logic [DmaPorts-1:0]       tcdm_gnt_i,
  // L3 write requests.
  output logic                      l3_valid_o,
  input  logic                      l3_ready_i,
  output logic [31:0]               l3_addr_o,
  output logic [DmaWidth-1:0]       l3_wdata_o,
  output logic [DmaWidth/8-1:0]     l3_strb_o,
  // Bytes written this cycle.
  output logic [7:0]                bytes_o
);

  localparam int unsigned LineBytes = DmaWidth / 8;

  logic [31:0]         addr, rem0;
  logic                last, step, empty_desc, dst_l3, active;
  logic [6:0]          n_elems, need;
  logic [DmaPorts-1:0] word_mask;

  always_comb begin
    empty_desc = 1'b0;
    for (int unsigned d = 0; d < DmaDims; d++) empty_desc |= desc_i.bound[d] == '0;
  end
  assign dst_l3    = is_l3(desc_i.base);
  assign active    = desc_valid_i && !empty_desc;
  assign n_elems   = step_elems(addr[5:0], desc_i.elem_log2, rem0, side_contiguous(desc_i.stride[0], desc_i.elem_log2), dst_l3);
  assign need      = n_elems << desc_i.elem_log2;
  assign word_mask = words_mask(addr[2:0], need);

  snax_dma_agen u_agen (
    .clk_i,
    .rst_ni,
    .base_i      (desc_i.base),
    .bound_i     (desc_i.bound),
    .stride_i    (desc_i.stride),
    .step_i      (step),
    .step_elems_i(n_elems),
    .step_bytes_i(n_elems == 7'd1 ? desc_i.stride[0] : 32'(need)),
    .addr_o      (addr),
    .rem0_o      (rem0),
    .last_o      (last)
  );

  // Realignment ------------------------------------------------------------------------------

  // acc_q holds acc_cnt_q stream bytes, right-aligned; the bytes above them are zero.
  logic [DmaWidth-1:0]   acc_q, acc_d;
  logic [6:0]            acc_cnt_q, acc_cnt_d;
  logic [2*DmaWidth-1:0] avail_data;  // accumulator, then the FIFO head
  logic [2*DmaWidth-1:0] head, kept;
  logic [7:0]            avail_cnt, left_cnt;
  logic                  have, pop;

  assign avail_cnt = 8'(acc_cnt_q) + (fifo_valid_i ? 8'(fifo_data_i.len) : 8'd0);
  assign have      = avail_cnt >= 8'(need);
  assign left_cnt  = avail_cnt - (step ? 8'(need) : 8'd0);
  assign pop       = fifo_valid_i && left_cnt <= 8'(LineBytes);

  // The wide shifts are skipped where they are not needed (simulation speed).
  always_comb begin
    avail_data = '0;
    head       = '0;
    if (fifo_valid_i) begin
      // The head's `len` bytes; whole lines (aligned copies) need no mask.
      head[DmaWidth-1:0] = fifo_data_i.data;
      if (!fifo_data_i.len[6]) begin
        head[DmaWidth-1:0] &= ~({DmaWidth{1'b1}} << {fifo_data_i.len[5:0], 3'b000});
      end
    end
    if (acc_cnt_q == '0) avail_data = head;  // common for aligned copies: no shift
    else avail_data = {{DmaWidth{1'b0}}, acc_q} | (head << {acc_cnt_q, 3'b000});
  end

  always_comb begin
    kept      = '0;
    acc_d     = acc_q;
    acc_cnt_d = acc_cnt_q;
    if (pop || step) begin
      acc_cnt_d = pop ? left_cnt[6:0] : acc_cnt_q - need;
      if (acc_cnt_d == '0) begin
        acc_d = '0;  // everything written (aligned copies): no shift
      end else begin
        kept = pop ? avail_data : {{DmaWidth{1'b0}}, acc_q};
        if (step) kept = kept >> {need, 3'b000};
        acc_d = kept[DmaWidth-1:0];
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      acc_q     <= '0;
      acc_cnt_q <= '0;
    end else begin
      acc_q     <= acc_d;
      acc_cnt_q <= acc_cnt_d;
    end
  end

  // TCDM path --------------------------------------------------------------------------------

  logic [DmaPorts-1:0] granted_d, granted_q, granted_now;
  logic                tcdm_go, tcdm_chunk_done;
  logic [DmaWidth-1:0] tcdm_line;
  logic [63:0]         tcdm_bes;

  assign tcdm_go = active && !dst_l3 && have;

  always_comb begin
    tcdm_line = '0;
    tcdm_bes  = '0;
    if (tcdm_go) begin  // skip the data path when there is nothing to write (sim speed)
      tcdm_line = avail_data[DmaWidth-1:0] << {addr[2:0], 3'b000};
      tcdm_bes  = len_mask(need) << addr[2:0];
    end
    for (int unsigned i = 0; i < DmaPorts; i++) begin
      tcdm_req_o[i]   = tcdm_go && word_mask[i] && !granted_q[i];
      tcdm_addr_o[i]  = {addr[31:3], 3'b000} + 32'(8 * i);
      tcdm_be_o[i]    = tcdm_bes[8*i +: 8];
      tcdm_wdata_o[i] = tcdm_line[64*i +: 64];
    end
    granted_now     = granted_q | (tcdm_req_o & tcdm_gnt_i);
    tcdm_chunk_done = tcdm_go && ((granted_now & word_mask) == word_mask);
    granted_d       = tcdm_chunk_done ? '0 : granted_now;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) granted_q <= '0;
    else         granted_q <= granted_d;
  end

  // L3 path ----------------------------------------------------------------------------------

  assign l3_valid_o = active && dst_l3 && have;
  assign l3_addr_o  = {addr[31:6], 6'b0};
  always_comb begin
    l3_wdata_o = '0;
    l3_strb_o  = '0;
    if (l3_valid_o) begin  // only shift 512 bits when there is a write (simulation speed)
      l3_wdata_o = avail_data[DmaWidth-1:0] << {addr[5:0], 3'b000};
      l3_strb_o  = len_mask(need) << addr[5:0];
    end
  end

  // Progress ---------------------------------------------------------------------------------

  assign step       = tcdm_chunk_done || (l3_valid_o && l3_ready_i);
  assign fifo_pop_o = pop;
  assign desc_pop_o = (step && last) || (desc_valid_i && empty_desc);
  assign bytes_o    = step ? 8'(need) : 8'd0;

  // Assertions --------------------------------------------------------------------------------

  TcdmDstInRange: assert property (@(posedge clk_i) disable iff (!rst_ni)
      tcdm_go |-> in_tcdm(addr) && in_tcdm(addr + 32'(need) - 32'd1))
    else $error("DMA: destination bytes 0x%08x + %0d are not inside the TCDM", addr, need);
  TcdmDstAligned: assert property (@(posedge clk_i) disable iff (!rst_ni)
      tcdm_go |-> (6'(addr[2:0]) & elem_align_mask(desc_i.elem_log2) & 6'h7) == '0)
    else $error("DMA: TCDM destination element at 0x%08x is not aligned", addr);
  L3DstAligned: assert property (@(posedge clk_i) disable iff (!rst_ni)
      l3_valid_o |-> (addr[5:0] & elem_align_mask(desc_i.elem_log2)) == '0)
    else $error("DMA: L3 destination element at 0x%08x is not aligned to its size", addr);
  ChunkInLine: assert property (@(posedge clk_i) disable iff (!rst_ni)
      active |-> need != '0 && 8'(need) + (dst_l3 ? 8'(addr[5:0]) : 8'(addr[2:0])) <= 8'd64)
    else $error("DMA: destination chunk of %0d bytes at 0x%08x crosses its line", need, addr);
  AccNeverOverflows: assert property (@(posedge clk_i) disable iff (!rst_ni)
      acc_cnt_q <= 7'(LineBytes))
    else $error("DMA: realignment buffer holds %0d bytes", acc_cnt_q);
  StepTakesHeadOnlyIfPopped: assert property (@(posedge clk_i) disable iff (!rst_ni)
      step && need > acc_cnt_q |-> pop)
    else $error("DMA: a write used FIFO head bytes without popping the head");

endmodule
