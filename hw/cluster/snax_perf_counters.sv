// The cluster's hardware performance counters: NumPerfCounters free-running 64-bit
// counters, each adding its event's increment every cycle while `en_i` is high (the
// cluster stops them when the program has ended, so values read afterwards are final).
module snax_perf_counters import snax_cluster_cfg_pkg::*; (
  input  logic                                   clk_i,
  input  logic                                   rst_ni,
  input  logic                                   en_i,
  input  logic [NumPerfCounters-1:0][7:0]        inc_i,
  output logic [NumPerfCounters-1:0][63:0]       count_o
);

  logic [NumPerfCounters-1:0][63:0] count_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      count_q <= '0;
    end else if (en_i) begin
      for (int unsigned i = 0; i < NumPerfCounters; i++) begin
        count_q[i] <= count_q[i] + 64'(inc_i[i]);
      end
    end
  end

  assign count_o = count_q;

endmodule
