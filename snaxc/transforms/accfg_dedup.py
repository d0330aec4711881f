"""`accfg-dedup`: drop setup fields whose value the accelerator already holds.

The configuration registers of a CSR manager are shadow registers that keep their values
across launches. An `accfg.setup` that continues a state (`from %s`) therefore only needs
to write the fields that change. What a state holds follows from its SSA chain:

    %s0 = accfg.setup "gemm0" to ("k" = %k, "n" = %n)          known: k = %k, n = %n
    %s1 = accfg.setup "gemm0" from %s0 to ("k" = %k, "n" = %n2)  ==> ("n" = %n2)

A field is redundant when the incoming state holds the same SSA value, or an equal
`arith.constant`. A state that is a block argument (a loop-carried state) holds nothing
known. A setup left without fields is removed and its users take the incoming state.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import accfg, arith
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Attribute, OpResult, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

Known = dict[str, SSAValue]


def _key(value: SSAValue) -> SSAValue | tuple[Attribute, Attribute]:
    """Values that are equal at run time compare equal: constants by attribute."""
    if isinstance(value, OpResult) and isinstance(value.op, arith.ConstantOp):
        return (value.op.value, value.type)
    return value


def known_values(state: SSAValue | None) -> Known:
    """The field values the accelerator holds in `state`, as far as they are known."""
    chain: list[accfg.SetupOp] = []
    while isinstance(state, OpResult) and isinstance(state.op, accfg.SetupOp):
        chain.append(state.op)
        state = state.op.in_state
    known: Known = {}
    for setup in reversed(chain):
        known.update(setup.iter_params())
    return known


class RemoveKnownFields(RewritePattern):
    """Rebuild a setup without the fields its incoming state already holds."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: accfg.SetupOp, rewriter: PatternRewriter, /):
        if op.in_state is None:
            return
        known = known_values(op.in_state)
        keep = [
            (name, value)
            for name, value in op.iter_params()
            if name not in known or _key(known[name]) != _key(value)
        ]
        if len(keep) == len(op.values):
            return
        if not keep:
            rewriter.replace(op, [], new_results=[op.in_state])
            return
        new = accfg.SetupOp([v for _, v in keep], [n for n, _ in keep], op.accelerator, op.in_state)
        new.attributes.update(op.attributes)
        rewriter.replace(op, new)


@dataclass(frozen=True)
class AccfgDedup(ModulePass):
    """Remove accfg setup fields that do not change the accelerator's configuration."""

    name = "accfg-dedup"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(RemoveKnownFields(), apply_recursively=False).rewrite_module(op)
