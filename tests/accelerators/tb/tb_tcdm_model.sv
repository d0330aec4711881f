// Behavioural TCDM for the accelerator block tests: `NumBanks` word-interleaved 64-bit
// banks, one grant per bank per cycle (round-robin among the requesting ports), read data
// exactly one cycle after the grant, no response to writes (docs/hardware.md).
// The memory is loaded from and dumped to hex files by tb_acc.
module tb_tcdm_model #(
  parameter int unsigned NumPorts  = 8,
  parameter int unsigned NumBanks  = 32,
  parameter int unsigned TcdmBytes = 128 * 1024,
  parameter logic [31:0] TcdmBase  = 32'h1000_0000
) (
  input  logic                      clk_i,
  input  logic                      rst_ni,
  input  logic [NumPorts-1:0]       req_i,
  input  logic [NumPorts-1:0][31:0] addr_i,
  input  logic [NumPorts-1:0]       we_i,
  input  logic [NumPorts-1:0][7:0]  be_i,
  input  logic [NumPorts-1:0][63:0] wdata_i,
  output logic [NumPorts-1:0]       gnt_o,
  output logic [NumPorts-1:0]       rvalid_o,
  output logic [NumPorts-1:0][63:0] rdata_o,
  output logic [31:0]               conflicts_o
);

  localparam int unsigned Words = TcdmBytes / 8;

  logic [63:0] mem [Words];
  int unsigned rr_q [NumBanks];

  function automatic int unsigned bank_of(logic [31:0] addr);
    return 32'((addr - TcdmBase) >> 3) % NumBanks;
  endfunction

  always_comb begin
    gnt_o       = '0;
    conflicts_o = '0;
    for (int unsigned b = 0; b < NumBanks; b++) begin
      logic found;
      found = 1'b0;
      for (int unsigned i = 0; i < NumPorts; i++) begin
        int unsigned p;
        p = (rr_q[b] + i) % NumPorts;
        if (req_i[p] && bank_of(addr_i[p]) == b) begin
          if (!found) gnt_o[p] = 1'b1;
          else conflicts_o += 1;
          found = 1'b1;
        end
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rvalid_o <= '0;
      for (int unsigned b = 0; b < NumBanks; b++) rr_q[b] <= 0;
    end else begin
      for (int unsigned p = 0; p < NumPorts; p++) begin
        rvalid_o[p] <= gnt_o[p] && !we_i[p];
        if (gnt_o[p]) begin
          int unsigned w;
          w = 32'(addr_i[p] - TcdmBase) >> 3;
          rr_q[bank_of(addr_i[p])] <= (p + 1) % NumPorts;
          if (we_i[p]) begin
            for (int unsigned j = 0; j < 8; j++) begin
              if (be_i[p][j]) mem[w][8*j +: 8] <= wdata_i[p][8*j +: 8];
            end
          end else begin
            rdata_o[p] <= mem[w];
          end
          if (addr_i[p] < TcdmBase || addr_i[p] - TcdmBase >= TcdmBytes) begin
            $fatal(1, "TCDM access outside the TCDM: port %0d address %h", p, addr_i[p]);
          end
        end
      end
    end
  end

endmodule
