// Control block at PeriphBase (register map in docs/hardware.md): program exit, character
// output, cycle counter, trap report, and read access to the performance counters at
// offset 0x100 + 8·i. Register port with the Ibex data-bus protocol (always granted,
// response one cycle after the grant); the cluster decoder only routes mapped offsets here.
//
// Assertions are plain SVA, checked in every simulation (--assert): lowRISC's
// prim_assert.sv macros compile to nothing under Verilator.

module snax_ctrl_block import snax_cluster_cfg_pkg::*; (
  input  logic                              clk_i,
  input  logic                              rst_ni,

  input  logic                              req_i,
  input  logic                              we_i,
  input  logic [3:0]                        be_i,
  input  logic [11:0]                       addr_i,
  input  logic [31:0]                       wdata_i,
  output logic                              gnt_o,
  output logic                              rvalid_o,
  output logic [31:0]                       rdata_o,

  input  logic [NumPerfCounters-1:0][63:0]  perf_i,

  output logic                              exit_valid_o,
  output logic [31:0]                       exit_code_o,
  output logic                              char_valid_o,
  output logic [7:0]                        char_o,
  output logic                              trap_valid_o,
  output logic [31:0]                       trap_cause_o,
  output logic [31:0]                       trap_pc_o,
  output logic [31:0]                       trap_tval_o,
  // High from the cycle after the program wrote EXIT or TRAP_TVAL (sticky).
  output logic                              ended_o
);

  localparam logic [11:0] RegExit      = 12'h000;
  localparam logic [11:0] RegPutchar   = 12'h004;
  localparam logic [11:0] RegCycleLo   = 12'h008;
  localparam logic [11:0] RegCycleHi   = 12'h00C;
  localparam logic [11:0] RegTrapCause = 12'h010;
  localparam logic [11:0] RegTrapPc    = 12'h014;
  localparam logic [11:0] RegTrapTval  = 12'h018;
  localparam logic [11:0] PerfOffset   = 12'h100;

  logic        wr, rd;
  logic        exit_valid_q, char_valid_q, trap_valid_q, ended_q, rvalid_q;
  logic [31:0] exit_code_q, trap_cause_q, trap_pc_q, trap_tval_q, rdata_q, rdata_d;
  logic [7:0]  char_q;

  assign gnt_o = 1'b1;
  assign wr    = req_i && we_i;
  assign rd    = req_i && !we_i;

  // Read data
  logic [11:0] perf_off;
  logic [8:0]  perf_idx;
  assign perf_off = addr_i - PerfOffset;
  assign perf_idx = perf_off[11:3];

  always_comb begin
    rdata_d = '0;
    if (addr_i >= PerfOffset) begin
      if (32'(perf_idx) < NumPerfCounters) begin
        rdata_d = perf_off[2] ? perf_i[perf_idx][63:32] : perf_i[perf_idx][31:0];
      end
    end else begin
      unique case (addr_i)
        RegCycleLo: rdata_d = perf_i[PerfCycles][31:0];
        RegCycleHi: rdata_d = perf_i[PerfCycles][63:32];
        default:    rdata_d = '0;  // write-only registers read as zero
      endcase
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rvalid_q     <= 1'b0;
      rdata_q      <= '0;
      exit_valid_q <= 1'b0;
      exit_code_q  <= '0;
      char_valid_q <= 1'b0;
      char_q       <= '0;
      trap_valid_q <= 1'b0;
      trap_cause_q <= '0;
      trap_pc_q    <= '0;
      trap_tval_q  <= '0;
      ended_q      <= 1'b0;
    end else begin
      rvalid_q     <= req_i;
      rdata_q      <= rd ? rdata_d : '0;
      exit_valid_q <= wr && addr_i == RegExit;
      char_valid_q <= wr && addr_i == RegPutchar;
      trap_valid_q <= wr && addr_i == RegTrapTval;
      if (wr) begin
        unique case (addr_i)
          RegExit:      exit_code_q  <= wdata_i;
          RegPutchar:   char_q       <= wdata_i[7:0];
          RegTrapCause: trap_cause_q <= wdata_i;
          RegTrapPc:    trap_pc_q    <= wdata_i;
          RegTrapTval:  trap_tval_q  <= wdata_i;
          default: ;
        endcase
      end
      if (wr && (addr_i == RegExit || addr_i == RegTrapTval)) begin
        ended_q <= 1'b1;
      end
    end
  end

  assign rvalid_o     = rvalid_q;
  assign rdata_o      = rdata_q;
  assign exit_valid_o = exit_valid_q;
  assign exit_code_o  = exit_code_q;
  assign char_valid_o = char_valid_q;
  assign char_o       = char_q;
  assign trap_valid_o = trap_valid_q;
  assign trap_cause_o = trap_cause_q;
  assign trap_pc_o    = trap_pc_q;
  assign trap_tval_o  = trap_tval_q;
  assign ended_o      = ended_q;

  // Registers are 32 bit wide and naturally aligned.
  always_ff @(posedge clk_i) begin
    if (rst_ni && req_i) begin
      AlignedAccess_A: assert (addr_i[1:0] == 2'b00)
        else $error("unaligned control-block access at offset 0x%03x", addr_i);
    end
  end

  logic unused_bits;
  assign unused_bits = ^{be_i, perf_off[1:0]};

endmodule
