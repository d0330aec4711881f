// Private memory of the control core (code, data, stack) at CoreMemBase.
// Three ports, all with one cycle of read latency:
//   - instruction port (read only; always granted; a fetch outside the memory answers
//     with an error so the core takes an instruction access fault),
//   - data port (read/write with byte enables; already decoded to this memory),
//   - host backdoor port (word access used by the simulation harness to load programs and
//     read results).
//
// Assertions are plain SVA, checked in every simulation (--assert): lowRISC's
// prim_assert.sv macros compile to nothing under Verilator.

module snax_core_mem import snax_cluster_cfg_pkg::*; (
  input  logic        clk_i,
  input  logic        rst_ni,

  input  logic        instr_req_i,
  output logic        instr_gnt_o,
  output logic        instr_rvalid_o,
  input  logic [31:0] instr_addr_i,
  output logic [31:0] instr_rdata_o,
  output logic        instr_err_o,

  input  logic        data_req_i,
  output logic        data_gnt_o,
  output logic        data_rvalid_o,
  input  logic        data_we_i,
  input  logic [3:0]  data_be_i,
  input  logic [31:0] data_addr_i,
  input  logic [31:0] data_wdata_i,
  output logic [31:0] data_rdata_o,

  input  logic        host_req_i,
  input  logic        host_we_i,
  input  logic [31:0] host_addr_i,
  input  logic [31:0] host_wdata_i,
  output logic [31:0] host_rdata_o
);

  localparam int unsigned Words    = CoreMemBytes / 4;
  localparam int unsigned AddrBits = $clog2(CoreMemBytes);
  localparam int unsigned IdxBits  = AddrBits - 2;

  logic [31:0] mem_q [Words];

  function automatic logic in_range(logic [31:0] addr);
    return addr - CoreMemBase < CoreMemBytes;  // unsigned: also rejects addr < base
  endfunction

  logic [IdxBits-1:0] instr_idx, data_idx, host_idx;
  assign instr_idx = instr_addr_i[AddrBits-1:2];
  assign data_idx  = data_addr_i[AddrBits-1:2];
  assign host_idx  = host_addr_i[AddrBits-1:2];

  // Instruction port
  logic        instr_ok;
  logic        instr_rvalid_q, instr_err_q;
  logic [31:0] instr_rdata_q;

  assign instr_ok    = in_range(instr_addr_i);
  assign instr_gnt_o = instr_req_i;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      instr_rvalid_q <= 1'b0;
      instr_err_q    <= 1'b0;
    end else begin
      instr_rvalid_q <= instr_req_i;
      instr_err_q    <= instr_req_i && !instr_ok;
    end
  end

  always_ff @(posedge clk_i) begin
    if (instr_req_i && instr_ok) begin
      instr_rdata_q <= mem_q[instr_idx];
    end
  end

  assign instr_rvalid_o = instr_rvalid_q;
  assign instr_err_o    = instr_err_q;
  assign instr_rdata_o  = instr_err_q ? 32'h0 : instr_rdata_q;

  // Data and host ports. The host only uses its port while the core is held in reset or
  // has ended its program, so the two never collide in practice; if they do, the host's
  // write lands last. The data port is always granted: no combinational path from the
  // harness inputs into the core (Verilator re-evaluates such paths on every eval()).
  logic        data_access;
  logic        data_rvalid_q;
  logic [31:0] data_rdata_q, host_rdata_q;
  logic [31:0] bitmask;

  assign data_gnt_o  = data_req_i;
  assign data_access = data_req_i;

  for (genvar b = 0; b < 4; b++) begin : gen_bitmask
    assign bitmask[8*b +: 8] = {8{data_be_i[b]}};
  end

  always_ff @(posedge clk_i) begin
    if (data_access) begin
      if (data_we_i) begin
        mem_q[data_idx] <= (mem_q[data_idx] & ~bitmask) | (data_wdata_i & bitmask);
      end
      data_rdata_q <= mem_q[data_idx];
    end
    if (host_req_i) begin
      if (host_we_i) begin
        mem_q[host_idx] <= host_wdata_i;
      end
      host_rdata_q <= mem_q[host_idx];
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      data_rvalid_q <= 1'b0;
    end else begin
      data_rvalid_q <= data_access;
    end
  end

  assign data_rvalid_o = data_rvalid_q;
  assign data_rdata_o  = data_rdata_q;
  assign host_rdata_o  = host_rdata_q;

  // The cluster decoder only routes in-range data accesses here, the harness only asks for
  // words inside the memory.
  always_ff @(posedge clk_i) begin
    if (rst_ni && data_req_i) begin
      DataInRange_A: assert (in_range(data_addr_i))
        else $error("core data access outside core memory: 0x%08x", data_addr_i);
    end
  end
  // The host port is used while the cluster is held in reset: check it regardless of reset.
  always_ff @(posedge clk_i) begin
    if (host_req_i) begin
      HostInRange_A: assert (in_range(host_addr_i))
        else $error("host access outside core memory: 0x%08x", host_addr_i);
    end
  end

  logic unused_addr_bits;
  assign unused_addr_bits = ^{instr_addr_i[1:0], data_addr_i[1:0], host_addr_i[1:0]};

endmodule
