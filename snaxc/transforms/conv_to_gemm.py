"""`conv-to-gemm`: 2-D convolutions as matmuls on an im2col buffer made by the DMA.

A `conv_2d_nchw_fchw` (or its `_q` form with zero points) with batch 1, generalized and on
statically placed L1 buffers,

    y[0, f, oh, ow] += (x[0, c, s*oh + kh, s*ow + kw] - zx) * (w[f, c, kh, kw] - zw)

is the matmul Y[F, OH*OW] = W[F, C*KH*KW] @ B[C*KH*KW, OH*OW] with

    B[(c, kh, kw), (oh, ow)] = x[0, c, s*oh + kh, s*ow + kw]

Pixel-chunked schedule (the default, for accelerators with an 8x8x8 matmul template and
`row_major_config`): the output pixels are cut into chunks of R whole output rows
(TN = R*OW columns, padded to a multiple of 8), and per chunk

- the DMA brings B's columns into one of two L1 chunk buffers, either gathered as an
  im2col block (one 4-D transfer per kernel row, all kernel columns: with stride 1 each
  input row is a contiguous run the DMA moves in one cycle at any alignment), or, in
  *window mode* (C a multiple of 8; the plan with the fewer estimated DMA cycles), as the KW
  shifted input windows S[kw][c][row][ow] = x[c, s*r0 + row, s*ow + kw] of the rows the
  chunk reads (rows padded to OWp, a multiple of 8: the GeMM computes OWp columns per
  output row, the copy-out keeps OW): the GeMM's B streamer then walks K = (kh, kw, c)
  through them with six loops (channel groups, kw, kh, column groups, rows, row tiles),
  3x fewer bytes than the im2col for a 3x3 kernel; the weights are reordered once;
- the GeMM computes the chunk into one of two result buffers (int8 when the conv's
  requantization and ReLU are fused: a Q block of 8 words read with stride 0, or int32),
  with the conv bias as an F x 8 int32 C block (stride 0 along the columns);
- the DMA copies the valid columns into the output's column block (row stride OH*OW), so
  padded columns (125 pixels, a partial last chunk) never reach it;
- double buffering: the transfer of chunk i+1 runs while the GeMM computes chunk i, the
  launch of chunk i+1 is configured and queued before the await of chunk i, the copy-out
  of chunk i overlaps chunk i+1.

R is the largest that fits (chunk buffer at most `B_SLOT_BYTES`) the L1 that no live buffer
uses while the conv runs (liveness as in `place-program-io`; the int32 accumulator of a
fused layer is dead and reused), preferring a divisor of OH and room below the current end
of L1 use; the mode with fewer estimated DMA cycles wins. The output stage is fused when
the rescale (kernel.rescale or kernel.rescale_f32) is the next user of the accumulator,
also with other operations between (ResNet's projection shortcut), if its output is free
from the conv on. The schedule is straight-line (at most `MAX_CHUNKS` chunks).

Otherwise (no such accelerator or no room): the whole-matrix rewrite. W and Y are already
matrices in memory (row-major fchw and nchw): the pass gives
them matrix views (`snax.static_alloc` at the same offsets), lets the DMA gather B into a
new L1 buffer (one 4-D transfer per kernel row kh, 1-byte elements) and replaces the
convolution by a matmul generic (`kernel.mac` / `kernel.qmac`) that `dispatch-kernels`
(and `fuse-gemm-output`) then run on an accelerator. A zero fill of y right before the
convolution moves to the matmul view, so the accelerator starts from zero.

Weights that are not an L1 buffer (constants of the program, in the core's private
memory) are copied to L1 by the core, then by the DMA into the matrix layout. K = C*KH*KW
that the accelerator's tile does not divide is padded: A's extra columns hold the weights'
zero point (and in the whole-matrix rewrite B's extra rows the input's), so the padded
products are zero.

Padding is not done here: the importer's `tensor.pad` becomes a fill of a padded buffer
and a copy into its interior (on the DMA, `copies-to-dma`) and the convolution reads
the padded buffer. Only strides (any), no dilation; otherwise the convolution stays and
runs on the core.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import accfg, arith, func, memref
from xdsl.dialects.builtin import (
    AffineMapAttr,
    ArrayAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    NoneAttr,
    i8,
    i32,
    i64,
)
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Block, Operation, OpResult, Region, SSAValue
from xdsl.ir.affine import AffineMap
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.utils.exceptions import DiagnosticException

from snaxc import accelerators
from snaxc.config import TCDM_BASE, ClusterConfig
from snaxc.dialects import dma, kernel, snax
from snaxc.golden.dma import side_chunks
from snaxc.transforms.declare_accelerators import declare_accelerators
from snaxc.transforms.fuse_gemm_output import quant_word
from snaxc.transforms.l1_buffers import buffer_bytes, l1_end, row_major_l1_alloc
from snaxc.transforms.lower_dma import simplify
from snaxc.transforms.pad_to_dma import fill_ops, replicated_word
from snaxc.transforms.pass_config import pass_config
from snaxc.transforms.place_program_io import fusion_spans, live_range

_ALIGN = 64
_MK = AffineMap.from_callable(lambda m, n, k: (m, k))
_KN = AffineMap.from_callable(lambda m, n, k: (k, n))
_MN = AffineMap.from_callable(lambda m, n, k: (m, n))
_SCALAR = AffineMap.from_callable(lambda m, n, k: ())


def _width(value: SSAValue) -> int | None:
    t = value.type
    if isinstance(t, MemRefType) and isinstance(t.element_type, IntegerType):
        return t.element_type.width.data
    return None


def _shape(value: SSAValue) -> tuple[int, ...]:
    t = value.type
    assert isinstance(t, MemRefType)
    return tuple(t.get_shape())


@dataclass
class Conv:
    x: SSAValue
    w: SSAValue
    y: SSAValue
    stride: tuple[int, int]
    kernel_op: kernel.MacOp | kernel.QMacOp
    x_is_lhs: bool
    zps: tuple[SSAValue, SSAValue] | None  # (x zero point, w zero point) operands


def _unit_images(m: AffineMap, n: int) -> list[tuple[int, ...]]:
    return [m.eval([int(j == d) for j in range(n)], []) for d in range(n)]


def match_conv(g: linalg.GenericOp) -> Conv | None:
    body = [o for o in g.body.block.ops if not isinstance(o, arith.ConstantOp)]
    if len(body) != 2 or not isinstance(body[0], kernel.MacOp | kernel.QMacOp):
        return None
    k_op = body[0]
    maps = [m.data for m in g.indexing_maps if isinstance(m, AffineMapAttr)]
    its = [str(i.data) for i in g.iterator_types]
    if its != ["parallel"] * 4 + ["reduction"] * 3 or len(g.outputs) != 1:
        return None
    quantized = isinstance(k_op, kernel.QMacOp)
    if len(g.inputs) != (4 if quantized else 2):
        return None
    x, w, (y,) = g.inputs[0], g.inputs[1], g.outputs
    if row_major_l1_alloc(x) is None or row_major_l1_alloc(y) is None:
        return None
    wt = w.type
    if not isinstance(wt, MemRefType) or not isinstance(wt.layout, NoneAttr):
        return None  # weights elsewhere (constants) are copied to L1 by the DMA
    if (_width(x), _width(w), _width(y)) != (8, 8, 32):
        return None
    if [len(_shape(v)) for v in (x, w, y)] != [4, 4, 4] or _shape(x)[0] != 1:
        return None
    n = 7
    zero = (0,) * 4
    if any(m.num_symbols or m.num_dims != n or m.eval([0] * n, []) != zero for m in maps[:2]):
        return None
    if maps[-1] != AffineMap(7, 0, AffineMap.identity(7).results[:4]):
        return None
    if quantized and any(m.results for m in maps[2:4]):
        return None
    xu, wu = _unit_images(maps[0], n), _unit_images(maps[1], n)
    # d0 n, d1 f, d2 oh, d3 ow, d4 c, d5 kh, d6 kw
    sh, sw = xu[2][2], xu[3][3]
    want_x = [
        (1, 0, 0, 0), (0, 0, 0, 0), (0, 0, sh, 0), (0, 0, 0, sw),
        (0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1),
    ]  # fmt: skip
    want_w = [
        (0, 0, 0, 0), (1, 0, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0),
        (0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1),
    ]  # fmt: skip
    if xu != want_x or wu != want_w or sh < 1 or sw < 1:
        return None
    args = g.body.block.args
    if {k_op.lhs, k_op.rhs} != {args[0], args[1]} or k_op.acc is not args[len(g.inputs)]:
        return None
    x_is_lhs = k_op.lhs is args[0]
    zps = None
    if quantized:
        assert isinstance(k_op, kernel.QMacOp)
        lz, rz = k_op.lhs_zp, k_op.rhs_zp

        def outer(v: SSAValue) -> SSAValue:
            return g.operands[args.index(v)] if v in args else v

        zx, zw = (outer(lz), outer(rz)) if x_is_lhs else (outer(rz), outer(lz))
        zps = (zx, zw)
    return Conv(x, w, y, (sh, sw), k_op, x_is_lhs, zps)


def _view(value: SSAValue, shape: list[int]) -> snax.StaticAllocOp:
    alloc = row_major_l1_alloc(value)
    assert alloc is not None
    t = value.type
    assert isinstance(t, MemRefType)
    return snax.StaticAllocOp(
        alloc.offset.value.data, MemRefType(t.element_type, shape, memory_space=t.memory_space)
    )


def _zero_fill_before(g: linalg.GenericOp, out: SSAValue) -> linalg.GenericOp | None:
    op = g.prev_op
    while isinstance(op, arith.ConstantOp | snax.StaticAllocOp):
        op = op.prev_op
    if not isinstance(op, linalg.GenericOp) or list(op.outputs) != [out] or len(op.inputs) != 1:
        return None
    c = op.inputs[0]
    body = list(op.body.block.ops)
    if len(body) != 1 or body[0].operands[:1] != (op.body.block.args[0],):
        return None
    if not (isinstance(c, OpResult) and isinstance(c.op, arith.ConstantOp)):
        return None
    attr = c.op.value
    return op if isinstance(attr, IntegerAttr) and attr.value.data == 0 else None


def _tile(cfg: ClusterConfig, operation: str) -> dict[str, int] | None:
    for inst in cfg.accelerators:
        try:
            desc = accelerators.get(inst.kind)
        except KeyError as e:
            raise DiagnosticException(f"conv-to-gemm: {e.args[0]}") from None
        if operation in desc.kernels and {"m", "k", "n"} <= set(desc.tile):
            return dict(desc.tile)
    return None


def _matmul(a: SSAValue, b: SSAValue, d: SSAValue, conv: Conv) -> list[Operation]:
    """The matmul generic D += A B (A: weights, B: im2col), with the conv's zero points."""
    ops: list[Operation] = []
    if conv.zps is None:
        block = Block(arg_types=[IntegerType(8), IntegerType(8), IntegerType(32)])
        mac = kernel.MacOp(block.args[0], block.args[1], block.args[2])
        inputs, maps = [a, b], [_MK, _KN, _MN]
    else:
        zx, zw = conv.zps
        block = Block(arg_types=[IntegerType(8), IntegerType(8), zw.type, zx.type, IntegerType(32)])
        args = block.args
        mac = kernel.QMacOp(args[0], args[1], args[2], args[3], args[4])
        inputs, maps = [a, b, zw, zx], [_MK, _KN, _SCALAR, _SCALAR, _MN]
    block.add_ops([mac, linalg.YieldOp(mac.result)])
    ops.append(
        linalg.GenericOp(
            inputs,
            [d],
            Region(block),
            ArrayAttr([AffineMapAttr(m) for m in maps]),
            ArrayAttr(
                [linalg.IteratorTypeAttr.parallel()] * 2 + [linalg.IteratorTypeAttr.reduction()]
            ),
        )
    )
    return ops


def _constant(value: SSAValue) -> int | None:
    if isinstance(value, OpResult) and isinstance(value.op, arith.ConstantOp):
        attr = value.op.value
        if isinstance(attr, IntegerAttr):
            return attr.value.data
    return None


def _copy(src: SSAValue, dst: SSAValue) -> linalg.GenericOp:
    """A 4-D copy generic (runs on the core)."""
    t = dst.type
    assert isinstance(t, MemRefType)
    block = Block(arg_types=[t.element_type, t.element_type])
    block.add_op(linalg.YieldOp(block.args[0]))
    ident = AffineMapAttr(AffineMap.identity(4))
    return linalg.GenericOp(
        [src],
        [dst],
        Region(block),
        ArrayAttr([ident, ident]),
        ArrayAttr([linalg.IteratorTypeAttr.parallel()] * 4),
    )


def _rewrite(g: linalg.GenericOp, conv: Conv, cfg: ClusterConfig) -> bool:
    _, c, h, wd = _shape(conv.x)
    f, _, kh, kw = _shape(conv.w)
    _, _, oh, ow = _shape(conv.y)
    sh, sw = conv.stride
    if (oh - 1) * sh + kh > h or (ow - 1) * sw + kw > wd:
        return False
    m, k, n = f, c * kh * kw, oh * ow
    tile = _tile(cfg, "quantized_matmul" if conv.zps else "matmul")
    if tile is None or m % tile["m"] or n % tile["n"]:
        return False
    kp = -(-k // tile["k"]) * tile["k"]
    # Padded K: A's extra columns hold the weights' zero point, B's extra rows the
    # input's, so each padded product (zw - zw)(zx - zx) is 0.
    zx = zw = 0
    if conv.zps is not None:
        zx_c, zw_c = (_constant(v) for v in conv.zps)
        if zx_c is None or zw_c is None:
            return False
        zx, zw = zx_c, zw_c
    fn = g.parent_op()
    while fn is not None and not isinstance(fn, func.FuncOp):
        fn = fn.parent_op()
    if fn is None:
        return False
    offset = -(-l1_end(fn) // _ALIGN) * _ALIGN
    a_copy = row_major_l1_alloc(conv.w) is None or kp != k
    a_offset = -(-(offset + kp * n) // _ALIGN) * _ALIGN
    tmp_offset = -(-(a_offset + m * kp) // _ALIGN) * _ALIGN
    end = a_offset + m * kp if a_copy else offset + kp * n
    if row_major_l1_alloc(conv.w) is None:
        end = tmp_offset + m * k  # constant weights: the core copies them to L1 first
    if end > cfg.tcdm_bytes:
        return False
    t = conv.x.type
    assert isinstance(t, MemRefType)
    b_alloc = snax.StaticAllocOp(
        offset, MemRefType(t.element_type, [kp, n], memory_space=t.memory_space)
    )
    d_view = _view(conv.y, [m, n])
    ops: list[Operation] = [b_alloc, d_view]
    tokens: list[SSAValue] = []
    if a_copy:
        a_alloc = snax.StaticAllocOp(
            a_offset, MemRefType(t.element_type, [m, kp], memory_space=t.memory_space)
        )
        ops.append(a_alloc)
        a_value = a_alloc.result
        if kp != k:
            ops += fill_ops(a_offset, m * kp, replicated_word(zw), 1, t.memory_space)
            ops += fill_ops(offset, kp * n, replicated_word(zx), 1, t.memory_space)
        w_alloc = row_major_l1_alloc(conv.w)
        if w_alloc is None:
            # Constants live where only the core reaches them (its private memory).
            tmp = snax.StaticAllocOp(
                tmp_offset, MemRefType(t.element_type, [f, c, kh, kw], memory_space=t.memory_space)
            )
            ops += [tmp, _copy(conv.w, tmp.result)]
            w_alloc = tmp
        src = arith.ConstantOp(IntegerAttr(TCDM_BASE + w_alloc.offset.value.data, i32))
        ops.append(src)
        a_dst = arith.ConstantOp(IntegerAttr(TCDM_BASE + a_offset, i32))
        start = dma.StartOp(
            src, a_dst, 1, dma.PatternAttr([m * k], [1]), dma.PatternAttr([m, k], [kp, 1])
        )
        ops += [a_dst, start]
        tokens.append(start.token)
    else:
        a_view = _view(conv.w, [m, k])
        ops.append(a_view)
        a_value = a_view.result
    x_addr = TCDM_BASE + row_major_l1_alloc(conv.x).offset.value.data  # type: ignore[union-attr]
    b_addr = TCDM_BASE + offset
    for r in range(kh):
        src = arith.ConstantOp(IntegerAttr(x_addr + r * wd, i32))
        dst = arith.ConstantOp(IntegerAttr(b_addr + r * kw * n, i32))
        start = dma.StartOp(
            src,
            dst,
            1,
            dma.PatternAttr([c, kw, oh, ow], [h * wd, 1, sh * wd, sw]),
            dma.PatternAttr([c, kw, oh, ow], [kh * kw * n, n, ow, 1]),
        )
        ops += [src, dst, start]
        tokens.append(start.token)
    ops.append(dma.WaitOp(tokens))
    fill = _zero_fill_before(g, conv.y)
    if fill is not None:
        zero = fill.inputs[0]
        fblock = Block(arg_types=[IntegerType(32), IntegerType(32)])
        fblock.add_op(linalg.YieldOp(fblock.args[0]))
        ops.append(
            linalg.GenericOp(
                [zero],
                [d_view.result],
                Region(fblock),
                ArrayAttr(
                    [AffineMapAttr(AffineMap(2, 0, ())), AffineMapAttr(AffineMap.identity(2))]
                ),
                ArrayAttr([linalg.IteratorTypeAttr.parallel()] * 2),
            )
        )
    ops += _matmul(a_value, b_alloc.result, d_view.result, conv)
    Rewriter.insert_op(ops, InsertPoint.before(g))
    Rewriter.erase_op(g)
    if fill is not None:
        Rewriter.erase_op(fill)
    return True


# ---- pixel-chunked schedule -------------------------------------------------------------

B_SLOT_BYTES = 32 * 1024
"""Largest im2col chunk buffer (one of two): a chunk of output pixels whose gathered
columns fit; larger chunks only save configuration writes."""
MAX_CHUNKS = 64
"""The schedule is straight-line code: at most this many chunks per convolution."""


def _odd_words(nbytes: int) -> int:
    """`nbytes` (a multiple of 8) rounded up to an odd number of 8-byte words: the rows of
    a buffer then start in distinct banks, so a streamer's 8 ports reading 8 rows at once
    do not collide."""
    return nbytes if (nbytes // 8) % 2 else nbytes + 8


def _ceil(x: int, m: int) -> int:
    return -(-x // m) * m


@dataclass
class _Stage:
    """The elementwise operations the GeMM's output stage takes over."""

    ops: list[linalg.GenericOp]
    out: SSAValue  # int8 [1, F, OH, OW]
    rescale: Operation  # kernel.rescale or kernel.rescale_f32
    out_zp: int
    clamp_min: int
    clamp_max: int


def _next_op(op: Operation) -> Operation | None:
    nxt = op.next_op
    while isinstance(nxt, arith.ConstantOp | snax.StaticAllocOp):
        nxt = nxt.next_op
    return nxt


def _prev_op(op: Operation) -> Operation | None:
    prv = op.prev_op
    while isinstance(prv, arith.ConstantOp | snax.StaticAllocOp):
        prv = prv.prev_op
    return prv


def _identity_maps(g: linalg.GenericOp) -> bool:
    maps = [m.data for m in g.indexing_maps if isinstance(m, AffineMapAttr)]
    return bool(maps) and all(m == AffineMap.identity(maps[0].num_dims) for m in maps)


def _body(g: linalg.GenericOp) -> list[Operation]:
    return [o for o in g.body.block.ops if not isinstance(o, arith.ConstantOp)]


def _bias_init(g: linalg.GenericOp, y: SSAValue) -> SSAValue | None:
    """The int32 vector [F] that the generic right before `g` broadcasts into `y` (the
    importer's conv bias), if that is what it does."""
    op = _prev_op(g)
    if not isinstance(op, linalg.GenericOp) or list(op.outputs) != [y] or len(op.inputs) != 1:
        return None
    maps = [m.data for m in op.indexing_maps if isinstance(m, AffineMapAttr)]
    want = AffineMap.from_callable(lambda n, f, h, w: (f,))
    if maps != [want, AffineMap.identity(4)]:
        return None
    body = list(op.body.block.ops)
    if len(body) != 1 or list(body[0].operands) != [op.body.block.args[0]]:
        return None
    bias = op.inputs[0]
    if row_major_l1_alloc(bias) is None or _width(bias) != 32:
        return None
    return bias


_LOOKAHEAD = 16
"""How many operations after a convolution the search for its output stage looks at."""


def _touches(op: Operation, value: SSAValue) -> bool:
    return any(value in o.operands for o in op.walk())


def _output_stage(g: linalg.GenericOp, y: SSAValue) -> _Stage | None:
    """The rescale to int8 (and a ReLU) that follows the convolution on its int32 `y`: the
    next operation using `y` (a few operations on other data may come between, e.g. a
    second convolution on the same input, ResNet's projection shortcut)."""
    r = _next_op(g)
    for _ in range(_LOOKAHEAD):
        if r is None or _touches(r, y):
            break
        r = _next_op(r)
    if not isinstance(r, linalg.GenericOp) or list(r.inputs) != [y] or len(r.outputs) != 1:
        return None
    body = _body(r)
    f32_op = getattr(kernel, "RescaleF32Op", None)
    kinds = (kernel.RescaleOp,) if f32_op is None else (kernel.RescaleOp, f32_op)
    if len(body) != 2 or not isinstance(body[0], kinds) or not _identity_maps(r):
        return None
    k = body[0]
    out = r.outputs[0]
    if _width(out) != 8 or row_major_l1_alloc(out) is None:
        return None
    if isinstance(k, kernel.RescaleOp) and (k.input_zp.value.data or k.shift.value.data > 62):
        return None
    ops = [r]
    lo, hi = k.min.value.data, k.max.value.data
    relu = _next_op(r)
    if (
        isinstance(relu, linalg.GenericOp)
        and list(relu.inputs) == [out]
        and len(relu.outputs) == 1
        and _identity_maps(relu)
        and len(_body(relu)) == 2
        and isinstance(_body(relu)[0], kernel.ReluOp)
        and row_major_l1_alloc(relu.outputs[0]) is not None
        and _width(relu.outputs[0]) == 8
    ):
        other = [u.operation for u in out.uses if u.operation not in (r, relu)]
        if not other or relu.outputs[0] == out:
            ops.append(relu)
            out = relu.outputs[0]
            lo, hi = max(lo, 0), max(hi, 0)
    return _Stage(ops, out, k, k.output_zp.value.data, lo, hi)


def _dead_after(y: SSAValue, ops: list[Operation]) -> bool:
    """Whether `ops` (top-level operations, in order, the first of them writing all of `y`)
    are the only users of `y` from the first to the last of them and until `y` is
    overwritten: the first later use writes all of `y` without reading it (the next layer
    reusing the buffer)."""
    block = ops[0].parent_block()
    assert block is not None
    start, end = block.get_operation_index(ops[0]), block.get_operation_index(ops[-1])
    later: list[tuple[int, Operation]] = []
    for u in y.uses:
        op = u.operation
        if op in ops:
            continue
        top = op
        while top.parent_block() is not block:
            parent = top.parent_op()
            if parent is None:
                return False
            top = parent
        i = block.get_operation_index(top)
        if i < start:
            continue  # an earlier use of the buffer, overwritten by ops[0]
        if i <= end:
            return False
        later.append((i, top))
    if not later:
        return True
    _, first = min(later, key=lambda t: t[0])
    return (
        isinstance(first, linalg.GenericOp)
        and list(first.outputs) == [y]
        and y not in first.inputs
        and _identity_maps_out(first)
    )


def _identity_maps_out(g: linalg.GenericOp) -> bool:
    """The output of `g` is indexed by the identity over all-parallel loops (every element
    written)."""
    maps = [m.data for m in g.indexing_maps if isinstance(m, AffineMapAttr)]
    its = [str(i.data) for i in g.iterator_types]
    return maps[-1] == AffineMap.identity(maps[-1].num_dims) and all(i == "parallel" for i in its)


def _gemm_target(cfg: ClusterConfig, fused: bool, bias: bool) -> tuple[str, object] | None:
    """An accelerator instance with an 8x8x8 matmul template and its description module."""
    need = {"quantized_matmul"}
    if fused:
        need.add("matmul_requant")
    if bias:
        need.add("matmul_bias")
    for inst in cfg.accelerators:
        desc = accelerators.get(inst.kind)
        if not need <= set(desc.kernels) or desc.tile != {"m": 8, "k": 8, "n": 8}:
            continue
        mod = importlib.import_module(f"{accelerators.__name__}.{inst.kind}")
        if hasattr(mod, "row_major_config"):
            return inst.name, mod
    return None


def free_l1(
    fn: func.FuncOp,
    first: Operation,
    last: Operation,
    exclude: set[SSAValue],
    l1_bytes: int,
    written: dict[Operation, Operation] | None = None,
) -> list[tuple[int, int]]:
    """The L1 byte ranges [lo, hi) that no buffer live from `first` to `last` (top-level
    operations of `fn`) occupies, ignoring the buffers `exclude`; liveness as in
    `place-program-io` (buffers placed by later passes at constant addresses are live where
    they are defined; `written` maps buffers that a schedule writes at constant addresses
    to its last operation, from which they are live too)."""
    written = written or {}
    block = fn.body.block
    top = list(block.ops)
    pos = {o: i for i, o in enumerate(top)}
    spans = fusion_spans(top)
    lo, hi = pos[first], pos[last]
    busy = []
    for op in fn.walk():
        if not isinstance(op, snax.StaticAllocOp) or op.memory_space != snax.MemorySpace.L1:
            continue
        if op.result in exclude:
            continue
        a, b = live_range(op.result, block, pos, spans)
        if op in written and written[op] in pos:
            # Written by an earlier schedule at constant addresses: live from there on.
            w = pos[written[op]]
            a, b = min(a, w), max(b, w) if b >= 0 else w
        if a <= hi and lo <= b:
            t = op.result.type
            assert isinstance(t, MemRefType)
            off = op.offset.value.data
            busy.append((off, off + buffer_bytes(t)))
    gaps, at = [], 0
    for a, b in sorted(busy):
        if a > at:
            gaps.append((at, a))
        at = max(at, b)
    if at < l1_bytes:
        gaps.append((at, l1_bytes))
    return gaps


def _place(gaps: list[tuple[int, int]], sizes: list[int]) -> list[int] | None:
    """First-fit offsets (64-byte aligned) for `sizes` in `gaps`, largest first."""
    free = [list(g) for g in gaps]
    out: list[int] = [0] * len(sizes)
    for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        for g in free:
            start = _ceil(g[0], _ALIGN)
            if start + sizes[i] <= g[1]:
                out[i] = start
                g[0] = start + sizes[i]
                break
        else:
            return None
    return out


def _widen(src: int, dst: int, sb: list[int], ss: list[int], db: list[int], ds: list[int]):
    """The widest element (<= 64 bytes) for a byte copy whose innermost loops are
    contiguous on both sides; returns (elem, patterns)."""
    if ss[-1] != 1 or ds[-1] != 1 or sb[-1] != db[-1]:
        return 1, (sb, ss, db, ds)
    for e in (64, 32, 16, 8, 4, 2):
        if sb[-1] % e or src % min(e, 8) or dst % min(e, 8):
            continue
        if any(x % min(e, 8) for x in ss[:-1] + ds[:-1]):
            continue
        return e, (sb[:-1] + [sb[-1] // e], ss[:-1] + [e], db[:-1] + [db[-1] // e], ds[:-1] + [e])
    return 1, (sb, ss, db, ds)


def _choose_plan(window, xs, ks, os_, ss, kp, mp, out_bytes, fixed, gaps) -> _Plan | None:
    """Output rows per chunk: as many as the buffers allow (an im2col chunk or, in window
    mode, the input windows, at most `B_SLOT_BYTES`), preferring a divisor of OH."""
    c, _, _ = xs
    kh, kw = ks
    oh, ow = os_
    sh, _ = ss
    fits = []
    owp = _ceil(ow, 8)
    for rows in range(oh, 0, -1):
        tn = rows * ow
        tnp = _ceil(tn, 8)
        if window:
            # Window rows padded to whole column tiles: the GeMM computes OWp columns per
            # output row (the extra ones are not copied out).
            tnp = rows * owp
            rs = _odd_words((sh * (rows - 1) + kh) * owp)
            b_bytes = kw * c * rs
        else:
            rs = _odd_words(tnp)
            b_bytes = kp * rs
        ds = _odd_words(out_bytes * tnp)
        if b_bytes > B_SLOT_BYTES and rows > 1:
            continue
        if -(-oh // rows) > MAX_CHUNKS:
            break
        sizes = dict(fixed, b0=b_bytes, d0=mp * ds)
        if rows < oh:  # two chunks or more: double buffers
            sizes |= {"b1": b_bytes, "d1": mp * ds}
        names = [k_ for k_, v in sizes.items() if v]
        offs = _place(gaps, [sizes[k_] for k_ in names])
        if offs is None:
            continue
        fits.append(_Plan(rows, tn, tnp, rs, ds, dict(zip(names, offs, strict=True)), window))
    if not fits:
        return None
    best = fits[0]
    for p in fits:
        if oh % p.rows == 0 and 2 * p.rows >= best.rows:
            return p
    return best


def _gathers(plan, x_addr, b, xs, ks, os_, ss, r0) -> list[tuple]:
    """The gathers of the chunk starting at output row `r0` into the B buffer at `b`, as
    (src, dst, src bounds, src strides, dst bounds, dst strides) byte copies. Window mode:
    the KW shifted (and strided) windows of the input rows the chunk reads,
    S[kw][c][i][ow] = x[c, sh*r0 + i, sw*ow + kw], channel stride plan.rs; im2col: per
    kernel row, the chunk's (c, kw) rows of the K x pixels block. One copy covers all KW
    columns: its innermost loop (OW bytes, stride 1 with sw = 1) is a contiguous run the
    DMA moves in one chunk per cycle whatever its alignment."""
    c, h, wd = xs
    kh, kw = ks
    oh, ow = os_
    sh, sw = ss
    rows = min(plan.rows, oh - r0)
    if plan.window:
        hs = sh * (rows - 1) + kh
        return [
            (
                x_addr + sh * r0 * wd,
                b,
                [kw, c, hs, ow],
                [1, h * wd, wd, sw],
                [kw, c, hs, ow],
                [c * plan.rs, plan.rs, _ceil(ow, 8), 1],
            )
        ]
    return [
        (
            x_addr + r * wd + r0 * sh * wd,
            b + r * kw * plan.rs,
            [c, kw, rows, ow],
            [h * wd, 1, sh * wd, sw],
            [c, kw, rows, ow],
            [kh * kw * plan.rs, plan.rs, ow, 1],
        )
        for r in range(kh)
    ]


def _copy_cycles(src, dst, sb, ss, db, ds, widen: bool = True, elem: int = 1) -> int:
    """DMA busy cycles of one byte copy as `_Chunked.copy` emits it and `lower-dma` merges
    its loops: max(source chunks, destination chunks), the timing model of
    docs/hardware.md ("DMA", `snaxc.golden.dma.side_chunks`)."""
    e, (sb, ss, db, ds) = _widen(src, dst, sb, ss, db, ds) if widen else (elem, (sb, ss, db, ds))
    chunks = []
    for base, bounds, strides in ((src, sb, ss), (dst, db, ds)):
        loops = simplify(bounds, strides)
        chunks.append(
            side_chunks(base, [b_ for b_, _ in loops], [s_ for _, s_ in loops], e.bit_length() - 1)
        )
    return max(chunks)


def _gather_cycles(plan, x_addr, xs, ks, os_, ss) -> int:
    """DMA cycles of a plan's gathers (see `_copy_cycles`)."""
    total = 0
    for j, r0 in enumerate(range(0, os_[0], plan.rows)):
        b = TCDM_BASE + plan.offsets[f"b{j % 2}"]
        for g in _gathers(plan, x_addr, b, xs, ks, os_, ss, r0):
            total += _copy_cycles(*g)
    return total


@dataclass
class _Plan:
    rows: int  # output rows per chunk
    tn: int  # pixels per full chunk (rows * OW)
    tnp: int  # padded to the tile
    rs: int  # B chunk row stride (window: channel stride)
    ds: int  # D chunk row stride
    offsets: dict[str, int]
    window: bool = False
    cost: float = 0.0


class _Chunked:
    """Emit one convolution as chunks of output pixels on the GeMM."""

    def __init__(self, g: linalg.GenericOp, conv: Conv, cfg: ClusterConfig):
        self.g, self.conv, self.cfg = g, conv, cfg
        self.consts: dict[int, SSAValue] = {}
        self.state: SSAValue | None = None

    # -- emission helpers --
    def insert(self, *ops: Operation) -> None:
        Rewriter.insert_op(list(ops), InsertPoint.before(self.g))

    def const(self, v: int) -> SSAValue:
        v &= 0xFFFF_FFFF
        v = v - (1 << 32) if v >> 31 else v
        if v not in self.consts:
            c = arith.ConstantOp(IntegerAttr(v, i32))
            self.insert(c)
            self.consts[v] = c.result
        return self.consts[v]

    def copy(self, src, dst, sb, ss, db, ds, widen: bool = True, elem: int = 1) -> SSAValue:
        e, (sb, ss, db, ds) = (
            _widen(src, dst, sb, ss, db, ds) if widen else (elem, (sb, ss, db, ds))
        )
        start = dma.StartOp(
            self.const(src), self.const(dst), e, dma.PatternAttr(sb, ss), dma.PatternAttr(db, ds)
        )
        self.insert(start)
        return start.token

    def wait(self, tokens: list[SSAValue]) -> dma.WaitOp | None:
        if not tokens:
            return None
        op = dma.WaitOp(tokens)
        self.insert(op)
        return op

    def store64(self, offset: int, word: int, count: int) -> list[SSAValue]:
        """`count` copies of the 64-bit `word` at L1 `offset`: a store and a DMA broadcast."""
        word &= (1 << 64) - 1
        word = word - (1 << 64) if word >> 63 else word
        view = snax.StaticAllocOp(offset, MemRefType(i64, [count], memory_space=snax.L1))
        w = arith.ConstantOp(IntegerAttr(word, i64))
        zero = arith.ConstantOp(IntegerAttr(0, IndexType()))
        store = memref.StoreOp.get(w.result, view.result, [zero.result])
        self.insert(view, w, zero, store)
        if count == 1:
            return []
        addr = TCDM_BASE + offset
        return [self.copy(addr, addr, [count], [0], [count], [8], widen=False, elem=8)]


def _free_until(
    fn: func.FuncOp,
    out: SSAValue,
    g: Operation,
    stage: list[linalg.GenericOp],
    y: SSAValue,
    l1_bytes: int,
) -> bool:
    """Whether `out` may be written at `g` instead of by `stage` (later): nothing between
    uses it, and no buffer live from `g` to the stage shares its bytes."""
    block = fn.body.block
    top = list(block.ops)
    pos = {o: i for i, o in enumerate(top)}
    lo, hi = pos[g], pos[stage[-1]]
    for u in out.uses:
        op = u.operation
        if op not in stage and op in pos and lo <= pos[op] < pos[stage[0]]:
            return False
    alloc = row_major_l1_alloc(out)
    assert alloc is not None
    t = out.type
    assert isinstance(t, MemRefType)
    o_lo = alloc.offset.value.data
    o_hi = o_lo + buffer_bytes(t)
    spans = fusion_spans(top)
    for op in fn.walk():
        if not isinstance(op, snax.StaticAllocOp) or op.memory_space != snax.MemorySpace.L1:
            continue
        if op.result in (out, y):
            continue
        a, b = live_range(op.result, block, pos, spans)
        if op in _WRITTEN and _WRITTEN[op] in pos:
            w = pos[_WRITTEN[op]]
            a, b = min(a, w), max(b, w)
        t2 = op.result.type
        assert isinstance(t2, MemRefType)
        b_lo = op.offset.value.data
        if a <= hi and lo <= b and b_lo < o_hi and o_lo < b_lo + buffer_bytes(t2):
            return False
    return True


_WRITTEN: dict[Operation, Operation] = {}
"""Output buffers the schedules wrote at constant addresses (no SSA use left there), with
the last operation of the schedule: `free_l1` keeps them live from there."""


def _chunked(g: linalg.GenericOp, conv: Conv, cfg: ClusterConfig) -> str | None:
    """Rewrite `g` into a pixel-chunked, double-buffered GeMM schedule; returns what it
    launched (`operation@instance`), None if it does not apply (the caller then tries the
    whole-matrix rewrite)."""
    _, c, h, wd = _shape(conv.x)
    f, _, kh, kw = _shape(conv.w)
    _, _, oh, ow = _shape(conv.y)
    sh, sw = conv.stride
    if (oh - 1) * sh + kh > h or (ow - 1) * sw + kw > wd:
        return None
    zx = zw = 0
    if conv.zps is not None:
        zx_c, zw_c = (_constant(v) for v in conv.zps)
        if zx_c is None or zw_c is None:
            return None
        zx, zw = zx_c, zw_c
    if not (-128 <= zx <= 127 and -128 <= zw <= 127):
        return None
    y = conv.y
    fn = g.parent_op()
    if not isinstance(fn, func.FuncOp) or g.parent_block() is not fn.body.block:
        return None
    # How y is initialised: zero fill, bias broadcast, nothing else.
    zero_fill = _zero_fill_before(g, y)
    bias = None if zero_fill is not None else _bias_init(g, y)
    if zero_fill is None and bias is None:
        return None
    init = zero_fill if zero_fill is not None else _prev_op(g)
    assert isinstance(init, linalg.GenericOp)
    stage = _output_stage(g, y)
    if stage is not None and not _dead_after(y, [init, g, *stage.ops]):
        stage = None
    if stage is not None and _prev_op(stage.ops[0]) is not g:
        # The output stage moves up to the convolution: its output must be free until then.
        if not _free_until(fn, stage.out, g, stage.ops, y, cfg.tcdm_bytes):
            stage = None
    target = _gemm_target(cfg, stage is not None, bias is not None)
    if target is None:
        return None
    instance, mod = target
    desc = mod.DESCRIPTION  # type: ignore[attr-defined]
    q_word, requant = 0, {}
    if stage is not None:
        words = quant_word(stage.rescale, mod)
        if words is None:
            return None
        q_word, requant = words
    m, k, n = f, c * kh * kw, oh * ow
    mp, kp = _ceil(m, 8), _ceil(k, 8)
    w_alloc = row_major_l1_alloc(conv.w)
    last = stage.ops[-1] if stage else g
    exclude = {y} if stage is not None else set()
    gaps = free_l1(fn, init, last, exclude, cfg.tcdm_bytes, _WRITTEN)
    out_bytes = 1 if stage else 4
    x_addr = TCDM_BASE + row_major_l1_alloc(conv.x).offset.value.data  # type: ignore[union-attr]
    # Window mode (see the module docstring) when the channels fill the GeMM's K beats and
    # output rows its column tiles, and the B streamer has the six loops it needs.
    windowed = [False]
    if c % 8 == 0 and desc.streamer("b").temporal_dims >= 6:
        windowed.append(True)

    def _plans(windowed: list[bool], gaps: list[tuple[int, int]]):
        plans = []
        for window in windowed:
            a_copy = window or w_alloc is None or k % 8 != 0 or m % 8 != 0
            ap = _odd_words(kp) if a_copy else k
            fixed = {"a": mp * ap if a_copy else 0, "q": 64 if stage else 0}
            fixed |= {"c": 32 * mp if bias else 0, "w": m * k if w_alloc is None else 0}
            p = _choose_plan(
                window, (c, h, wd), (kh, kw), (oh, ow), (sh, sw), kp, mp, out_bytes, fixed, gaps
            )
            if p is not None:
                # DMA cycles: the gathers and A's reordering copy (one element per cycle:
                # its innermost loop is strided).
                p.cost = _gather_cycles(p, x_addr, (c, h, wd), (kh, kw), (oh, ow), (sh, sw))
                p.cost += m * k if window else 0
                plans.append((p, a_copy, ap))
        return plans

    # Below the current end of L1 use if possible: the passes after this one place their
    # buffers after that end.
    limit = l1_end(fn)
    low = [(a, min(b, limit)) for a, b in gaps if a < limit]
    plans = _plans(windowed, low) or _plans(windowed, gaps)
    if not plans:
        return None
    plan, a_copy, ap = min(plans, key=lambda t: t[0].cost)
    e = _Chunked(g, conv, cfg)
    o = {k_: TCDM_BASE + v for k_, v in plan.offsets.items()}
    b_bytes = kw * c * plan.rs if plan.window else kp * plan.rs
    for k_, v in plan.offsets.items():
        nbytes = {"a": mp * ap, "q": 64, "c": 32 * mp, "w": m * k}.get(k_)
        nbytes = nbytes or (b_bytes if k_.startswith("b") else mp * plan.ds)
        e.insert(snax.StaticAllocOp(v, MemRefType(i8, [nbytes], memory_space=snax.L1)))
    tokens: list[SSAValue] = []
    # A: the weights as an M x K matrix, copied (padded) when needed.
    if a_copy:
        if w_alloc is None:
            t = conv.x.type
            assert isinstance(t, MemRefType)
            tmp = snax.StaticAllocOp(
                plan.offsets["w"],
                MemRefType(t.element_type, [f, c, kh, kw], memory_space=t.memory_space),
            )
            e.insert(tmp, _copy(conv.w, tmp.result))
            w_addr = o["w"]
        else:
            w_addr = TCDM_BASE + w_alloc.offset.value.data
        if kp != k:
            e.wait(e.store64(plan.offsets["a"], replicated_word(zw), 1))
            tokens.append(e.copy(o["a"], o["a"], [mp, kp], [0, 0], [mp, kp], [ap, 1], False))
            e.wait(tokens)
            tokens = []
        if plan.window:
            # K ordered (kh, kw, c): A[f, (kh*KW + kw)*C + c] = w[f, c, kh, kw].
            tokens.append(
                e.copy(
                    w_addr,
                    o["a"],
                    [m, kh, kw, c],
                    [k, kw, 1, kh * kw],
                    [m, kh, kw, c],
                    [ap, kw * c, c, 1],
                )
            )
        else:
            tokens.append(e.copy(w_addr, o["a"], [m, k], [k, 1], [m, k], [ap, 1]))
        a_addr = o["a"]
    else:
        assert w_alloc is not None
        a_addr = TCDM_BASE + w_alloc.offset.value.data
    if bias is not None:
        b_addr = TCDM_BASE + row_major_l1_alloc(bias).offset.value.data  # type: ignore[union-attr]
        # C: an Mp x 8 int32 block, row f = bias[f] 8 times (read for every column tile).
        tokens.append(e.copy(b_addr, o["c"], [m, 8], [4, 0], [m * 8], [4], False, 4))
    if stage is not None:
        tokens += e.store64(plan.offsets["q"], q_word, 8)
    e.wait(tokens)

    out = stage.out if stage else y
    out_addr = TCDM_BASE + row_major_l1_alloc(out).offset.value.data  # type: ignore[union-attr]
    chunks = -(-oh // plan.rows)
    kt = kp // 8
    owp = _ceil(ow, 8) if plan.window else ow

    def pixels(j: int) -> tuple[int, int, int]:
        r0 = j * plan.rows
        rows = min(plan.rows, oh - r0)
        return r0, rows, rows * ow

    def gather(j: int) -> list[SSAValue]:
        b = o[f"b{j % 2}"]
        gs = _gathers(plan, x_addr, b, (c, h, wd), (kh, kw), (oh, ow), (sh, sw), j * plan.rows)
        return [e.copy(*g_) for g_ in gs]

    def store(j: int) -> list[SSAValue]:
        _, rows, tn = pixels(j)
        n0 = j * plan.tn
        src = o[f"d{j % 2}"]
        if owp != ow:  # window mode: OWp computed columns per output row, OW valid
            return [
                e.copy(
                    src,
                    out_addr + out_bytes * n0,
                    [m, rows, out_bytes * ow],
                    [plan.ds, out_bytes * owp, 1],
                    [m, rows, out_bytes * ow],
                    [out_bytes * n, out_bytes * ow, 1],
                )
            ]
        return [
            e.copy(
                src,
                out_addr + out_bytes * n0,
                [m, out_bytes * tn],
                [plan.ds, 1],
                [m, out_bytes * tn],
                [out_bytes * n, 1],
            )
        ]

    def setup(j: int) -> None:
        _, rows, tn = pixels(j)
        tnp = rows * owp if plan.window else _ceil(tn, 8)
        mt, nt = mp // 8, tnp // 8
        b, d = o[f"b{j % 2}"], o[f"d{j % 2}"]
        kwargs: dict[str, int | None] = {"c": o["c"] if bias is not None else None}
        if stage is not None:
            kwargs |= {
                "q": o["q"],
                "out_zp": stage.out_zp,
                "clamp_min": stage.clamp_min,
                "clamp_max": stage.clamp_max,
                **requant,
            }
        values = mod.row_major_config(  # type: ignore[attr-defined]
            mp, kp, tnp, a=a_addr, b=b, d=d, a_zp=zw, b_zp=zx, **kwargs
        )
        values |= desc.pattern("a", a_addr, [(kt, 8), (nt, 0), (mt, 8 * ap)], [ap])
        if plan.window:
            loops = [(c // 8, 8 * plan.rs), (kw, c * plan.rs), (kh, owp)]
            loops += [(owp // 8, 8), (rows, sh * owp), (mt, 0)]
            values |= desc.pattern("b", b, loops, [plan.rs])
        else:
            values |= desc.pattern("b", b, [(kt, 8 * plan.rs), (nt, 8), (mt, 0)], [plan.rs])
        if bias is not None:
            values |= desc.pattern("c", o["c"], [(4, 8), (nt, 0), (mt, 256)], [32])
        if stage is not None:
            values |= desc.pattern("q", o["q"], [(nt, 0), (mt, 0)], [8])
            values |= desc.pattern("d", d, [(nt, 8), (mt, 8 * plan.ds)], [plan.ds])
        else:
            values |= desc.pattern("d", d, [(4, 8), (nt, 32), (mt, 8 * plan.ds)], [plan.ds])
        consts = [e.const(v) for v in values.values()]
        s = accfg.SetupOp(consts, list(values), instance, e.state)
        e.insert(s)
        e.state = s.out_state

    def launch() -> SSAValue:
        assert e.state is not None
        op = accfg.LaunchOp([], [], e.state)
        e.insert(op)
        return op.token

    gathers: dict[int, list[SSAValue]] = {0: gather(0)}
    stores: dict[int, list[SSAValue]] = {}
    launches: dict[int, SSAValue] = {}
    e.wait(gathers[0])
    setup(0)
    launches[0] = launch()
    if chunks > 1:
        gathers[1] = gather(1)
    for j in range(chunks):
        if j + 1 < chunks:
            e.wait(gathers[j + 1] + stores.get(j - 1, []))
            setup(j + 1)
            launches[j + 1] = launch()
        e.insert(accfg.AwaitOp(launches[j]))
        stores[j] = store(j)
        if j + 2 < chunks:
            gathers[j + 2] = gather(j + 2)
    end = e.wait(stores.get(chunks - 2, []) + stores[chunks - 1])
    assert end is not None
    out_alloc = row_major_l1_alloc(out)
    assert out_alloc is not None
    _WRITTEN[out_alloc] = end
    for op in reversed([init, g, *(stage.ops if stage else [])]):
        Rewriter.erase_op(op)
    if stage is not None and isinstance(y, OpResult) and not y.uses:
        Rewriter.erase_op(y.op)
    if stage is not None:
        return f"matmul_requant@{instance}"
    return f"{'quantized_matmul' if conv.zps is not None else 'matmul'}@{instance}"


def conv_to_gemm(module: ModuleOp, cfg: ClusterConfig, done: list[str] | None = None) -> int:
    """Rewrite every convolution an accelerator of `cfg` can run as a matmul; returns how
    many. The convolutions launched here (pixel-chunked schedules) are appended to `done`
    as `operation@instance`, one per convolution."""
    count = 0
    declared = False
    _WRITTEN.clear()
    for g in [o for o in module.walk() if isinstance(o, linalg.GenericOp)]:
        conv = match_conv(g)
        if conv is None:
            continue
        if not declared and _gemm_target(cfg, False, False) is not None:
            declare_accelerators(module, cfg)
            declared = True
        launched = _chunked(g, conv, cfg)
        if launched is not None:
            if done is not None:
                done.append(launched)
            count += 1
        elif _rewrite(g, conv, cfg):
            count += 1
    return count


@dataclass(frozen=True)
class ConvToGemm(ModulePass):
    """Convolutions as matmuls on an im2col buffer gathered by the DMA."""

    name = "conv-to-gemm"

    config: str = ""
    """Path of the cluster configuration YAML; empty: the default configuration."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        cfg = pass_config("conv-to-gemm", self.config)
        conv_to_gemm(op, cfg)
