// Technology wrapper that lowRISC's build normally generates: a clock multiplexer.
// Thin wrapper around the generic model shipped with the Ibex package.
module prim_clock_mux2 #(
  parameter bit NoFpgaBufG = 1'b0
) (
  input  logic clk0_i,
  input  logic clk1_i,
  input  logic sel_i,
  output logic clk_o
);

  prim_generic_clock_mux2 #(.NoFpgaBufG(NoFpgaBufG)) u_impl (
    .clk0_i,
    .clk1_i,
    .sel_i,
    .clk_o
  );

endmodule
