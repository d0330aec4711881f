"""`conv-to-gemm`: 2-D convolutions as matmuls on an im2col buffer made by the DMA.

A `conv_2d_nchw_fchw` (or its `_q` form with zero points) with batch 1, generalized and on
statically placed L1 buffers,

    y[0, f, oh, ow] += (x[0, c, s*oh + kh, s*ow + kw] - zx) * (w[f, c, kh, kw] - zw)

is the matmul Y[F, OH*OW] = W[F, C*KH*KW] @ B[C*KH*KW, OH*OW] with

    B[(c, kh, kw), (oh, ow)] = x[0, c, s*oh + kh, s*ow + kw]

W and Y are already these matrices in memory (row-major fchw and nchw): the pass gives
them matrix views (`snax.static_alloc` at the same offsets), lets the DMA gather B into a
new L1 buffer (one 4-D transfer per kernel row kh, 1-byte elements) and replaces the
convolution by a matmul generic (`kernel.mac` / `kernel.qmac`) that `dispatch-kernels`
(and `fuse-gemm-output`) then run on an accelerator. A zero fill of y right before the
convolution moves to the matmul view, so the accelerator starts from zero.

Weights that are not an L1 buffer (constants of the program, in the core's private
memory) are copied to L1 by the core, then by the DMA into the matrix layout. K = C*KH*KW
that the accelerator's tile does not divide is padded: A's extra columns hold the weights'
zero point and B's extra rows the input's (both filled by a store and a DMA broadcast), so
the padded products are zero.

Padding is not done here: the importer's `tensor.pad` becomes a fill of a padded buffer
and a copy into its interior (on the DMA, `copies-to-dma`) and the convolution reads
the padded buffer. Only strides (any), no dilation; the pass runs only when the cluster
has an accelerator that lists `matmul` (resp. `quantized_matmul`) with a tile that
divides F and OH*OW; otherwise the convolution stays and runs on the core.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, func, memref
from xdsl.dialects.builtin import (
    AffineMapAttr,
    ArrayAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    NoneAttr,
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
from snaxc.transforms.l1_buffers import l1_end, row_major_l1_alloc
from snaxc.transforms.pass_config import pass_config

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


def _fill(offset: int, nbytes: int, value: int, t: MemRefType) -> list[Operation]:
    """Fill `nbytes` (a multiple of 8) of L1 at `offset` with the int8 `value`: one store of
    the replicated word, a DMA broadcast of it, and the wait."""
    word = 0
    for i in range(8):
        word |= (value & 0xFF) << (8 * i)
    word = word - (1 << 64) if word >> 63 else word
    view = snax.StaticAllocOp(offset, MemRefType(i64, [nbytes // 8], memory_space=t.memory_space))
    w = arith.ConstantOp(IntegerAttr(word, i64))
    zero = arith.ConstantOp(IntegerAttr(0, IndexType()))
    store = memref.StoreOp.get(w.result, view.result, [zero.result])
    start = dma.StartOp(
        view.result,
        view.result,
        8,
        dma.PatternAttr([nbytes // 8], [0]),
        dma.PatternAttr([nbytes // 8], [8]),
    )
    return [view, w, zero, store, start, dma.WaitOp([start.token])]


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
            ops += _fill(a_offset, m * kp, zw, t)
            ops += _fill(offset, kp * n, zx, t)
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


def conv_to_gemm(module: ModuleOp, cfg: ClusterConfig) -> int:
    """Rewrite every convolution an accelerator of `cfg` can run as a matmul; returns how
    many."""
    count = 0
    for g in [o for o in module.walk() if isinstance(o, linalg.GenericOp)]:
        conv = match_conv(g)
        if conv is not None and _rewrite(g, conv, cfg):
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
