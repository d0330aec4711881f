// Test top for the DMA block test with the real TCDM: snax_dma's two narrow-port channels and
// `NoisePorts` extra read-only masters (driven by the testbench to cause bank conflicts) share
// a snax_tcdm, ports ordered as in the cluster (other masters first, then DMA read, write).
module snax_dma_tcdm_tb
  import snax_cluster_cfg_pkg::*;
  import snax_dma_pkg::*;
#(
  parameter int unsigned NoisePorts = 2
) (
  input  logic                        clk_i,
  input  logic                        rst_ni,
  input  logic                        reg_req_i,
  input  logic                        reg_we_i,
  input  logic [3:0]                  reg_be_i,
  input  logic [7:0]                  reg_addr_i,
  input  logic [31:0]                 reg_wdata_i,
  output logic                        reg_gnt_o,
  output logic                        reg_rvalid_o,
  output logic [31:0]                 reg_rdata_o,
  output logic                        l3_req_valid_o,
  input  logic                        l3_req_ready_i,
  output logic                        l3_req_we_o,
  output logic [31:0]                 l3_req_addr_o,
  output logic [DmaWidth-1:0]         l3_req_wdata_o,
  output logic [DmaWidth/8-1:0]       l3_req_strb_o,
  input  logic                        l3_rsp_valid_i,
  input  logic [DmaWidth-1:0]         l3_rsp_rdata_i,
  output logic                        busy_o,
  output logic [7:0]                  bytes_read_o,
  output logic [7:0]                  bytes_written_o,
  input  logic [NoisePorts-1:0]       noise_req_i,
  input  logic [NoisePorts-1:0][31:0] noise_addr_i,
  output logic [NoisePorts-1:0]       noise_gnt_o,
  output logic [7:0]                  conflicts_o
);

  localparam int unsigned NumPorts = NoisePorts + 2 * DmaPorts;
  localparam int unsigned Rd0 = NoisePorts;
  localparam int unsigned Wr0 = NoisePorts + DmaPorts;

  logic [NumPorts-1:0]       req, we, gnt, rvalid;
  logic [NumPorts-1:0][31:0] addr;
  logic [NumPorts-1:0][7:0]  be;
  logic [NumPorts-1:0][63:0] wdata, rdata;

  assign req[NoisePorts-1:0]   = noise_req_i;
  assign addr[NoisePorts-1:0]  = noise_addr_i;
  assign we[NoisePorts-1:0]    = '0;
  assign be[NoisePorts-1:0]    = '1;
  assign wdata[NoisePorts-1:0] = '0;
  assign noise_gnt_o           = gnt[NoisePorts-1:0];

  snax_dma u_dma (
    .clk_i,
    .rst_ni,
    .reg_req_i,
    .reg_we_i,
    .reg_be_i,
    .reg_addr_i,
    .reg_wdata_i,
    .reg_gnt_o,
    .reg_rvalid_o,
    .reg_rdata_o,
    .tcdm_rd_req_o   (req[Rd0 +: DmaPorts]),
    .tcdm_rd_addr_o  (addr[Rd0 +: DmaPorts]),
    .tcdm_rd_we_o    (we[Rd0 +: DmaPorts]),
    .tcdm_rd_be_o    (be[Rd0 +: DmaPorts]),
    .tcdm_rd_wdata_o (wdata[Rd0 +: DmaPorts]),
    .tcdm_rd_gnt_i   (gnt[Rd0 +: DmaPorts]),
    .tcdm_rd_rvalid_i(rvalid[Rd0 +: DmaPorts]),
    .tcdm_rd_rdata_i (rdata[Rd0 +: DmaPorts]),
    .tcdm_wr_req_o   (req[Wr0 +: DmaPorts]),
    .tcdm_wr_addr_o  (addr[Wr0 +: DmaPorts]),
    .tcdm_wr_we_o    (we[Wr0 +: DmaPorts]),
    .tcdm_wr_be_o    (be[Wr0 +: DmaPorts]),
    .tcdm_wr_wdata_o (wdata[Wr0 +: DmaPorts]),
    .tcdm_wr_gnt_i   (gnt[Wr0 +: DmaPorts]),
    .tcdm_wr_rvalid_i(rvalid[Wr0 +: DmaPorts]),
    .tcdm_wr_rdata_i (rdata[Wr0 +: DmaPorts]),
    .l3_req_valid_o,
    .l3_req_ready_i,
    .l3_req_we_o,
    .l3_req_addr_o,
    .l3_req_wdata_o,
    .l3_req_strb_o,
    .l3_rsp_valid_i,
    .l3_rsp_rdata_i,
    .busy_o,
    .bytes_read_o,
    .bytes_written_o
  );

  snax_tcdm #(
    .NumPorts(NumPorts)
  ) u_tcdm (
    .clk_i,
    .rst_ni,
    .req_i      (req),
    .we_i       (we),
    .addr_i     (addr),
    .be_i       (be),
    .wdata_i    (wdata),
    .gnt_o      (gnt),
    .rvalid_o   (rvalid),
    .rdata_o    (rdata),
    .conflicts_o
  );

endmodule
