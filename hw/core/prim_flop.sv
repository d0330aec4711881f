// Technology wrapper that lowRISC's build normally generates: a resettable flop.
// Thin wrapper around the generic model shipped with the Ibex package.
module prim_flop #(
  parameter int               Width      = 1,
  parameter logic [Width-1:0] ResetValue = 0
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic [Width-1:0] d_i,
  output logic [Width-1:0] q_o
);

  prim_generic_flop #(
    .Width     (Width),
    .ResetValue(ResetValue)
  ) u_impl (
    .clk_i,
    .rst_ni,
    .d_i,
    .q_o
  );

endmodule
