// Address generator of a streamer: walks `TemporalDims` nested loops (loop 0 innermost),
//
//   addr = base + sum_d cnt_d * stride_d,   0 <= cnt_d < bound_d,
//
// producing one address per accepted beat (valid/ready). Bounds of 0 count as 1; strides
// are signed byte strides (0 repeats data: reuse and broadcast). The counters and partial
// offsets return to zero after the last beat, so the first address of the next pattern is
// valid in the cycle of `start_i` (no start-up bubble).
`include "snax_assert.svh"

module snax_streamer_agu #(
  parameter int unsigned TemporalDims = 6,
  parameter int unsigned BoundWidth   = 16
) (
  input  logic                          clk_i,
  input  logic                          rst_ni,
  input  logic                          start_i,
  input  logic [31:0]                   base_i,
  input  logic [TemporalDims-1:0][31:0] bounds_i,
  input  logic [TemporalDims-1:0][31:0] strides_i,
  output logic                          valid_o,
  output logic [31:0]                   addr_o,
  input  logic                          ready_i,
  output logic                          active_o
);

  logic                                  active_q, active_d;
  logic [TemporalDims-1:0][BoundWidth-1:0] cnt_q, cnt_d;
  logic [TemporalDims-1:0][31:0]         off_q, off_d;
  logic                                  step, last;

  assign valid_o  = active_q || start_i;
  assign active_o = active_q;
  assign step     = valid_o && ready_i;

  always_comb begin
    addr_o = base_i;
    for (int unsigned d = 0; d < TemporalDims; d++) addr_o += off_q[d];
  end

  // Odometer increment: loop d advances when all inner loops wrap.
  always_comb begin
    logic carry;
    carry = 1'b1;
    cnt_d = cnt_q;
    off_d = off_q;
    for (int unsigned d = 0; d < TemporalDims; d++) begin
      if (carry) begin
        if ({1'b0, cnt_q[d]} + 1'b1 >= {1'b0, bounds_i[d][BoundWidth-1:0]}) begin
          cnt_d[d] = '0;
          off_d[d] = '0;
        end else begin
          cnt_d[d] = cnt_q[d] + 1'b1;
          off_d[d] = off_q[d] + strides_i[d];
          carry    = 1'b0;
        end
      end
    end
    last = carry;
  end

  always_comb begin
    active_d = active_q || start_i;
    if (step && last) active_d = 1'b0;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      active_q <= 1'b0;
      cnt_q    <= '0;
      off_q    <= '0;
    end else begin
      active_q <= active_d;
      if (step) begin
        cnt_q <= cnt_d;
        off_q <= off_d;
      end
    end
  end

  `SNAX_ASSERT_IMPLIES(NoStartWhileActive, start_i, !active_q)
  `SNAX_ASSERT_IMPLIES(IdleCountersAreZero, !active_q, (cnt_q == '0 && off_q == '0))

endmodule
