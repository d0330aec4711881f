// Technology wrapper that lowRISC's build normally generates: a buffer.
// Thin wrapper around the generic model shipped with the Ibex package.
module prim_buf #(
  parameter int Width = 1
) (
  input  logic [Width-1:0] in_i,
  output logic [Width-1:0] out_o
);

  prim_generic_buf #(.Width(Width)) u_impl (
    .in_i,
    .out_o
  );

endmodule
