// Float32-exact requantization of an int32 accumulator to int8, with integer logic only.
//
//   q_o = clamp(round_half_even(float32(float32(acc_i) * scale)) + zero_point_i,
//               clamp_min_i, clamp_max_i)
//
// bit for bit as onnxruntime's QLinearConv/QGemm requantize, where `scale` is the float32
// whose bits are in scale_i (golden model: snaxc.golden.requant.requantize_f32). It is an
// int32 -> float32 conversion, a float32 multiply and a float32 -> int conversion, each
// rounding half to even, without any float format in between:
//
//   A. |acc| (32 bit, nonzero) normalised to a 24-bit mantissa ma in [2^23, 2^24) with
//      exponent ea: shifted left when it has at most 24 significant bits, else shifted
//      right by 1..8 bits and rounded (guard, sticky, lsb); a carry to 2^24 renormalises;
//   B. P = ma * ms, ms = {1, scale_i[22:0]}: 24 x 24 -> 48 bit, P in [2^46, 2^48);
//      mp = P rounded to 24 bits (a right shift by 23 or 24 chosen by P[47]), carry
//      renormalises; the product is mp * 2^e, e = ea + eP + scale_i[30:23] - 150;
//   C. e >= 0: |product| >= 2^23, saturate; n = -e >= 25: |product| < 1/2, 0; otherwise
//      mp shifted right by n in [1, 24], rounded half to even;
//   D. sign, + zero point, clamp.
//
// A scale that is not a positive normal float32 (zero, negative, subnormal, inf, NaN) sets
// scale_error_o and gives the value 0 (q_o = clamp(zero_point_i)).
// Purely combinational: the output stage around it registers inputs and result (a cut
// after B's multiplier is the natural pipeline stage).
module snax_requant_f32 (
  input  logic signed [31:0] acc_i,
  input  logic        [31:0] scale_i,       // float32 bits
  input  logic signed [ 7:0] zero_point_i,
  input  logic signed [ 7:0] clamp_min_i,
  input  logic signed [ 7:0] clamp_max_i,
  output logic signed [ 7:0] q_o,
  output logic               scale_error_o
);

  // x / 2^n rounded half to even (n <= 47).
  function automatic logic [47:0] shift_rne(input logic [47:0] x, input logic [5:0] n);
    logic [47:0] q, rem, half;
    logic        up;
    q    = x >> n;
    rem  = x & ((48'd1 << n) - 48'd1);
    half = (n == 6'd0) ? 48'd0 : (48'd1 << (n - 6'd1));
    up   = (n != 6'd0) && ((rem > half) || ((rem == half) && q[0]));
    return q + 48'(up);
  endfunction

  logic        sign;
  logic [31:0] mag;
  logic [5:0]  len;         // significant bits of |acc|, 0..32
  logic [23:0] ms, ma, mp;
  logic [24:0] ma_norm;     // <= 2^24 before renormalisation
  logic [47:0] prod;
  logic [7:0]  scale_exp;
  logic signed [10:0] ea, ep, e;
  logic [5:0]  n;
  logic [23:0] r;           // |result| before the zero point, saturated at 2^23
  logic signed [25:0] sum;
  // The shared 48-bit rounding function's results: their upper bits are zero by the
  // bounds above (<= 2^24 after A and B, <= 2^23 after C), so only the low bits are read.
  /* verilator lint_off UNUSEDSIGNAL */
  logic [47:0] ma_rnd, mp_rnd, r_rnd;
  /* verilator lint_on UNUSEDSIGNAL */

  assign scale_exp     = scale_i[30:23];
  assign scale_error_o = scale_i[31] || (scale_exp == 8'd0) || (scale_exp == 8'hFF);
  assign ms            = {1'b1, scale_i[22:0]};

  always_comb begin
    // A. float32(acc): sign, magnitude (|-2^31| = 2^31 fits unsigned), normalised mantissa
    sign = acc_i[31];
    mag  = sign ? 32'(-acc_i) : 32'(acc_i);
    len  = '0;
    for (int unsigned i = 0; i < 32; i++) begin
      if (mag[i]) len = 6'(i + 1);
    end
    ma_rnd = shift_rne({16'd0, mag}, (len > 6'd24) ? len - 6'd24 : 6'd0);
    if (len > 6'd24) begin
      ma_norm = ma_rnd[24:0];
    end else begin
      ma_norm = 25'(mag) << (6'd24 - len);
    end
    ea = 11'(len) - 11'sd24;
    if (ma_norm[24]) begin  // rounded up to 2^24
      ma = 24'h80_0000;
      ea = ea + 11'sd1;
    end else begin
      ma = ma_norm[23:0];
    end
    // B. float32 product: P in [2^46, 2^48), rounded to 24 bits
    prod   = 48'(ma) * 48'(ms);
    mp_rnd = shift_rne(prod, prod[47] ? 6'd24 : 6'd23);
    ep     = prod[47] ? 11'sd24 : 11'sd23;
    if (mp_rnd[24]) begin
      mp = 24'h80_0000;
      ep = ep + 11'sd1;
    end else begin
      mp = mp_rnd[23:0];
    end
    e = ea + ep + 11'(scale_exp) - 11'sd150;
    // C. to an integer, rounding half to even
    n     = (e <= -11'sd25) ? 6'd25 : 6'(-e);
    r_rnd = shift_rne({24'd0, mp}, n);
    if (mag == 32'd0 || scale_error_o || e <= -11'sd25) begin
      r = '0;
    end else if (e >= 0) begin
      r = 24'h80_0000;  // saturates any int8 result
    end else begin
      r = r_rnd[23:0];  // mp < 2^24, n >= 1: at most 2^23
    end
    // D. sign, zero point, clamp
    sum = (sign ? -$signed({2'b00, r}) : $signed({2'b00, r})) + 26'(zero_point_i);
    if (sum < 26'(clamp_min_i)) begin
      q_o = clamp_min_i;
    end else if (sum > 26'(clamp_max_i)) begin
      q_o = clamp_max_i;
    end else begin
      q_o = sum[7:0];
    end
  end

endmodule
