// One lane of int32 -> int8 requantization, shared by the GeMM output stage and the SIMD
// unit (golden model: snaxc.golden.gemm.requantize):
//
//   p = value * multiplier                     32 x 32 -> 64 bit signed multiply
//   q = (p + (shift ? 2^(shift-1) : 0)) >>> shift   rounding add, arithmetic shift
//   y = clamp(q + zero_point, clamp_min, clamp_max)
//
// i.e. round half towards +infinity. The sums are computed on 66 bits, so no shift in
// [0, 63] overflows (the golden model specifies shifts up to 62).
module snax_requant (
  input  logic signed [31:0] value_i,
  input  logic signed [31:0] multiplier_i,
  input  logic        [5:0]  shift_i,
  input  logic signed [7:0]  zero_point_i,
  input  logic signed [7:0]  clamp_min_i,
  input  logic signed [7:0]  clamp_max_i,
  output logic signed [7:0]  result_o
);

  logic signed [63:0] product;
  logic signed [65:0] rounding, shifted, biased;

  always_comb begin
    product  = value_i * multiplier_i;
    rounding = (shift_i == '0) ? '0 : (66'sd1 <<< (shift_i - 6'd1));
    shifted  = (66'(product) + rounding) >>> shift_i;
    biased   = shifted + 66'(zero_point_i);
    if (biased < 66'(clamp_min_i)) begin
      result_o = clamp_min_i;
    end else if (biased > 66'(clamp_max_i)) begin
      result_o = clamp_max_i;
    end else begin
      result_o = biased[7:0];
    end
  end

endmodule
