// DMA writer: pops elements from the data FIFO and writes them along the destination pattern
// of the descriptor at the head of its queue, one element per cycle.
//
// TCDM destination: E/8 full words on narrow ports 0..E/8-1 (E >= 8), or one word with byte
// enables and the element shifted into place (E < 8). Ports that lose their bank retry alone;
// the element leaves the FIFO once all its words are granted (a granted write is performed).
// L3 destination: one 64-byte line write per element with byte strobes; the element leaves
// the FIFO when the L3 port accepts it.
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
  input  logic [DmaWidth-1:0]       fifo_data_i,
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

  logic [31:0]         addr;
  logic                last, step, empty_desc, dst_l3;
  logic [DmaPorts-1:0] word_mask;
  logic [63:0]         emask;

  always_comb begin
    empty_desc = 1'b0;
    for (int unsigned d = 0; d < DmaDims; d++) empty_desc |= desc_i.bound[d] == '0;
  end
  assign dst_l3    = is_l3(desc_i.base);
  assign word_mask = elem_word_mask(desc_i.elem_log2);
  assign emask     = elem_mask(desc_i.elem_log2);

  snax_dma_agen u_agen (
    .clk_i,
    .rst_ni,
    .base_i  (desc_i.base),
    .bound_i (desc_i.bound),
    .stride_i(desc_i.stride),
    .step_i  (step),
    .addr_o  (addr),
    .last_o  (last)
  );

  // TCDM path --------------------------------------------------------------------------------

  logic [DmaPorts-1:0] granted_d, granted_q, granted_now;
  logic                tcdm_go, tcdm_elem_done;

  assign tcdm_go = desc_valid_i && !empty_desc && !dst_l3 && fifo_valid_i;

  always_comb begin
    for (int unsigned i = 0; i < DmaPorts; i++) begin
      tcdm_req_o[i]  = tcdm_go && word_mask[i] && !granted_q[i];
      tcdm_addr_o[i] = {addr[31:3], 3'b000} + 32'(8 * i);
      tcdm_be_o[i]    = '0;
      tcdm_wdata_o[i] = '0;
      if (!tcdm_go) begin
        // Nothing to write: skip the data path (simulation speed).
      end else if (desc_i.elem_log2 >= 3'd3) begin
        tcdm_be_o[i]    = 8'hff;
        tcdm_wdata_o[i] = fifo_data_i[64*i +: 64];
      end else begin
        tcdm_be_o[i]    = emask[7:0] << addr[2:0];
        tcdm_wdata_o[i] = fifo_data_i[63:0] << {addr[2:0], 3'b000};
      end
    end
    granted_now    = granted_q | (tcdm_req_o & tcdm_gnt_i);
    tcdm_elem_done = tcdm_go && ((granted_now & word_mask) == word_mask);
    granted_d      = tcdm_elem_done ? '0 : granted_now;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) granted_q <= '0;
    else         granted_q <= granted_d;
  end

  // L3 path ----------------------------------------------------------------------------------

  assign l3_valid_o = desc_valid_i && !empty_desc && dst_l3 && fifo_valid_i;
  assign l3_addr_o  = {addr[31:6], 6'b0};
  always_comb begin
    l3_wdata_o = '0;
    l3_strb_o  = '0;
    if (l3_valid_o) begin  // only shift 512 bits when there is a write (simulation speed)
      l3_wdata_o = fifo_data_i << {addr[5:0], 3'b000};
      l3_strb_o  = emask << addr[5:0];
    end
  end

  // Progress ---------------------------------------------------------------------------------

  assign step       = tcdm_elem_done || (l3_valid_o && l3_ready_i);
  assign fifo_pop_o = step;
  assign desc_pop_o = (step && last) || (desc_valid_i && empty_desc);
  assign bytes_o    = step ? 8'd1 << desc_i.elem_log2 : 8'd0;

  // Assertions --------------------------------------------------------------------------------

  TcdmDstInRange: assert property (@(posedge clk_i) disable iff (!rst_ni)
      tcdm_go |-> in_tcdm(addr) && in_tcdm(addr + (32'd1 << desc_i.elem_log2) - 32'd1))
    else $error("DMA: destination element at 0x%08x is not inside the TCDM", addr);
  TcdmDstAligned: assert property (@(posedge clk_i) disable iff (!rst_ni)
      tcdm_go |-> (6'(addr[2:0]) & elem_align_mask(desc_i.elem_log2) & 6'h7) == '0)
    else $error("DMA: TCDM destination element at 0x%08x is not aligned", addr);
  L3DstAligned: assert property (@(posedge clk_i) disable iff (!rst_ni)
      l3_valid_o |-> (addr[5:0] & elem_align_mask(desc_i.elem_log2)) == '0)
    else $error("DMA: L3 destination element at 0x%08x is not aligned to its size", addr);

endmodule
