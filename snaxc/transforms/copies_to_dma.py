"""`copies-to-dma`: copies between L1 buffers become TCDM-to-TCDM DMA transfers.

Bufferization leaves copies (`linalg.copy`, generalized) between buffers, e.g. from a
temporary into a result. As core loops they move a few bytes per cycle; the DMA moves a
64-byte beat per cycle. A generic is a copy when its body yields its only input and both
operands use identity indexing maps over the same statically shaped, row-major L1 buffer
type; it becomes `dma.start` followed by `dma.wait`.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import AffineMapAttr, MemRefType, ModuleOp, NoneAttr
from xdsl.dialects.linalg.ops import GenericOp, YieldOp
from xdsl.ir.affine import AffineMap
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from snaxc.dialects import dma, snax
from snaxc.transforms.place_program_io import contiguous_copy, size_bytes


def _l1_row_major(t) -> bool:
    return (
        isinstance(t, MemRefType)
        and t.has_static_shape()
        and isinstance(t.layout, NoneAttr)
        and snax.memory_space_of(t) == snax.MemorySpace.L1
    )


class CopyToDma(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, g: GenericOp, rewriter: PatternRewriter, /):
        if len(g.inputs) != 1 or len(g.outputs) != 1:
            return
        body = list(g.body.block.ops)
        if len(body) != 1 or not isinstance(body[0], YieldOp):
            return
        if body[0].operands[0] is not g.body.block.args[0]:
            return
        src, dst = g.inputs[0], g.outputs[0]
        st, dt = src.type, dst.type
        if not (_l1_row_major(st) and _l1_row_major(dt)):
            return
        assert isinstance(st, MemRefType) and isinstance(dt, MemRefType)
        if st.get_shape() != dt.get_shape() or st.element_type != dt.element_type:
            return
        identity = AffineMap.identity(len(st.get_shape()))
        maps = [m.data for m in g.indexing_maps if isinstance(m, AffineMapAttr)]
        if maps != [identity, identity]:
            return
        start = contiguous_copy(src, dst, size_bytes(st))
        rewriter.replace(g, [start, dma.WaitOp([start.token])], new_results=[])


@dataclass(frozen=True)
class CopiesToDma(ModulePass):
    """Replace element-by-element copies between L1 buffers by DMA transfers."""

    name = "copies-to-dma"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(CopyToDma(), apply_recursively=False).rewrite_module(op)
