// GeMM datapath: an Mu x Ku x Nu = 8 x 8 x 8 int8 MAC array with int32 accumulation.
// Semantics: snaxc.golden.gemm.gemm; beat layouts: snaxc/accelerators/gemm.py.
//
// Every cycle in which an A and a B beat are available, the array multiplies the two 8x8
// int8 blocks (zero points subtracted, 9-bit x 9-bit products) and adds them to the 8x8
// int32 accumulator. After `k_tiles` beats the tile (plus the C tile, when enabled) moves
// into the output register, and the array goes on with the next tile in the next cycle:
// the output stage writes the tile as 4 int32 beats or 1 requantized int8 beat while the
// array works, so outputs do not stall the array as long as k_tiles >= 4 (int32) or 1.
// The C tile is collected beat by beat while the array works on the tile.
module gemm_datapath import gemm_acc_pkg::*; (
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

  // State.
  logic                               busy_q;
  logic [15:0]                        k_cnt_q;
  logic [31:0]                        mac_tiles_q, out_tiles_q;
  logic [Mu-1:0][Nu-1:0][31:0]        acc_q, out_q, c_buf_q;
  logic                               out_valid_q;
  logic [1:0]                         out_beat_q;
  logic [2:0]                         c_cnt_q;

  // MAC array ----------------------------------------------------------------------------------

  logic signed [Mu-1:0][Ku-1:0][8:0] a_op;
  logic signed [Ku-1:0][Nu-1:0][8:0] b_op;
  logic        [Mu-1:0][Nu-1:0][31:0] sum;

  always_comb begin
    for (int unsigned m = 0; m < Mu; m++) begin
      for (int unsigned k = 0; k < Ku; k++) begin
        a_op[m][k] = 9'(signed'(a_data_i[m][8*k +: 8])) - a_zp;
      end
    end
    for (int unsigned k = 0; k < Ku; k++) begin
      for (int unsigned n = 0; n < Nu; n++) begin
        b_op[k][n] = 9'(signed'(b_transposed ? b_data_i[n][8*k +: 8] : b_data_i[k][8*n +: 8]))
                     - b_zp;
      end
    end
    for (int unsigned m = 0; m < Mu; m++) begin
      for (int unsigned n = 0; n < Nu; n++) begin
        logic signed [31:0] dot;
        dot = '0;
        for (int unsigned k = 0; k < Ku; k++) begin
          dot += 32'($signed(a_op[m][k]) * $signed(b_op[k][n]));
        end
        sum[m][n] = (k_cnt_q == '0 ? 32'b0 : acc_q[m][n]) + dot;
      end
    end
  end

  // Control ------------------------------------------------------------------------------------

  logic last_k, mac_todo, out_leaving, out_free, c_full, fire, c_take;

  assign last_k      = 32'(k_cnt_q) + 1 >= 32'(k_tiles);
  assign mac_todo    = busy_q && mac_tiles_q != mn_tiles;
  assign out_leaving = d_valid_o && d_ready_i &&
                       (out_int8 || 32'(out_beat_q) == Int32Beats - 1);
  assign out_free    = !out_valid_q || out_leaving;
  assign c_full      = c_cnt_q == 3'(Int32Beats);
  assign fire        = mac_todo && a_valid_i && b_valid_i &&
                       (!last_k || (out_free && (!c_en || c_full)));
  assign a_ready_o   = fire;
  assign b_ready_o   = fire;
  assign c_ready_o   = busy_q && c_en && !c_full;
  assign c_take      = c_valid_i && c_ready_o;
  assign stall_o     = mac_todo && !fire;

  // Output stage -------------------------------------------------------------------------------

  logic [Mu-1:0][Nu-1:0][7:0] out_i8;

  for (genvar m = 0; m < Mu; m++) begin : gen_rq_m
    for (genvar n = 0; n < Nu; n++) begin : gen_rq_n
      snax_requant u_requant (
        .value_i     (out_q[m][n]),
        .multiplier_i(q_data_i[n][31:0]),
        .shift_i     (q_data_i[n][37:32]),
        .zero_point_i(out_zp),
        .clamp_min_i (clamp_min),
        .clamp_max_i (clamp_max),
        .result_o    (out_i8[m][n])
      );
    end
  end

  always_comb begin
    for (int unsigned m = 0; m < Mu; m++) begin
      if (out_int8) begin
        d_data_o[m] = out_i8[m];
      end else begin
        d_data_o[m] = {out_q[m][2 * out_beat_q + 1], out_q[m][2 * out_beat_q]};
      end
    end
  end

  assign d_valid_o = out_valid_q && (!out_int8 || q_valid_i);
  assign q_ready_o = out_int8 && d_valid_o && d_ready_i;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q      <= 1'b0;
      k_cnt_q     <= '0;
      mac_tiles_q <= '0;
      out_tiles_q <= '0;
      acc_q       <= '0;
      out_q       <= '0;
      c_buf_q     <= '0;
      out_valid_q <= 1'b0;
      out_beat_q  <= '0;
      c_cnt_q     <= '0;
    end else if (start_i) begin
      busy_q      <= 1'b1;
      k_cnt_q     <= '0;
      mac_tiles_q <= '0;
      out_tiles_q <= '0;
      out_valid_q <= 1'b0;
      out_beat_q  <= '0;
      c_cnt_q     <= '0;
    end else begin
      if (c_take) begin
        for (int unsigned m = 0; m < Mu; m++) begin
          c_buf_q[m][2 * c_cnt_q]     <= c_data_i[m][31:0];
          c_buf_q[m][2 * c_cnt_q + 1] <= c_data_i[m][63:32];
        end
        c_cnt_q <= c_cnt_q + 1'b1;
      end
      if (d_valid_o && d_ready_i) begin
        out_beat_q <= out_leaving ? '0 : out_beat_q + 1'b1;
        if (out_leaving) begin
          out_valid_q <= 1'b0;
          out_tiles_q <= out_tiles_q + 1;
        end
      end
      if (fire) begin
        if (last_k) begin
          for (int unsigned m = 0; m < Mu; m++) begin
            for (int unsigned n = 0; n < Nu; n++) begin
              out_q[m][n] <= sum[m][n] + (c_en ? c_buf_q[m][n] : 32'b0);
            end
          end
          out_valid_q <= 1'b1;
          mac_tiles_q <= mac_tiles_q + 1;
          k_cnt_q     <= '0;
          if (c_en) c_cnt_q <= '0;
        end else begin
          acc_q   <= sum;
          k_cnt_q <= k_cnt_q + 1'b1;
        end
      end
      if (busy_q && !mac_todo && !out_valid_q && out_tiles_q == mn_tiles) busy_q <= 1'b0;
    end
  end

  // Done as soon as the last tile has left for the writer.
  assign busy_o = busy_q && out_tiles_q != mn_tiles;

  logic unused;
  assign unused = ^{q_data_i[0][63:38], q_data_i[1][63:38], q_data_i[2][63:38],
                    q_data_i[3][63:38], q_data_i[4][63:38], q_data_i[5][63:38],
                    q_data_i[6][63:38], q_data_i[7][63:38], cfg_i};

endmodule
