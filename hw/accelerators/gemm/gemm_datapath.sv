// GeMM datapath: an Mu x Ku x Nu = 8 x 8 x 8 int8 MAC array with int32 accumulation.
// Semantics: snaxc.golden.gemm.gemm; beat layouts: snaxc/accelerators/gemm.py.
//
// Every cycle in which an A and a B beat are available, the array multiplies the two 8x8
// int8 blocks (zero points subtracted, 9-bit x 9-bit products) and adds them to the 8x8
// int32 accumulator. After `k_tiles` beats the tile (plus the C tile, when enabled) moves
// into the output register, and the array goes on with the next tile in the next cycle.
// The output stage writes the tile as 4 int32 beats, or requantizes it into an int8
// register (one beat, with the tile's Q beat of per-column multipliers and shifts, or with
// `requant_f32` of per-column float32 scales, rounded as onnxruntime does in float32) while
// the array works: outputs do not stall the array as long as k_tiles >= 4 (int32) or 2.
// Both requantizers take one cycle per tile, so the two int8 modes have the same timing.
// The C tile is collected beat by beat while the array works on the tile.
//
// The array and the requantizers are evaluated inside the `fire` / `requant_go` branches of
// the registers they feed, so an idle or waiting datapath costs nothing, also in simulation.
module gemm_datapath
  import gemm_acc_pkg::*;
  import snax_requant_pkg::requant;
  import snax_requant_pkg::f32_requant;
(
  input  logic                          clk_i,
  input  logic                          rst_ni,
  input  logic [NumCfgRegs-1:0][31:0]   cfg_i,
  input  logic                          start_i,
  output logic                          busy_o,
  output logic                          stall_o,
  output logic [NumStreamers-1:0]       stream_en_o,
  input  logic [APorts-1:0][63:0]       a_data_i,
  input  logic                          a_valid_i,
  output logic                          a_ready_o,
  input  logic [BPorts-1:0][63:0]       b_data_i,
  input  logic                          b_valid_i,
  output logic                          b_ready_o,
  input  logic [CPorts-1:0][63:0]       c_data_i,
  input  logic                          c_valid_i,
  output logic                          c_ready_o,
  input  logic [QPorts-1:0][63:0]       q_data_i,
  input  logic                          q_valid_i,
  output logic                          q_ready_o,
  output logic [DPorts-1:0][63:0]       d_data_o,
  output logic                          d_valid_o,
  input  logic                          d_ready_i
);

  localparam int unsigned Mu = 8;
  localparam int unsigned Ku = 8;
  localparam int unsigned Nu = 8;
  localparam int unsigned Int32Beats = Mu * Nu * 4 / (DPorts * 8);

  // Configuration fields.
  logic [15:0]       k_tiles;
  logic [31:0]       mn_tiles;
  logic signed [8:0] a_zp, b_zp;
  logic              c_en, b_transposed, out_int8, requant_f32;
  logic signed [7:0] out_zp, clamp_min, clamp_max;

  assign k_tiles      = cfg_i[CfgKTiles][15:0];
  assign mn_tiles     = cfg_i[CfgMnTiles];
  assign a_zp         = 9'(signed'(cfg_i[CfgAZp][7:0]));
  assign b_zp         = 9'(signed'(cfg_i[CfgBZp][7:0]));
  assign c_en         = cfg_i[CfgCEnable][0];
  assign b_transposed = cfg_i[CfgBTransposed][0];
  assign out_int8     = cfg_i[CfgOutInt8][0];
  assign requant_f32  = cfg_i[CfgRequantF32][0];
  assign out_zp       = cfg_i[CfgOutZp][7:0];
  assign clamp_min    = cfg_i[CfgClampMin][7:0];
  assign clamp_max    = cfg_i[CfgClampMax][7:0];

  always_comb begin
    stream_en_o       = '0;
    stream_en_o[StrA] = 1'b1;
    stream_en_o[StrB] = 1'b1;
    stream_en_o[StrC] = c_en;
    stream_en_o[StrQ] = out_int8;
    stream_en_o[StrD] = 1'b1;
  end

  // One output of the MAC array: sum_k (A[m][k] - a_zp) * (B[k][n] - b_zp) of the current
  // A and B beats (8 products of 9-bit signed operands).
  function automatic logic [31:0] dot(int unsigned m, int unsigned n);
    logic [31:0] r;
    r = '0;
    for (int unsigned k = 0; k < Ku; k++) begin
      logic signed [8:0] a_op, b_op;
      a_op = 9'(signed'(a_data_i[m][8*k +: 8])) - a_zp;
      b_op = 9'(signed'(b_transposed ? b_data_i[n][8*k +: 8] : b_data_i[k][8*n +: 8])) - b_zp;
      r += 32'(a_op * b_op);
    end
    return r;
  endfunction

  // State.
  logic                    busy_q;
  logic [15:0]             k_cnt_q;
  logic [31:0]             mac_tiles_q, out_tiles_q;
  // Tiles are unpacked arrays: updating them element by element costs no whole-array copy
  // in simulation.
  logic [31:0]             acc_q [Mu][Nu];
  logic [31:0]             out_q [Mu][Nu];
  logic [7:0]              out8_q [Mu][Nu];
  logic [CPorts-1:0][63:0] c_beats_q [Int32Beats];  // the C tile, as it arrived
  logic                    out_valid_q, out8_valid_q;
  logic [1:0]              out_beat_q;
  logic [2:0]              c_cnt_q;

  // Control ------------------------------------------------------------------------------------

  logic last_k, mac_todo, out_free, c_full, fire, c_take, requant_go, d_fire, tile_written;

  assign last_k       = 32'(k_cnt_q) + 1 >= 32'(k_tiles);
  assign mac_todo     = busy_q && mac_tiles_q != mn_tiles;
  assign d_fire       = d_valid_o && d_ready_i;
  // int8: the requantizer takes the tile (and its Q beat) into out8_q when that is free.
  assign requant_go   = out_int8 && out_valid_q && q_valid_i && (!out8_valid_q || d_fire);
  assign tile_written = d_fire && (out_int8 || 32'(out_beat_q) == Int32Beats - 1);
  assign out_free     = !out_valid_q || (out_int8 ? requant_go : tile_written);
  assign c_full       = c_cnt_q == 3'(Int32Beats);
  assign fire         = mac_todo && a_valid_i && b_valid_i &&
                        (!last_k || (out_free && (!c_en || c_full)));
  assign a_ready_o    = fire;
  assign b_ready_o    = fire;
  assign c_ready_o    = busy_q && c_en && !c_full;
  assign c_take       = c_valid_i && c_ready_o;
  assign q_ready_o    = requant_go;
  assign stall_o      = mac_todo && !fire;

  // Output stage -------------------------------------------------------------------------------

  always_comb begin
    for (int unsigned m = 0; m < Mu; m++) begin
      if (out_int8) begin
        for (int unsigned n = 0; n < Nu; n++) d_data_o[m][8*n +: 8] = out8_q[m][n];
      end else begin
        d_data_o[m] = {out_q[m][2 * out_beat_q + 1], out_q[m][2 * out_beat_q]};
      end
    end
  end

  assign d_valid_o = out_int8 ? out8_valid_q : out_valid_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q       <= 1'b0;
      k_cnt_q      <= '0;
      mac_tiles_q  <= '0;
      out_tiles_q  <= '0;
      for (int unsigned m = 0; m < Mu; m++) begin
        for (int unsigned n = 0; n < Nu; n++) begin
          acc_q[m][n]  <= '0;
          out_q[m][n]  <= '0;
          out8_q[m][n] <= '0;
        end
      end
      out_valid_q  <= 1'b0;
      out8_valid_q <= 1'b0;
      out_beat_q   <= '0;
      c_cnt_q      <= '0;
    end else if (start_i) begin
      busy_q       <= 1'b1;
      k_cnt_q      <= '0;
      mac_tiles_q  <= '0;
      out_tiles_q  <= '0;
      out_valid_q  <= 1'b0;
      out8_valid_q <= 1'b0;
      out_beat_q   <= '0;
      c_cnt_q      <= '0;
    end else begin
      if (c_take) c_cnt_q <= c_cnt_q + 1'b1;
      // Output handshakes.
      if (d_fire && !out_int8) out_beat_q <= tile_written ? '0 : out_beat_q + 1'b1;
      if (tile_written) out_tiles_q <= out_tiles_q + 1;
      if (out_int8 && d_fire) out8_valid_q <= 1'b0;
      if (requant_go) begin
        if (requant_f32) begin
          // Column n uses the float32 scale in word n of the Q beat.
          for (int unsigned m = 0; m < Mu; m++) begin
            for (int unsigned n = 0; n < Nu; n++) begin
              out8_q[m][n] <= f32_requant(out_q[m][n], q_data_i[n][31:0], out_zp, clamp_min,
                                          clamp_max);
            end
          end
        end else begin
          // Column n uses {shift, multiplier} from word n of the Q beat.
          for (int unsigned m = 0; m < Mu; m++) begin
            for (int unsigned n = 0; n < Nu; n++) begin
              out8_q[m][n] <= requant(out_q[m][n], q_data_i[n][31:0], q_data_i[n][37:32],
                                      out_zp, clamp_min, clamp_max);
            end
          end
        end
        out8_valid_q <= 1'b1;
      end
      if (out_valid_q && (out_int8 ? requant_go : tile_written)) out_valid_q <= 1'b0;
      // The array.
      if (fire) begin
        for (int unsigned m = 0; m < Mu; m++) begin
          for (int unsigned n = 0; n < Nu; n++) begin
            if (last_k) begin
              out_q[m][n] <= (k_cnt_q == '0 ? '0 : acc_q[m][n]) + dot(m, n) +
                             (c_en ? c_beats_q[n / 2][m][32 * (n % 2) +: 32] : '0);
            end else begin
              acc_q[m][n] <= (k_cnt_q == '0 ? '0 : acc_q[m][n]) + dot(m, n);
            end
          end
        end
        if (last_k) begin
          out_valid_q <= 1'b1;
          mac_tiles_q <= mac_tiles_q + 1;
          k_cnt_q     <= '0;
          if (c_en) c_cnt_q <= '0;
        end else begin
          k_cnt_q <= k_cnt_q + 1'b1;
        end
      end
      if (busy_q && out_tiles_q == mn_tiles) busy_q <= 1'b0;
    end
  end

  // The C beats (no reset: only read after they have been written).
  always_ff @(posedge clk_i) begin
    if (c_take) c_beats_q[c_cnt_q[1:0]] <= c_data_i;
  end

  // Done as soon as the last tile has left for the writer.
  assign busy_o = busy_q && out_tiles_q != mn_tiles;

  logic unused;
  assign unused = ^{q_data_i[0][63:38], q_data_i[1][63:38], q_data_i[2][63:38],
                    q_data_i[3][63:38], q_data_i[4][63:38], q_data_i[5][63:38],
                    q_data_i[6][63:38], q_data_i[7][63:38], cfg_i};

endmodule
