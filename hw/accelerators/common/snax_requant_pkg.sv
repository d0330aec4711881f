// int32 -> int8 requantization shared by the GeMM output stage and the SIMD unit
// (golden model: snaxc.golden.gemm.requantize):
//
//   p = value * multiplier                           32 x 32 -> 64 bit signed multiply
//   q = (p + (shift ? 2^(shift-1) : 0)) >>> shift     rounding add, arithmetic shift
//   y = clamp(q + zero_point, clamp_min, clamp_max)
//
// i.e. round half towards +infinity. The sums are computed on 66 bits, so no shift in
// [0, 63] overflows (the golden model specifies shifts up to 62). A function rather than a
// module so that a datapath can skip the 64 lanes when no result is due (this keeps the
// idle cluster fast to simulate).
package snax_requant_pkg;

  function automatic logic [7:0] requant(
    logic signed [31:0] value,
    logic signed [31:0] multiplier,
    logic        [5:0]  shift,
    logic signed [7:0]  zero_point,
    logic signed [7:0]  clamp_min,
    logic signed [7:0]  clamp_max
  );
    logic signed [63:0] product;
    logic signed [65:0] rounding, shifted, biased;
    product  = value * multiplier;
    rounding = (shift == '0) ? '0 : (66'sd1 <<< (shift - 6'd1));
    shifted  = (66'(product) + rounding) >>> shift;
    biased   = shifted + 66'(zero_point);
    if (biased < 66'(clamp_min)) return clamp_min;
    if (biased > 66'(clamp_max)) return clamp_max;
    return biased[7:0];
  endfunction

endpackage
