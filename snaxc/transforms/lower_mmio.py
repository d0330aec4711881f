"""`lower-mmio`: memory-mapped register accesses to volatile LLVM loads and stores.

    snax.mmio_store %v to 0x20001010 : i32        %a = arith.constant 536875024 : i32
                                          ==>      %p = llvm.inttoptr %a : i32 to !llvm.ptr
                                                   llvm.store volatile %v, %p : i32, !llvm.ptr

`snax.mmio_load` becomes an `llvm.load` marked with the discardable attribute
`snax.volatile`: xDSL 0.74's `llvm.load` has no volatile flag, so the backend sets
upstream MLIR's `volatile_` on every load carrying the marker before translating to
LLVM IR (see `snaxc.backend.llvm_ir`). Either way no access is merged, reordered with
another volatile access, or deleted.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, llvm
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, UnitAttr, i32
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from snaxc.dialects import snax

VOLATILE_MARKER = "snax.volatile"
"""Discardable attribute on an `llvm.load` that the backend turns into `volatile`."""


def _pointer(address: int) -> tuple[arith.ConstantOp, llvm.IntToPtrOp]:
    # An i32 constant holds addresses >= 2^31 as negative values; the bits are the same.
    signed = address - (1 << 32) if address >= 1 << 31 else address
    const = arith.ConstantOp(IntegerAttr(signed, i32))
    return const, llvm.IntToPtrOp(const.result)


class LowerMmioStore(RewritePattern):
    """`snax.mmio_store` -> `llvm.inttoptr` + `llvm.store volatile`."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: snax.MmioStoreOp, rewriter: PatternRewriter, /):
        const, ptr = _pointer(op.address.value.data)
        store = llvm.StoreOp(op.value, ptr.output, alignment=4, volatile=True)
        rewriter.replace(op, [const, ptr, store], new_results=[])


class LowerMmioLoad(RewritePattern):
    """`snax.mmio_load` -> `llvm.inttoptr` + `llvm.load` marked volatile for the backend."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: snax.MmioLoadOp, rewriter: PatternRewriter, /):
        const, ptr = _pointer(op.address.value.data)
        load = llvm.LoadOp(ptr.output, i32, alignment=4)
        load.attributes[VOLATILE_MARKER] = UnitAttr()
        rewriter.replace(op, [const, ptr, load])


@dataclass(frozen=True)
class LowerMmio(ModulePass):
    """Lower every memory-mapped register access to a volatile LLVM load or store."""

    name = "lower-mmio"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(
            GreedyRewritePatternApplier([LowerMmioStore(), LowerMmioLoad()]),
            apply_recursively=False,
        ).rewrite_module(op)
