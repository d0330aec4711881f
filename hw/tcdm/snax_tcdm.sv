// TCDM: `NumBanks` word-interleaved 64-bit single-cycle SRAM banks behind a fully connected
// crossbar with one round-robin arbiter per bank.
//
// Every master port follows the narrow-port protocol of docs/hardware.md: `req`/`gnt`
// handshake, absolute 8-byte-aligned byte addresses inside the TCDM, byte enables for
// writes, `rvalid`/`rdata` exactly one cycle after a granted read, no response to writes.
// Word w = (addr - TcdmBase) >> 3 lives in bank w % NumBanks, row w / NumBanks.
//
// Arbitration: each bank grants at most one request per cycle. Among its requesters it grants
// the first port at or above its priority pointer (wrapping around); after a grant the pointer
// moves just above the winner. A port that keeps requesting therefore waits at most
// NumPorts - 1 grants of its bank. The arbiter is written directly on bit vectors (mask,
// isolate lowest set bit) rather than with prim_arbiter_tree: with ~100 ports this keeps the
// simulation model down to a handful of wide-word operations per bank.
module snax_tcdm import snax_cluster_cfg_pkg::*; #(
  parameter int unsigned NumPorts = 17
) (
  input  logic                      clk_i,
  input  logic                      rst_ni,
  input  logic [NumPorts-1:0]       req_i,
  input  logic [NumPorts-1:0]       we_i,
  input  logic [NumPorts-1:0][31:0] addr_i,
  input  logic [NumPorts-1:0][7:0]  be_i,
  input  logic [NumPorts-1:0][63:0] wdata_i,
  output logic [NumPorts-1:0]       gnt_o,
  output logic [NumPorts-1:0]       rvalid_o,
  output logic [NumPorts-1:0][63:0] rdata_o,
  output logic [7:0]                conflicts_o
);

  localparam int unsigned BankBytes = BankWidth / 8;
  localparam int unsigned Rows      = TcdmBytes / BankBytes / NumBanks;
  localparam int unsigned BankW     = NumBanks > 1 ? $clog2(NumBanks) : 1;
  localparam int unsigned RowW      = Rows > 1 ? $clog2(Rows) : 1;
  localparam int unsigned OffW      = $clog2(BankBytes);

  // Address decode ---------------------------------------------------------------------------

  logic [NumPorts-1:0][BankW-1:0] port_bank;
  logic [NumPorts-1:0][RowW-1:0]  port_row;

  // TcdmBase is aligned to TcdmBytes (checked below), so the bank and row are address bits.
  always_comb begin
    for (int unsigned p = 0; p < NumPorts; p++) begin
      port_bank[p] = addr_i[p][OffW +: BankW];
      port_row[p]  = addr_i[p][OffW + BankW +: RowW];
    end
  end

  // Per-bank round-robin arbitration and SRAM --------------------------------------------------
  //
  // Work per cycle is O(NumPorts + NumBanks), not O(NumPorts * NumBanks): each port drops its
  // request into its bank's request vector, each bank picks a winner with a few vector
  // operations, and each granted port drives its bank's inputs. Per-bank signals are unpacked
  // arrays so that indexing them by a port's bank is a plain array access in simulation.

  logic [NumPorts-1:0] bank_req    [NumBanks];
  logic [NumPorts-1:0] bank_winner [NumBanks];  // one-hot (or zero) winner of each bank
  logic                bank_en     [NumBanks];
  logic                bank_we     [NumBanks];
  logic [RowW-1:0]     bank_row    [NumBanks];
  logic [7:0]          bank_be     [NumBanks];
  logic [63:0]         bank_wdata  [NumBanks];
  logic [63:0]         bank_rdata  [NumBanks];

  always_comb begin
    for (int unsigned b = 0; b < NumBanks; b++) bank_req[b] = '0;
    for (int unsigned p = 0; p < NumPorts; p++) begin
      if (req_i[p]) bank_req[port_bank[p]][p] = 1'b1;
    end
  end

  for (genvar b = 0; b < NumBanks; b++) begin : gen_bank
    logic [NumPorts-1:0] masked_req, pick_from, winner;
    logic [NumPorts-1:0] prio_mask_d, prio_mask_q;  // ports at or above the pointer

    always_comb begin
      masked_req = bank_req[b] & prio_mask_q;
      pick_from  = (masked_req != '0) ? masked_req : bank_req[b];
      winner     = pick_from & (~pick_from + 1'b1);  // isolate the lowest set bit
      // Next time, start just above the winner (all ports again after the highest one).
      prio_mask_d = (winner != '0) ? ~(winner | (winner - 1'b1)) : prio_mask_q;
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) prio_mask_q <= '1;
      else         prio_mask_q <= prio_mask_d;
    end

    assign bank_winner[b] = winner;

    snax_tcdm_bank #(
      .Rows (Rows),
      .Width(BankWidth)
    ) u_bank (
      .clk_i,
      .req_i  (bank_en[b]),
      .we_i   (bank_we[b]),
      .row_i  (bank_row[b]),
      .be_i   (bank_be[b]),
      .wdata_i(bank_wdata[b]),
      .rdata_o(bank_rdata[b])
    );

    // A bank grants at most one master per cycle.
    BankGrantOnehot: assert property (@(posedge clk_i) disable iff (!rst_ni)
        $onehot0(winner))
      else $error("TCDM bank %0d granted several ports: %b", b, winner);
  end

  // Grants; each granted port drives its bank.
  always_comb begin
    gnt_o = '0;
    for (int unsigned b = 0; b < NumBanks; b++) gnt_o |= bank_winner[b];
  end

  always_comb begin
    for (int unsigned b = 0; b < NumBanks; b++) begin
      bank_en[b]    = 1'b0;
      bank_we[b]    = 1'b0;
      bank_row[b]   = '0;
      bank_be[b]    = '0;
      bank_wdata[b] = '0;
    end
    for (int unsigned p = 0; p < NumPorts; p++) begin
      if (gnt_o[p]) begin
        bank_en[port_bank[p]]    = 1'b1;
        bank_we[port_bank[p]]    = we_i[p];
        bank_row[port_bank[p]]   = port_row[p];
        bank_be[port_bank[p]]    = be_i[p];
        bank_wdata[port_bank[p]] = wdata_i[p];
      end
    end
  end

  // Responses, conflicts ---------------------------------------------------------------------

  logic [NumPorts-1:0]            rvalid_q;
  logic [NumPorts-1:0][BankW-1:0] rsp_bank_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rvalid_q   <= '0;
      rsp_bank_q <= '0;
    end else begin
      rvalid_q   <= gnt_o & ~we_i;
      rsp_bank_q <= port_bank;
    end
  end

  always_comb begin
    for (int unsigned p = 0; p < NumPorts; p++) begin
      rdata_o[p] = bank_rdata[rsp_bank_q[p]];
    end
  end
  assign rvalid_o = rvalid_q;

  // Requests denied this cycle: each one lost its bank to another master.
  assign conflicts_o = 8'($countones(req_i & ~gnt_o));

  // Assertions --------------------------------------------------------------------------------

  if (NumPorts > 255) begin : gen_too_many_ports
    $fatal(1, "snax_tcdm: conflicts_o is 8 bit wide, NumPorts must be below 256");
  end
  if (TcdmBase % TcdmBytes != 0) begin : gen_bad_base
    $fatal(1, "snax_tcdm: TcdmBase must be aligned to TcdmBytes");
  end
  if (Rows * NumBanks * BankBytes != TcdmBytes) begin : gen_bad_geometry
    $fatal(1, "snax_tcdm: TcdmBytes must be a whole number of rows across all banks");
  end

  for (genvar p = 0; p < NumPorts; p++) begin : gen_port_asserts
    AddrInRange: assert property (@(posedge clk_i) disable iff (!rst_ni)
        req_i[p] |-> (addr_i[p] - TcdmBase) < TcdmBytes)
      else $error("TCDM port %0d: address 0x%08x outside the TCDM", p, addr_i[p]);
    AddrAligned: assert property (@(posedge clk_i) disable iff (!rst_ni)
        req_i[p] |-> addr_i[p][OffW-1:0] == '0)
      else $error("TCDM port %0d: address 0x%08x not %0d-byte aligned", p, addr_i[p],
                  BankBytes);
  end

endmodule
