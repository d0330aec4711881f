// Demultiplexer of the control core's data bus (Ibex protocol) onto NumTargets target
// ports. The caller decodes the address into a one-hot `sel_i`; an all-zero `sel_i` means
// the address maps to nothing: the request is granted at once and answered with an error
// one cycle later, so the core takes a load/store access fault.
//
// Every target answers exactly one cycle after its grant (reads and writes), so responses
// come back in request order and the response mux is an OR of the target responses.
//
// Assertions are plain SVA, checked in every simulation (--assert): lowRISC's
// prim_assert.sv macros compile to nothing under Verilator.

module snax_dbus_demux #(
  parameter int unsigned NumTargets = 2
) (
  input  logic                                 clk_i,
  input  logic                                 rst_ni,

  // From the core
  input  logic                                 req_i,
  input  logic [NumTargets-1:0]                sel_i,
  output logic                                 gnt_o,
  output logic                                 rvalid_o,
  output logic [31:0]                          rdata_o,
  output logic                                 err_o,

  // To the targets (address, write enable, byte enables and write data are shared)
  output logic [NumTargets-1:0]                req_o,
  input  logic [NumTargets-1:0]                gnt_i,
  input  logic [NumTargets-1:0]                rvalid_i,
  input  logic [NumTargets-1:0][31:0]          rdata_i
);

  logic                  unmapped;
  logic                  err_q;
  logic [NumTargets-1:0] granted_q;

  assign unmapped = sel_i == '0;
  assign req_o    = req_i ? sel_i : '0;
  assign gnt_o    = req_i && (unmapped || |(sel_i & gnt_i));

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      err_q     <= 1'b0;
      granted_q <= '0;
    end else begin
      err_q     <= req_i && unmapped;
      granted_q <= req_o & gnt_i;
    end
  end

  always_comb begin
    rdata_o = '0;
    for (int unsigned t = 0; t < NumTargets; t++) begin
      rdata_o |= rvalid_i[t] ? rdata_i[t] : '0;
    end
  end

  assign rvalid_o = err_q || |rvalid_i;
  assign err_o    = err_q;

  always_ff @(posedge clk_i) begin
    if (rst_ni && req_i) begin
      SelOneHot_A: assert ($onehot0(sel_i))
        else $error("address decodes to several targets: %b", sel_i);
    end
  end
  // The target protocol: a response exactly one cycle after each grant, never otherwise.
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      RespAfterGrant_A: assert (rvalid_i == granted_q)
        else $error("target response not one cycle after its grant: rvalid %b, granted %b",
                    rvalid_i, granted_q);
    end
  end

endmodule
