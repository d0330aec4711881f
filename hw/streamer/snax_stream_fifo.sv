// A small synchronous FIFO for the streamers. With `FallThrough`, a word pushed into an
// empty FIFO is visible at the output in the same cycle (it is not stored if popped then),
// so a prefetch FIFO adds no latency to the data path.
`include "snax_assert.svh"

module snax_stream_fifo #(
  parameter int unsigned Width       = 64,
  parameter int unsigned Depth       = 4,
  parameter bit          FallThrough = 1'b1,
  localparam int unsigned CntW       = $clog2(Depth + 1)
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             push_i,
  input  logic [Width-1:0] data_i,
  output logic             full_o,
  input  logic             pop_i,
  output logic             valid_o,
  output logic [Width-1:0] data_o,
  output logic [CntW-1:0]  count_o
);

  localparam int unsigned PtrW = Depth > 1 ? $clog2(Depth) : 1;

  // Unpacked, so that writing one entry does not copy the whole array in simulation.
  logic [Width-1:0]            mem_q [Depth];
  logic [PtrW-1:0]             rd_ptr_q, wr_ptr_q;
  logic [CntW-1:0]             count_q;
  logic                        empty, bypass, do_push, do_pop;

  assign empty   = count_q == '0;
  assign full_o  = count_q == CntW'(Depth);
  assign bypass  = FallThrough && empty && push_i;
  assign valid_o = !empty || bypass;
  assign data_o  = empty ? data_i : mem_q[rd_ptr_q];
  assign count_o = count_q;

  // A bypassed word that is popped at once is never stored.
  assign do_push = push_i && !(bypass && pop_i);
  assign do_pop  = pop_i && !empty;

  function automatic logic [PtrW-1:0] incr(logic [PtrW-1:0] ptr);
    return (32'(ptr) == Depth - 1) ? '0 : ptr + 1'b1;
  endfunction

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rd_ptr_q <= '0;
      wr_ptr_q <= '0;
      count_q  <= '0;
    end else begin
      if (do_push) wr_ptr_q <= incr(wr_ptr_q);
      if (do_pop) rd_ptr_q <= incr(rd_ptr_q);
      count_q <= count_q + CntW'(do_push) - CntW'(do_pop);
    end
  end

  always_ff @(posedge clk_i) begin
    if (do_push) mem_q[wr_ptr_q] <= data_i;
  end

  `SNAX_ASSERT_IMPLIES(NoOverflow, push_i, (!full_o || pop_i))
  `SNAX_ASSERT_IMPLIES(NoUnderflow, pop_i, valid_o)

endmodule
