"""`pad-matmul`: matmuls on L1 buffers whose sizes the accelerator's tile does not divide
run on padded copies.

A dense layer of a network computes on one row (M = 1), a classifier head on 10 or 12
columns: the GeMM's 8x8x8 template takes neither, so without this pass the matmul, its
bias add and its requantization run as loops on the control core. For a matmul generic
(`kernel.mac` / `kernel.qmac` with constant zero points) on statically placed L1 buffers,
with M, K or N not a multiple of the tile, this pass rewrites the matmul together with the
output-stage generics around it (the initialisation of D right before it and the 2-D
elementwise generics right after it, e.g. bias add, rescale, ReLU) onto padded buffers:

    A' (Mp x Kp)  A's rows copied in by the DMA; when K is padded, A' is first filled with
                  the A zero point (store + DMA broadcast), so the padded K terms
                  (a_zp - a_zp) * (b - b_zp) vanish whatever B' holds there; when only M is
                  padded, A' is a view of A's bytes with Mp rows (rows M.. are read, never
                  used)
    B' (Kp x Np)  a view of B with Kp rows when N is aligned, else B's rows copied in
    D', ... (Mp x Np)   fresh scratch buffers; a row-broadcast operand (a bias of N) is
                  copied into an Np buffer, an M x N operand into an Mp x Np one
    the results that are read after the chain (its int8 output) are copied out by the
    DMA: rows 0..M-1, columns 0..N-1

Rows M.. and columns N.. of the padded results are computed on whatever the buffers hold
and dropped by the copy out. `fuse-gemm-output` and `dispatch-kernels` (which run after)
then see aligned shapes. The scratch buffers are placed after every L1 buffer of the
function; when they do not fit the TCDM the matmul is left alone (it runs on the core).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from math import gcd, prod

from xdsl.context import Context
from xdsl.dialects import arith, func, memref
from xdsl.dialects.builtin import (
    AffineMapAttr,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    NoneAttr,
    i32,
)
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Operation, OpResult, SSAValue
from xdsl.ir.affine import AffineMap
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from snaxc import accelerators
from snaxc.config import TCDM_BASE, ClusterConfig
from snaxc.dialects import dma, kernel, snax
from snaxc.transforms.l1_buffers import l1_end
from snaxc.transforms.pad_to_dma import fill_ops, replicated_word
from snaxc.transforms.pass_config import pass_config

_MK = AffineMap.from_callable(lambda m, n, k: (m, k))
_KN = AffineMap.from_callable(lambda m, n, k: (k, n))
_MN = AffineMap.from_callable(lambda m, n, k: (m, n))
_SCALAR3 = AffineMap(3, 0, ())
_ID2 = AffineMap.identity(2)
_ROW = AffineMap.from_callable(lambda m, n: (n,))
_SCALAR2 = AffineMap(2, 0, ())
_ALIGN = 64


def _ceil(x: int, t: int) -> int:
    return -(-x // t) * t


def _maps(g: linalg.GenericOp) -> tuple[AffineMap, ...]:
    return tuple(m.data for m in g.indexing_maps if isinstance(m, AffineMapAttr))


def _constant(value: SSAValue) -> int | None:
    if isinstance(value, OpResult) and isinstance(value.op, arith.ConstantOp):
        attr = value.op.value
        if isinstance(attr, IntegerAttr):
            return attr.value.data
    return None


def _esize(value: SSAValue) -> int | None:
    t = value.type
    if isinstance(t, MemRefType) and isinstance(t.element_type, IntegerType):
        w = t.element_type.width.data
        return w // 8 if w in (8, 16, 32, 64) else None
    return None


def l1_offset(value: SSAValue) -> int | None:
    """The L1 byte offset of the contiguous row-major buffer `value`: a `snax.static_alloc`
    in L1, or a collapse/expand of one (the importer's flatten before a dense layer)."""
    while isinstance(value, OpResult) and isinstance(
        value.op, memref.CollapseShapeOp | memref.ExpandShapeOp
    ):
        value = value.op.src
    if not isinstance(value, OpResult) or not isinstance(value.op, snax.StaticAllocOp):
        return None
    t = value.type
    if value.op.memory_space != snax.MemorySpace.L1 or not isinstance(t, MemRefType):
        return None
    return value.op.offset.value.data if isinstance(t.layout, NoneAttr) else None


def _tile(cfg: ClusterConfig, operation: str) -> tuple[int, int, int] | None:
    """The (m, k, n) tile of the first accelerator that runs `operation` row-major."""
    for inst in cfg.accelerators:
        desc = accelerators.get(inst.kind)
        if operation not in desc.kernels or not {"m", "k", "n"} <= set(desc.tile):
            continue
        module = importlib.import_module(f"{accelerators.__name__}.{inst.kind}")
        if hasattr(module, "row_major_config"):
            return desc.tile["m"], desc.tile["k"], desc.tile["n"]
    return None


@dataclass
class Matmul:
    g: linalg.GenericOp
    m: int
    k: int
    n: int
    a_zp: int


def match_matmul(g: linalg.GenericOp) -> Matmul | None:
    """A matmul generic (as `recognize-kernels` leaves it) on contiguous L1 buffers."""
    body = list(g.body.block.ops)
    if len(body) != 2 or not isinstance(body[0], kernel.MacOp | kernel.QMacOp):
        return None
    op = body[0]
    args = g.body.block.args
    maps = _maps(g)
    if isinstance(op, kernel.QMacOp):
        if maps != (_MK, _KN, _SCALAR3, _SCALAR3, _MN) or len(g.inputs) != 4:
            return None
        if (op.lhs, op.rhs, op.acc) != (args[0], args[1], args[4]):
            return None
        zps = []
        for zp in (op.lhs_zp, op.rhs_zp):
            c = _constant(g.operands[args.index(zp)] if zp in args else zp)
            if c is None or not -128 <= c <= 127:
                return None
            zps.append(c)
        a_zp = zps[0]
    else:
        if maps != (_MK, _KN, _MN) or len(g.inputs) != 2:
            return None
        if (op.lhs, op.rhs, op.acc) != (args[0], args[1], args[2]):
            return None
        a_zp = 0
    a, b = g.inputs[0], g.inputs[1]
    (d,) = g.outputs
    if (_esize(a), _esize(b), _esize(d)) != (1, 1, 4):
        return None
    if any(l1_offset(v) is None for v in (a, b, d)):
        return None
    (m, k), (_, n) = a.type.get_shape(), b.type.get_shape()  # type: ignore[union-attr]
    return Matmul(g, m, k, n, a_zp)


def _elementwise_2d(g: linalg.GenericOp) -> bool:
    """A 2-D all-parallel generic whose operands are indexed by (m, n), (n) or ()."""
    its = [str(i.data) for i in g.iterator_types]
    if its != ["parallel", "parallel"]:
        return False
    for v, mp in zip(g.operands, _maps(g), strict=True):
        if isinstance(v.type, MemRefType):
            if mp not in (_ID2, _ROW) or l1_offset(v) is None or _esize(v) is None:
                return False
        elif mp != _SCALAR2:
            return False
    return True


def _prev_op(op: Operation) -> Operation | None:
    prev = op.prev_op
    while isinstance(prev, arith.ConstantOp | snax.StaticAllocOp):
        prev = prev.prev_op
    return prev


def _next_op(op: Operation) -> Operation | None:
    nxt = op.next_op
    while isinstance(nxt, arith.ConstantOp | snax.StaticAllocOp):
        nxt = nxt.next_op
    return nxt


def _elem(row_bytes: int, strides: list[int], addresses: list[int]) -> int:
    """The widest DMA element (<= 64 bytes) for rows of `row_bytes` at these strides and
    addresses (a TCDM element is aligned to min(E, 8) bytes)."""
    g = gcd(row_bytes, 64, *strides)
    e = 64
    while g % e or any(a % min(e, 8) for a in addresses):
        e //= 2
    return e


def copy_rows(src: int, dst: int, rows: int, row_bytes: int, src_stride: int, dst_stride: int):
    """Ops of a DMA transfer of `rows` rows of `row_bytes` between TCDM addresses."""
    if rows == 1 or (src_stride == row_bytes and dst_stride == row_bytes):
        row_bytes, rows, src_stride, dst_stride = rows * row_bytes, 1, 0, 0
    e = _elem(row_bytes, [s for s in (src_stride, dst_stride) if s], [src, dst])
    s = arith.ConstantOp(IntegerAttr(src, i32))
    d = arith.ConstantOp(IntegerAttr(dst, i32))
    if rows == 1:
        sp = dp = dma.PatternAttr([row_bytes // e], [e])
    else:
        sp = dma.PatternAttr([rows, row_bytes // e], [src_stride, e])
        dp = dma.PatternAttr([rows, row_bytes // e], [dst_stride, e])
    start = dma.StartOp(s.result, d.result, e, sp, dp)
    return [s, d, start], start.token


@dataclass
class _Padder:
    """The padded buffers of one chain and the ops that fill and drain them."""

    cfg: ClusterConfig
    next_offset: int
    before: list[Operation] = field(default_factory=list)
    tokens: list[SSAValue] = field(default_factory=list)
    after: list[Operation] = field(default_factory=list)
    out_tokens: list[SSAValue] = field(default_factory=list)
    subst: dict[SSAValue, SSAValue] = field(default_factory=dict)

    def alloc(self, t: MemRefType, shape: list[int]) -> snax.StaticAllocOp | None:
        off = _ceil(self.next_offset, _ALIGN)
        esize = t.element_type.width.data // 8  # type: ignore[union-attr]
        end = off + prod(shape) * esize
        if end > self.cfg.tcdm_bytes:
            return None
        self.next_offset = end
        op = snax.StaticAllocOp(off, MemRefType(t.element_type, shape, memory_space=t.memory_space))
        self.before.append(op)
        return op

    def copy_in(self, src: SSAValue, dst: snax.StaticAllocOp, rows: int, cols: int) -> None:
        so, do = l1_offset(src), dst.offset.value.data
        assert so is not None
        esize = _esize(src)
        assert esize is not None
        dst_cols = dst.result.type.get_shape()[-1]  # type: ignore[union-attr]
        ops, token = copy_rows(
            TCDM_BASE + so, TCDM_BASE + do, rows, cols * esize, cols * esize, dst_cols * esize
        )
        self.before += ops
        self.tokens.append(token)

    def copy_out(self, src: snax.StaticAllocOp, dst: SSAValue, rows: int, cols: int) -> None:
        so, do = src.offset.value.data, l1_offset(dst)
        assert do is not None
        esize = _esize(dst)
        assert esize is not None
        src_cols = src.result.type.get_shape()[-1]  # type: ignore[union-attr]
        ops, token = copy_rows(
            TCDM_BASE + so, TCDM_BASE + do, rows, cols * esize, src_cols * esize, cols * esize
        )
        self.after += ops
        self.out_tokens.append(token)


def _rebuild(g: linalg.GenericOp, subst: dict[SSAValue, SSAValue]) -> linalg.GenericOp:
    return linalg.GenericOp(
        [subst.get(v, v) for v in g.inputs],
        [subst.get(v, v) for v in g.outputs],
        g.body.clone(),
        g.indexing_maps,
        g.iterator_types,
    )


def _reads_output(g: linalg.GenericOp) -> bool:
    """The body uses the incoming value of its output (accumulates into it)."""
    arg = g.body.block.args[len(g.inputs)]
    return bool(arg.uses)


def _chain(mm: Matmul) -> tuple[linalg.GenericOp | None, list[linalg.GenericOp]]:
    """The generic that initialises D right before the matmul (if any) and the 2-D
    elementwise generics right after it that read D or what they computed from it."""
    g = mm.g
    (d,) = g.outputs
    init = None
    prev = _prev_op(g)
    if (
        isinstance(prev, linalg.GenericOp)
        and list(prev.outputs) == [d]
        and d not in prev.inputs
        and _elementwise_2d(prev)
        and not _reads_output(prev)
    ):
        init = prev
    post: list[linalg.GenericOp] = []
    shaped = {d}
    nxt = _next_op(g)
    while isinstance(nxt, linalg.GenericOp) and _elementwise_2d(nxt):
        if not any(v in shaped for v in nxt.inputs) or len(nxt.outputs) != 1:
            break
        out = nxt.outputs[0]
        if out.type.get_shape() != (mm.m, mm.n):  # type: ignore[union-attr]
            break
        post.append(nxt)
        shaped.add(out)
        nxt = _next_op(nxt)
    return init, post


def _rewrite(mm: Matmul, cfg: ClusterConfig, tile: tuple[int, int, int]) -> bool:
    g = mm.g
    fn = g.parent_op()
    if not isinstance(fn, func.FuncOp):
        return False  # only straight-line code of the function body
    tm, tk, tn = tile
    m, k, n = mm.m, mm.k, mm.n
    mp, kp, np_ = _ceil(m, tm), _ceil(k, tk), _ceil(n, tn)
    init, post = _chain(mm)
    chain_ops: list[linalg.GenericOp] = ([init] if init else []) + [g] + post
    p = _Padder(cfg, l1_end(fn))
    a, b = g.inputs[0], g.inputs[1]
    (d,) = g.outputs
    at = a.type
    assert isinstance(at, MemRefType)
    a_off, b_off = l1_offset(a), l1_offset(b)
    assert a_off is not None and b_off is not None
    space = snax.L1

    # A: a longer view when only M is padded, else a filled copy.
    if k == kp:
        if a_off + mp * k > cfg.tcdm_bytes:
            return False
        view = snax.StaticAllocOp(a_off, MemRefType(at.element_type, [mp, k], memory_space=space))
        p.before.append(view)
        p.subst[a] = view.result
    else:
        a2 = p.alloc(at, [mp, kp])
        if a2 is None:
            return False
        p.before += fill_ops(a2.offset.value.data, mp * kp, replicated_word(mm.a_zp), 1, space)
        p.copy_in(a, a2, m, k)
        p.subst[a] = a2.result
    # B: a view with Kp rows when N is aligned (the extra rows meet the zero-point columns
    # of A'), else a copy with padded rows.
    bt = b.type
    assert isinstance(bt, MemRefType)
    if n == np_:
        if b_off + kp * n > cfg.tcdm_bytes:
            return False
        view = snax.StaticAllocOp(b_off, MemRefType(bt.element_type, [kp, n], memory_space=space))
        p.before.append(view)
        p.subst[b] = view.result
    else:
        b2 = p.alloc(bt, [kp, np_])
        if b2 is None:
            return False
        p.copy_in(b, b2, k, n)
        p.subst[b] = b2.result

    # The (m, n) and (n) buffers of the chain.
    written: set[SSAValue] = set()
    for op in chain_ops:
        for v, mp_ in zip(op.operands, _maps(op), strict=True):
            if not isinstance(v.type, MemRefType) or v in p.subst:
                continue
            if op is g and v in (a, b):
                continue
            t = v.type
            if mp_ in (_ID2, _MN):
                new = p.alloc(t, [mp, np_])
                if new is None:
                    return False
                is_out = v in op.outputs
                needs_data = not is_out or (op is g and init is None) or _reads_output(op)
                if needs_data and v not in written:
                    p.copy_in(v, new, m, n)
                p.subst[v] = new.result
            else:  # a row vector of N
                if n == np_:
                    continue  # already as long as the padded rows
                new = p.alloc(t, [np_])
                if new is None:
                    return False
                if v in op.outputs:
                    return False
                p.copy_in(v, new, 1, n)
                p.subst[v] = new.result
        written.update(op.outputs)

    # Results read after the chain go back to their buffers.
    chain_set: set[Operation] = set(chain_ops)
    for old, new in p.subst.items():
        if old in (a, b) or old not in written:
            continue
        later = [u.operation for u in old.uses if u.operation not in chain_set]
        block = g.parent_block()
        assert block is not None
        last = block.get_operation_index(chain_ops[-1])
        if any(u.parent_block() is not block or block.get_operation_index(u) > last for u in later):
            assert isinstance(new, OpResult) and isinstance(new.op, snax.StaticAllocOp)
            p.copy_out(new.op, old, m, n)
        elif later:
            return False  # read before the chain through another user: keep it simple

    if p.tokens:
        p.before.append(dma.WaitOp(p.tokens))
    if p.out_tokens:
        p.after.append(dma.WaitOp(p.out_tokens))
    new_chain = [_rebuild(op, p.subst) for op in chain_ops]
    Rewriter.insert_op([*p.before, *new_chain], InsertPoint.before(chain_ops[0]))
    if p.after:
        Rewriter.insert_op(p.after, InsertPoint.after(chain_ops[-1]))
    for op in reversed(chain_ops):
        Rewriter.erase_op(op)
    return True


def pad_matmuls(module: ModuleOp, cfg: ClusterConfig) -> int:
    """Pad every matmul chain on L1 whose sizes the accelerator's tile does not divide;
    returns how many."""
    count = 0
    for g in [o for o in module.walk() if isinstance(o, linalg.GenericOp)]:
        if g.parent is None:
            continue
        mm = match_matmul(g)
        if mm is None:
            continue
        body = list(g.body.block.ops)
        op = "quantized_matmul" if isinstance(body[0], kernel.QMacOp) else "matmul"
        tile = _tile(cfg, op)
        if tile is None:
            continue
        if mm.m % tile[0] == 0 and mm.k % tile[1] == 0 and mm.n % tile[2] == 0:
            continue
        if _rewrite(mm, cfg, tile):
            count += 1
    return count


@dataclass(frozen=True)
class PadMatmul(ModulePass):
    """Run matmuls the accelerator's tile does not divide on padded L1 copies."""

    name = "pad-matmul"

    config: str = ""
    """Path of the cluster configuration YAML; empty: the default configuration."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        cfg = pass_config("pad-matmul", self.config)
        pad_matmuls(op, cfg)
