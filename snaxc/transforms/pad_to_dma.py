"""`pad-to-dma`: padding (`tensor.pad` after bufferization) on the DMA instead of the core.

Bufferization turns `tensor.pad` into a fill of the padded buffer with the pad value and a
copy of the input into the interior (a `memref.subview`):

    linalg.generic outs(%P) { yield %v }                         (the fill, every element)
    %sv = memref.subview %P[offsets] [sizes] [1, ...]
    linalg.generic ins(%X) outs(%sv) { ^bb0(%x, %o): yield %x }  (the copy)

(with operations that do not touch P in between, e.g. the transfer of X from L3)

On statically placed L1 buffers this pass replaces both by DMA transfers:

    P viewed as 8-byte words: the core stores the pad value replicated into word 0, the DMA
    copies word 0 to every other word (source stride 0), then one strided DMA transfer
    writes X into the interior (destination strides from the subview's layout)

so the pad value may be any constant (zero or an input zero point); bytes past the last
whole word get the value in element-sized transfers. Patterns with more dims than the
DMA's loops (after dropping unit dims) are left on the core.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from xdsl.context import Context
from xdsl.dialects import arith, memref
from xdsl.dialects.builtin import (
    AffineMapAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    StridedLayoutAttr,
    i32,
    i64,
)
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Attribute, Operation, OpResult, SSAValue
from xdsl.ir.affine import AffineMap
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from snaxc.config import TCDM_BASE, ClusterConfig
from snaxc.dialects import dma, snax
from snaxc.transforms.l1_buffers import row_major_l1_alloc
from snaxc.transforms.pass_config import pass_config


def _esize(t: MemRefType) -> int | None:
    e = t.element_type
    if isinstance(e, IntegerType) and e.width.data in (8, 16, 32, 64):
        return e.width.data // 8
    return None


def _constant(value: SSAValue) -> int | None:
    if isinstance(value, OpResult) and isinstance(value.op, arith.ConstantOp):
        attr = value.op.value
        if isinstance(attr, IntegerAttr):
            return attr.value.data
    return None


def _fill_value(g: linalg.GenericOp) -> int | None:
    """The constant a generic writes to every element of its single output, if it is one."""
    if len(g.outputs) != 1:
        return None
    rank = len(g.outputs[0].type.get_shape())  # type: ignore[union-attr]
    maps = [m.data for m in g.indexing_maps if isinstance(m, AffineMapAttr)]
    if maps[-1] != AffineMap.identity(rank):
        return None
    body = list(g.body.block.ops)
    if len(body) != 1 or not isinstance(body[0], linalg.YieldOp) or len(body[0].operands) != 1:
        return None
    v = body[0].operands[0]
    args = g.body.block.args
    if not g.inputs:
        return _constant(v)
    if len(g.inputs) == 1 and v is args[0] and maps[0] == AffineMap(rank, 0, ()):
        return _constant(g.inputs[0])
    return None


def _is_copy(g: linalg.GenericOp) -> bool:
    if len(g.inputs) != 1 or len(g.outputs) != 1:
        return False
    maps = [m.data for m in g.indexing_maps if isinstance(m, AffineMapAttr)]
    rank = len(g.outputs[0].type.get_shape())  # type: ignore[union-attr]
    if any(m != AffineMap.identity(rank) for m in maps):
        return False
    body = list(g.body.block.ops)
    return (
        len(body) == 1
        and isinstance(body[0], linalg.YieldOp)
        and tuple(body[0].operands) == (g.body.block.args[0],)
    )


def _simplify(bounds: list[int], strides: list[int]) -> tuple[list[int], list[int]]:
    kept = [(b, s) for b, s in zip(bounds, strides, strict=True) if b != 1]
    return [b for b, _ in kept] or [1], [s for _, s in kept] or [0]


def _merge(bounds: list[int], strides: list[int]) -> tuple[list[int], list[int]]:
    """Merge loops whose inner loop is contiguous with them (outermost first)."""
    b, s = list(bounds), list(strides)
    i = len(b) - 1
    while i > 0:
        if s[i - 1] == b[i] * s[i]:
            b[i - 1 : i + 1] = [b[i - 1] * b[i]]
            s[i - 1 : i + 1] = [s[i]]
        i -= 1
    return b, s


def replicated_word(value: int, esize: int = 1) -> int:
    """`value` (esize bytes) replicated into a signed 64-bit word."""
    v = value & ((1 << (8 * esize)) - 1)
    w = 0
    for i in range(8 // esize):
        w |= v << (8 * esize * i)
    return w - (1 << 64) if w >> 63 else w


def fill_ops(offset: int, nbytes: int, word: int, esize: int, space: Attribute) -> list[Operation]:
    """Fill `nbytes` (>= 8) of L1 at `offset` (8-byte aligned) with the 64-bit `word` (a
    value of `esize` bytes replicated): the core stores it into the first word, the DMA
    copies that word into the others (source stride 0) and the value into the bytes past
    the last whole word; then waits."""
    words = nbytes // 8
    view = snax.StaticAllocOp(offset, MemRefType(i64, [words], memory_space=space))
    w = arith.ConstantOp(IntegerAttr(word, i64))
    zero = arith.ConstantOp(IntegerAttr(0, IndexType()))
    store = memref.StoreOp.get(w.result, view.result, [zero.result])
    ops: list[Operation] = [view, w, zero, store]
    tokens = []
    if words > 1:
        bcast = dma.StartOp(
            view.result,
            view.result,
            8,
            dma.PatternAttr([words], [0]),
            dma.PatternAttr([words], [8]),
        )
        tokens.append(bcast.token)
        ops.append(bcast)
    if nbytes % 8:
        # The last bytes (fewer than a word): elements of the replicated value.
        src = arith.ConstantOp(IntegerAttr(TCDM_BASE + offset, i32))
        tail = arith.ConstantOp(IntegerAttr(TCDM_BASE + offset + 8 * words, i32))
        n = (nbytes % 8) // esize
        bcast = dma.StartOp(
            src.result,
            tail.result,
            esize,
            dma.PatternAttr([n], [0]),
            dma.PatternAttr([n], [esize]),
        )
        tokens.append(bcast.token)
        ops += [src, tail, bcast]
    if tokens:
        ops.append(dma.WaitOp(tokens))
    return ops


@dataclass
class Pad:
    fill: linalg.GenericOp
    copy: linalg.GenericOp
    subview: memref.SubviewOp
    value: int


def match_pad(copy: linalg.GenericOp) -> Pad | None:
    if not _is_copy(copy):
        return None
    (dst,) = copy.outputs
    if not isinstance(dst, OpResult) or not isinstance(dst.op, memref.SubviewOp):
        return None
    sv = dst.op
    padded = sv.source
    if (
        row_major_l1_alloc(padded) is None
        or row_major_l1_alloc(copy.inputs[0]) is None
        or sv.offsets
        or sv.sizes
    ):
        return None  # dynamic offsets or sizes
    if any(s != 1 for s in sv.static_strides.get_values()):
        return None
    # The fill: the last operation before the subview that touches the padded buffer
    # (place-program-io may have put the input's transfer from L3 in between).
    op = sv.prev_op
    while op is not None and padded not in op.operands:
        op = op.prev_op
    if not isinstance(op, linalg.GenericOp) or list(op.outputs) != [padded]:
        return None
    # Nor may anything between the subview and the copy.
    between = sv.next_op
    while between is not None and between is not copy:
        if padded in between.operands or sv.result in between.operands:
            return None
        between = between.next_op
    if between is None:
        return None
    value = _fill_value(op)
    if value is None:
        return None
    return Pad(op, copy, sv, value)


def _rewrite(pad: Pad, dims: int) -> bool:
    padded = pad.subview.source
    alloc = row_major_l1_alloc(padded)
    src_alloc = row_major_l1_alloc(pad.copy.inputs[0])
    assert alloc is not None and src_alloc is not None
    t = padded.type
    assert isinstance(t, MemRefType)
    esize = _esize(t)
    if esize is None:
        return False
    nbytes = prod(t.get_shape()) * esize
    if nbytes < 8 or alloc.offset.value.data % 8:
        return False
    sv_t = pad.subview.result.type
    assert isinstance(sv_t, MemRefType)
    layout = sv_t.layout
    if not isinstance(layout, StridedLayoutAttr):
        return False
    strides = layout.get_strides()
    offset = layout.get_offset()
    if offset is None or any(s is None for s in strides):
        return False
    shape = list(sv_t.get_shape())
    db, ds = _merge(*_simplify(shape, [s * esize for s in strides]))  # type: ignore[operator]
    if len(db) > dims:
        return False
    # The interior copy must not start before the fill has finished.
    word = replicated_word(pad.value, esize)
    ops = fill_ops(alloc.offset.value.data, nbytes, word, esize, t.memory_space)
    dst = arith.ConstantOp(IntegerAttr(TCDM_BASE + alloc.offset.value.data + offset * esize, i32))
    total = prod(shape) * esize
    copy = dma.StartOp(
        pad.copy.inputs[0],
        dst.result,
        esize,
        dma.PatternAttr([total // esize], [esize]),
        dma.PatternAttr(db, ds),
    )
    ops += [dst, copy, dma.WaitOp([copy.token])]
    Rewriter.insert_op(ops, InsertPoint.before(pad.copy))
    Rewriter.erase_op(pad.copy)
    if not pad.subview.result.uses:
        Rewriter.erase_op(pad.subview)
    Rewriter.erase_op(pad.fill)
    return True


def pad_to_dma(module: ModuleOp, cfg: ClusterConfig) -> int:
    """Move every fill + interior copy pair (a bufferized pad) onto the DMA; returns how
    many."""
    count = 0
    for g in [o for o in module.walk() if isinstance(o, linalg.GenericOp)]:
        if g.parent is None:
            continue
        pad = match_pad(g)
        if pad is not None and _rewrite(pad, cfg.dma.dims):
            count += 1
    return count


@dataclass(frozen=True)
class PadToDma(ModulePass):
    """Padding (fill + interior copy) on the DMA."""

    name = "pad-to-dma"

    config: str = ""
    """Path of the cluster configuration YAML; empty: the default configuration."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        cfg = pass_config("pad-to-dma", self.config)
        pad_to_dma(op, cfg)
