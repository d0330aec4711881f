"""`copies-to-dma`: copies, broadcasts and fills of L1 buffers become DMA transfers.

Bufferization leaves copies (`linalg.copy`, generalized) between buffers, e.g. from a
temporary into a result. As core loops they move a few bytes per cycle; the DMA moves a
64-byte beat per cycle. On statically shaped, row-major L1 buffers, a generic whose body
yields its only input becomes `dma.start` followed by `dma.wait` when it is

- a copy: both operands indexed by the identity, same shape;
- a broadcast: the input indexed by some of the output's dims, in order (a bias over the
  channels of an NCHW buffer: (n, c, h, w) -> (c)). The source pattern repeats elements
  with stride 0. When the broadcast dims are the innermost ones and cover whole 64-byte
  beats, the DMA first writes every value 64/size times into a scratch row after the last
  L1 buffer, then copies those rows in 64-byte elements (C*16 + C*H*W*size/64 elements
  instead of C*H*W);
- a fill with a constant (integer or f32): the core stores the value replicated into the
  first 8-byte word, the DMA copies that word into the others.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from math import prod

from xdsl.context import Context
from xdsl.dialects import arith, func
from xdsl.dialects.builtin import (
    AffineMapAttr,
    FixedBitwidthType,
    FloatAttr,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    NoneAttr,
    i32,
)
from xdsl.dialects.linalg.ops import GenericOp, YieldOp
from xdsl.ir import Operation, OpResult
from xdsl.ir.affine import AffineDimExpr, AffineMap
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from snaxc.config import TCDM_BASE
from snaxc.dialects import dma, snax
from snaxc.transforms.l1_buffers import l1_end, row_major_l1_alloc
from snaxc.transforms.pad_to_dma import _merge, _simplify, fill_ops, replicated_word
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


def _yields_input(g: GenericOp) -> bool:
    body = list(g.body.block.ops)
    return (
        len(g.inputs) == 1
        and len(g.outputs) == 1
        and len(body) == 1
        and isinstance(body[0], YieldOp)
        and body[0].operands[0] is g.body.block.args[0]
    )


def _esize(t: MemRefType) -> int:
    e = t.element_type
    return e.size if isinstance(e, FixedBitwidthType) else 0


def _row_major_strides(shape: list[int]) -> list[int]:
    strides, acc = [], 1
    for d in reversed(shape):
        strides.insert(0, acc)
        acc *= d
    return strides


class BroadcastToDma(RewritePattern):
    """A generic that copies its input into every element of its output along the dims
    the input does not have: DMA transfers with source stride 0."""

    def __init__(self, dims: int, tcdm_bytes: int):
        super().__init__()
        self.dims, self.tcdm_bytes = dims, tcdm_bytes

    @op_type_rewrite_pattern
    def match_and_rewrite(self, g: GenericOp, rewriter: PatternRewriter, /):
        if not _yields_input(g):
            return
        src, dst = g.inputs[0], g.outputs[0]
        st, dt = src.type, dst.type
        if not (_l1_row_major(st) and _l1_row_major(dt)):
            return
        assert isinstance(st, MemRefType) and isinstance(dt, MemRefType)
        if st.element_type != dt.element_type or _esize(dt) not in (1, 2, 4, 8):
            return
        maps = [m.data for m in g.indexing_maps if isinstance(m, AffineMapAttr)]
        shape = list(dt.get_shape())
        if maps[1] != AffineMap.identity(len(shape)):
            return
        picked = [r.position if isinstance(r, AffineDimExpr) else -1 for r in maps[0].results]
        if picked == list(range(len(shape))) or sorted(set(picked)) != picked or -1 in picked:
            return  # a plain copy (CopyToDma) or not a projection
        if [shape[d] for d in picked] != list(st.get_shape()):
            return
        es = _esize(dt)
        in_strides = _row_major_strides(list(st.get_shape()))
        strides = [0] * len(shape)
        for pos, d in enumerate(picked):
            strides[d] = in_strides[pos] * es
        total = prod(shape)
        ops = self._two_step(g, src, dst, shape, strides, es)
        if ops is None:
            sb, ss = _merge(*_simplify(shape, strides))
            if len(sb) > self.dims:
                return
            start = dma.StartOp(
                src, dst, es, dma.PatternAttr(sb, ss), dma.PatternAttr([total], [es])
            )
            ops = [start, dma.WaitOp([start.token])]
        rewriter.replace(g, ops, new_results=[])

    def _two_step(self, g, src, dst, shape, strides, es) -> list[Operation] | None:
        """Values spread into 64-byte scratch rows, then the rows copied in 64-byte
        elements; None when the broadcast dims are not innermost whole beats."""
        inner = len(shape)
        while inner > 0 and strides[inner - 1] == 0:
            inner -= 1
        run = prod(shape[inner:]) * es
        outer = prod(shape[:inner])
        dst_alloc = row_major_l1_alloc(dst)
        fn = g.parent_op()
        if inner == len(shape) or run % 64 or run < 128 or dst_alloc is None:
            return None
        if dst_alloc.offset.value.data % 8 or not isinstance(fn, func.FuncOp):
            return None
        sb, ss = _merge(*_simplify(shape[:inner], strides[:inner]))
        if len(sb) + 1 > self.dims:
            return None
        scratch = -(-l1_end(fn) // 64) * 64
        if scratch + 64 * outer > self.tcdm_bytes:
            return None
        rows = arith.ConstantOp(IntegerAttr(TCDM_BASE + scratch, i32))
        spread = dma.StartOp(
            src,
            rows.result,
            es,
            dma.PatternAttr([*sb, 64 // es], [*ss, 0]),
            dma.PatternAttr([outer * 64 // es], [es]),
        )
        copy = dma.StartOp(
            rows.result,
            dst,
            64,
            dma.PatternAttr([outer, run // 64], [64, 0]),
            dma.PatternAttr([outer * run // 64], [64]),
        )
        return [rows, spread, dma.WaitOp([spread.token]), copy, dma.WaitOp([copy.token])]


def _fill_word(value, esize: int) -> int | None:
    """The constant `value` (an SSA value) replicated into a signed 64-bit word."""
    if not isinstance(value, OpResult) or not isinstance(value.op, arith.ConstantOp):
        return None
    attr = value.op.value
    if isinstance(attr, IntegerAttr):
        bits = attr.value.data
    elif isinstance(attr, FloatAttr) and esize == 4:
        bits = struct.unpack("<I", struct.pack("<f", attr.value.data))[0]
    else:
        return None
    return replicated_word(bits, esize)


class FillToDma(RewritePattern):
    """A generic that writes one constant into every element of an L1 buffer."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, g: GenericOp, rewriter: PatternRewriter, /):
        if len(g.outputs) != 1 or len(g.inputs) > 1:
            return
        dst = g.outputs[0]
        dt = dst.type
        if not _l1_row_major(dt):
            return
        assert isinstance(dt, MemRefType)
        maps = [m.data for m in g.indexing_maps if isinstance(m, AffineMapAttr)]
        rank = len(dt.get_shape())
        if maps[-1] != AffineMap.identity(rank):
            return
        body = list(g.body.block.ops)
        if len(body) != 1 or not isinstance(body[0], YieldOp):
            return
        v = body[0].operands[0]
        if g.inputs:
            if v is not g.body.block.args[0] or maps[0] != AffineMap(rank, 0, ()):
                return
            v = g.inputs[0]
        es = _esize(dt)
        word = _fill_word(v, es) if es in (1, 2, 4, 8) else None
        alloc = row_major_l1_alloc(dst)
        nbytes = size_bytes(dt)
        if word is None or alloc is None or nbytes < 8 or alloc.offset.value.data % 8:
            return
        rewriter.replace(
            g, fill_ops(alloc.offset.value.data, nbytes, word, es, dt.memory_space), []
        )


@dataclass(frozen=True)
class CopiesToDma(ModulePass):
    """Replace element-by-element copies, broadcasts and fills of L1 buffers by DMA
    transfers."""

    name = "copies-to-dma"

    dims: int = 4
    """Loops per side of the cluster's DMA."""

    tcdm_bytes: int = 128 * 1024
    """TCDM size: a broadcast's scratch rows must fit."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        patterns = [CopyToDma(), BroadcastToDma(self.dims, self.tcdm_bytes), FillToDma()]
        for p in patterns:
            PatternRewriteWalker(p, apply_recursively=False).rewrite_module(op)
