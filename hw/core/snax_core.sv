// Control core of the cluster: lowRISC Ibex configured as RV32IM (multiplier from the
// cluster configuration), no PMP, no instruction cache, no debug module, no interrupts.
// Boot address 0: the reset PC is 0x80 and the trap vector table sits at 0x00.
//
// Assertions are plain SVA, checked in every simulation (--assert): lowRISC's
// prim_assert.sv macros compile to nothing under Verilator.

module snax_core import snax_cluster_cfg_pkg::*; (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        fetch_en_i,

  // Instruction bus (Ibex protocol)
  output logic        instr_req_o,
  input  logic        instr_gnt_i,
  input  logic        instr_rvalid_i,
  output logic [31:0] instr_addr_o,
  input  logic [31:0] instr_rdata_i,
  input  logic        instr_err_i,

  // Data bus (Ibex protocol)
  output logic        data_req_o,
  input  logic        data_gnt_i,
  input  logic        data_rvalid_i,
  output logic        data_we_o,
  output logic [3:0]  data_be_o,
  output logic [31:0] data_addr_o,
  output logic [31:0] data_wdata_o,
  input  logic [31:0] data_rdata_i,
  input  logic        data_err_i,

  output logic [31:0] pc_o,        // PC of the instruction in the ID stage
  output logic        sleep_o      // core clock gated (WFI or not started)
);

  // Ibex names its multiplier variants RV32MSlow/Fast/SingleCycle = 1/2/3; the cluster
  // configuration encodes them as 0/1/2.
  localparam ibex_pkg::rv32m_e RV32M = ibex_pkg::rv32m_e'(CoreMultiplier + 1);

  if (CoreMultiplier > 2) begin : gen_bad_multiplier
    $error("CoreMultiplier must be 0 (slow), 1 (fast) or 2 (single-cycle)");
  end

  ibex_pkg::crash_dump_t crash_dump;
  logic [6:0]            unused_data_wdata_intg;
  logic                  unused_scramble_req;
  logic                  unused_double_fault;
  logic                  unused_alert_minor, unused_alert_major_int, unused_alert_major_bus;

  ibex_top #(
    .PMPEnable      (1'b0),
    .RV32E          (1'b0),
    .RV32M          (RV32M),
    .RV32B          (ibex_pkg::RV32BNone),
    .RegFile        (ibex_pkg::RegFileFF),
    .BranchTargetALU(1'b0),
    .WritebackStage (1'b0),
    .ICache         (1'b0),
    .BranchPredictor(1'b0),
    .DbgTriggerEn   (1'b0),
    .SecureIbex     (1'b0),
    .MHPMCounterNum (0)
  ) u_ibex (
    .clk_i,
    .rst_ni,
    .test_en_i             (1'b0),
    .ram_cfg_i             ('0),
    .hart_id_i             (32'h0),
    .boot_addr_i           (CoreMemBase),

    .instr_req_o,
    .instr_gnt_i,
    .instr_rvalid_i,
    .instr_addr_o,
    .instr_rdata_i,
    .instr_rdata_intg_i    (7'h0),
    .instr_err_i,

    .data_req_o,
    .data_gnt_i,
    .data_rvalid_i,
    .data_we_o,
    .data_be_o,
    .data_addr_o,
    .data_wdata_o,
    .data_wdata_intg_o     (unused_data_wdata_intg),
    .data_rdata_i,
    .data_rdata_intg_i     (7'h0),
    .data_err_i,

    .irq_software_i        (1'b0),
    .irq_timer_i           (1'b0),
    .irq_external_i        (1'b0),
    .irq_fast_i            (15'h0),
    .irq_nm_i              (1'b0),

    .scramble_key_valid_i  (1'b0),
    .scramble_key_i        ('0),
    .scramble_nonce_i      ('0),
    .scramble_req_o        (unused_scramble_req),

    .debug_req_i           (1'b0),
    .crash_dump_o          (crash_dump),
    .double_fault_seen_o   (unused_double_fault),

    .fetch_enable_i        (fetch_en_i ? ibex_pkg::IbexMuBiOn : ibex_pkg::IbexMuBiOff),
    .alert_minor_o         (unused_alert_minor),
    .alert_major_internal_o(unused_alert_major_int),
    .alert_major_bus_o     (unused_alert_major_bus),
    .core_sleep_o          (sleep_o),
    .scan_rst_ni           (1'b1)
  );

  assign pc_o = crash_dump.current_pc;

  logic unused_signals;
  assign unused_signals = ^{unused_data_wdata_intg, unused_scramble_req, unused_double_fault,
                            unused_alert_minor, unused_alert_major_int, unused_alert_major_bus,
                            crash_dump.next_pc, crash_dump.last_data_addr,
                            crash_dump.exception_pc, crash_dump.exception_addr};

  // Alerts are only raised by the security features this configuration does not enable.
  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      NoMajorAlert_A: assert (!(unused_alert_major_int || unused_alert_major_bus))
        else $error("Ibex raised a major alert");
    end
  end

endmodule
