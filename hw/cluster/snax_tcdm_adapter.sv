// Adapter from the control core's 32-bit data bus (Ibex protocol) to a 64-bit TCDM narrow
// port. The word is placed in its half of the 64-bit bank word with the byte enables
// shifted accordingly. The TCDM answers reads one cycle after the grant and gives no write
// response; Ibex needs `rvalid` for stores as well, so the adapter generates it, keeping
// the "response exactly one cycle after the grant" rule of the core's targets.
//
// Assertions are plain SVA, checked in every simulation (--assert): lowRISC's
// prim_assert.sv macros compile to nothing under Verilator.

module snax_tcdm_adapter (
  input  logic        clk_i,
  input  logic        rst_ni,

  // Ibex-protocol slave
  input  logic        req_i,
  input  logic        we_i,
  input  logic [3:0]  be_i,
  input  logic [31:0] addr_i,
  input  logic [31:0] wdata_i,
  output logic        gnt_o,
  output logic        rvalid_o,
  output logic [31:0] rdata_o,

  // TCDM narrow-port master
  output logic        tcdm_req_o,
  output logic [31:0] tcdm_addr_o,
  output logic        tcdm_we_o,
  output logic [7:0]  tcdm_be_o,
  output logic [63:0] tcdm_wdata_o,
  input  logic        tcdm_gnt_i,
  input  logic        tcdm_rvalid_i,
  input  logic [63:0] tcdm_rdata_i
);

  logic upper;
  logic granted_q, read_q, upper_q;

  assign upper        = addr_i[2];
  assign tcdm_req_o   = req_i;
  assign tcdm_addr_o  = {addr_i[31:3], 3'b000};
  assign tcdm_we_o    = we_i;
  assign tcdm_be_o    = upper ? {be_i, 4'h0} : {4'h0, be_i};
  assign tcdm_wdata_o = {wdata_i, wdata_i};
  assign gnt_o        = tcdm_gnt_i;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      granted_q <= 1'b0;
      read_q    <= 1'b0;
      upper_q   <= 1'b0;
    end else begin
      granted_q <= req_i && tcdm_gnt_i;
      read_q    <= req_i && tcdm_gnt_i && !we_i;
      if (req_i && tcdm_gnt_i) begin
        upper_q <= upper;
      end
    end
  end

  assign rvalid_o = granted_q;
  assign rdata_o  = upper_q ? tcdm_rdata_i[63:32] : tcdm_rdata_i[31:0];

  // The TCDM answers exactly the granted reads, one cycle later.
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      TcdmReadResponse_A: assert (tcdm_rvalid_i == read_q)
        else $error("TCDM read response not exactly one cycle after a granted read");
    end
  end

  logic unused_addr;
  assign unused_addr = ^addr_i[1:0];

endmodule
