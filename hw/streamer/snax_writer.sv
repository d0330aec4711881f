// Writer streamer: takes beats of `NumPorts` 64-bit words from the datapath into a beat
// FIFO and writes each beat to the TCDM at the addresses of the temporal/spatial pattern
// (see snax_reader). Ports of a beat are granted independently; the beat leaves the FIFO
// when all its ports have been granted. Writes have no response, so a pattern is complete
// when its last beat has been granted. Ports hold back from `banks_taken_i` (banks of
// higher-priority streamers of the same accelerator in this cycle).
`include "snax_assert.svh"

module snax_writer #(
  parameter int unsigned                     NumPorts     = 8,
  parameter int unsigned                     SpatialDims  = 1,
  parameter logic [SpatialDims-1:0][31:0]    SpatialShape = {SpatialDims{32'(NumPorts)}},
  parameter int unsigned                     TemporalDims = 6,
  parameter int unsigned                     BoundWidth   = 16,
  parameter int unsigned                     FifoDepth    = 2,
  parameter int unsigned                     NumBanks     = 32,
  parameter logic [31:0]                     TcdmBase     = 32'h1000_0000,
  parameter int unsigned                     TcdmBytes    = 128 * 1024
) (
  input  logic                             clk_i,
  input  logic                             rst_ni,
  input  logic                             start_i,
  input  logic [31:0]                      base_i,
  input  logic [TemporalDims-1:0][31:0]    bounds_i,
  input  logic [TemporalDims-1:0][31:0]    strides_i,
  input  logic [SpatialDims-1:0][31:0]     sstrides_i,
  output logic                             busy_o,
  output logic                             stall_o,
  input  logic [NumPorts-1:0][63:0]        data_i,
  input  logic                             valid_i,
  output logic                             ready_o,
  input  logic [NumBanks-1:0]              banks_taken_i,
  output logic [NumBanks-1:0]              banks_o,
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

  logic                      beat_valid, beat_full;
  logic [NumPorts-1:0][63:0] beat;
  logic [CntW-1:0]           beat_count;

  snax_stream_fifo #(
    .Width      (NumPorts * 64),
    .Depth      (FifoDepth),
    .FallThrough(1'b1)
  ) u_fifo (
    .clk_i,
    .rst_ni,
    .push_i (valid_i && ready_o),
    .data_i (data_i),
    .full_o (beat_full),
    .pop_i  (agu_ready && beat_valid),
    .valid_o(beat_valid),
    .data_o (beat),
    .count_o(beat_count)
  );

  assign ready_o = !beat_full;

  logic [NumPorts-1:0]               granted_q, want, fire;
  logic [NumPorts-1:0][NumBanks-1:0] port_bank;

  always_comb begin
    banks_o = '0;
    for (int unsigned p = 0; p < NumPorts; p++) begin
      tcdm_addr_o[p]  = agu_addr + spatial_off[p];
      port_bank[p]    = NumBanks'(1) << tcdm_addr_o[p][3 +: BankW];
      want[p]         = agu_valid && beat_valid && !granted_q[p];
      tcdm_req_o[p]   = want[p] && !(|(port_bank[p] & banks_taken_i));
      tcdm_we_o[p]    = 1'b1;
      tcdm_be_o[p]    = '1;
      tcdm_wdata_o[p] = beat[p];
      fire[p]         = tcdm_req_o[p] && tcdm_gnt_i[p];
      if (tcdm_req_o[p]) banks_o |= port_bank[p];
    end
  end

  assign agu_ready = beat_valid && &(granted_q | fire);
  assign stall_o   = |(want & ~fire);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      granted_q <= '0;
    end else if (agu_ready) begin
      granted_q <= '0;
    end else begin
      granted_q <= granted_q | fire;
    end
  end

  assign busy_o = agu_active || beat_valid;

  // The read-data half of the ports is unused by a writer.
  logic unused;
  assign unused = ^{tcdm_rdata_i, beat_count};

  // Every port's address lies in the TCDM and is 8-byte aligned (one check for all ports).
  logic [NumPorts-1:0] addr_bad;
  always_comb begin
    for (int unsigned p = 0; p < NumPorts; p++) begin
      addr_bad[p] = tcdm_req_o[p] && (tcdm_addr_o[p] < TcdmBase ||
                    tcdm_addr_o[p] - TcdmBase >= TcdmBytes || tcdm_addr_o[p][2:0] != 3'b0);
    end
  end

  `SNAX_ASSERT_IMPLIES(AddrInTcdm, |tcdm_req_o, addr_bad == '0)
  `SNAX_ASSERT_IMPLIES(NoStartWhileBusy, start_i, !busy_o)
  `SNAX_ASSERT_IMPLIES(NoBeatBeyondPattern, beat_valid, agu_valid)
  `SNAX_ASSERT(WritesGetNoResponse, tcdm_rvalid_i == '0)

endmodule
