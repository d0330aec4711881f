// Assertion macros of the accelerator shell, streamers and TCDM: checked at every rising edge
// of clk_i outside reset, in every simulation. (lowRISC's prim_assert.sv compiles its ASSERT
// to nothing under Verilator, so the shell uses its own; Verilator checks these with --assert.)
//
// They are immediate assertions in a clocked process, not concurrent `assert property`: the
// check is the same (values before the edge, skipped while rst_ni is low), but Verilator then
// evaluates the expression once per rising edge instead of keeping a sampled copy of every
// signal it names, updated on every evaluation of the model (that copying cost more than the
// checks themselves). `SNAX_ASSERT_IMPLIES(name, a, b)` is the overlapping implication a |-> b.
`ifndef SNAX_ASSERT_SVH
`define SNAX_ASSERT_SVH

`define SNAX_ASSERT(__name, __prop) \
  always_ff @(posedge clk_i) begin \
    if (rst_ni) begin \
      __name: assert (__prop) else $error("assertion %s failed in %m", `"__name`"); \
    end \
  end

`define SNAX_ASSERT_IMPLIES(__name, __a, __b) \
  always_ff @(posedge clk_i) begin \
    if (rst_ni && (__a)) begin \
      __name: assert (__b) else $error("assertion %s failed in %m", `"__name`"); \
    end \
  end

`endif
