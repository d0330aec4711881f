// GeMM datapath: an Mu x Ku x Nu = 8 x 8 x 8 int8 MAC array with int32 accumulation.
// Semantics: snaxc.golden.gemm.gemm; beat layouts: snaxc/accelerators/gemm.py.
//
// Every cycle in which an A and a B beat are available, the array multiplies the two 8x8
// int8 blocks (zero points subtracted, 9-bit x 9-bit products) and adds them to the 8x8
// int32 accumulator. After `k_tiles` beats the tile (plus the C tile, when enabled) moves
// into the output register, and the array goes on with the next tile in the next cycle.
// The output stage writes the tile as 4 int32 beats, or requantizes it into an int8
// register (one beat, with the tile's Q beat of per-column multipliers and shifts) while
// the array works: outputs do not stall the array as long as k_tiles >= 4 (int32) or 2.
// The C tile is collected beat by beat while the array works on the tile.
//
// The array and the requantizers are evaluated inside the `fire` / `requant_go` branches of
// the registers they feed (functions below), so an idle or waiting datapath costs nothing,
// also in simulation.
module gemm_datapath
  import gemm_acc_pkg::*;
  import snax_requant_pkg::requant;
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

  typedef logic [Mu-1:0][Nu-1:0][31:0] tile_t;

  // Configuration fields.
  logic [15:0]       k_tiles;
  logic [31:0]       mn_tiles;
  logic signed [8:0] a_zp, b_zp;
  logic              c_en, b_transposed, out_int8;
  logic signed [7:0] out_zp, clamp_min, clamp_max;

  assign k_tiles      = cfg_i[CfgKTiles][15:0];
  assign mn_tiles     = cfg_i[CfgMnTiles];
  assign a_zp         = 9'(signed'(cfg_i[CfgAZp][7:0]));
  assign b_zp         = 9'(signed'(cfg_i[CfgBZp][7:0]));
  assign c_en         = cfg_i[CfgCEnable][0];
  assign b_transposed = cfg_i[CfgBTransposed][0];
  assign out_int8     = cfg_i[CfgOutInt8][0];
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

  // The MAC array: acc + (A - a_zp)(B - b_zp) for one 8x8x8 block.
  function automatic tile_t mac(tile_t acc, logic [APorts-1:0][63:0] a,
                                logic [BPorts-1:0][63:0] b, logic signed [8:0] azp,
                                logic signed [8:0] bzp, logic bt);
    tile_t r;
    logic signed [Mu-1:0][Ku-1:0][8:0] a_op;
    logic signed [Ku-1:0][Nu-1:0][8:0] b_op;
    for (int unsigned m = 0; m < Mu; m++) begin
      for (int unsigned k = 0; k < Ku; k++) a_op[m][k] = 9'(signed'(a[m][8*k +: 8])) - azp;
    end
    for (int unsigned k = 0; k < Ku; k++) begin
      for (int unsigned n = 0; n < Nu; n++) begin
        b_op[k][n] = 9'(signed'(bt ? b[n][8*k +: 8] : b[k][8*n +: 8])) - bzp;
      end
    end
    for (int unsigned m = 0; m < Mu; m++) begin
      for (int unsigned n = 0; n < Nu; n++) begin
        r[m][n] = acc[m][n];
        for (int unsigned k = 0; k < Ku; k++) begin
          r[m][n] += 32'($signed(a_op[m][k]) * $signed(b_op[k][n]));
        end
      end
    end
    return r;
  endfunction

  // x + the collected C tile (beat i, word m: C[m][2i], C[m][2i + 1]).
  function automatic tile_t add_c(tile_t x);
    tile_t r;
    for (int unsigned m = 0; m < Mu; m++) begin
      for (int unsigned n = 0; n < Nu; n++) begin
        r[m][n] = x[m][n] + c_beats_q[n / 2][m][32 * (n % 2) +: 32];
      end
    end
    return r;
  endfunction

  // The int8 output beat: column n uses {shift, multiplier} from word n of the Q beat.
  function automatic logic [DPorts-1:0][63:0] requant_tile(
      tile_t t, logic [QPorts-1:0][63:0] q, logic signed [7:0] zp, logic signed [7:0] lo,
      logic signed [7:0] hi);
    logic [DPorts-1:0][63:0] r;
    for (int unsigned m = 0; m < Mu; m++) begin
      for (int unsigned n = 0; n < Nu; n++) begin
        r[m][8*n +: 8] = requant(t[m][n], q[n][31:0], q[n][37:32], zp, lo, hi);
      end
    end
    return r;
  endfunction

  // State.
  logic                    busy_q;
  logic [15:0]             k_cnt_q;
  logic [31:0]             mac_tiles_q, out_tiles_q;
  tile_t                   acc_q, out_q;
  logic [CPorts-1:0][63:0] c_beats_q [Int32Beats];  // the C tile, as it arrived
  logic                    out_valid_q, out8_valid_q;
  logic [DPorts-1:0][63:0] out8_q;
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
    d_data_o = out8_q;
    if (!out_int8) begin
      for (int unsigned m = 0; m < Mu; m++) begin
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
      acc_q        <= '0;
      out_q        <= '0;
      out8_q       <= '0;
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
        out8_q       <= requant_tile(out_q, q_data_i, out_zp, clamp_min, clamp_max);
        out8_valid_q <= 1'b1;
      end
      if (out_valid_q && (out_int8 ? requant_go : tile_written)) out_valid_q <= 1'b0;
      // The array.
      if (fire) begin
        if (last_k) begin
          if (c_en) begin
            out_q <= add_c(mac(k_cnt_q == '0 ? '0 : acc_q, a_data_i, b_data_i, a_zp, b_zp,
                               b_transposed));
          end else begin
            out_q <= mac(k_cnt_q == '0 ? '0 : acc_q, a_data_i, b_data_i, a_zp, b_zp,
                         b_transposed);
          end
          out_valid_q <= 1'b1;
          mac_tiles_q <= mac_tiles_q + 1;
          k_cnt_q     <= '0;
          if (c_en) c_cnt_q <= '0;
        end else begin
          acc_q   <= mac(k_cnt_q == '0 ? '0 : acc_q, a_data_i, b_data_i, a_zp, b_zp,
                         b_transposed);
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
