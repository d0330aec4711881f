"""`strip-memory-spaces`: drop `#snax.memory_space` from every memref type.

Upstream MLIR does not know snax attributes, and once every buffer has an absolute
address (`lower-static-alloc`, `lower-dma`) the memory space carries no information the
control program needs: the core reaches L1 with ordinary loads and stores.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import MemRefType, ModuleOp, NoneAttr
from xdsl.ir import Attribute
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriteWalker,
    TypeConversionPattern,
    attr_type_rewrite_pattern,
)

from snaxc.dialects.snax import MemorySpaceAttr


class StripSnaxMemorySpace(TypeConversionPattern):
    recursive = True

    @attr_type_rewrite_pattern
    def convert_type(self, typ: MemRefType, /) -> Attribute | None:
        if isinstance(typ.memory_space, MemorySpaceAttr):
            return MemRefType(typ.element_type, typ.get_shape(), typ.layout, NoneAttr())
        return None


@dataclass(frozen=True)
class StripMemorySpaces(ModulePass):
    """Replace memref types in a snax memory space by the same type without one."""

    name = "strip-memory-spaces"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(StripSnaxMemorySpace(), apply_recursively=False).rewrite_module(op)
