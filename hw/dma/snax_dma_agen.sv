// N-D address generator of one DMA side: addr = base + sum_d i_d * stride[d].
//
// Each dimension keeps its counter and its partial offset i_d * stride[d], so no multiplier
// is needed. `step_i` advances by `step_elems_i` elements along the innermost dimension
// (d = 0), whose offset grows by `step_bytes_i` (= step_elems_i * stride[0], supplied by the
// user: 1 element and stride[0], or a contiguous run of n elements and n * E bytes). The step
// must not go past the end of dimension 0 (step_elems_i <= rem0_o); reaching it carries into
// the outer dimensions. Stepping past the last element wraps every counter to zero, ready for
// the next descriptor. Bounds must be >= 1.
module snax_dma_agen import snax_cluster_cfg_pkg::*; (
  input  logic                     clk_i,
  input  logic                     rst_ni,
  input  logic [31:0]              base_i,
  input  logic [DmaDims-1:0][31:0] bound_i,
  input  logic [DmaDims-1:0][31:0] stride_i,
  input  logic                     step_i,
  input  logic [6:0]               step_elems_i,
  input  logic [31:0]              step_bytes_i,
  output logic [31:0]              addr_o,
  // Elements left in the innermost dimension, the current one included.
  output logic [31:0]              rem0_o,
  // A step of `step_elems_i` elements now finishes the pattern.
  output logic                     last_o
);

  logic [DmaDims-1:0][31:0] cnt_d, cnt_q, off_d, off_q;
  logic                     outer_last, inner_end;

  // Outputs from the state only (no path from step_i / step_elems_i to addr_o and rem0_o).
  always_comb begin
    addr_o     = base_i;
    outer_last = 1'b1;
    for (int unsigned d = 0; d < DmaDims; d++) begin
      addr_o += off_q[d];
      if (d > 0) outer_last &= cnt_q[d] == bound_i[d] - 32'd1;
    end
    rem0_o = bound_i[0] - cnt_q[0];
  end

  assign inner_end = rem0_o == 32'(step_elems_i);
  assign last_o    = outer_last && inner_end;

  always_comb begin
    logic carry;
    cnt_d = cnt_q;
    off_d = off_q;
    carry = 1'b0;
    if (step_i) begin
      if (inner_end) begin
        cnt_d[0] = '0;
        off_d[0] = '0;
        carry    = 1'b1;
      end else begin
        cnt_d[0] = cnt_q[0] + 32'(step_elems_i);
        off_d[0] = off_q[0] + step_bytes_i;
      end
    end
    for (int unsigned d = 1; d < DmaDims; d++) begin
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

  StepWithinRow: assert property (@(posedge clk_i) disable iff (!rst_ni)
      step_i |-> step_elems_i != '0 && 32'(step_elems_i) <= rem0_o)
    else $error("DMA agen: step of %0d elements with %0d left in the row", step_elems_i, rem0_o);

endmodule
