// Assertion macro of the accelerator shell, streamers and datapaths: a concurrent
// assertion checked at every rising edge of clk_i outside reset, in every simulation.
// (lowRISC's prim_assert.sv compiles its ASSERT to nothing under Verilator, so the shell
// uses its own; Verilator checks these with --assert.)
`ifndef SNAX_ASSERT_SVH
`define SNAX_ASSERT_SVH

`define SNAX_ASSERT(__name, __prop) \
  __name: assert property (@(posedge clk_i) disable iff (!rst_ni) (__prop)) \
    else $error("assertion %s failed in %m", `"__name`");

`endif
