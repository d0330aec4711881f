// TCDM: `NumBanks` word-interleaved 64-bit single-cycle SRAM banks behind a fully connected
// crossbar with one two-class round-robin arbiter per bank.
//
// Every master port follows the narrow-port protocol of docs/hardware.md: `req`/`gnt`
// handshake, absolute 8-byte-aligned byte addresses inside the TCDM, byte enables for
// writes, `rvalid`/`rdata` exactly one cycle after a granted read, no response to writes.
// Word w = (addr - TcdmBase) >> 3 lives in bank w % NumBanks, row w / NumBanks.
//
// Arbitration: each bank grants at most one request per cycle. With AccFirst = 0 (default)
// every port is in the high class below, i.e. plain round-robin: a port that keeps requesting
// waits at most NumPorts - 1 grants of its bank. With AccFirst = 1 ports fall into two classes:
// the DMA ports 1 .. 2 * DmaWidth / BankWidth (the cluster's DMA read then write ports) are
// the low class; the core (port 0) and the accelerator ports above the DMA's are the high
// class. A bank serves its high-class requesters if it has any, else its low-class ones.
// Within the class it grants the first port at or above that class's priority pointer
// (wrapping around); after a grant that class's pointer moves just above the winner. So a
// high-class port that keeps requesting waits at most (number of high-class ports - 1) grants
// of its bank; a DMA port waits until no high-class port requests the bank, then at most
// 2 * DmaPorts - 1 low-class grants. There is no hard bound for the DMA: it only progresses
// in cycles where the streamers leave its banks idle (they do, between tiles and while they
// stall on their FIFOs), which costs it more throughput than the GeMM gains (see AccFirst).
// The core is kept in the high class so that a busy DMA never stalls it.
//
// Written for simulation speed (Verilator), since every accelerator port adds a master: the
// arbiters work on bit vectors (mask, isolate the lowest set bit) instead of
// prim_arbiter_tree, only banks that are requested are arbitrated, an idle cycle skips
// everything, and the checks are immediate assertions in a clocked process.
module snax_tcdm import snax_cluster_cfg_pkg::*; #(
  parameter int unsigned NumPorts = 17,
  // 1: the two-class arbitration described above; 0: plain round-robin over all ports (one
  // class). Round-robin is the default: accelerators-first lets the GeMM's streamers starve
  // the DMA of the banks it needs for the next tile, and the int8 512^3 matmul of
  // benchmarks/matmul.py then drops from 90.3 % to 83.2 % GeMM utilization (docs/tiling.md).
  parameter bit          AccFirst = 1'b0
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
  localparam int unsigned DmaPorts  = DmaWidth / BankWidth;

  // The low (DMA) class: ports 1 .. 2 * DmaPorts, as far as they exist.
  function automatic logic [NumPorts-1:0] low_class_ports();
    logic [NumPorts-1:0] m;
    m = '0;
    for (int unsigned p = 1; p < NumPorts && p <= 2 * DmaPorts; p++) m[p] = 1'b1;
    return m;
  endfunction
  localparam logic [NumPorts-1:0] LowPorts = AccFirst ? low_class_ports() : '0;

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

  // Per bank and class: the ports at or above the class's pointer.
  logic [NumPorts-1:0] prio_hi_q   [NumBanks];
  logic [NumPorts-1:0] prio_lo_q   [NumBanks];
  logic [NumPorts-1:0] bank_req    [NumBanks];
  logic [NumPorts-1:0] bank_winner [NumBanks];  // one-hot (or zero) winner of each bank
  logic [NumBanks-1:0] bank_en, bank_we;
  logic [RowW-1:0]     bank_row    [NumBanks];
  logic [7:0]          bank_be     [NumBanks];
  logic [63:0]         bank_wdata  [NumBanks];
  logic [63:0]         bank_rdata  [NumBanks];

  always_comb begin
    logic [NumPorts-1:0] cls, masked, pick;
    cls     = '0;
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
      // Arbitrate each requested bank once: within the high class if it has requesters, else
      // the low class, the first requester at or above the class's pointer, else the first.
      for (int unsigned p = 0; p < NumPorts; p++) begin
        if (req_i[p] && !bank_en[port_bank[p]]) begin
          cls = bank_req[port_bank[p]] & ~LowPorts;
          if (cls != '0) begin
            masked = cls & prio_hi_q[port_bank[p]];
          end else begin
            cls    = bank_req[port_bank[p]];
            masked = cls & prio_lo_q[port_bank[p]];
          end
          pick   = (masked != '0) ? masked : cls;
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

  // After a grant, the winner's class pointer moves just above the winner (to port 0 after
  // the last).
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int unsigned b = 0; b < NumBanks; b++) begin
        prio_hi_q[b] <= '1;
        prio_lo_q[b] <= '1;
      end
    end else if (bank_en != '0) begin
      for (int unsigned b = 0; b < NumBanks; b++) begin
        if (bank_en[b]) begin
          if ((bank_winner[b] & LowPorts) != '0) begin
            prio_lo_q[b] <= ~(bank_winner[b] | (bank_winner[b] - 1'b1));
          end else begin
            prio_hi_q[b] <= ~(bank_winner[b] | (bank_winner[b] - 1'b1));
          end
        end
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
