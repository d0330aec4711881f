// SIMD datapath: elementwise int8/int32 operations on 64-byte beats.
// Semantics: snaxc.golden.simd.simd; fields and beat layout: snaxc/accelerators/simd.py.
//
// One X beat (and one Y beat for binary ops) per cycle: 64 int8 or 16 int32 lanes, each
// computed in int32 on zero-point-corrected values. rmax/rsum fold `reduce` consecutive X
// beats into one result. A result is written as int32 (16 lanes = one beat) or
// requantized to int8 (64 lanes from int8 inputs = one beat; int32 inputs: four results
// of 16 lanes are packed into one beat).
//
// fsum keeps a float32 running sum per lane (snax_requant_pkg::f32_term / f32_add, as a
// wide integer in units of the scale's exponent, rounded to 24 significant bits after every
// addition) and writes the float32 bits of each window's sum as int32 lanes: one beat for
// 16 lanes of int32 input, four beats for the 64 lanes of an int8 input beat (the last
// three wait in `spill_q`; X beats inside a window keep flowing meanwhile). Its lanes are
// evaluated inside the `fire` branch of the registers they feed, like the other ops' only
// when an X beat is there.
//
// fadd: onnxruntime's float32 QLinearAdd per int8 lane, r = fma(x', rA, fma(y', rB, F))
// (snax_requant_pkg::f32_fma, exactly rounded float32 FMAs in integer steps), rounded half
// to even to int8 (f32_to_int8); evaluated with the other ops' lanes, one beat per cycle.
`include "snax_assert.svh"

module simd_datapath
  import simd_acc_pkg::*;
  import snax_requant_pkg::requant;
  import snax_requant_pkg::F32SumBits;
  import snax_requant_pkg::f32_scale_ok;
  import snax_requant_pkg::f32_term;
  import snax_requant_pkg::f32_add;
  import snax_requant_pkg::f32_encode;
  import snax_requant_pkg::f32_val_t;
  import snax_requant_pkg::f32_unpack;
  import snax_requant_pkg::f32_fma;
  import snax_requant_pkg::f32_to_int8;
  import snax_requant_pkg::f32_fadd_operand_ok;
(
  input  logic                          clk_i,
  input  logic                          rst_ni,
  input  logic [NumCfgRegs-1:0][31:0]   cfg_i,
  input  logic                          start_i,
  output logic                          busy_o,
  output logic                          stall_o,
  output logic [NumStreamers-1:0]       stream_en_o,
  input  logic [XPorts-1:0][63:0]       x_data_i,
  input  logic                          x_valid_i,
  output logic                          x_ready_o,
  input  logic [YPorts-1:0][63:0]       y_data_i,
  input  logic                          y_valid_i,
  output logic                          y_ready_o,
  output logic [ZPorts-1:0][63:0]       z_data_o,
  output logic                          z_valid_o,
  input  logic                          z_ready_i
);

  localparam int unsigned Lanes = XPorts * 8;  // int8 lanes per beat
  localparam int unsigned Lanes32 = Lanes / 4;

  // Configuration fields.
  logic [3:0]         op;
  logic               in_int32, out_int8, binary, reduction, fsum, fadd;
  f32_val_t           fadd_ra, fadd_rb, fadd_f;
  logic [31:0]        out_beats, x_zp, y_zp;
  logic [15:0]        reduce;
  logic signed [31:0] multiplier;
  logic [5:0]         shift;
  logic signed [7:0]  out_zp, clamp_min, clamp_max;

  assign op         = cfg_i[CfgOp][3:0];
  assign in_int32   = cfg_i[CfgInInt32][0];
  // int8 inputs always give int8 results, except fsum: float32 bits in int32 lanes.
  assign fsum       = op == 4'(OpFsum);
  assign fadd       = op == 4'(OpFadd);
  assign fadd_ra    = f32_unpack(cfg_i[CfgScaleX]);
  assign fadd_rb    = f32_unpack(cfg_i[CfgScaleY]);
  assign fadd_f     = f32_unpack(cfg_i[CfgOffset]);
  assign out_int8   = !fsum && (cfg_i[CfgOutInt8][0] || !in_int32);
  assign out_beats  = cfg_i[CfgOutBeats];
  assign reduce     = cfg_i[CfgReduce][15:0];
  assign x_zp       = cfg_i[CfgXZp];
  assign y_zp       = cfg_i[CfgYZp];
  assign multiplier = cfg_i[CfgMultiplier];
  assign shift      = cfg_i[CfgShift][5:0];
  assign out_zp     = cfg_i[CfgOutZp][7:0];
  assign clamp_min  = cfg_i[CfgClampMin][7:0];
  assign clamp_max  = cfg_i[CfgClampMax][7:0];
  assign binary     = op == 4'(OpAdd) || op == 4'(OpMul) || op == 4'(OpMax) || fadd;
  assign reduction  = op == 4'(OpRmax) || op == 4'(OpRsum) || fsum;

  always_comb begin
    stream_en_o       = '0;
    stream_en_o[StrX] = 1'b1;
    stream_en_o[StrY] = binary;
    stream_en_o[StrZ] = 1'b1;
  end

  // State.
  logic                          busy_q;
  logic [15:0]                   red_cnt_q;
  logic [1:0]                    grp_cnt_q;
  logic [31:0]                   made_q, sent_q;
  logic [Lanes-1:0][31:0]        acc_q;
  logic [ZPorts-1:0][63:0]       stage_q, out_q;
  logic                          out_valid_q;
  // fsum: per-lane running sums, and output beats 1..3 of an int8 input beat's 64 results.
  logic [F32SumBits-1:0]         fsum_q [Lanes];
  logic [ZPorts-1:0][63:0]       spill_q [3];
  logic [1:0]                    spill_cnt_q;

  // Lanes ----------------------------------------------------------------------------------

  logic [Lanes-1:0][31:0] xs, ys, r, acc_d;
  logic [Lanes-1:0][7:0]  r_i8;
  logic [7:0]             active_lanes;

  // Only the lanes in use are evaluated, and only when an X beat is there (an idle unit
  // costs nothing, also in simulation); fsum computes its lanes in the `fire` branch.
  assign active_lanes = (!x_valid_i || fsum) ? 8'd0 : in_int32 ? 8'(Lanes32) : 8'(Lanes);

  always_comb begin
    xs    = '0;
    ys    = '0;
    r     = '0;
    acc_d = '0;
    for (int unsigned l = 0; l < 32'(active_lanes); l++) begin
      if (in_int32) begin
        xs[l] = x_data_i[l / 2][32 * (l % 2) +: 32] - x_zp;
        ys[l] = y_data_i[l / 2][32 * (l % 2) +: 32] - y_zp;
      end else begin
        xs[l] = 32'(signed'(x_data_i[l / 8][8 * (l % 8) +: 8])) - x_zp;
        ys[l] = 32'(signed'(y_data_i[l / 8][8 * (l % 8) +: 8])) - y_zp;
      end
      unique case (op)
        4'(OpAdd): r[l] = xs[l] + ys[l];
        4'(OpMul): r[l] = 32'($signed(xs[l]) * $signed(ys[l]));
        4'(OpMax): r[l] = ($signed(xs[l]) > $signed(ys[l])) ? xs[l] : ys[l];
        4'(OpRelu): r[l] = $signed(xs[l]) > 0 ? xs[l] : '0;
        default: r[l] = xs[l];
      endcase
      // Reductions fold into the accumulator; the first beat of a window loads it.
      acc_d[l] = r[l];
      if (reduction && red_cnt_q != '0) begin
        if (op == 4'(OpRmax)) begin
          acc_d[l] = ($signed(acc_q[l]) > $signed(xs[l])) ? acc_q[l] : xs[l];
        end else begin
          acc_d[l] = acc_q[l] + xs[l];
        end
      end
    end
  end

  always_comb begin
    r_i8 = '0;
    if (out_int8) begin
      for (int unsigned l = 0; l < 32'(active_lanes); l++) begin
        if (fadd) begin
          r_i8[l] = f32_to_int8(f32_fma(xs[l][24:0], fadd_ra, f32_fma(ys[l][24:0], fadd_rb, fadd_f)),
                                out_zp, clamp_min, clamp_max);
        end else begin
          r_i8[l] = requant(acc_d[l], multiplier, shift, out_zp, clamp_min, clamp_max);
        end
      end
    end
  end

  // Control --------------------------------------------------------------------------------

  logic last_red, last_grp, out_free, fire, beat_done;
  logic [ZPorts-1:0][63:0] beat_d;

  assign last_red  = !reduction || 32'(red_cnt_q) + 1 >= 32'(reduce);
  assign last_grp  = !(in_int32 && out_int8) || grp_cnt_q == 2'd3;
  assign beat_done = last_red && last_grp;
  assign out_free  = !out_valid_q || z_ready_i;
  // fsum: a window's last beat also needs the spill register drained (the current output
  // beat is the last one of the previous result, or none).
  assign fire      = busy_q && made_q != out_beats && x_valid_i && (y_valid_i || !binary) &&
                     (fsum ? (!last_red || (out_free && spill_cnt_q == '0)) : out_free);
  assign x_ready_o = fire;
  assign y_ready_o = fire && binary;
  assign stall_o   = busy_q && made_q != out_beats && !fire;

  // The beat completed by this result.
  always_comb begin
    beat_d = stage_q;
    if (!out_int8) begin
      for (int unsigned l = 0; l < Lanes32; l++) beat_d[l / 2][32 * (l % 2) +: 32] = acc_d[l];
    end else if (!in_int32) begin
      beat_d = r_i8;
    end else begin
      for (int unsigned l = 0; l < Lanes32; l++) begin
        beat_d[(Lanes32 * grp_cnt_q + l) / 8][8 * (l % 8) +: 8] = r_i8[l];
      end
    end
  end

  assign z_valid_o = out_valid_q;
  assign z_data_o  = out_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q      <= 1'b0;
      red_cnt_q   <= '0;
      grp_cnt_q   <= '0;
      made_q      <= '0;
      sent_q      <= '0;
      acc_q       <= '0;
      stage_q     <= '0;
      out_q       <= '0;
      out_valid_q <= 1'b0;
      spill_cnt_q <= '0;
      for (int unsigned l = 0; l < Lanes; l++) fsum_q[l] <= '0;
      for (int unsigned b = 0; b < 3; b++) spill_q[b] <= '0;
    end else if (start_i) begin
      busy_q      <= 1'b1;
      red_cnt_q   <= '0;
      grp_cnt_q   <= '0;
      made_q      <= '0;
      sent_q      <= '0;
      out_valid_q <= 1'b0;
      spill_cnt_q <= '0;
    end else begin
      if (z_valid_o && z_ready_i) begin
        sent_q <= sent_q + 1;
        if (spill_cnt_q != '0) begin
          out_q       <= spill_q[2'd3 - spill_cnt_q];
          spill_cnt_q <= spill_cnt_q - 1'b1;
        end else begin
          out_valid_q <= 1'b0;
        end
      end
      if (fire && !fsum) begin
        acc_q <= acc_d;
        red_cnt_q <= last_red ? '0 : red_cnt_q + 1'b1;
        if (last_red) begin
          stage_q   <= beat_d;
          grp_cnt_q <= last_grp ? '0 : grp_cnt_q + 1'b1;
        end
        if (beat_done) begin
          out_q       <= beat_d;
          out_valid_q <= 1'b1;
          made_q      <= made_q + 1;
        end
      end
      if (fire && fsum) begin
        // Lane l adds float32(float32(x'_l) * scale) to its sum (the first beat of a window
        // starts from 0); a window's last beat writes the float32 bits of the sums: lanes
        // 0..15 into the output beat, lanes 16..63 (int8 input) into the spill beats.
        for (int unsigned l = 0; l < (in_int32 ? Lanes32 : Lanes); l++) begin
          logic [31:0]           x;
          logic [F32SumBits-1:0] sum;
          logic [31:0]           bits;
          if (in_int32) begin
            x = x_data_i[l / 2][32 * (l % 2) +: 32] - x_zp;
          end else begin
            x = 32'(signed'(x_data_i[l / 8][8 * (l % 8) +: 8])) - x_zp;
          end
          sum = f32_add(red_cnt_q == '0 ? '0 : fsum_q[l], f32_term(x, multiplier[22:0]));
          fsum_q[l] <= sum;
          if (last_red) begin
            bits = f32_encode(sum, multiplier[30:23]);
            if (l < Lanes32) begin
              out_q[l / 2][32 * (l % 2) +: 32] <= bits;
            end else begin
              spill_q[l / Lanes32 - 1][(l % Lanes32) / 2][32 * (l % 2) +: 32] <= bits;
            end
          end
        end
        red_cnt_q <= last_red ? '0 : red_cnt_q + 1'b1;
        if (last_red) begin
          out_valid_q <= 1'b1;
          made_q      <= made_q + (in_int32 ? 32'd1 : 32'd4);
          if (!in_int32) spill_cnt_q <= 2'd3;
        end
      end
      if (busy_q && sent_q == out_beats) busy_q <= 1'b0;
    end
  end

  assign busy_o = busy_q && sent_q != out_beats;

  `SNAX_ASSERT_IMPLIES(FsumScaleIsPositiveNormal, busy_q && fsum, f32_scale_ok(multiplier[31:23]))
  `SNAX_ASSERT_IMPLIES(FaddInt8Only, busy_q && fadd, !in_int32)
  `SNAX_ASSERT_IMPLIES(FaddOperandsBelow2To100, busy_q && fadd,
                       f32_fadd_operand_ok(cfg_i[CfgScaleX][30:23]) &&
                       f32_fadd_operand_ok(cfg_i[CfgScaleY][30:23]) &&
                       f32_fadd_operand_ok(cfg_i[CfgOffset][30:23]))
  `SNAX_ASSERT_IMPLIES(FaddZeroPointsExact, busy_q && fadd,
                       $signed(x_zp) >= -32'sd8388480 && $signed(x_zp) <= 32'sd8388480 &&
                       $signed(y_zp) >= -32'sd8388480 && $signed(y_zp) <= 32'sd8388480)
  `SNAX_ASSERT_IMPLIES(FsumSpillOnlyFromInt8, spill_cnt_q != '0, fsum && !in_int32)

  logic unused;
  assign unused = ^cfg_i;

endmodule
