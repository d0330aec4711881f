// N-D DMA engine: register file, descriptor queue, reader and writer decoupled by a data FIFO.
//
// Register map, element semantics and alignment rules: docs/hardware.md ("DMA"). The register
// port follows the Ibex data-bus protocol (rvalid one cycle after the grant, for reads and
// writes). START copies the register set into the descriptor queue; into a full queue it is
// held (reg_gnt_o low) until a slot frees, never dropped.
//
// Each descriptor is split into its source side (reader queue) and destination side (writer
// queue), pushed together. The reader walks the source pattern and pushes elements into the
// data FIFO; the writer pops them and walks the destination pattern. Each side moves one
// element per cycle, or, where its innermost loop is contiguous (stride[0] == E), a run of up
// to a 64-byte line of elements per cycle whatever its alignment (the data FIFO carries a byte
// stream of variable-length chunks; the writer realigns it). Descriptors are
// pipelined: the reader may start the next descriptor while the writer is still finishing the
// previous one, unless the next one reads bytes that an unfinished earlier one writes (then it
// waits for that one's DONE): descriptors behave as if executed one after the other.
// DONE counts descriptors whose writes have all been performed.
//
// The L3 request port is shared by the reader (line reads) and the writer (line writes with
// strobes); the writer has priority, and a request that is waiting for l3_req_ready_i keeps
// the port until it is accepted (its content does not change meanwhile).
module snax_dma
  import snax_cluster_cfg_pkg::*;
  import snax_dma_pkg::*;
(
  input  logic                      clk_i,
  input  logic                      rst_ni,
  // Register port (Ibex data-bus protocol, offsets inside the 256-byte DMA window).
  input  logic                      reg_req_i,
  input  logic                      reg_we_i,
  input  logic [3:0]                reg_be_i,
  input  logic [7:0]                reg_addr_i,
  input  logic [31:0]               reg_wdata_i,
  output logic                      reg_gnt_o,
  output logic                      reg_rvalid_o,
  output logic [31:0]               reg_rdata_o,
  // TCDM read channel (narrow ports).
  output logic [DmaPorts-1:0]       tcdm_rd_req_o,
  output logic [DmaPorts-1:0][31:0] tcdm_rd_addr_o,
  output logic [DmaPorts-1:0]       tcdm_rd_we_o,
  output logic [DmaPorts-1:0][7:0]  tcdm_rd_be_o,
  output logic [DmaPorts-1:0][63:0] tcdm_rd_wdata_o,
  input  logic [DmaPorts-1:0]       tcdm_rd_gnt_i,
  input  logic [DmaPorts-1:0]       tcdm_rd_rvalid_i,
  input  logic [DmaPorts-1:0][63:0] tcdm_rd_rdata_i,
  // TCDM write channel (narrow ports).
  output logic [DmaPorts-1:0]       tcdm_wr_req_o,
  output logic [DmaPorts-1:0][31:0] tcdm_wr_addr_o,
  output logic [DmaPorts-1:0]       tcdm_wr_we_o,
  output logic [DmaPorts-1:0][7:0]  tcdm_wr_be_o,
  output logic [DmaPorts-1:0][63:0] tcdm_wr_wdata_o,
  input  logic [DmaPorts-1:0]       tcdm_wr_gnt_i,
  input  logic [DmaPorts-1:0]       tcdm_wr_rvalid_i,
  input  logic [DmaPorts-1:0][63:0] tcdm_wr_rdata_i,
  // L3 port: 64-byte line requests, in-order read responses that cannot be back-pressured.
  output logic                      l3_req_valid_o,
  input  logic                      l3_req_ready_i,
  output logic                      l3_req_we_o,
  output logic [31:0]               l3_req_addr_o,
  output logic [DmaWidth-1:0]       l3_req_wdata_o,
  output logic [DmaWidth/8-1:0]     l3_req_strb_o,
  input  logic                      l3_rsp_valid_i,
  input  logic [DmaWidth-1:0]       l3_rsp_rdata_i,
  // Performance counter inputs.
  output logic                      busy_o,
  output logic [7:0]                bytes_read_o,
  output logic [7:0]                bytes_written_o
);

  localparam int unsigned DescW    = $bits(dma_side_t);
  localparam int unsigned FifoCntW = $clog2(DmaDataFifoDepth + 1);

  // Register offsets.
  localparam logic [7:0] RegSrc      = 8'h00;
  localparam logic [7:0] RegDst      = 8'h04;
  localparam logic [7:0] RegElemLog2 = 8'h08;
  localparam logic [7:0] RegStart    = 8'h10;
  localparam logic [7:0] RegDone     = 8'h14;
  localparam logic [7:0] RegStatus   = 8'h18;

  // Register file ----------------------------------------------------------------------------

  logic [31:0]              src_q, dst_q;
  logic [2:0]               elem_log2_q;
  logic [DmaDims-1:0][31:0] src_bound_q, src_stride_q, dst_bound_q, dst_stride_q;
  logic [31:0]              pushed_q, done_q;
  logic                     reg_rvalid_q;
  logic [31:0]              reg_rdata_q, reg_rdata;
  logic                     is_start, queue_full, reg_fire, push_desc, wr_desc_pop;
  logic                     rdq_full, wrq_full, wrq_valid;

  assign is_start   = reg_we_i && reg_addr_i == RegStart;
  assign queue_full = rdq_full || wrq_full;
  assign reg_gnt_o  = reg_req_i && !(is_start && queue_full);
  assign reg_fire   = reg_req_i && reg_gnt_o;
  assign push_desc  = reg_fire && is_start;

  // Byte range [lo, hi] covered by a side's pattern (64-bit, no wrap-around), and whether it
  // has any element at all.
  function automatic logic [128:0] side_range(dma_side_t side);
    logic signed [63:0] lo, hi, span;
    logic               nonempty;
    lo       = 64'(side.base);
    hi       = 64'(side.base) + 64'(elem_align_mask(side.elem_log2));
    nonempty = 1'b1;
    for (int unsigned d = 0; d < DmaDims; d++) begin
      nonempty &= side.bound[d] != '0;
      span = (64'(side.bound[d]) - 64'sd1) * 64'($signed(side.stride[d]));
      if (span < 0) lo += span;
      else          hi += span;
    end
    return {lo, hi, nonempty};
  endfunction

  function automatic logic [31:0] apply_be(logic [31:0] old, logic [31:0] wdata, logic [3:0] be);
    logic [31:0] res = old;
    for (int unsigned i = 0; i < 4; i++) begin
      if (be[i]) res[8*i +: 8] = wdata[8*i +: 8];
    end
    return res;
  endfunction

  // Dimension registers: 0x40 + 8d (source), 0x80 + 8d (destination); +4 is the stride.
  logic       dim_src, dim_dst, dim_stride;
  logic [2:0] dim_idx;
  assign dim_src    = reg_addr_i[7:6] == 2'b01;
  assign dim_dst    = reg_addr_i[7:6] == 2'b10;
  assign dim_idx    = reg_addr_i[5:3];
  assign dim_stride = reg_addr_i[2];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      src_q        <= '0;
      dst_q        <= '0;
      elem_log2_q  <= '0;
      src_bound_q  <= {DmaDims{32'd1}};
      dst_bound_q  <= {DmaDims{32'd1}};
      src_stride_q <= '0;
      dst_stride_q <= '0;
    end else if (reg_fire && reg_we_i) begin
      unique case (reg_addr_i)
        RegSrc:      src_q <= apply_be(src_q, reg_wdata_i, reg_be_i);
        RegDst:      dst_q <= apply_be(dst_q, reg_wdata_i, reg_be_i);
        RegElemLog2: if (reg_be_i[0]) elem_log2_q <= reg_wdata_i[2:0];
        default: begin
          for (int unsigned d = 0; d < DmaDims; d++) begin
            if (32'(dim_idx) == d && reg_addr_i[1:0] == 2'b00) begin
              if (dim_src && !dim_stride) begin
                src_bound_q[d] <= apply_be(src_bound_q[d], reg_wdata_i, reg_be_i);
              end
              if (dim_src && dim_stride) begin
                src_stride_q[d] <= apply_be(src_stride_q[d], reg_wdata_i, reg_be_i);
              end
              if (dim_dst && !dim_stride) begin
                dst_bound_q[d] <= apply_be(dst_bound_q[d], reg_wdata_i, reg_be_i);
              end
              if (dim_dst && dim_stride) begin
                dst_stride_q[d] <= apply_be(dst_stride_q[d], reg_wdata_i, reg_be_i);
              end
            end
          end
        end
      endcase
    end
  end

  always_comb begin
    reg_rdata = '0;
    if (reg_req_i && !reg_we_i) unique case (reg_addr_i)
      RegSrc:      reg_rdata = src_q;
      RegDst:      reg_rdata = dst_q;
      RegElemLog2: reg_rdata = 32'(elem_log2_q);
      RegStart:    reg_rdata = pushed_q;
      RegDone:     reg_rdata = done_q;
      RegStatus:   reg_rdata = 32'(busy_o);
      default: begin
        for (int unsigned d = 0; d < DmaDims; d++) begin
          if (32'(dim_idx) == d && reg_addr_i[1:0] == 2'b00) begin
            if (dim_src) reg_rdata = dim_stride ? src_stride_q[d] : src_bound_q[d];
            if (dim_dst) reg_rdata = dim_stride ? dst_stride_q[d] : dst_bound_q[d];
          end
        end
      end
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      reg_rvalid_q <= 1'b0;
      reg_rdata_q  <= '0;
      pushed_q     <= '0;
      done_q       <= '0;
    end else begin
      reg_rvalid_q <= reg_fire;
      if (reg_fire) reg_rdata_q <= reg_we_i ? 32'd0 : reg_rdata;
      if (push_desc) pushed_q <= pushed_q + 32'd1;
      if (wr_desc_pop) done_q <= done_q + 32'd1;
    end
  end

  assign reg_rvalid_o = reg_rvalid_q;
  assign reg_rdata_o  = reg_rdata_q;

  // Descriptor queues ------------------------------------------------------------------------

  dma_side_t src_side, dst_side, rd_desc, wr_desc;
  logic      rdq_valid, rd_desc_pop;

  // Assembled only for a START (simulation speed).
  always_comb begin
    src_side = '0;
    dst_side = '0;
    if (push_desc) begin
      src_side = '{base: src_q, elem_log2: elem_log2_q, bound: src_bound_q, stride: src_stride_q};
      dst_side = '{base: dst_q, elem_log2: elem_log2_q, bound: dst_bound_q, stride: dst_stride_q};
    end
  end

  // Read-after-write ordering between descriptors. Each descriptor is tagged at START with
  // the id (1-based START count) of the latest earlier descriptor, still unfinished, whose
  // destination range overlaps its source range; the reader holds it until DONE reaches that
  // id. Independent descriptors overlap freely (the next one reads while this one writes).
  // Write-after-read and write-after-write need no check: the writer is in order and a
  // descriptor's writes start only after all the data it depends on was read.
  logic [DmaQueueDepth-1:0][31:0] slot_id_q;       // id of the descriptor in each slot
  logic [DmaQueueDepth-1:0][63:0] slot_lo_q, slot_hi_q;  // its destination byte range
  logic [DmaQueueDepth-1:0]       slot_nonempty_q;
  localparam int unsigned SlotW = DmaQueueDepth > 1 ? $clog2(DmaQueueDepth) : 1;
  logic [SlotW-1:0] slot_q;
  logic [63:0] new_src_lo, new_src_hi, new_dst_lo, new_dst_hi;
  logic        new_src_nonempty, new_dst_nonempty;
  logic [31:0] new_dep, rd_dep;

  // Evaluated only in the cycle of a START (simulation speed).
  always_comb begin
    logic [31:0] best_age;
    {new_src_lo, new_src_hi, new_src_nonempty} = '0;
    {new_dst_lo, new_dst_hi, new_dst_nonempty} = '0;
    new_dep  = done_q;  // no dependency: already satisfied
    best_age = '0;
    if (push_desc) begin
      {new_src_lo, new_src_hi, new_src_nonempty} = side_range(src_side);
      {new_dst_lo, new_dst_hi, new_dst_nonempty} = side_range(dst_side);
    end
    for (int unsigned k = 0; k < DmaQueueDepth && push_desc; k++) begin
      logic [31:0] age;  // > 0 while the descriptor is unfinished; larger = younger
      age = slot_id_q[k] - done_q;
      if (!age[31] && age != '0 && age > best_age && slot_nonempty_q[k] && new_src_nonempty &&
          !(slot_hi_q[k] < new_src_lo || new_src_hi < slot_lo_q[k])) begin
        best_age = age;
        new_dep  = slot_id_q[k];
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      slot_id_q       <= '0;
      slot_lo_q       <= '0;
      slot_hi_q       <= '0;
      slot_nonempty_q <= '0;
      slot_q          <= '0;
    end else if (push_desc) begin
      slot_id_q[slot_q]       <= pushed_q + 32'd1;
      slot_lo_q[slot_q]       <= new_dst_lo;
      slot_hi_q[slot_q]       <= new_dst_hi;
      slot_nonempty_q[slot_q] <= new_dst_nonempty;
      slot_q <= (32'(slot_q) == DmaQueueDepth - 1) ? '0 : slot_q + 1'b1;
    end
  end

  logic rdq_ready;
  assign rdq_ready = rdq_valid && $signed(done_q - rd_dep) >= 0;  // dependency finished

  snax_dma_fifo #(
    .Width(DescW + 32),
    .Depth(DmaQueueDepth)
  ) u_rd_queue (
    .clk_i,
    .rst_ni,
    .push_i (push_desc),
    .data_i ({new_dep, src_side}),
    .pop_i  (rd_desc_pop),
    .data_o ({rd_dep, rd_desc}),
    .valid_o(rdq_valid),
    .full_o (rdq_full),
    .count_o()
  );

  snax_dma_fifo #(
    .Width(DescW),
    .Depth(DmaQueueDepth)
  ) u_wr_queue (
    .clk_i,
    .rst_ni,
    .push_i (push_desc),
    .data_i (dst_side),
    .pop_i  (wr_desc_pop),
    .data_o (wr_desc),
    .valid_o(wrq_valid),
    .full_o (wrq_full),
    .count_o()
  );

  // A descriptor is busy from START until its last write: the writer queue holds it.
  assign busy_o = wrq_valid;

  // Reader, data FIFO, writer -----------------------------------------------------------------

  logic                rd_l3_valid, rd_l3_ready, wr_l3_valid, wr_l3_ready;
  logic [31:0]         rd_l3_addr, wr_l3_addr;
  logic                fifo_push, fifo_pop, fifo_valid;
  dma_chunk_t          fifo_wdata, fifo_rdata;
  logic [FifoCntW-1:0] fifo_count;

  snax_dma_reader u_reader (
    .clk_i,
    .rst_ni,
    .desc_valid_i  (rdq_ready),
    .desc_i        (rd_desc),
    .desc_pop_o    (rd_desc_pop),
    .tcdm_req_o    (tcdm_rd_req_o),
    .tcdm_addr_o   (tcdm_rd_addr_o),
    .tcdm_gnt_i    (tcdm_rd_gnt_i),
    .tcdm_rvalid_i (tcdm_rd_rvalid_i),
    .tcdm_rdata_i  (tcdm_rd_rdata_i),
    .l3_valid_o    (rd_l3_valid),
    .l3_ready_i    (rd_l3_ready),
    .l3_addr_o     (rd_l3_addr),
    .l3_rsp_valid_i(l3_rsp_valid_i),
    .l3_rsp_rdata_i(l3_rsp_rdata_i),
    .push_o        (fifo_push),
    .push_data_o   (fifo_wdata),
    .fifo_count_i  (fifo_count),
    .bytes_o       (bytes_read_o)
  );

  assign tcdm_rd_we_o    = '0;
  assign tcdm_rd_be_o    = '1;
  assign tcdm_rd_wdata_o = '0;

  snax_dma_fifo #(
    .Width($bits(dma_chunk_t)),
    .Depth(DmaDataFifoDepth)
  ) u_data_fifo (
    .clk_i,
    .rst_ni,
    .push_i (fifo_push),
    .data_i (fifo_wdata),
    .pop_i  (fifo_pop),
    .data_o (fifo_rdata),
    .valid_o(fifo_valid),
    .full_o (),
    .count_o(fifo_count)
  );

  snax_dma_writer u_writer (
    .clk_i,
    .rst_ni,
    .desc_valid_i(wrq_valid),
    .desc_i      (wr_desc),
    .desc_pop_o  (wr_desc_pop),
    .fifo_valid_i(fifo_valid),
    .fifo_data_i (fifo_rdata),
    .fifo_pop_o  (fifo_pop),
    .tcdm_req_o  (tcdm_wr_req_o),
    .tcdm_addr_o (tcdm_wr_addr_o),
    .tcdm_be_o   (tcdm_wr_be_o),
    .tcdm_wdata_o(tcdm_wr_wdata_o),
    .tcdm_gnt_i  (tcdm_wr_gnt_i),
    .l3_valid_o  (wr_l3_valid),
    .l3_ready_i  (wr_l3_ready),
    .l3_addr_o   (wr_l3_addr),
    .l3_wdata_o  (l3_req_wdata_o),
    .l3_strb_o   (l3_req_strb_o),
    .bytes_o     (bytes_written_o)
  );

  assign tcdm_wr_we_o = '1;

  // L3 port arbitration: writer first; a request waiting for ready keeps the port. ------------

  logic lock_q, lock_wr_q, sel_wr;

  assign sel_wr         = lock_q ? lock_wr_q : wr_l3_valid;
  assign l3_req_valid_o = sel_wr ? wr_l3_valid : rd_l3_valid;
  assign l3_req_we_o    = sel_wr;
  assign l3_req_addr_o  = sel_wr ? wr_l3_addr : rd_l3_addr;
  assign rd_l3_ready    = l3_req_ready_i && !sel_wr;
  assign wr_l3_ready    = l3_req_ready_i && sel_wr;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      lock_q    <= 1'b0;
      lock_wr_q <= 1'b0;
    end else begin
      lock_q    <= l3_req_valid_o && !l3_req_ready_i;
      lock_wr_q <= sel_wr;
    end
  end

  // Assertions --------------------------------------------------------------------------------

  // Element counts of both sides (wide enough for 8 dims of 32-bit bounds to compare exactly
  // in all practical cases; only used by the assertion).
  logic [63:0] src_elems, dst_elems;
  always_comb begin
    src_elems = 64'd1;
    dst_elems = 64'd1;
    for (int unsigned d = 0; d < DmaDims && push_desc; d++) begin
      src_elems = src_elems * 64'(src_bound_q[d]);
      dst_elems = dst_elems * 64'(dst_bound_q[d]);
    end
  end

  StartBoundsMatch: assert property (@(posedge clk_i) disable iff (!rst_ni)
      push_desc |-> src_elems == dst_elems)
    else $error("DMA START: source has %0d elements, destination %0d", src_elems, dst_elems);
  StartElemSize: assert property (@(posedge clk_i) disable iff (!rst_ni)
      push_desc |-> elem_log2_q <= 3'd6)
    else $error("DMA START: ELEM_LOG2 = %0d is above 6", elem_log2_q);
  StartSides: assert property (@(posedge clk_i) disable iff (!rst_ni)
      push_desc |-> (is_l3(src_q) || in_tcdm(src_q)) && (is_l3(dst_q) || in_tcdm(dst_q)))
    else $error("DMA START: source 0x%08x or destination 0x%08x is neither TCDM nor L3",
                src_q, dst_q);
  StartNotL3ToL3: assert property (@(posedge clk_i) disable iff (!rst_ni)
      push_desc |-> !(is_l3(src_q) && is_l3(dst_q)))
    else $error("DMA START: L3 to L3 copies are not supported");
  WritesHaveNoResponse: assert property (@(posedge clk_i) disable iff (!rst_ni)
      tcdm_wr_rvalid_i == '0)
    else $error("DMA: response on the TCDM write channel");
  L3StableWhileWaiting: assert property (@(posedge clk_i) disable iff (!rst_ni)
      l3_req_valid_o && !l3_req_ready_i |=>
        l3_req_valid_o && $stable(l3_req_we_o) && $stable(l3_req_addr_o))
    else $error("DMA: L3 request changed before it was accepted");

  // The read data of the write channel is never used (writes get no response).
  logic unused_wr_rdata;
  assign unused_wr_rdata = ^tcdm_wr_rdata_i;

endmodule
