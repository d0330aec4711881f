// Requantization and float32 arithmetic shared by the GeMM output stage and the SIMD unit.
// Functions rather than modules so that a datapath evaluates its 64 lanes only inside the
// branch of the register they feed (an idle or differently configured unit costs nothing,
// also in simulation).
//
// requant: int32 -> int8 with a fixed-point multiplier and shift (golden model
// snaxc.golden.gemm.requantize):
//
//   p = value * multiplier                           32 x 32 -> 64 bit signed multiply
//   q = (p + (shift ? 2^(shift-1) : 0)) >>> shift     rounding add, arithmetic shift
//   y = clamp(q + zero_point, clamp_min, clamp_max)
//
// i.e. round half towards +infinity. The sums are computed on 66 bits, so no shift in
// [0, 63] overflows (the golden model specifies shifts up to 62).
//
// f32_requant: int32 -> int8 exactly as onnxruntime's float32 requantization (golden model
// snaxc.golden.requant.requantize_f32), with integer logic only:
//
//   y = clamp(round_half_even(float32(float32(acc) * scale)) + zero_point, lo, hi)
//
//   A. |acc| rounded to a 24-bit mantissa ma (float32(acc)): ma * 2^d1, d1 in [0, 8];
//   B. P = ma * ms, ms = {1, scale[22:0]} (24 x 24 -> 48 bit), rounded to 24 significant
//      bits (the float32 product): mp * 2^d2; the product is mp * 2^e, e = d1 + d2 + es,
//      es = scale[30:23] - 150;
//   C. e >= 0: |product| >= 2^23, saturate; otherwise mp / 2^-e rounded half to even
//      (-e >= 26 gives 0);
//   D. sign, + zero point, clamp.
//   A scale that is not a positive normal float32 gives the value 0 (y = clamp(zero_point)).
//
// f32_term / f32_add / f32_encode: the float32 sum of dequantized values of the SIMD `fsum`
// operation (golden model snaxc.golden.requant.dequantized_sum_f32), all in units of 2^es:
// a term float32(float32(x) * scale) is an integer multiple of 2^es, and so is every float32
// partial sum. The running sum is held as an F32SumBits-bit signed integer that is rounded to
// 24 significant bits (half to even) after every addition -- the float32 addition -- and
// encoded into float32 bits at the end.
//
// f32_fma / f32_fma_to_int8: the float32 FMAs of the SIMD `fadd` operation (golden model
// snaxc.golden.requant.add_f32): fma(x, a, c) of an integer |x| < 2^24 and float32 a, c,
// rounded once to float32 (half to even):
//
//   P = |x| * ma (24 x 24 -> 48 bits, exact) at exponent ea; C = mc at exponent ec;
//   both aligned to a 76-bit window whose top holds the larger operand (e_lo =
//   max(min(ea, ec), top - 74)); an operand reaching below the window is shifted in with a
//   sticky bit (it is then 2^26 times smaller than the other, so the rounding position of
//   the sum lies > 40 bits above the sticky bit and sees the same side of every tie);
//   the signed sum is rounded to 24 significant bits (half to even).
//
// Values are kept as {sign, exponent, mantissa <= 2^24} with an unbounded exponent: every
// operand is a multiple of 2^-149, so results below 2^-126 are exact subnormals, and with
// |a|, |c| < 2^100 (F32FaddMaxExp) no intermediate reaches 2^128 -- the same as IEEE.
package snax_requant_pkg;

  // |x| <= 2^31 gives terms below 2^55 (in units of 2^es); 65535 of them, with the rounding
  // of every partial sum (a factor below 1 + 2^-24 each), stay below 2^72: 73 bits signed,
  // one spare.
  localparam int unsigned F32SumBits = 74;

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

  // Float32 helpers ----------------------------------------------------------------------------

  // A positive normal float32 (the scales the f32 modes accept), from its sign and exponent
  // bits [31:23].
  function automatic logic f32_scale_ok(logic [8:0] sign_exp);
    return !sign_exp[8] && sign_exp[7:0] != 8'd0 && sign_exp[7:0] != 8'hFF;
  endfunction

  // Number of significant bits of x (0 for x == 0): a leading-one search by halves (also
  // cheap to simulate, unlike a loop over the bits), for the sums and for 48-bit products.
  function automatic logic [6:0] bit_len_sum(logic [F32SumBits-1:0] x);
    logic [F32SumBits-1:0] v;
    logic [6:0]            msb;
    v   = x;
    msb = '0;
    for (int unsigned step = 64; step >= 1; step /= 2) begin
      if ((v >> step) != '0) begin
        msb = msb + 7'(step);
        v   = v >> step;
      end
    end
    return (x == '0) ? 7'd0 : msb + 7'd1;
  endfunction

  function automatic logic [5:0] bit_len48(logic [47:0] x);
    logic [47:0] v;
    logic [5:0]  msb;
    v   = x;
    msb = '0;
    for (int unsigned step = 32; step >= 1; step /= 2) begin
      if ((v >> step) != '0) begin
        msb = msb + 6'(step);
        v   = v >> step;
      end
    end
    return (x == '0) ? 6'd0 : msb + 6'd1;
  endfunction

  // x / 2^n rounded half to even (n <= 47).
  function automatic logic [47:0] shift_rne48(logic [47:0] x, logic [5:0] n);
    logic [47:0] q, rem, half;
    logic        up;
    q    = x >> n;
    rem  = x & ((48'd1 << n) - 48'd1);
    half = (n == 6'd0) ? 48'd0 : (48'd1 << (n - 6'd1));
    up   = (n != 6'd0) && ((rem > half) || ((rem == half) && q[0]));
    return q + 48'(up);
  endfunction

  // x rounded half to even to 24 significant bits: m * 2^d, m <= 2^24 ({d, m}).
  function automatic logic [30:0] round24_48(logic [47:0] x);
    logic [5:0]  len, d;
    /* verilator lint_off UNUSEDSIGNAL */
    logic [47:0] m;  // <= 2^24 by the rounding: only [24:0] is read
    /* verilator lint_on UNUSEDSIGNAL */
    len = bit_len48(x);
    d   = (len > 6'd24) ? len - 6'd24 : 6'd0;
    m   = shift_rne48(x, d);
    return {d, m[24:0]};
  endfunction

  function automatic logic [7:0] f32_requant(
    logic signed [31:0] acc,
    logic        [31:0] scale,
    logic signed [7:0]  zero_point,
    logic signed [7:0]  clamp_min,
    logic signed [7:0]  clamp_max
  );
    logic               neg;
    logic [31:0]        mag;
    logic [30:0]        a, p;
    logic [47:0]        prod;
    /* verilator lint_off UNUSEDSIGNAL */
    logic [47:0]        r_rnd;  // <= 2^23 (p < 2^25 shifted by >= 1): only [23:0] is read
    /* verilator lint_on UNUSEDSIGNAL */
    logic signed [10:0] e;
    logic [23:0]        r;  // |result| before the zero point, saturated at 2^23
    logic signed [25:0] sum;
    neg  = acc[31];
    mag  = neg ? 32'(-acc) : 32'(acc);  // |-2^31| = 2^31 fits unsigned
    a    = round24_48({16'd0, mag});    // A: ma = a[24:0] <= 2^24, d1 = a[30:25]
    prod = 48'(a[24:0]) * 48'({1'b1, scale[22:0]});  // B: < 2^48 (ma = 2^24: ms < 2^24)
    p    = round24_48(prod);            // mp = p[24:0] <= 2^24, d2 = p[30:25]
    e    = 11'(a[30:25]) + 11'(p[30:25]) + 11'(scale[30:23]) - 11'sd150;
    // C. -e in [1, 25] (mp <= 2^24: -e >= 26 gives 0 either way)
    r_rnd = shift_rne48({23'd0, p[24:0]}, (e <= -11'sd26) ? 6'd26 : 6'(-e));
    if (mag == '0 || !f32_scale_ok(scale[31:23]) || e <= -11'sd26) begin
      r = '0;
    end else if (e >= 0) begin
      r = 24'h80_0000;  // saturates any int8 result
    end else begin
      r = r_rnd[23:0];  // <= 2^23
    end
    // D.
    sum = (neg ? -$signed({2'b00, r}) : $signed({2'b00, r})) + 26'(zero_point);
    if (sum < 26'(clamp_min)) return clamp_min;
    if (sum > 26'(clamp_max)) return clamp_max;
    return sum[7:0];
  endfunction

  // float32(float32(x) * scale) / 2^es for an int32 x (|x| <= 2^31; float32(x) = ma * 2^d1),
  // given the scale's fraction bits [22:0]: an integer below 2^55 in magnitude, returned
  // signed on F32SumBits bits.
  function automatic logic signed [F32SumBits-1:0] f32_term(
    logic signed [31:0] x,
    logic        [22:0] scale_frac
  );
    logic               neg;
    logic [31:0]        mag;
    logic [30:0]        a, p;
    logic [63:0]        t;
    neg = x[31];
    mag = neg ? 32'(-x) : 32'(x);
    a   = round24_48({16'd0, mag});
    p   = round24_48(48'(a[24:0]) * 48'({1'b1, scale_frac}));
    t   = 64'(p[24:0]) << (a[30:25] + p[30:25]);  // d1 + d2 <= 8 + 24, t <= 2^55
    return neg ? -F32SumBits'(t) : F32SumBits'(t);
  endfunction

  // round24(s + t): the float32 addition of two values in units of 2^es (half to even).
  function automatic logic signed [F32SumBits-1:0] f32_add(
    logic signed [F32SumBits-1:0] s,
    logic signed [F32SumBits-1:0] t
  );
    logic signed [F32SumBits-1:0] v;
    logic [F32SumBits-1:0]        mag, q, rem, half, r;
    logic [6:0]                   len, d;
    logic                         up;
    v   = s + t;
    mag = v[F32SumBits-1] ? -v : v;
    len  = bit_len_sum(mag);
    d    = (len > 7'd24) ? len - 7'd24 : 7'd0;
    q    = mag >> d;
    rem  = mag & ((F32SumBits'(1) << d) - F32SumBits'(1));
    half = (d == 7'd0) ? '0 : (F32SumBits'(1) << (d - 7'd1));
    up   = (d != 7'd0) && ((rem > half) || ((rem == half) && q[0]));
    r    = (q + F32SumBits'(up)) << d;
    return v[F32SumBits-1] ? -r : r;
  endfunction

  // The float32 bits of s * 2^es, es = scale_exp - 150 (s with at most 24 significant bits):
  // +0.0 for s == 0, subnormals below 2^-126, +-inf from 2^128 on.
  function automatic logic [31:0] f32_encode(
    logic signed [F32SumBits-1:0] s,
    logic        [7:0]            scale_exp
  );
    logic                  neg;
    logic [F32SumBits-1:0] mag;
    /* verilator lint_off UNUSEDSIGNAL */
    logic [F32SumBits-1:0] m;  // the 24-bit mantissa (normal) or 23-bit fraction: [22:0]
    /* verilator lint_on UNUSEDSIGNAL */
    logic [6:0]            len;
    logic signed [9:0]     e;  // biased exponent of the result
    neg = s[F32SumBits-1];
    mag = neg ? -s : s;
    len = bit_len_sum(mag);
    e = 10'(scale_exp) + 10'(len) - 10'sd24;
    if (mag == '0) return 32'd0;
    if (e >= 10'sd255) return {neg, 8'hFF, 23'd0};
    if (e >= 10'sd1) begin
      m = (len > 7'd24) ? mag >> (len - 7'd24) : mag << (7'd24 - len);
      return {neg, e[7:0], m[22:0]};
    end
    // Subnormal: mag * 2^(scale_exp - 1) < 2^23 units of 2^-149 (exact: es >= -149).
    m = mag << (scale_exp - 8'd1);
    return {neg, 8'd0, m[22:0]};
  endfunction

  // fadd: float32 FMAs ---------------------------------------------------------------------

  // Largest biased exponent of rA, rB, F (below 2^100: no float32 overflow anywhere).
  localparam int unsigned F32FaddMaxExp = 226;

  // An fadd operand (rA, rB, F) the datapath takes, from its exponent bits.
  function automatic logic f32_fadd_operand_ok(logic [7:0] exp_bits);
    return 32'(exp_bits) <= F32FaddMaxExp;
  endfunction

  // A float32 value with an unbounded exponent: (-1)^neg * m * 2^e, m <= 2^24.
  typedef struct packed {
    logic               neg;
    logic signed [10:0] e;
    logic [24:0]        m;
  } f32_val_t;

  // The value of float32 bits (finite: the caller checks the exponent): subnormals keep
  // exponent 1 - 150 without the hidden bit.
  function automatic f32_val_t f32_unpack(logic [31:0] bits);
    f32_val_t v;
    v.neg = bits[31];
    v.m   = {1'b0, bits[30:23] != 8'd0, bits[22:0]};
    v.e   = (bits[30:23] == 8'd0) ? -11'sd149 : 11'(bits[30:23]) - 11'sd150;
    return v;
  endfunction

  function automatic logic [6:0] bit_len80(logic [79:0] x);
    logic [79:0] v;
    logic [6:0]  msb;
    v   = x;
    msb = '0;
    for (int unsigned step = 64; step >= 1; step /= 2) begin
      if ((v >> step) != '0) begin
        msb = msb + 7'(step);
        v   = v >> step;
      end
    end
    return (x == '0) ? 7'd0 : msb + 7'd1;
  endfunction

  // Operand m * 2^e in units of 2^(e_lo - 1), with a sticky bit for bits below the window.
  function automatic logic [77:0] f32_align(logic [47:0] m, logic signed [10:0] e,
                                            logic signed [10:0] e_lo);
    logic [10:0] sh;
    logic [47:0] lost;
    if (e >= e_lo) begin
      sh = 11'(e - e_lo);  // <= 74 - bit length of m (the caller's window)
      return (78'(m) << sh) << 1;
    end
    sh   = 11'(e_lo - e);
    lost = (sh >= 11'd48) ? m : (m & ((48'd1 << sh) - 48'd1));
    return {((sh >= 11'd48) ? 77'd0 : 77'(m >> sh)), lost != '0};
  endfunction

  // fma(x, a, c) rounded to float32, |x| < 2^24.
  function automatic f32_val_t f32_fma(logic signed [24:0] x, f32_val_t a, f32_val_t c);
    f32_val_t           r;
    logic [47:0]        pm;
    logic [6:0]         lp, lc, len, d;
    logic signed [10:0] tp, tc, top, e_lo;
    logic [77:0]        vp, vc;
    logic signed [79:0] sum;
    logic [79:0]        mag, q, rem, half;
    logic               up, pneg;
    pneg = x[24] ^ a.neg;
    pm   = 48'(x[24] ? 25'(-x) : x) * 48'(a.m);
    if (pm == '0) return c;
    lp = 7'(bit_len48(pm));
    lc = 7'(bit_len48(48'(c.m)));
    tp   = a.e + 11'(lp);
    tc   = c.e + 11'(lc);
    top  = (c.m == '0 || tp > tc) ? tp : tc;
    e_lo = (c.m == '0 || a.e < c.e) ? a.e : c.e;
    if (top - 11'sd74 > e_lo) e_lo = top - 11'sd74;
    vp  = f32_align(pm, a.e, e_lo);
    vc  = (c.m == '0) ? '0 : f32_align(48'(c.m), c.e, e_lo);
    sum = (pneg ? -80'(vp) : 80'(vp)) + (c.neg ? -80'(vc) : 80'(vc));
    r.neg = sum[79];
    mag   = sum[79] ? 80'(-sum) : 80'(sum);
    len   = bit_len80(mag);
    d     = (len > 7'd24) ? len - 7'd24 : 7'd0;
    q     = mag >> d;
    rem   = mag & ((80'd1 << d) - 80'd1);
    half  = (d == 7'd0) ? '0 : (80'd1 << (d - 7'd1));
    up    = (d != 7'd0) && ((rem > half) || ((rem == half) && q[0]));
    q     = q + 80'(up);
    r.m   = q[24:0];
    r.e   = e_lo - 11'sd1 + 11'(d);
    return r;
  endfunction

  // clamp(round_half_even(v) + zero_point, lo, hi).
  function automatic logic [7:0] f32_to_int8(
    f32_val_t          v,
    logic signed [7:0] zero_point,
    logic signed [7:0] clamp_min,
    logic signed [7:0] clamp_max
  );
    /* verilator lint_off UNUSEDSIGNAL */
    logic [47:0]        r_rnd;  // <= 2^24: [24:0] is read
    /* verilator lint_on UNUSEDSIGNAL */
    logic [24:0]        r;      // |v| rounded, saturated at 2^24
    logic signed [26:0] sum;
    r_rnd = shift_rne48({23'd0, v.m}, (v.e <= -11'sd26) ? 6'd26 : 6'(-v.e));
    if (v.m == '0 || v.e <= -11'sd26) begin
      r = '0;
    end else if (v.e >= 0) begin
      // m * 2^e, saturated at 2^24 (any int8 result) from e >= 8 on
      r = (v.e >= 11'sd8) ? 25'h100_0000 : 25'(33'(v.m) << v.e[2:0]);
      if (v.e < 11'sd8 && (33'(v.m) << v.e[2:0]) >= 33'h100_0000) r = 25'h100_0000;
    end else begin
      r = r_rnd[24:0];
    end
    sum = (v.neg ? -$signed({2'b00, r}) : $signed({2'b00, r})) + 27'(zero_point);
    if (sum < 27'(clamp_min)) return clamp_min;
    if (sum > 27'(clamp_max)) return clamp_max;
    return sum[7:0];
  endfunction

endpackage
