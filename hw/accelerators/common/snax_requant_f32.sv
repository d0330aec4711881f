// Float32-exact requantization of an int32 accumulator to int8, with integer logic only:
//
//   q_o = clamp(round_half_even(float32(float32(acc_i) * scale)) + zero_point_i,
//               clamp_min_i, clamp_max_i)
//
// bit for bit as onnxruntime's QLinearConv/QGemm requantize, where `scale` is the float32
// whose bits are in scale_i (golden model: snaxc.golden.requant.requantize_f32). The steps
// (int32 -> float32 rounding, a 24 x 24-bit mantissa product rounded to 24 bits, a right
// shift rounding half to even) are `snax_requant_pkg::f32_requant`, which the GeMM output
// stage calls for each of its 64 lanes; this module is one lane of it, for the block test
// (tests/hw/test_requant_f32.py).
//
// A scale that is not a positive normal float32 (zero, negative, subnormal, inf, NaN) sets
// scale_error_o and gives the value 0 (q_o = clamp(zero_point_i)).
// Purely combinational: the output stage around it registers inputs and result (a cut
// after the multiplier is the natural pipeline stage).
module snax_requant_f32
  import snax_requant_pkg::f32_requant;
  import snax_requant_pkg::f32_scale_ok;
(
  input  logic signed [31:0] acc_i,
  input  logic        [31:0] scale_i,       // float32 bits
  input  logic signed [ 7:0] zero_point_i,
  input  logic signed [ 7:0] clamp_min_i,
  input  logic signed [ 7:0] clamp_max_i,
  output logic signed [ 7:0] q_o,
  output logic               scale_error_o
);

  assign q_o           = f32_requant(acc_i, scale_i, zero_point_i, clamp_min_i, clamp_max_i);
  assign scale_error_o = !f32_scale_ok(scale_i[31:23]);

endmodule
