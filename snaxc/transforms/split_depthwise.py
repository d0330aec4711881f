"""`split-depthwise`: depthwise convolutions as dense 8-channel convolutions for the GeMM.

The importer writes a depthwise `Conv` (group = C = F) as `depthwise_conv_2d_nhwc_hwc(_q)`
between two transposes of the NCHW buffers, generalized:

    Xt[0, h, w, c] = X[0, c, h, w]                                     (copy, NCHW -> NHWC)
    Yt[0, oh, ow, c] = bias[c]                                         (or a zero fill)
    Yt[0, oh, ow, c] += (Xt[0, sh*oh + kh, sw*ow + kw, c] - zx) * (W[kh, kw, c] - zw)
    Y[0, c, oh, ow] = Yt[0, oh, ow, c]                                 (copy, NHWC -> NCHW)
    R = rescale(Y) (, relu(R))                                         (elementwise, NCHW)

Each output channel reads one input channel, so a GeMM would only ever see K = KH*KW and
M = 1. This pass rewrites the group into C/8 dense convolutions with 8 input and 8 output
channels on contiguous channel slices of the NCHW buffers (with batch 1, channels 8g..8g+7
of X, Y and R are contiguous: views at offsets), each with a block weight

    Wg[f, c, kh, kw] = W[kh, kw, 8g + f]   if f == c,   zw otherwise

so the off-diagonal products (x - zx) * (zw - zw) vanish and each slice computes exactly
its 8 depthwise channels. In order: the DMA copies X (unchanged, NCHW) to where the NHWC
copy was (X's own bytes may hold the weights loaded after the transpose); the core and the
DMA fill the block weights (C/8 * 64*KH*KW bytes, after every L1 buffer) with zw (one
store, one broadcast) and the DMA writes the diagonals from W (one 4-D transfer); then per
slice its bias broadcast (or zero fill), the dense convolution (`conv_2d_nchw_fchw(_q)`
form) and the slice of every elementwise generic that followed on Y. `conv-to-gemm` (which
runs next) lowers each slice like any convolution (K = 8*KH*KW: 8x the useful MACs, but
on the GeMM instead of the core, with the requantization fused); the transposes go.

Liveness as `place-program-io` computes it (and later passes use to place their buffers)
follows the uses of a buffer value, and a slice's view is used only by its own slice: one
byte DMA transfers through whole-buffer views before the first and after the last slice
keep X's copy, W, the bias, Y and the outputs in use across all slices.

When C is not a multiple of 8, the last slice has the C mod 8 remaining channels (its
block weight is that many channels square). The pass rewrites a depthwise convolution
only when its buffers are statically placed L1 buffers that do not overlap and
`conv-to-gemm` lowers a slice of this shape (it is asked on a one-slice trial function);
otherwise it stays on the core.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, func, memref
from xdsl.dialects.builtin import (
    AffineMapAttr,
    ArrayAttr,
    FunctionType,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    i32,
    i64,
)
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Block, Operation, OpResult, Region, SSAValue
from xdsl.ir.affine import AffineDimExpr, AffineMap
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.utils.exceptions import DiagnosticException

from snaxc.config import TCDM_BASE, ClusterConfig
from snaxc.dialects import dma, kernel, snax
from snaxc.transforms.l1_buffers import buffer_bytes, l1_end, row_major_l1_alloc
from snaxc.transforms.pad_to_dma import replicated_word
from snaxc.transforms.pass_config import pass_config

GROUP = 8
"""Channels per dense slice: the GeMM's M (output channels) and a divisor of its K."""
_ALIGN = 64
_ID4 = AffineMap.identity(4)
_NCHW_TO_NHWC = AffineMap.from_callable(lambda n, h, w, c: (n, c, h, w))
_NHWC_TO_NCHW = AffineMap.from_callable(lambda n, c, h, w: (n, h, w, c))
_CHANNEL_NHWC = AffineMap.from_callable(lambda n, h, w, c: (c,))
_CHANNEL_NCHW = AffineMap.from_callable(lambda n, c, h, w: (c,))
_SCALAR4 = AffineMap(4, 0, ())


def _maps(g: linalg.GenericOp) -> list[AffineMap]:
    return [m.data for m in g.indexing_maps if isinstance(m, AffineMapAttr)]


def _shape(v: SSAValue) -> tuple[int, ...]:
    t = v.type
    assert isinstance(t, MemRefType)
    return tuple(t.get_shape())


def _width(v: SSAValue) -> int | None:
    t = v.type
    if isinstance(t, MemRefType) and isinstance(t.element_type, IntegerType):
        return t.element_type.width.data
    return None


def _constant(value: SSAValue) -> int | None:
    if isinstance(value, OpResult) and isinstance(value.op, arith.ConstantOp):
        attr = value.op.value
        if isinstance(attr, IntegerAttr):
            return attr.value.data
    return None


def _is_copy(g: linalg.GenericOp, in_map: AffineMap) -> bool:
    """A generic that yields its only input, read through `in_map`, into its output."""
    if len(g.inputs) != 1 or len(g.outputs) != 1 or _maps(g) != [in_map, _ID4]:
        return False
    body = list(g.body.block.ops)
    return len(body) == 1 and tuple(body[0].operands) == (g.body.block.args[0],)


def _skip(op: Operation | None, forward: bool) -> Operation | None:
    while isinstance(op, arith.ConstantOp | snax.StaticAllocOp):
        op = op.next_op if forward else op.prev_op
    return op


def _unit_images(m: AffineMap) -> list[tuple[int, ...]]:
    n = m.num_dims
    return [m.eval([int(j == d) for j in range(n)], []) for d in range(n)]


@dataclass
class Depthwise:
    """A matched depthwise convolution and the generics around it."""

    conv: linalg.GenericOp
    to_nhwc: linalg.GenericOp
    init: linalg.GenericOp
    to_nchw: linalg.GenericOp
    post: list[linalg.GenericOp]
    x: SSAValue  # NCHW int8 input (padded)
    w: SSAValue  # int8 weights, any order of (kh, kw, c)
    y: SSAValue  # NCHW int32 accumulator
    bias: SSAValue | None
    stride: tuple[int, int]
    w_strides: tuple[int, int, int]  # element strides of c, kh, kw in w
    w_dims: tuple[int, int]  # positions of kh and kw in w's shape
    zps: tuple[int, int] | None  # (x, w) zero points
    nhwc_bytes: tuple[int, int]  # offset and size of the NHWC input copy


def match_depthwise(g: linalg.GenericOp) -> Depthwise | None:
    body = [o for o in g.body.block.ops if not isinstance(o, arith.ConstantOp)]
    if len(body) != 2 or not isinstance(body[0], kernel.MacOp | kernel.QMacOp):
        return None
    k_op = body[0]
    its = [str(i.data) for i in g.iterator_types]
    if its != ["parallel"] * 4 + ["reduction"] * 2 or len(g.outputs) != 1:
        return None
    quantized = isinstance(k_op, kernel.QMacOp)
    if len(g.inputs) != (4 if quantized else 2):
        return None
    xt, w, (yt,) = g.inputs[0], g.inputs[1], g.outputs
    args = g.body.block.args
    if (k_op.lhs, k_op.rhs, k_op.acc) != (args[0], args[1], args[len(g.inputs)]):
        return None
    if (_width(xt), _width(w), _width(yt)) != (8, 8, 32):
        return None
    maps = _maps(g)
    if maps[-1] != AffineMap(6, 0, AffineMap.identity(6).results[:4]):
        return None
    # d0 n, d1 oh, d2 ow, d3 c, d4 kh, d5 kw
    xu = _unit_images(maps[0])
    if maps[0].num_symbols or maps[0].eval([0] * 6, []) != (0, 0, 0, 0):
        return None
    sh, sw = xu[1][1], xu[2][2]
    want = [(1, 0, 0, 0), (0, sh, 0, 0), (0, 0, sw, 0), (0, 0, 0, 1), (0, 1, 0, 0), (0, 0, 1, 0)]
    if xu != want or sh < 1 or sw < 1:
        return None
    # The weights: three results, each one of c, kh, kw.
    wm = maps[1]
    dims = [r.position if isinstance(r, AffineDimExpr) else None for r in wm.results]
    if sorted(d for d in dims if d is not None) != [3, 4, 5] or len(dims) != 3:
        return None
    w_alloc = row_major_l1_alloc(w)
    if w_alloc is None or len(_shape(w)) != 3:
        return None
    shape = _shape(w)
    row_major = [shape[1] * shape[2], shape[2], 1]
    by_dim = {d: row_major[i] for i, d in enumerate(dims)}
    w_strides = (by_dim[3], by_dim[4], by_dim[5])
    w_dims = (dims.index(4), dims.index(5))
    zps = None
    if quantized:
        assert isinstance(k_op, kernel.QMacOp)
        vals = []
        for zp in (k_op.lhs_zp, k_op.rhs_zp):
            c = _constant(g.operands[args.index(zp)] if zp in args else zp)
            if c is None or not -128 <= c <= 127:
                return None
            vals.append(c)
        if any(m.results for m in maps[2:4]):
            return None
        zps = (vals[0], vals[1])

    # The transposes and the initialisation around it.
    init = _skip(g.prev_op, forward=False)
    if not isinstance(init, linalg.GenericOp) or list(init.outputs) != [yt]:
        return None
    bias = None
    if _is_copy(init, _CHANNEL_NHWC):
        bias = init.inputs[0]
        if row_major_l1_alloc(bias) is None or _width(bias) != 32:
            return None
    elif not (
        len(init.inputs) == 1
        and _maps(init) == [_SCALAR4, _ID4]
        and _is_copy_scalar(init)
        and _constant(init.inputs[0]) == 0
    ):
        return None
    to_nhwc = g.prev_op
    while to_nhwc is not None and xt not in to_nhwc.operands:
        to_nhwc = to_nhwc.prev_op
    if not isinstance(to_nhwc, linalg.GenericOp) or not _is_copy(to_nhwc, _NCHW_TO_NHWC):
        return None
    if list(to_nhwc.outputs) != [xt]:
        return None
    to_nchw = _skip(g.next_op, forward=True)
    if not isinstance(to_nchw, linalg.GenericOp) or not _is_copy(to_nchw, _NHWC_TO_NCHW):
        return None
    if list(to_nchw.inputs) != [yt]:
        return None
    x, y = to_nhwc.inputs[0], to_nchw.outputs[0]
    if row_major_l1_alloc(x) is None or row_major_l1_alloc(y) is None:
        return None
    # Nothing between the transpose and the convolution touches X (it is read later now).
    op = to_nhwc.next_op
    while op is not None and op is not g:
        if x in op.operands:
            return None
        op = op.next_op
    if op is None:
        return None
    xt_alloc = row_major_l1_alloc(xt)
    if xt_alloc is None or row_major_l1_alloc(yt) is None:
        return None
    if _shape(x)[0] != 1 or len(_shape(x)) != 4 or len(_shape(y)) != 4:
        return None
    # The intermediates are read by nothing else (buffers may be reused by later layers).
    if not _dead_after(xt, g) or not _dead_after(yt, to_nchw):
        return None
    # The elementwise generics that follow on Y (NCHW, identity maps, L1 buffers).
    post: list[linalg.GenericOp] = []
    produced = {y}
    nxt = _skip(to_nchw.next_op, forward=True)
    while isinstance(nxt, linalg.GenericOp):
        if not any(v in produced for v in nxt.inputs) or len(nxt.outputs) != 1:
            break
        if any(m != _ID4 for m in _maps(nxt)):
            break
        if any(
            not isinstance(v.type, MemRefType)
            or row_major_l1_alloc(v) is None
            or _shape(v) != _shape(y)
            for v in nxt.operands
        ):
            break
        post.append(nxt)
        produced.add(nxt.outputs[0])
        nxt = _skip(nxt.next_op, forward=True)
    if post and not _dead_after(y, post[-1]):
        return None  # the GeMM may then write only the requantized output, not Y
    final = post[-1].outputs[0] if post else None
    if any(p.outputs[0] != final and not _dead_after(p.outputs[0], post[-1]) for p in post):
        return None
    return Depthwise(
        g,
        to_nhwc,
        init,
        to_nchw,
        post,
        x,
        w,
        y,
        bias,
        (sh, sw),
        w_strides,
        w_dims,
        zps,
        (xt_alloc.offset.value.data, buffer_bytes(xt.type)),  # type: ignore[arg-type]
    )


def _dead_after(value: SSAValue, op: Operation) -> bool:
    """Nothing reads `value` after `op` (in its block) before overwriting all of it: the
    next operation that uses it, if any, is a generic that only writes it, through the
    identity map, without reading its old elements."""
    nxt = op.next_op
    while nxt is not None:
        uses = [u for u in value.uses if nxt.is_ancestor(u.operation)]
        if uses:
            if not isinstance(nxt, linalg.GenericOp) or value in nxt.inputs:
                return False
            if list(nxt.outputs) != [value] or _maps(nxt)[-1] != _ID4:
                return False
            return not nxt.body.block.args[len(nxt.inputs)].uses
        nxt = nxt.next_op
    return True


def _is_copy_scalar(g: linalg.GenericOp) -> bool:
    body = list(g.body.block.ops)
    return len(body) == 1 and tuple(body[0].operands) == (g.body.block.args[0],)


def _offset(v: SSAValue) -> int:
    alloc = row_major_l1_alloc(v)
    assert alloc is not None
    return alloc.offset.value.data


def _view(offset: int, element: IntegerType, shape: list[int]) -> snax.StaticAllocOp:
    return snax.StaticAllocOp(offset, MemRefType(element, shape, memory_space=snax.L1))


def _conv_generic(
    x: SSAValue, w: SSAValue, y: SSAValue, stride: tuple[int, int], zps: list[SSAValue] | None
) -> linalg.GenericOp:
    """The dense convolution y += (x - zx) * (w - zw), conv_2d_nchw_fchw(_q) generalized."""
    sh, sw = stride
    x_map = AffineMap.from_callable(
        lambda n, f, oh, ow, c, kh, kw: (n, c, sh * oh + kh, sw * ow + kw)
    )
    w_map = AffineMap.from_callable(lambda n, f, oh, ow, c, kh, kw: (f, c, kh, kw))
    y_map = AffineMap.from_callable(lambda n, f, oh, ow, c, kh, kw: (n, f, oh, ow))
    scalar = AffineMap(7, 0, ())
    if zps is None:
        block = Block(arg_types=[IntegerType(8), IntegerType(8), IntegerType(32)])
        a = block.args
        mac: Operation = kernel.MacOp(a[0], a[1], a[2])
        inputs, maps = [x, w], [x_map, w_map, y_map]
    else:
        block = Block(arg_types=[IntegerType(8), IntegerType(8), i32, i32, IntegerType(32)])
        a = block.args
        mac = kernel.QMacOp(a[0], a[1], a[2], a[3], a[4])
        inputs, maps = [x, w, *zps], [x_map, w_map, scalar, scalar, y_map]
    block.add_ops([mac, linalg.YieldOp(mac.results[0])])
    return linalg.GenericOp(
        inputs,
        [y],
        Region(block),
        ArrayAttr([AffineMapAttr(m) for m in maps]),
        ArrayAttr(
            [linalg.IteratorTypeAttr.parallel()] * 4 + [linalg.IteratorTypeAttr.reduction()] * 3
        ),
    )


def _copy_generic(src: SSAValue, dst: SSAValue, src_map: AffineMap) -> linalg.GenericOp:
    st, dt = src.type, dst.type
    block = Block(
        arg_types=[
            st.element_type if isinstance(st, MemRefType) else st,
            dt.element_type,  # type: ignore[union-attr]
        ]
    )
    block.add_op(linalg.YieldOp(block.args[0]))
    return linalg.GenericOp(
        [src],
        [dst],
        Region(block),
        ArrayAttr([AffineMapAttr(src_map), AffineMapAttr(_ID4)]),
        ArrayAttr([linalg.IteratorTypeAttr.parallel()] * 4),
    )


def _slices(c: int) -> list[int]:
    """Channels per slice: 8 each, the last one the rest."""
    return [min(GROUP, c - c0) for c0 in range(0, c, GROUP)]


def block_bytes(n: int, kk: int) -> int:
    """Bytes of the block weight of a slice of `n` channels."""
    return n * n * kk


def block_weights(dw: Depthwise, w_offset: int, slices: list[int], dims: int) -> list[Operation]:
    """Fill the block weights of `slices` (channel counts) at `w_offset`, one after the
    other: zw everywhere (a store and a DMA broadcast), then the diagonals from W (one DMA
    transfer for all full slices when the DMA has 4 loops, else one per slice; one for a
    last, partial slice)."""
    kh, kw = (_shape(dw.w)[i] for i in _kernel_dims(dw))
    kk = kh * kw
    zw = dw.zps[1] if dw.zps is not None else 0
    words = -(-sum(block_bytes(n, kk) for n in slices) // 8)
    wv = _view(w_offset, i64, [words])
    word = arith.ConstantOp(IntegerAttr(replicated_word(zw), i64))
    zero = arith.ConstantOp(IntegerAttr(0, IndexType()))
    ops: list[Operation] = [wv, word, zero]
    ops.append(memref.StoreOp.get(word.result, wv.result, [zero.result]))
    if words > 1:
        fill = dma.StartOp(
            wv.result, wv.result, 8, dma.PatternAttr([words], [0]), dma.PatternAttr([words], [8])
        )
        ops += [fill, dma.WaitOp([fill.token])]
    sc, skh, skw = dw.w_strides
    block = block_bytes(GROUP, kk)
    full = sum(1 for n in slices if n == GROUP)
    transfers = [(0, full, GROUP)] if dims >= 4 and full else [(g, 1, GROUP) for g in range(full)]
    if full < len(slices):
        transfers.append((full, 1, slices[-1]))
    tokens = []
    for g0, count, n in transfers:
        src = arith.ConstantOp(IntegerAttr(TCDM_BASE + _offset(dw.w) + GROUP * g0 * sc, i32))
        dst = arith.ConstantOp(IntegerAttr(TCDM_BASE + w_offset + g0 * block, i32))
        sb, ss = [count, n, kh, kw], [GROUP * sc, sc, skh, skw]
        db, ds = [count, n, kh, kw], [block, (n + 1) * kk, kw, 1]
        if count == 1:
            sb, ss, db, ds = sb[1:], ss[1:], db[1:], ds[1:]
        diag = dma.StartOp(
            src.result, dst.result, 1, dma.PatternAttr(sb, ss), dma.PatternAttr(db, ds)
        )
        ops += [src, dst, diag]
        tokens.append(diag.token)
    ops.append(dma.WaitOp(tokens))
    return ops


def slice_ops(
    dw: Depthwise, g: int, w_offset: int, x_offset: int, n: int = GROUP
) -> list[Operation]:
    """The self-contained operations of channel slice `g` of `n` channels (its block
    weight at `w_offset` is filled): initialisation, dense convolution and the slices of
    the elementwise generics after it."""
    kh, kw = (_shape(dw.w)[i] for i in _kernel_dims(dw))
    c0 = GROUP * g
    ops: list[Operation] = []
    zx, zw = dw.zps if dw.zps is not None else (0, 0)
    # Views of the slice.
    views: dict[SSAValue, SSAValue] = {}

    def view(v: SSAValue) -> SSAValue:
        if v not in views:
            t = v.type
            assert isinstance(t, MemRefType) and isinstance(t.element_type, IntegerType)
            esize = t.element_type.width.data // 8
            per_channel = esize * _shape(v)[2] * _shape(v)[3]
            base = x_offset if v is dw.x else _offset(v)
            op = _view(base + c0 * per_channel, t.element_type, [1, n, *_shape(v)[2:]])
            ops.append(op)
            views[v] = op.result
        return views[v]

    xg, yg = view(dw.x), view(dw.y)
    wg = _view(w_offset, IntegerType(8), [n, n, kh, kw])
    ops.append(wg)
    if dw.bias is not None:
        bg = _view(_offset(dw.bias) + 4 * c0, IntegerType(32), [n])
        ops += [bg, _copy_generic(bg.result, yg, _CHANNEL_NCHW)]
    else:
        z = arith.ConstantOp(IntegerAttr(0, i32))
        ops += [z, _copy_generic(z.result, yg, _SCALAR4)]
    zps = None
    if dw.zps is not None:
        cx, cw = arith.ConstantOp(IntegerAttr(zx, i32)), arith.ConstantOp(IntegerAttr(zw, i32))
        ops += [cx, cw]
        zps = [cx.result, cw.result]
    ops.append(_conv_generic(xg, wg.result, yg, dw.stride, zps))
    for p in dw.post:
        ins = [view(v) for v in p.inputs]
        outs = [view(v) for v in p.outputs]
        ops.append(linalg.GenericOp(ins, outs, p.body.clone(), p.indexing_maps, p.iterator_types))
    return ops


def _kernel_dims(dw: Depthwise) -> tuple[int, int]:
    """The positions of kh and kw in the weights' shape."""
    return dw.w_dims


def _lowered_by_conv_to_gemm(ops: list[Operation], cfg: ClusterConfig) -> bool:
    """Whether `conv-to-gemm` lowers the convolution of one slice, asked on a trial
    function that holds only the slice's (self-contained) operations `ops`."""
    from snaxc.transforms.conv_to_gemm import conv_to_gemm

    body = Block()
    body.add_ops([*ops, func.ReturnOp()])
    module = ModuleOp([func.FuncOp("trial", FunctionType.from_lists([], []), Region(body))])
    try:
        conv_to_gemm(module, cfg)
    except DiagnosticException:
        return False
    return not any(
        isinstance(o, linalg.GenericOp) and len(o.iterator_types) == 7 for o in module.walk()
    )


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _rewrite(dw: Depthwise, cfg: ClusterConfig) -> bool:
    _, c, _, _ = _shape(dw.x)
    if _shape(dw.y)[1] != c:
        return False
    if cfg.dma.dims < 3:
        return False
    fn = dw.conv.parent_op()
    if not isinstance(fn, func.FuncOp):
        return False
    kh, kw = (_shape(dw.w)[i] for i in _kernel_dims(dw))
    slices = _slices(c)
    w_starts = [sum(block_bytes(n, kh * kw) for n in slices[:g]) for g in range(len(slices))]
    total = -(-sum(block_bytes(n, kh * kw) for n in slices) // 8) * 8
    nhwc_off, nhwc_size = dw.nhwc_bytes
    buffers = [dw.x, dw.y, dw.w, *(v for p in dw.post for v in p.operands)]
    if dw.bias is not None:
        buffers.append(dw.bias)
    regions = {}
    for v in buffers:
        t = v.type
        assert isinstance(t, MemRefType)
        regions[v] = (_offset(v), _offset(v) + buffer_bytes(t))
    x_region = regions.pop(dw.x)
    distinct = list(set(regions.values()))
    if any(_overlap(a, b) for i, a in enumerate(distinct) for b in distinct[i + 1 :]):
        return False
    # X was live only up to the transpose (the weights and bias loaded after it may sit in
    # its bytes): the DMA copies it, unchanged, to where the NHWC copy was (a buffer live
    # from the transpose to the convolution), and the slices read that copy.
    x_bytes = x_region[1] - x_region[0]
    x_copy = (nhwc_off, nhwc_off + x_bytes)
    if x_bytes > nhwc_size or any(_overlap(x_copy, r) for r in distinct):
        return False
    w_base = -(-l1_end(fn) // _ALIGN) * _ALIGN
    if w_base + total > cfg.tcdm_bytes:
        return False
    # conv-to-gemm must take the (first) slice; a last, partial slice it does not take
    # runs on the core (n*n*KH*KW MACs per pixel for n < 8 channels).
    trial = block_weights(dw, w_base, slices[:1], cfg.dma.dims)
    trial += slice_ops(dw, 0, w_base, nhwc_off, slices[0])
    if not _lowered_by_conv_to_gemm(trial, cfg):
        return False
    t = dw.x.type
    assert isinstance(t, MemRefType)
    copy_view = _view(nhwc_off, IntegerType(8), list(t.get_shape()))
    e = 64
    while x_bytes % e or nhwc_off % min(e, 8) or _offset(dw.x) % min(e, 8):
        e //= 2
    pattern = dma.PatternAttr([x_bytes // e], [e])
    copy = dma.StartOp(dw.x, copy_view.result, e, pattern, pattern)
    Rewriter.insert_op([copy_view, copy, dma.WaitOp([copy.token])], InsertPoint.before(dw.to_nhwc))
    # Liveness (place-program-io's, which later passes use to place their buffers)
    # follows the uses of a buffer value; a slice's view is live only at its own
    # operations. Whole-buffer views used by one-byte DMA transfers before the first and
    # after the last slice keep the buffers in use across all slices: each output gets a
    # byte before (the slices overwrite it), each input gives one; every buffer gives one
    # after. The bytes go to the block weights (filled after the first, dead after the
    # last slice).
    weights = block_weights(dw, w_base, slices, cfg.dma.dims)
    w_all = weights[0].results[0]
    outputs = list(dict.fromkeys([dw.y, *(p.outputs[0] for p in dw.post)]))
    inputs = [dw.w, *([dw.bias] if dw.bias is not None else [])]
    whole = {}
    for v in outputs + inputs:
        vt = v.type
        assert isinstance(vt, MemRefType) and isinstance(vt.element_type, IntegerType)
        whole[v] = _view(_offset(v), vt.element_type, list(vt.get_shape()))
    ops: list[Operation] = [weights[0], *whole.values()]
    ops += _touch([copy_view.result] * len(outputs), [whole[v].result for v in outputs])
    ops += _touch([whole[v].result for v in inputs], [w_all] * len(inputs))
    ops += weights[1:]
    for g, n in enumerate(slices):
        ops += slice_ops(dw, g, w_base + w_starts[g], nhwc_off, n)
    kept = [copy_view.result, *(op.result for op in whole.values())]
    ops += _touch(kept, [w_all] * len(kept))
    Rewriter.insert_op(ops, InsertPoint.before(dw.conv))
    for op in (*reversed(dw.post), dw.to_nchw, dw.conv, dw.init, dw.to_nhwc):
        Rewriter.erase_op(op)
    return True


def _touch(srcs: list[SSAValue], dsts: list[SSAValue]) -> list[Operation]:
    """One-byte DMA copies from each source buffer to each destination buffer, waited."""
    one = dma.PatternAttr([1], [1])
    starts = [dma.StartOp(s, d, 1, one, one) for s, d in zip(srcs, dsts, strict=True)]
    return [*starts, dma.WaitOp([t.token for t in starts])] if starts else []


def split_depthwise(module: ModuleOp, cfg: ClusterConfig) -> int:
    """Split every depthwise convolution the GeMM can take into 8-channel dense ones;
    returns how many."""
    count = 0
    for g in [o for o in module.walk() if isinstance(o, linalg.GenericOp)]:
        if g.parent is None:
            continue
        dw = match_depthwise(g)
        if dw is not None and _rewrite(dw, cfg):
            count += 1
    return count


@dataclass(frozen=True)
class SplitDepthwise(ModulePass):
    """Depthwise convolutions as 8-channel dense convolutions with block weights."""

    name = "split-depthwise"

    config: str = ""
    """Path of the cluster configuration YAML; empty: the default configuration."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        cfg = pass_config("split-depthwise", self.config)
        split_depthwise(op, cfg)
