// Float32-exact requantization of an int32 accumulator to int8, with integer logic only.
//
//   q_o = clamp(round_half_even(float32(float32(acc_i) * scale)) + zero_point_i,
//               clamp_min_i, clamp_max_i)
//
// bit for bit as onnxruntime's QLinearConv/QGemm requantize, where `scale` is the float32
// whose bits are in scale_i (golden model: snaxc.golden.requant.requantize_f32). Steps:
//
//   1. |acc| (32 bit) rounded half to even to 24 significant bits: ma * 2^d1, d1 in [0, 8]
//      (float32(acc));
//   2. P = ma * ms, ms = {1, scale_i[22:0]} (25 x 24 -> 48 bit, exact);
//   3. P rounded half to even to 24 significant bits: mp * 2^d2, d2 in [0, 24]
//      (the float32 product);
//   4. e = d1 + d2 + scale_i[30:23] - 150: the product is mp * 2^e. e >= 0 means
//      |product| >= 2^23 (saturate); n = -e >= 25 means |product| <= 1/2 (0, ties to even);
//      otherwise mp shifted right by n, rounded half to even;
//   5. sign, + zero point, clamp.
//
// A scale that is not a positive normal float32 (zero, negative, subnormal, inf, NaN) sets
// scale_error_o and gives the value 0 (q_o = clamp(zero_point_i)).
// Purely combinational: the output stage around it registers inputs and result.
module snax_requant_f32 (
  input  logic signed [31:0] acc_i,
  input  logic        [31:0] scale_i,       // float32 bits
  input  logic signed [ 7:0] zero_point_i,
  input  logic signed [ 7:0] clamp_min_i,
  input  logic signed [ 7:0] clamp_max_i,
  output logic signed [ 7:0] q_o,
  output logic               scale_error_o
);

  // Number of significant bits of x (0 for x == 0).
  function automatic logic [5:0] bit_length(input logic [48:0] x);
    logic [5:0] len;
    len = '0;
    for (int unsigned i = 0; i < 49; i++) begin
      if (x[i]) len = 6'(i + 1);
    end
    return len;
  endfunction

  // x / 2^n rounded half to even (n <= 48).
  function automatic logic [48:0] shift_rne(input logic [48:0] x, input logic [5:0] n);
    logic [48:0] q, rem, half, mask;
    logic        up;
    q    = x >> n;
    mask = (49'd1 << n) - 49'd1;
    rem  = x & mask;
    half = (n == 6'd0) ? 49'd0 : (49'd1 << (n - 6'd1));
    up   = (n != 6'd0) && ((rem > half) || ((rem == half) && q[0]));
    return q + 49'(up);
  endfunction

  logic        sign;
  logic [31:0] mag;
  logic [5:0]  len_acc, d1, len_p, d2, n;
  logic [24:0] ma, mp;      // <= 2^24 after rounding
  logic [23:0] ms;
  logic [48:0] prod;
  // The shared 49-bit rounding function's results: their upper bits are zero by the bounds
  // above (ma, mp <= 2^24, r <= 2^23), so only the low bits are read.
  /* verilator lint_off UNUSEDSIGNAL */
  logic [48:0] ma_rnd, mp_rnd, r_rnd;
  /* verilator lint_on UNUSEDSIGNAL */
  logic [7:0]  scale_exp;
  logic signed [10:0] e;    // d1 + d2 + exponent - 150, in [-150, 137]
  logic [23:0] r;           // |result| before the zero point, saturated at 2^23
  logic signed [25:0] sum;
  logic signed [25:0] lo, hi;

  assign scale_exp     = scale_i[30:23];
  assign scale_error_o = scale_i[31] || (scale_exp == 8'd0) || (scale_exp == 8'hFF);
  assign ms            = {1'b1, scale_i[22:0]};

  always_comb begin
    // 1. float32(acc): sign and magnitude, rounded to 24 significant bits
    sign    = acc_i[31];
    mag     = sign ? 32'(-acc_i) : 32'(acc_i);  // |-2^31| = 2^31 fits unsigned
    len_acc = bit_length({17'd0, mag});
    d1      = (len_acc > 6'd24) ? len_acc - 6'd24 : 6'd0;
    ma_rnd  = shift_rne({17'd0, mag}, d1);
    ma      = ma_rnd[24:0];
    // 2.-3. exact product, rounded to 24 significant bits
    prod    = 49'(ma) * 49'(ms);
    len_p   = bit_length(prod);
    d2      = (len_p > 6'd24) ? len_p - 6'd24 : 6'd0;
    mp_rnd  = shift_rne(prod, d2);
    mp      = mp_rnd[24:0];
    // 4. to an integer at the product's exponent
    e       = 11'(d1) + 11'(d2) + 11'(scale_exp) - 11'sd150;
    n       = (e <= -11'sd25) ? 6'd25 : 6'(-e);
    r_rnd   = shift_rne({24'd0, mp}, n);
    if (mag == 32'd0 || scale_error_o || e <= -11'sd25) begin
      r = '0;
    end else if (e >= 0) begin
      r = 24'h80_0000;  // |product| >= 2^23: saturates any int8 result
    end else begin
      r = r_rnd[23:0];  // mp <= 2^24, n >= 1: at most 2^23
    end
    // 5. sign, zero point, clamp
    sum = (sign ? -26'sd1 * $signed({2'b00, r}) : $signed({2'b00, r})) + 26'(zero_point_i);
    lo  = 26'(clamp_min_i);
    hi  = 26'(clamp_max_i);
    if (sum < lo) begin
      q_o = clamp_min_i;
    end else if (sum > hi) begin
      q_o = clamp_max_i;
    end else begin
      q_o = sum[7:0];
    end
  end

endmodule
