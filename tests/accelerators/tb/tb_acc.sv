// Block testbench of one accelerator (`ACC_MODULE`, package `ACC_PKG`) on a behavioural
// TCDM. It loads the TCDM from +mem=<hex>, runs a command script from +cmds=<hex> on the
// register port (Ibex data-bus protocol), prints register reads and cycle marks, and dumps
// the TCDM to +out=<hex> at the end. Commands are three words: op, address, data.
//   0 END        1 WRITE addr data      2 READ addr (prints "R addr data cycle")
//   3 WAIT addr value: poll addr until (int)(reg - value) >= 0      4 IDLE n cycles
//   5 MARK id (prints "M id cycle")
module tb_acc import `ACC_PKG::*; (
  input logic clk_i,
  input logic rst_ni
);

  localparam int unsigned NumBanks  = 32;
  localparam int unsigned TcdmBytes = 128 * 1024;
  localparam logic [31:0] TcdmBase  = 32'h1000_0000;
  localparam int unsigned MaxCmds   = 65536;
  localparam longint unsigned Timeout = 5_000_000;

  logic        reg_req, reg_we, reg_gnt, reg_rvalid;
  logic [3:0]  reg_be;
  logic [11:0] reg_addr;
  logic [31:0] reg_wdata, reg_rdata;

  logic [NumTcdmPorts-1:0]       tcdm_req, tcdm_we, tcdm_gnt, tcdm_rvalid;
  logic [NumTcdmPorts-1:0][31:0] tcdm_addr;
  logic [NumTcdmPorts-1:0][7:0]  tcdm_be;
  logic [NumTcdmPorts-1:0][63:0] tcdm_wdata, tcdm_rdata;
  logic [31:0]                   conflicts;

  `ACC_MODULE #(
    .NumBanks (NumBanks),
    .TcdmBase (TcdmBase),
    .TcdmBytes(TcdmBytes)
  ) u_acc (
    .clk_i,
    .rst_ni,
    .reg_req_i    (reg_req),
    .reg_we_i     (reg_we),
    .reg_be_i     (reg_be),
    .reg_addr_i   (reg_addr),
    .reg_wdata_i  (reg_wdata),
    .reg_gnt_o    (reg_gnt),
    .reg_rvalid_o (reg_rvalid),
    .reg_rdata_o  (reg_rdata),
    .tcdm_req_o   (tcdm_req),
    .tcdm_addr_o  (tcdm_addr),
    .tcdm_we_o    (tcdm_we),
    .tcdm_be_o    (tcdm_be),
    .tcdm_wdata_o (tcdm_wdata),
    .tcdm_gnt_i   (tcdm_gnt),
    .tcdm_rvalid_i(tcdm_rvalid),
    .tcdm_rdata_i (tcdm_rdata)
  );

  tb_tcdm_model #(
    .NumPorts (NumTcdmPorts),
    .NumBanks (NumBanks),
    .TcdmBytes(TcdmBytes),
    .TcdmBase (TcdmBase)
  ) u_tcdm (
    .clk_i,
    .rst_ni,
    .req_i      (tcdm_req),
    .addr_i     (tcdm_addr),
    .we_i       (tcdm_we),
    .be_i       (tcdm_be),
    .wdata_i    (tcdm_wdata),
    .gnt_o      (tcdm_gnt),
    .rvalid_o   (tcdm_rvalid),
    .rdata_o    (tcdm_rdata),
    .conflicts_o(conflicts)
  );

  logic [31:0] cmds [MaxCmds * 3];
  string       mem_file, cmd_file, out_file;

  initial begin
    for (int unsigned i = 0; i < MaxCmds * 3; i++) cmds[i] = '0;
    if (!$value$plusargs("cmds=%s", cmd_file)) $fatal(1, "tb_acc: +cmds=<file> missing");
    if (!$value$plusargs("out=%s", out_file)) out_file = "";
    $readmemh(cmd_file, cmds);
    if ($value$plusargs("mem=%s", mem_file)) $readmemh(mem_file, u_tcdm.mem);
  end

  // Command sequencer.
  typedef enum logic [2:0] {Fetch, Req, Resp, Idle, Done} state_e;
  state_e          state_q;
  int unsigned     pc_q, idle_q;
  longint unsigned cycle_q, conflicts_q;
  logic [31:0]     op, addr, data;

  assign op   = cmds[3 * pc_q];
  assign addr = cmds[3 * pc_q + 1];
  assign data = cmds[3 * pc_q + 2];

  assign reg_req   = state_q == Req;
  assign reg_we    = op == 1;
  assign reg_be    = 4'hf;
  assign reg_addr  = addr[11:0];
  assign reg_wdata = data;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q     <= Fetch;
      pc_q        <= 0;
      idle_q      <= 0;
      cycle_q     <= 0;
      conflicts_q <= 0;
    end else begin
      cycle_q     <= cycle_q + 1;
      conflicts_q <= conflicts_q + 64'(conflicts);
      if (cycle_q > Timeout) $fatal(1, "tb_acc: timeout at command %0d", pc_q);
      unique case (state_q)
        Fetch: begin
          unique case (op)
            0: begin
              if (out_file != "") $writememh(out_file, u_tcdm.mem);
              $display("C %0d %0d", cycle_q, conflicts_q);
              $finish;
            end
            1, 2, 3: state_q <= Req;
            4: begin
              idle_q  <= data;
              state_q <= Idle;
            end
            5: begin
              $display("M %0d %0d", data, cycle_q);
              pc_q <= pc_q + 1;
            end
            default: $fatal(1, "tb_acc: bad command %0d", op);
          endcase
        end
        Req: if (reg_gnt) state_q <= Resp;
        Resp: begin
          if (reg_rvalid) begin
            if (op == 2) $display("R %h %h %0d", addr, reg_rdata, cycle_q);
            if (op == 3 && $signed(reg_rdata - data) < 0) begin
              state_q <= Req;
            end else begin
              pc_q    <= pc_q + 1;
              state_q <= Fetch;
            end
          end
        end
        Idle: begin
          if (idle_q <= 1) begin
            pc_q    <= pc_q + 1;
            state_q <= Fetch;
          end
          idle_q <= idle_q - 1;
        end
        default: state_q <= Done;
      endcase
    end
  end

endmodule
