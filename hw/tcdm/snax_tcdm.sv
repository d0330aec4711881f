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
// NumPorts - 1 grants of its bank.
//
// Written for simulation speed (Verilator), since every accelerator port adds a master: the
// arbiters work on bit vectors (mask, isolate the lowest set bit) instead of
// prim_arbiter_tree, only banks that are requested are arbitrated, an idle cycle skips
// everything, and the checks are immediate assertions in a clocked process.
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

  logic [BankW-1:0] port_bank [NumPorts];
  logic [RowW-1:0]  port_row  [NumPorts];

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
  // request into its bank's request vector, each requested bank picks a winner with a few
  // vector operations, and each granted port drives its bank's inputs. Per-bank signals are
  // unpacked arrays so that indexing them by a port's bank is a plain array access.

  logic [NumPorts-1:0] prio_mask_q [NumBanks];  // per bank: the ports at or above its pointer
  logic [NumPorts-1:0] bank_req    [NumBanks];
  logic [NumPorts-1:0] bank_winner [NumBanks];  // one-hot (or zero) winner of each bank
  logic [NumBanks-1:0] bank_en, bank_we;
  logic [RowW-1:0]     bank_row    [NumBanks];
  logic [7:0]          bank_be     [NumBanks];
  logic [63:0]         bank_wdata  [NumBanks];
  logic [63:0]         bank_rdata  [NumBanks];

  always_comb begin
    logic [NumPorts-1:0] masked, pick;
    masked  = '0;
    pick    = '0;
    gnt_o   = '0;
    bank_en = '0;
    bank_we = '0;
    for (int unsigned b = 0; b < NumBanks; b++) begin
      bank_req[b]    = '0;
      bank_winner[b] = '0;
      bank_row[b]    = '0;
      bank_be[b]     = '0;
      bank_wdata[b]  = '0;
    end
    if (req_i != '0) begin  // idle cycles end here
      for (int unsigned p = 0; p < NumPorts; p++) begin
        if (req_i[p]) bank_req[port_bank[p]][p] = 1'b1;
      end
      // Arbitrate each requested bank once: the first requester at or above the pointer,
      // else the first requester.
      for (int unsigned p = 0; p < NumPorts; p++) begin
        if (req_i[p] && !bank_en[port_bank[p]]) begin
          masked = bank_req[port_bank[p]] & prio_mask_q[port_bank[p]];
          pick   = (masked != '0) ? masked : bank_req[port_bank[p]];
          bank_winner[port_bank[p]] = pick & (~pick + 1'b1);  // isolate the lowest set bit
          bank_en[port_bank[p]]     = 1'b1;
          gnt_o |= bank_winner[port_bank[p]];
        end
      end
      for (int unsigned p = 0; p < NumPorts; p++) begin
        if (gnt_o[p]) begin
          bank_we[port_bank[p]]    = we_i[p];
          bank_row[port_bank[p]]   = port_row[p];
          bank_be[port_bank[p]]    = be_i[p];
          bank_wdata[port_bank[p]] = wdata_i[p];
        end
      end
    end
  end

  // After a grant, a bank's pointer moves just above the winner (to port 0 after the last).
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int unsigned b = 0; b < NumBanks; b++) prio_mask_q[b] <= '1;
    end else if (bank_en != '0) begin
      for (int unsigned b = 0; b < NumBanks; b++) begin
        if (bank_en[b]) prio_mask_q[b] <= ~(bank_winner[b] | (bank_winner[b] - 1'b1));
      end
    end
  end

  for (genvar b = 0; b < NumBanks; b++) begin : gen_bank
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
  end

  // Responses, conflicts ---------------------------------------------------------------------

  logic [NumPorts-1:0] rvalid_q;
  logic [BankW-1:0]    rsp_bank_q [NumPorts];  // bank of each port's last read

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rvalid_q <= '0;
      for (int unsigned p = 0; p < NumPorts; p++) rsp_bank_q[p] <= '0;
    end else begin
      rvalid_q <= gnt_o & ~we_i;
      for (int unsigned p = 0; p < NumPorts; p++) begin
        if (gnt_o[p] && !we_i[p]) rsp_bank_q[p] <= port_bank[p];
      end
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

  // Checks at each rising edge outside reset; addresses only of the ports that request.
  // Immediate assertions in a clocked process check the same as `assert property` with
  // `disable iff (!rst_ni)`, but the simulator need not keep a sampled copy of every signal
  // they name, updated on every evaluation, as it does for concurrent assertions.
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      for (int unsigned p = 0; p < NumPorts; p++) begin
        if (req_i[p]) begin
          AddrInRange: assert ((addr_i[p] - TcdmBase) < TcdmBytes)
            else $error("TCDM: address 0x%08x outside the TCDM requested by port %0d",
                        addr_i[p], p);
          AddrAligned: assert (addr_i[p][OffW-1:0] == '0)
            else $error("TCDM: address 0x%08x not %0d-byte aligned requested by port %0d",
                        addr_i[p], BankBytes, p);
        end
      end
      GrantOnlyRequests: assert ((gnt_o & ~req_i) == '0)
        else $error("TCDM: grant without a request: %b", gnt_o & ~req_i);
    end
  end

endmodule
