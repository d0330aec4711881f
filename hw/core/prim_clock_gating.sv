// Technology wrapper that lowRISC's build normally generates: a latch-based clock gate.
// Thin wrapper around the generic model shipped with the Ibex package.
module prim_clock_gating #(
  parameter bit NoFpgaGate    = 1'b0,
  parameter bit FpgaBufGlobal = 1'b1
) (
  input  logic clk_i,
  input  logic en_i,
  input  logic test_en_i,
  output logic clk_o
);

  prim_generic_clock_gating #(
    .NoFpgaGate   (NoFpgaGate),
    .FpgaBufGlobal(FpgaBufGlobal)
  ) u_impl (
    .clk_i,
    .en_i,
    .test_en_i,
    .clk_o
  );

endmodule
