// N-D address generator of one DMA side: addr = base + sum_d i_d * stride[d].
//
// Each dimension keeps its counter and its partial offset i_d * stride[d], so no multiplier
// is needed. `step_i` advances to the next element (d = 0 innermost); stepping past the last
// element wraps every counter to zero, ready for the next descriptor. Bounds must be >= 1.
module snax_dma_agen import snax_cluster_cfg_pkg::*; (
  input  logic                     clk_i,
  input  logic                     rst_ni,
  input  logic [31:0]              base_i,
  input  logic [DmaDims-1:0][31:0] bound_i,
  input  logic [DmaDims-1:0][31:0] stride_i,
  input  logic                     step_i,
  output logic [31:0]              addr_o,
  output logic                     last_o
);

  logic [DmaDims-1:0][31:0] cnt_d, cnt_q, off_d, off_q;

  always_comb begin
    logic carry;
    addr_o = base_i;
    last_o = 1'b1;
    for (int unsigned d = 0; d < DmaDims; d++) begin
      addr_o += off_q[d];
      last_o &= cnt_q[d] == bound_i[d] - 32'd1;
    end

    cnt_d = cnt_q;
    off_d = off_q;
    carry = step_i;
    for (int unsigned d = 0; d < DmaDims; d++) begin
      if (carry) begin
        if (cnt_q[d] == bound_i[d] - 32'd1) begin
          cnt_d[d] = '0;
          off_d[d] = '0;
        end else begin
          cnt_d[d] = cnt_q[d] + 32'd1;
          off_d[d] = off_q[d] + stride_i[d];
          carry    = 1'b0;
        end
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cnt_q <= '0;
      off_q <= '0;
    end else begin
      cnt_q <= cnt_d;
      off_q <= off_d;
    end
  end

endmodule
