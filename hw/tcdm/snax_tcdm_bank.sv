// One TCDM bank: a single-port SRAM of `Rows` 64-bit words with byte enables and a
// one-cycle read latency. The read data register holds its value until the next read.
//
// The array is written with blocking assignments: it is read only in this process, and never
// in the same cycle as it is written (one port), so this equals the non-blocking form, and it
// spares the simulator the per-byte delayed-update bookkeeping (about a third of the TCDM's
// simulation time).
module snax_tcdm_bank #(
  parameter int unsigned Rows  = 512,
  parameter int unsigned Width = 64,
  localparam int unsigned RowW = Rows > 1 ? $clog2(Rows) : 1,
  localparam int unsigned NumBytes = Width / 8
) (
  input  logic                clk_i,
  input  logic                req_i,
  input  logic                we_i,
  input  logic [RowW-1:0]     row_i,
  input  logic [NumBytes-1:0] be_i,
  input  logic [Width-1:0]    wdata_i,
  output logic [Width-1:0]    rdata_o
);

  logic [Width-1:0] mem_q [Rows];
  logic [Width-1:0] rdata_q;

  always_ff @(posedge clk_i) begin
    if (req_i) begin
      if (we_i) begin
        for (int unsigned i = 0; i < NumBytes; i++) begin
          if (be_i[i]) mem_q[row_i][8*i +: 8] = wdata_i[8*i +: 8];
        end
      end else begin
        rdata_q <= mem_q[row_i];
      end
    end
  end

  assign rdata_o = rdata_q;

endmodule
