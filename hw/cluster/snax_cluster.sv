// Top level of the snaxc cluster (ports and memory map: docs/hardware.md).
//
//   Ibex (snax_core) ── instr ──────────────────────────────▶ snax_core_mem ◀── host port
//        └─ data ─▶ snax_dbus_demux ─┬─▶ core memory (data port)
//                                    ├─▶ snax_tcdm_adapter ─▶ TCDM port 0
//                                    ├─▶ snax_ctrl_block (control + perf counters)
//                                    ├─▶ snax_dma register port
//                                    └─▶ accelerator register windows
//   snax_dma ── read ports ─▶ TCDM 1..P, write ports ─▶ TCDM P+1..2P, ─▶ L3 port
//   snax_accelerators ── streamer ports ─▶ TCDM 2P+1..
//
// Assertions are immediate assertions in clocked processes (checked at every rising edge
// outside reset, in every simulation, --assert): the same checks as `assert property ...
// disable iff (!rst_ni)` without the per-evaluation sampling Verilator does for concurrent
// assertions. lowRISC's prim_assert.sv macros compile to nothing under Verilator.

module snax_cluster import snax_cluster_cfg_pkg::*; (
  input  logic                              clk_i,
  input  logic                              rst_ni,
  input  logic                              fetch_en_i,

  input  logic                              host_req_i,
  input  logic                              host_we_i,
  input  logic [31:0]                       host_addr_i,
  input  logic [31:0]                       host_wdata_i,
  output logic [31:0]                       host_rdata_o,

  output logic                              l3_req_valid_o,
  input  logic                              l3_req_ready_i,
  output logic                              l3_req_we_o,
  output logic [31:0]                       l3_req_addr_o,
  output logic [511:0]                      l3_req_wdata_o,
  output logic [63:0]                       l3_req_strb_o,
  input  logic                              l3_rsp_valid_i,
  input  logic [511:0]                      l3_rsp_rdata_i,

  output logic                              exit_valid_o,
  output logic [31:0]                       exit_code_o,
  output logic                              char_valid_o,
  output logic [7:0]                        char_o,
  output logic                              trap_valid_o,
  output logic [31:0]                       trap_cause_o,
  output logic [31:0]                       trap_pc_o,
  output logic [31:0]                       trap_tval_o,
  output logic [31:0]                       pc_o,
  output logic [NumPerfCounters*64-1:0]     perf_o
);

  localparam int unsigned DmaPorts     = DmaWidth / BankWidth;
  localparam int unsigned NumTcdmPorts = 1 + 2 * DmaPorts + NumAccTcdmPorts;
  localparam int unsigned AccPortsSz   = NumAccTcdmPorts > 0 ? NumAccTcdmPorts : 1;
  localparam int unsigned NumAccSz     = NumAcc > 0 ? NumAcc : 1;

  // Data-bus targets, in `sel` bit order.
  localparam int unsigned TgtMem     = 0;
  localparam int unsigned TgtTcdm    = 1;
  localparam int unsigned TgtCtrl    = 2;
  localparam int unsigned TgtDma     = 3;
  localparam int unsigned TgtAcc0    = 4;
  localparam int unsigned NumTargets = TgtAcc0 + NumAcc;

  localparam logic [31:0] CtrlRegBytes = 32'h20;    // EXIT .. TRAP_TVAL
  localparam logic [31:0] PerfOffset   = 32'h100;
  localparam logic [31:0] DmaRegBytes  = 32'h100;

  ///////////////
  // Core      //
  ///////////////

  logic        instr_req, instr_gnt, instr_rvalid, instr_err;
  logic [31:0] instr_addr, instr_rdata;
  logic        data_req, data_gnt, data_rvalid, data_we, data_err;
  logic [3:0]  data_be;
  logic [31:0] data_addr, data_wdata, data_rdata;
  logic        core_sleep;

  // The core runs once fetch has been enabled (it cannot be disabled again). Registered:
  // no combinational path from the harness inputs into the core.
  logic fetch_en_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      fetch_en_q <= 1'b0;
    end else if (fetch_en_i) begin
      fetch_en_q <= 1'b1;
    end
  end

  snax_core u_core (
    .clk_i,
    .rst_ni,
    .fetch_en_i    (fetch_en_q),
    .instr_req_o   (instr_req),
    .instr_gnt_i   (instr_gnt),
    .instr_rvalid_i(instr_rvalid),
    .instr_addr_o  (instr_addr),
    .instr_rdata_i (instr_rdata),
    .instr_err_i   (instr_err),
    .data_req_o    (data_req),
    .data_gnt_i    (data_gnt),
    .data_rvalid_i (data_rvalid),
    .data_we_o     (data_we),
    .data_be_o     (data_be),
    .data_addr_o   (data_addr),
    .data_wdata_o  (data_wdata),
    .data_rdata_i  (data_rdata),
    .data_err_i    (data_err),
    .pc_o,
    .sleep_o       (core_sleep)
  );

  ///////////////////////////
  // Data-bus address map  //
  ///////////////////////////

  function automatic logic in_window(logic [31:0] addr, logic [31:0] base, logic [31:0] size);
    return addr - base < size;  // unsigned: also rejects addr < base
  endfunction

  logic [NumTargets-1:0] data_sel;
  assign data_sel[TgtMem]  = in_window(data_addr, CoreMemBase, CoreMemBytes);
  assign data_sel[TgtTcdm] = in_window(data_addr, TcdmBase, TcdmBytes);
  assign data_sel[TgtCtrl] = in_window(data_addr, PeriphBase, CtrlRegBytes) ||
                             in_window(data_addr, PeriphBase + PerfOffset, 8 * NumPerfCounters);
  assign data_sel[TgtDma]  = in_window(data_addr, DmaBase, DmaRegBytes);
  for (genvar a = 0; a < int'(NumAcc); a++) begin : gen_acc_sel
    assign data_sel[TgtAcc0 + a] =
        in_window(data_addr, AccBase + a * AccWindowBytes, AccWindowBytes);
  end

  logic [NumTargets-1:0]       tgt_req, tgt_gnt, tgt_rvalid;
  logic [NumTargets-1:0][31:0] tgt_rdata;

  snax_dbus_demux #(.NumTargets(NumTargets)) u_dbus_demux (
    .clk_i,
    .rst_ni,
    .req_i   (data_req),
    .sel_i   (data_sel),
    .gnt_o   (data_gnt),
    .rvalid_o(data_rvalid),
    .rdata_o (data_rdata),
    .err_o   (data_err),
    .req_o   (tgt_req),
    .gnt_i   (tgt_gnt),
    .rvalid_i(tgt_rvalid),
    .rdata_i (tgt_rdata)
  );

  ///////////////////
  // Core memory   //
  ///////////////////

  snax_core_mem u_core_mem (
    .clk_i,
    .rst_ni,
    .instr_req_i   (instr_req),
    .instr_gnt_o   (instr_gnt),
    .instr_rvalid_o(instr_rvalid),
    .instr_addr_i  (instr_addr),
    .instr_rdata_o (instr_rdata),
    .instr_err_o   (instr_err),
    .data_req_i    (tgt_req[TgtMem]),
    .data_gnt_o    (tgt_gnt[TgtMem]),
    .data_rvalid_o (tgt_rvalid[TgtMem]),
    .data_we_i     (data_we),
    .data_be_i     (data_be),
    .data_addr_i   (data_addr),
    .data_wdata_i  (data_wdata),
    .data_rdata_o  (tgt_rdata[TgtMem]),
    .host_req_i,
    .host_we_i,
    .host_addr_i,
    .host_wdata_i,
    .host_rdata_o
  );

  //////////////
  // TCDM     //
  //////////////

  logic [NumTcdmPorts-1:0]       tcdm_req, tcdm_we, tcdm_gnt, tcdm_rvalid;
  logic [NumTcdmPorts-1:0][31:0] tcdm_addr;
  logic [NumTcdmPorts-1:0][7:0]  tcdm_be;
  logic [NumTcdmPorts-1:0][63:0] tcdm_wdata, tcdm_rdata;
  logic [7:0]                    tcdm_conflicts;

  snax_tcdm_adapter u_core_tcdm_adapter (
    .clk_i,
    .rst_ni,
    .req_i        (tgt_req[TgtTcdm]),
    .we_i         (data_we),
    .be_i         (data_be),
    .addr_i       (data_addr),
    .wdata_i      (data_wdata),
    .gnt_o        (tgt_gnt[TgtTcdm]),
    .rvalid_o     (tgt_rvalid[TgtTcdm]),
    .rdata_o      (tgt_rdata[TgtTcdm]),
    .tcdm_req_o   (tcdm_req[0]),
    .tcdm_addr_o  (tcdm_addr[0]),
    .tcdm_we_o    (tcdm_we[0]),
    .tcdm_be_o    (tcdm_be[0]),
    .tcdm_wdata_o (tcdm_wdata[0]),
    .tcdm_gnt_i   (tcdm_gnt[0]),
    .tcdm_rvalid_i(tcdm_rvalid[0]),
    .tcdm_rdata_i (tcdm_rdata[0])
  );

  snax_tcdm #(.NumPorts(NumTcdmPorts)) u_tcdm (
    .clk_i,
    .rst_ni,
    .req_i      (tcdm_req),
    .we_i       (tcdm_we),
    .addr_i     (tcdm_addr),
    .be_i       (tcdm_be),
    .wdata_i    (tcdm_wdata),
    .gnt_o      (tcdm_gnt),
    .rvalid_o   (tcdm_rvalid),
    .rdata_o    (tcdm_rdata),
    .conflicts_o(tcdm_conflicts)
  );

  //////////////
  // DMA      //
  //////////////

  localparam int unsigned DmaRd0 = 1;
  localparam int unsigned DmaWr0 = 1 + DmaPorts;
  localparam int unsigned Acc0   = 1 + 2 * DmaPorts;

  logic       dma_busy;
  logic [7:0] dma_bytes_read, dma_bytes_written;

  snax_dma u_dma (
    .clk_i,
    .rst_ni,
    .reg_req_i         (tgt_req[TgtDma]),
    .reg_we_i          (data_we),
    .reg_be_i          (data_be),
    .reg_addr_i        (data_addr[7:0]),
    .reg_wdata_i       (data_wdata),
    .reg_gnt_o         (tgt_gnt[TgtDma]),
    .reg_rvalid_o      (tgt_rvalid[TgtDma]),
    .reg_rdata_o       (tgt_rdata[TgtDma]),
    .tcdm_rd_req_o     (tcdm_req[DmaRd0 +: DmaPorts]),
    .tcdm_rd_addr_o    (tcdm_addr[DmaRd0 +: DmaPorts]),
    .tcdm_rd_we_o      (tcdm_we[DmaRd0 +: DmaPorts]),
    .tcdm_rd_be_o      (tcdm_be[DmaRd0 +: DmaPorts]),
    .tcdm_rd_wdata_o   (tcdm_wdata[DmaRd0 +: DmaPorts]),
    .tcdm_rd_gnt_i     (tcdm_gnt[DmaRd0 +: DmaPorts]),
    .tcdm_rd_rvalid_i  (tcdm_rvalid[DmaRd0 +: DmaPorts]),
    .tcdm_rd_rdata_i   (tcdm_rdata[DmaRd0 +: DmaPorts]),
    .tcdm_wr_req_o     (tcdm_req[DmaWr0 +: DmaPorts]),
    .tcdm_wr_addr_o    (tcdm_addr[DmaWr0 +: DmaPorts]),
    .tcdm_wr_we_o      (tcdm_we[DmaWr0 +: DmaPorts]),
    .tcdm_wr_be_o      (tcdm_be[DmaWr0 +: DmaPorts]),
    .tcdm_wr_wdata_o   (tcdm_wdata[DmaWr0 +: DmaPorts]),
    .tcdm_wr_gnt_i     (tcdm_gnt[DmaWr0 +: DmaPorts]),
    .tcdm_wr_rvalid_i  (tcdm_rvalid[DmaWr0 +: DmaPorts]),
    .tcdm_wr_rdata_i   (tcdm_rdata[DmaWr0 +: DmaPorts]),
    .l3_req_valid_o,
    .l3_req_ready_i,
    .l3_req_we_o,
    .l3_req_addr_o,
    .l3_req_wdata_o,
    .l3_req_strb_o,
    .l3_rsp_valid_i,
    .l3_rsp_rdata_i,
    .busy_o            (dma_busy),
    .bytes_read_o      (dma_bytes_read),
    .bytes_written_o   (dma_bytes_written)
  );

  //////////////////////
  // Accelerators     //
  //////////////////////

  logic [NumAccSz-1:0]          acc_reg_req, acc_reg_gnt, acc_reg_rvalid;
  logic [NumAccSz-1:0][31:0]    acc_reg_rdata;
  logic [NumAccSz-1:0]          acc_busy;
  logic [AccPortsSz-1:0]        acc_tcdm_req, acc_tcdm_we, acc_tcdm_gnt, acc_tcdm_rvalid;
  logic [AccPortsSz-1:0][31:0]  acc_tcdm_addr;
  logic [AccPortsSz-1:0][7:0]   acc_tcdm_be;
  logic [AccPortsSz-1:0][63:0]  acc_tcdm_wdata, acc_tcdm_rdata;

  if (NumAcc == 0) begin : gen_no_acc
    assign acc_reg_req = '0;
    logic unused_acc_reg;
    assign unused_acc_reg = ^{acc_reg_gnt, acc_reg_rvalid, acc_reg_rdata};
  end
  for (genvar a = 0; a < int'(NumAcc); a++) begin : gen_acc_bus
    assign acc_reg_req[a]          = tgt_req[TgtAcc0 + a];
    assign tgt_gnt[TgtAcc0 + a]    = acc_reg_gnt[a];
    assign tgt_rvalid[TgtAcc0 + a] = acc_reg_rvalid[a];
    assign tgt_rdata[TgtAcc0 + a]  = acc_reg_rdata[a];
  end

  if (NumAccTcdmPorts == 0) begin : gen_no_acc_tcdm
    assign acc_tcdm_gnt    = '0;
    assign acc_tcdm_rvalid = '0;
    assign acc_tcdm_rdata  = '0;
    logic unused_acc_tcdm;
    assign unused_acc_tcdm = ^{acc_tcdm_req, acc_tcdm_we, acc_tcdm_addr, acc_tcdm_be,
                               acc_tcdm_wdata};
  end
  for (genvar p = 0; p < int'(NumAccTcdmPorts); p++) begin : gen_acc_tcdm
    assign tcdm_req[Acc0 + p]   = acc_tcdm_req[p];
    assign tcdm_we[Acc0 + p]    = acc_tcdm_we[p];
    assign tcdm_addr[Acc0 + p]  = acc_tcdm_addr[p];
    assign tcdm_be[Acc0 + p]    = acc_tcdm_be[p];
    assign tcdm_wdata[Acc0 + p] = acc_tcdm_wdata[p];
    assign acc_tcdm_gnt[p]      = tcdm_gnt[Acc0 + p];
    assign acc_tcdm_rvalid[p]   = tcdm_rvalid[Acc0 + p];
    assign acc_tcdm_rdata[p]    = tcdm_rdata[Acc0 + p];
  end

  snax_accelerators u_accelerators (
    .clk_i,
    .rst_ni,
    .reg_req_i     (acc_reg_req),
    .reg_we_i      ({NumAccSz{data_we}}),
    .reg_be_i      ({NumAccSz{data_be}}),
    .reg_addr_i    ({NumAccSz{data_addr[11:0]}}),
    .reg_wdata_i   ({NumAccSz{data_wdata}}),
    .reg_gnt_o     (acc_reg_gnt),
    .reg_rvalid_o  (acc_reg_rvalid),
    .reg_rdata_o   (acc_reg_rdata),
    .busy_o        (acc_busy),
    .tcdm_req_o    (acc_tcdm_req),
    .tcdm_addr_o   (acc_tcdm_addr),
    .tcdm_we_o     (acc_tcdm_we),
    .tcdm_be_o     (acc_tcdm_be),
    .tcdm_wdata_o  (acc_tcdm_wdata),
    .tcdm_gnt_i    (acc_tcdm_gnt),
    .tcdm_rvalid_i (acc_tcdm_rvalid),
    .tcdm_rdata_i  (acc_tcdm_rdata)
  );

  /////////////////////////////////////////
  // Control block and perf counters     //
  /////////////////////////////////////////

  logic [NumPerfCounters-1:0][7:0]  perf_inc;
  logic [NumPerfCounters-1:0][63:0] perf_count;
  logic                             ended;

  always_comb begin
    perf_inc                         = '0;
    perf_inc[PerfCycles]             = 8'd1;
    perf_inc[PerfDmaBytesRead]       = dma_bytes_read;
    perf_inc[PerfDmaBytesWritten]    = dma_bytes_written;
    perf_inc[PerfDmaBusyCycles]      = {7'd0, dma_busy};
    perf_inc[PerfTcdmBankConflicts]  = tcdm_conflicts;
    perf_inc[PerfCoreActiveCycles]   = {7'd0, fetch_en_q && !core_sleep};
    perf_inc[PerfCoreDbusStallCycles] = {7'd0, data_req && !data_gnt};
    perf_inc[PerfAccBusyCycles]      = {7'd0, acc_busy != '0};
    perf_inc[PerfCoreOnlyCycles]     = {7'd0, acc_busy == '0 && !dma_busy};
  end

  snax_perf_counters u_perf_counters (
    .clk_i,
    .rst_ni,
    .en_i   (!ended),
    .inc_i  (perf_inc),
    .count_o(perf_count)
  );

  snax_ctrl_block u_ctrl_block (
    .clk_i,
    .rst_ni,
    .req_i       (tgt_req[TgtCtrl]),
    .we_i        (data_we),
    .be_i        (data_be),
    .addr_i      (data_addr[11:0]),
    .wdata_i     (data_wdata),
    .gnt_o       (tgt_gnt[TgtCtrl]),
    .rvalid_o    (tgt_rvalid[TgtCtrl]),
    .rdata_o     (tgt_rdata[TgtCtrl]),
    .perf_i      (perf_count),
    .exit_valid_o,
    .exit_code_o,
    .char_valid_o,
    .char_o,
    .trap_valid_o,
    .trap_cause_o,
    .trap_pc_o,
    .trap_tval_o,
    .ended_o     (ended)
  );

  assign perf_o = perf_count;

  ////////////////
  // Assertions //
  ////////////////

  // L3 requests are line-aligned and inside the L3 window.
  always_ff @(posedge clk_i) begin
    if (rst_ni && l3_req_valid_o) begin
      L3Aligned_A: assert (l3_req_addr_o[5:0] == 6'd0 && l3_req_addr_o >= L3Base)
        else $error("L3 request to 0x%08x: not a line address in L3", l3_req_addr_o);
    end
  end

  logic unused_data_addr;
  assign unused_data_addr = ^data_addr[31:12];

endmodule
