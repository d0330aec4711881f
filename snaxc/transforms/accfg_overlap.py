"""`accfg-overlap`: write the next configuration while the accelerator is still running.

Setups only write shadow registers, which the accelerator reads when it is launched, so
a setup may move above the `accfg.await` of the previous launch of the same accelerator:
the core then configures during the operation instead of after it.

    %t0 = accfg.launch(%s0)                 %t0 = accfg.launch(%s0)
    accfg.await(%t0)                ==>     %b1 = arith.addi %b0, %step   (pure, hoisted)
    %b1 = arith.addi %b0, %step             %s1 = accfg.setup from %s0 to ("b" = %b1)
    %s1 = accfg.setup from %s0 to (b = %b1) accfg.await(%t0)
    %t1 = accfg.launch(%s1)                 %t1 = accfg.launch(%s1)

Within one block, a setup moves up across awaits and any op that neither touches the
same accelerator (launch, setup, reset, or a region containing one) nor defines one of
its operands; side-effect-free ops defining its operands in that range move with it.
It lands right before the earliest await it could cross; without an await to cross it
stays where it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import accfg
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.ir import Operation, OpResult, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.traits import is_side_effect_free


def _accelerator_of_token(value: SSAValue) -> StringAttr | None:
    t = value.type
    return t.accelerator if isinstance(t, accfg.TokenType) else None


def _touches(op: Operation, accelerator: StringAttr) -> bool:
    """Whether `op` (or an op nested in it) launches, sets up or resets `accelerator`."""
    for o in op.walk():
        if isinstance(o, accfg.SetupOp | accfg.LaunchOp) and o.accelerator == accelerator:
            return True
        if isinstance(o, accfg.ResetOp):
            state = o.in_state.type
            if isinstance(state, accfg.StateType) and state.accelerator == accelerator:
                return True
    return False


def _hoistable_defs(setup: accfg.SetupOp, between: list[Operation]) -> list[Operation] | None:
    """The ops of `between` (in block order) that define the setup's operands, directly
    or transitively, if all of them are side-effect free and region-free; else None."""
    span = set(between)
    needed: set[Operation] = set()
    work = list(setup.operands)
    while work:
        v = work.pop()
        if not isinstance(v, OpResult) or v.op not in span or v.op in needed:
            continue
        if v.op.regions or not is_side_effect_free(v.op):
            return None
        needed.add(v.op)
        work.extend(v.op.operands)
    return [o for o in between if o in needed]


@dataclass(frozen=True)
class AccfgOverlap(ModulePass):
    """Move accfg setups above the await of the previous launch (configuration overlap)."""

    name = "accfg-overlap"

    def hoist(self, setup: accfg.SetupOp) -> bool:
        target: Operation | None = None
        between: list[Operation] = []
        op = setup.prev_op
        while op is not None:
            if isinstance(op, accfg.AwaitOp):
                if _accelerator_of_token(op.token) == setup.accelerator:
                    target = op
            elif _touches(op, setup.accelerator):
                break
            between.append(op)
            op = op.prev_op
        if target is None:
            return False
        # The ops from the chosen await down to the setup, in block order.
        span = list(reversed(between[: between.index(target) + 1]))
        defs = _hoistable_defs(setup, span)
        if defs is None:
            return False  # an operand comes from an op that has to stay after the await
        for o in [*defs, setup]:
            o.detach()
            Rewriter.insert_op(o, InsertPoint.before(target))
        return True

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for setup in [o for o in op.walk() if isinstance(o, accfg.SetupOp)]:
            self.hoist(setup)
