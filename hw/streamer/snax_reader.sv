// Reader streamer: fetches one beat of `NumPorts` 64-bit words per temporal step from the
// TCDM into per-port prefetch FIFOs, and hands the datapath whole beats (valid/ready).
//
// Port p of a beat reads   agu_addr + sum_s c_s(p) * sstride_s,
// with c(p) = p in the mixed radix `SpatialShape` (dim 0 fastest).
//
// Ports of a beat are granted independently (partial grants are normal); the address
// generator advances once every port of the beat has been granted. A port only requests
// when its FIFO has room for the answer, so reads are never lost. A port also holds back
// from banks in `banks_taken_i`, the banks that higher-priority streamers of the same
// accelerator request in this cycle, so the shell resolves its own conflicts by priority
// instead of losing cycles in the TCDM arbiters.
`include "snax_assert.svh"

module snax_reader #(
  parameter int unsigned                     NumPorts     = 8,
  parameter int unsigned                     SpatialDims  = 1,
  parameter logic [SpatialDims-1:0][31:0]    SpatialShape = {SpatialDims{32'(NumPorts)}},
  parameter int unsigned                     TemporalDims = 6,
  parameter int unsigned                     BoundWidth   = 16,
  parameter int unsigned                     FifoDepth    = 4,
  parameter int unsigned                     NumBanks     = 32,
  parameter logic [31:0]                     TcdmBase     = 32'h1000_0000,
  parameter int unsigned                     TcdmBytes    = 128 * 1024
) (
  input  logic                             clk_i,
  input  logic                             rst_ni,
  // Configuration (stable while busy) and control.
  input  logic                             start_i,
  input  logic [31:0]                      base_i,
  input  logic [TemporalDims-1:0][31:0]    bounds_i,
  input  logic [TemporalDims-1:0][31:0]    strides_i,
  input  logic [SpatialDims-1:0][31:0]     sstrides_i,
  output logic                             busy_o,
  output logic                             stall_o,
  // Datapath side.
  output logic [NumPorts-1:0][63:0]        data_o,
  output logic                             valid_o,
  input  logic                             ready_i,
  // Bank reservation chain.
  input  logic [NumBanks-1:0]              banks_taken_i,
  output logic [NumBanks-1:0]              banks_o,
  // TCDM narrow ports.
  output logic [NumPorts-1:0]              tcdm_req_o,
  output logic [NumPorts-1:0][31:0]        tcdm_addr_o,
  output logic [NumPorts-1:0]              tcdm_we_o,
  output logic [NumPorts-1:0][7:0]         tcdm_be_o,
  output logic [NumPorts-1:0][63:0]        tcdm_wdata_o,
  input  logic [NumPorts-1:0]              tcdm_gnt_i,
  input  logic [NumPorts-1:0]              tcdm_rvalid_i,
  input  logic [NumPorts-1:0][63:0]        tcdm_rdata_i
);

  localparam int unsigned BankW = NumBanks > 1 ? $clog2(NumBanks) : 1;
  localparam int unsigned CntW  = $clog2(FifoDepth + 1);

  logic        agu_valid, agu_ready, agu_active;
  logic [31:0] agu_addr;

  snax_streamer_agu #(
    .TemporalDims(TemporalDims),
    .BoundWidth  (BoundWidth)
  ) u_agu (
    .clk_i,
    .rst_ni,
    .start_i,
    .base_i,
    .bounds_i,
    .strides_i,
    .valid_o (agu_valid),
    .addr_o  (agu_addr),
    .ready_i (agu_ready),
    .active_o(agu_active)
  );

  // Spatial offsets: constant while a pattern runs.
  // Spatial offsets: the coordinates of each port are elaboration-time constants.
  typedef logic [NumPorts-1:0][SpatialDims-1:0][31:0] coords_t;
  function automatic coords_t port_coords();
    coords_t c;
    for (int unsigned p = 0; p < NumPorts; p++) begin
      int unsigned rest;
      rest = p;
      for (int unsigned s = 0; s < SpatialDims; s++) begin
        c[p][s] = 32'(rest % SpatialShape[s]);
        rest    = rest / SpatialShape[s];
      end
    end
    return c;
  endfunction
  localparam coords_t Coords = port_coords();

  logic [NumPorts-1:0][31:0] spatial_off;
  always_comb begin
    for (int unsigned p = 0; p < NumPorts; p++) begin
      spatial_off[p] = '0;
      for (int unsigned s = 0; s < SpatialDims; s++) begin
        spatial_off[p] += Coords[p][s] * sstrides_i[s];
      end
    end
  end

  logic [NumPorts-1:0]           granted_q, granted_d, inflight_q;
  logic [NumPorts-1:0]           want, fire, fifo_valid, fifo_full;
  logic [NumPorts-1:0][CntW-1:0] fifo_count;
  logic [NumPorts-1:0][NumBanks-1:0] port_bank;

  always_comb begin
    banks_o = '0;
    for (int unsigned p = 0; p < NumPorts; p++) begin
      tcdm_addr_o[p]  = agu_addr + spatial_off[p];
      port_bank[p]    = NumBanks'(1) << tcdm_addr_o[p][3 +: BankW];
      // Room in the FIFO for everything requested so far (reads return after one cycle).
      want[p]         = agu_valid && !granted_q[p] &&
                        (32'(fifo_count[p]) + 32'(inflight_q[p]) < FifoDepth);
      tcdm_req_o[p]   = want[p] && !(|(port_bank[p] & banks_taken_i));
      tcdm_we_o[p]    = 1'b0;
      tcdm_be_o[p]    = '1;
      tcdm_wdata_o[p] = '0;
      fire[p]         = tcdm_req_o[p] && tcdm_gnt_i[p];
      if (tcdm_req_o[p]) banks_o |= port_bank[p];
    end
  end

  assign agu_ready = &(granted_q | fire);
  assign granted_d = agu_ready ? '0 : (granted_q | fire);
  assign stall_o   = |(want & ~fire);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      granted_q  <= '0;
      inflight_q <= '0;
    end else begin
      if (agu_valid) granted_q <= granted_d;
      inflight_q <= fire;
    end
  end

  for (genvar p = 0; p < NumPorts; p++) begin : gen_port
    snax_stream_fifo #(
      .Width      (64),
      .Depth      (FifoDepth),
      .FallThrough(1'b1)
    ) u_fifo (
      .clk_i,
      .rst_ni,
      .push_i (tcdm_rvalid_i[p]),
      .data_i (tcdm_rdata_i[p]),
      .full_o (fifo_full[p]),
      .pop_i  (valid_o && ready_i),
      .valid_o(fifo_valid[p]),
      .data_o (data_o[p]),
      .count_o(fifo_count[p])
    );

  end

  assign valid_o = &fifo_valid;
  assign busy_o  = agu_active || (|fifo_valid) || (|inflight_q);

  // Every port's address lies in the TCDM and is 8-byte aligned (one check for all ports).
  logic [NumPorts-1:0] addr_bad;
  always_comb begin
    for (int unsigned p = 0; p < NumPorts; p++) begin
      addr_bad[p] = tcdm_req_o[p] && (tcdm_addr_o[p] < TcdmBase ||
                    tcdm_addr_o[p] - TcdmBase >= TcdmBytes || tcdm_addr_o[p][2:0] != 3'b0);
    end
  end

  `SNAX_ASSERT_IMPLIES(AddrInTcdm, |tcdm_req_o, addr_bad == '0)
  `SNAX_ASSERT(ReadDataOnlyWhenRequested, tcdm_rvalid_i == inflight_q)
  `SNAX_ASSERT_IMPLIES(NoStartWhileBusy, start_i, !busy_o)
  `SNAX_ASSERT(FifoNeverOverflows, !(|(fifo_full & tcdm_rvalid_i)))

endmodule
