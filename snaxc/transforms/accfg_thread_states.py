"""`accfg-thread-states`: every setup continues the state of the setup before it.

Passes that launch accelerators (`fuse-gemm-output`, `dispatch-kernels`) each chain the
setups they create, but not those the other created: a setup `from %s` whose accelerator
was reconfigured by another pass's setup in between would hold stale known values, and
`accfg-dedup` would drop fields that do change. This pass re-threads, per function, the
setups in the function's top-level block in program order:

    %s0 = accfg.setup "g" to (...)                %s0 = accfg.setup "g" to (...)
    %s1 = accfg.setup "g" to (...)          ==>   %s1 = accfg.setup "g" from %s0 to (...)
    %s2 = accfg.setup "g" from %s0 to (...)       %s2 = accfg.setup "g" from %s1 to (...)

A top-level setup preceded (in program order) by a setup of the same accelerator inside a
nested region (a loop) gets no incoming state: what the loop leaves is not known here.
Setups inside nested regions are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import accfg, func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter


def thread_states(f: func.FuncOp) -> int:
    """Re-thread the top-level setups of `f`; returns how many setups changed."""
    top = f.body.block
    last: dict[str, accfg.SetupOp] = {}
    changed = 0
    for op in list(f.walk()):
        if not isinstance(op, accfg.SetupOp):
            continue
        name = op.accelerator.data
        prev = last.get(name)
        last[name] = op
        if op.parent_block() is not top:
            continue
        want: SSAValue | None = None
        if prev is not None and prev.parent_block() is top:
            want = prev.out_state
        if op.in_state is want:
            continue
        new = accfg.SetupOp(
            [v for _, v in op.iter_params()],
            [n for n, _ in op.iter_params()],
            name,
            want,
        )
        Rewriter.replace_op(op, new)
        last[name] = new
        changed += 1
    return changed


@dataclass(frozen=True)
class AccfgThreadStates(ModulePass):
    """Chain every top-level accfg.setup to the previous setup of its accelerator."""

    name = "accfg-thread-states"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for f in [o for o in op.ops if isinstance(o, func.FuncOp)]:
            thread_states(f)
