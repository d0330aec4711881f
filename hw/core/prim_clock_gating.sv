// Technology wrapper that lowRISC's build normally generates: a clock gate.
//
// In this cluster it is transparent (clk_o follows clk_i). Ibex gates its own clock while it
// sleeps (WFI) or before fetch is enabled, purely to save power: its controller stays in
// its SLEEP/RESET state on an ungated clock as well, so the core behaves the same
// instruction by instruction. A real gate (prim_generic_clock_gating, a latch) makes the
// core's clock a derived clock, which costs Verilator an extra scheduling pass on every
// edge of the whole design; the cluster does not model power, so it is left out.
module prim_clock_gating #(
  parameter bit NoFpgaGate    = 1'b0,
  parameter bit FpgaBufGlobal = 1'b1
) (
  input  logic clk_i,
  input  logic en_i,
  input  logic test_en_i,
  output logic clk_o
);

  assign clk_o = clk_i;

  logic unused_inputs;
  assign unused_inputs = ^{en_i, test_en_i, NoFpgaGate, FpgaBufGlobal};

endmodule
