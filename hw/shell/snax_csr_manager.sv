// CSR manager of an accelerator shell (the loosely coupled half of the hybrid coupling).
//
// The core writes configuration words into shadow registers at any time. Writing LAUNCH
// pushes a copy of the whole shadow set into a queue of `QueueDepth` pending
// configurations; the accelerator starts the oldest pending one as soon as the previous
// operation completes, so the core can prepare and launch the next configuration while
// the accelerator runs. A LAUNCH into a full queue is not granted (the core's bus stalls)
// until a slot frees up: a launch is never dropped. Register map: see
// snaxc/accelerators/description.py (the generated <kind>_acc_pkg has the offsets).
//
// Operation protocol with the datapath and streamers: in the cycle `start_o` is high,
// `cfg_o` already holds the new configuration (and keeps it until the next start); the
// operation is complete in the first later cycle in which `op_done_i` is high.
`include "snax_assert.svh"

module snax_csr_manager #(
  parameter int unsigned NumCfgRegs   = 16,
  parameter int unsigned QueueDepth   = 2,
  parameter int unsigned NumStreamers = 1
) (
  input  logic                         clk_i,
  input  logic                         rst_ni,
  // Register port (Ibex data-bus protocol).
  input  logic                         reg_req_i,
  input  logic                         reg_we_i,
  input  logic [3:0]                   reg_be_i,
  input  logic [11:0]                  reg_addr_i,
  input  logic [31:0]                  reg_wdata_i,
  output logic                         reg_gnt_o,
  output logic                         reg_rvalid_o,
  output logic [31:0]                  reg_rdata_o,
  // Active configuration and operation control.
  output logic [NumCfgRegs-1:0][31:0]  cfg_o,
  output logic                         start_o,
  input  logic                         op_done_i,
  // High from a launch until its operation completes (also while launches wait queued).
  output logic                         busy_o,
  // Counter inputs.
  input  logic                         dp_stall_i,
  input  logic [NumStreamers-1:0]      str_stall_i
);

  localparam logic [11:0] RegLaunch      = 12'h000;
  localparam logic [11:0] RegDone        = 12'h004;
  localparam logic [11:0] RegStatus      = 12'h008;
  localparam logic [11:0] RegBusyCycles  = 12'h00C;
  localparam logic [11:0] RegStallCycles = 12'h010;
  localparam logic [11:0] RegStrStall    = 12'h040;
  localparam logic [11:0] RegCfg         = 12'h100;
  localparam int unsigned PtrW = QueueDepth > 1 ? $clog2(QueueDepth) : 1;
  localparam int unsigned CntW = $clog2(QueueDepth + 1);
  localparam int unsigned SelW = NumCfgRegs > 1 ? $clog2(NumCfgRegs) : 1;

  // Shadow registers -------------------------------------------------------------------------

  // Shadow registers and queue entries are unpacked arrays: writing one word (or one entry)
  // then costs one word in simulation, not a copy of the whole set.
  logic [31:0]                 shadow_q [NumCfgRegs];
  logic [31:0]                 bit_mask;
  logic                        is_cfg, is_launch;
  logic [9:0]                  cfg_idx;
  logic [SelW-1:0]             cfg_sel;  // cfg_idx, when it is a configuration register

  assign cfg_idx   = reg_addr_i[11:2] - 10'(RegCfg >> 2);
  assign is_cfg    = reg_addr_i >= RegCfg && 32'(cfg_idx) < NumCfgRegs;
  assign cfg_sel   = cfg_idx[SelW-1:0];
  assign is_launch = reg_addr_i[11:2] == RegLaunch[11:2];
  assign bit_mask  = {{8{reg_be_i[3]}}, {8{reg_be_i[2]}}, {8{reg_be_i[1]}}, {8{reg_be_i[0]}}};

  // Launch queue -----------------------------------------------------------------------------

  logic [31:0]     queue_q [QueueDepth][NumCfgRegs];
  logic [PtrW-1:0] head_q, tail_q;
  logic [CntW-1:0] count_q;
  logic            active_q, start_q;
  logic            complete, slot_free, launch, queue_full, pop, push, bypass;
  logic [31:0]     launched_q, completed_q, busy_cycles_q, stall_cycles_q;
  logic [NumStreamers-1:0][31:0] str_stall_q;

  assign complete   = active_q && !start_q && op_done_i;
  assign slot_free  = !active_q || complete;
  assign queue_full = count_q == CntW'(QueueDepth);
  // A launch is granted when it has a place: a free queue slot, or the operation slot
  // (directly, when nothing is queued), or a slot that the head vacates this cycle.
  assign reg_gnt_o  = reg_req_i && !(reg_we_i && is_launch && queue_full && !slot_free);
  assign launch     = reg_gnt_o && reg_we_i && is_launch;
  assign pop        = slot_free && count_q != '0;
  assign bypass     = slot_free && count_q == '0 && launch;
  assign push       = launch && !bypass;

  function automatic logic [PtrW-1:0] incr(logic [PtrW-1:0] ptr);
    return (32'(ptr) == QueueDepth - 1) ? '0 : ptr + 1'b1;
  endfunction

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int unsigned i = 0; i < NumCfgRegs; i++) shadow_q[i] <= '0;
      cfg_o    <= '0;
      head_q   <= '0;
      tail_q   <= '0;
      count_q  <= '0;
      active_q <= 1'b0;
      start_q  <= 1'b0;
    end else begin
      if (reg_gnt_o && reg_we_i && is_cfg) begin
        shadow_q[cfg_sel] <= (shadow_q[cfg_sel] & ~bit_mask) | (reg_wdata_i & bit_mask);
      end
      start_q <= 1'b0;
      if (complete) active_q <= 1'b0;
      if (pop) begin
        for (int unsigned i = 0; i < NumCfgRegs; i++) cfg_o[i] <= queue_q[head_q][i];
        head_q   <= incr(head_q);
        active_q <= 1'b1;
        start_q  <= 1'b1;
      end else if (bypass) begin
        for (int unsigned i = 0; i < NumCfgRegs; i++) cfg_o[i] <= shadow_q[i];
        active_q <= 1'b1;
        start_q  <= 1'b1;
      end
      if (push) tail_q <= incr(tail_q);
      count_q <= count_q + CntW'(push) - CntW'(pop);
    end
  end

  always_ff @(posedge clk_i) begin
    if (push) begin
      for (int unsigned i = 0; i < NumCfgRegs; i++) queue_q[tail_q][i] <= shadow_q[i];
    end
  end

  assign start_o = start_q;
  assign busy_o  = launched_q != completed_q;

  // Counters ---------------------------------------------------------------------------------

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      launched_q     <= '0;
      completed_q    <= '0;
      busy_cycles_q  <= '0;
      stall_cycles_q <= '0;
      str_stall_q    <= '0;
    end else begin
      if (launch) launched_q <= launched_q + 1;
      if (complete) completed_q <= completed_q + 1;
      if (launched_q != completed_q) busy_cycles_q <= busy_cycles_q + 1;
      if (active_q && dp_stall_i) stall_cycles_q <= stall_cycles_q + 1;
      for (int unsigned s = 0; s < NumStreamers; s++) begin
        if (str_stall_i[s]) str_stall_q[s] <= str_stall_q[s] + 1;
      end
    end
  end

  // Read port --------------------------------------------------------------------------------

  logic [31:0] rdata_d;
  logic [9:0]  str_idx;
  assign str_idx = reg_addr_i[11:2] - 10'(RegStrStall >> 2);

  always_comb begin
    rdata_d = '0;
    unique case (reg_addr_i[11:2])
      RegLaunch[11:2]:      rdata_d = launched_q;
      RegDone[11:2]:        rdata_d = completed_q;
      RegStatus[11:2]:      rdata_d = {16'b0, 8'(count_q), 6'b0, queue_full, active_q};
      RegBusyCycles[11:2]:  rdata_d = busy_cycles_q;
      RegStallCycles[11:2]: rdata_d = stall_cycles_q;
      default: begin
        if (is_cfg) begin
          rdata_d = shadow_q[cfg_sel];
        end else if (reg_addr_i >= RegStrStall && 32'(str_idx) < NumStreamers) begin
          rdata_d = str_stall_q[str_idx];
        end
      end
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      reg_rvalid_o <= 1'b0;
      reg_rdata_o  <= '0;
    end else begin
      reg_rvalid_o <= reg_gnt_o;
      if (reg_gnt_o && !reg_we_i) reg_rdata_o <= rdata_d;
    end
  end

  // A granted launch always finds a place; the queue never over- or underflows.
  `SNAX_ASSERT_IMPLIES(LaunchNeverDropped, launch, (bypass || push))
  `SNAX_ASSERT_IMPLIES(QueueNoOverflow, push, (!queue_full || pop))
  `SNAX_ASSERT_IMPLIES(QueueNoUnderflow, pop, count_q != '0)
  `SNAX_ASSERT_IMPLIES(OneOperationAtATime, start_q, !complete)
  `SNAX_ASSERT(CompletedNeverAhead, (launched_q - completed_q) <= 32'(QueueDepth + 1))

endmodule
