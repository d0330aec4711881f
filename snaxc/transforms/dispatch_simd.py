"""`dispatch-simd`: elementwise kernels and max pooling on a vector accelerator.

For every `linalg.generic` on statically placed, row-major L1 buffers the pass asks the
accelerator descriptions of the cluster which accelerator lists the operation, and
replaces the generic by one `accfg.setup` / `launch` / `await` configured by the
description module's `vector_config(op, elems, *, x, z, y, in_int32, out_int8, reduce,
x_zp, multiplier, shift, out_zp, clamp_min, clamp_max)`. No accelerator kind is named here.

Elementwise (all maps identity, all loops parallel; inputs and output of equal shape):

    kernel.add / kernel.mul / kernel.max    int32 x int32 -> int32 (wrapping, as the kernels)
    kernel.max                              int8 x int8 -> int8
    kernel.relu                             int32 -> int32, int8 -> int8
    kernel.rescale                          int32 -> int8, int8 -> int8  (operation `copy`
                                            with the requantization of the output stage)
    kernel.add_f32                          int8 x int8 -> int8  (operation `fadd`: the
                                            float32 QLinearAdd, rA/rB/F bits as given)

int8 `add`/`mul` are not dispatched: the kernels wrap at 8 bits, the vector unit saturates.

Max pooling (a generic whose body is `kernel.max` of the input and the accumulator, with
parallel output loops and reduction window loops, the output filled with the lowest value
of its type right before): the DMA gathers, per window position, the input elements of
every output position into a contiguous vector of a scratch L1 buffer (strides from the
input's indexing map), and the accelerator's `rmax` reduces the window positions:

    scratch[w][p] = x[window position w of output position p]     (one DMA transfer per w)
    y[p] = max_w scratch[w][p]                                     (one launch)

Average pooling in float32 (what `fixed-point-requant` makes of onnxruntime's float32
AveragePool: a generic summing `float32(sitofp(x - zx) * scale)` of an int8 input over the
window into float32, the output filled with 0.0 right before) is gathered the same way and
reduced by the accelerator's `fsum` (float32 bits in int32 lanes, the same IEEE sum in the
same window order); the division by the window and the output requantization that follow
stay on the core.

What the accelerator does not take (element counts its lanes do not divide, buffers not
in L1, a scratch buffer that does not fit L1, more output dims than DMA loops) stays a
generic and runs on the core.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from math import copysign, prod

from xdsl.context import Context
from xdsl.dialects import accfg, arith, func
from xdsl.dialects.builtin import (
    AffineMapAttr,
    Float32Type,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    i32,
)
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Operation, OpResult, SSAValue
from xdsl.ir.affine import AffineMap
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.utils.exceptions import DiagnosticException

from snaxc import accelerators
from snaxc.config import TCDM_BASE, ClusterConfig
from snaxc.dialects import dma, kernel, snax
from snaxc.transforms.declare_accelerators import declare_accelerators
from snaxc.transforms.l1_buffers import l1_address, l1_end, row_major_l1_alloc
from snaxc.transforms.pass_config import pass_config

_SCRATCH_ALIGN = 64


def _maps(g: linalg.GenericOp) -> tuple[AffineMap, ...]:
    return tuple(m.data for m in g.indexing_maps if isinstance(m, AffineMapAttr))


def _width(value: SSAValue) -> int | None:
    t = value.type
    if isinstance(t, MemRefType) and isinstance(t.element_type, IntegerType):
        return t.element_type.width.data
    return None


def _shape(value: SSAValue) -> tuple[int, ...]:
    t = value.type
    assert isinstance(t, MemRefType)
    return tuple(t.get_shape())


def _kernel_op(g: linalg.GenericOp) -> kernel.KernelOp | None:
    body = [o for o in g.body.block.ops if not isinstance(o, arith.ConstantOp)]
    if len(body) == 2 and isinstance(body[0], kernel.KernelOp):
        if body[1].operands and body[1].operands[0] is body[0].results[0]:
            return body[0]
    return None


def _constant(value: SSAValue) -> int | None:
    if isinstance(value, OpResult) and isinstance(value.op, arith.ConstantOp):
        attr = value.op.value
        if isinstance(attr, IntegerAttr):
            return attr.value.data
    return None


@dataclass
class VectorJob:
    """One vector-accelerator operation taken from a generic."""

    operation: str
    elems: int
    params: dict[str, int | bool | float]
    x: SSAValue
    y: SSAValue | None
    z: SSAValue


def match_elementwise(g: linalg.GenericOp) -> VectorJob | None:
    op = _kernel_op(g)
    if op is None or len(g.outputs) != 1:
        return None
    maps = _maps(g)
    (z,) = g.outputs
    if any(row_major_l1_alloc(v) is None for v in (*g.inputs, z)):
        return None
    shape = _shape(z)
    rank = len(shape)
    if any(m != AffineMap.identity(rank) for m in maps) or len(maps) != len(g.operands):
        return None
    if any(_shape(v) != shape for v in g.inputs):
        return None
    args = g.body.block.args
    widths = [_width(v) for v in g.inputs]
    zw = _width(z)
    elems = prod(shape)
    if isinstance(op, kernel.AddF32Op):
        if len(g.inputs) != 2 or (op.lhs, op.rhs) != (args[0], args[1]):
            return None
        if widths != [8, 8] or zw != 8:
            return None
        params: dict[str, int | bool | float] = {
            "x_zp": op.prop("lhs_zp"),
            "y_zp": op.prop("rhs_zp"),
            "scale_x": float(kernel.f32_value(op.prop("ra_bits"))),
            "scale_y": float(kernel.f32_value(op.prop("rb_bits"))),
            "offset": float(kernel.f32_value(op.prop("offset_bits"))),
            "out_zp": op.prop("output_zp"),
            "clamp_min": op.prop("min"),
            "clamp_max": op.prop("max"),
        }
        return VectorJob("fadd", elems, params, *g.inputs, z)
    if isinstance(op, kernel.AddOp | kernel.MulOp | kernel.MaxOp):
        if len(g.inputs) != 2 or {op.lhs, op.rhs} != {args[0], args[1]} or op.lhs is op.rhs:
            return None
        name = op.name.removeprefix("kernel.")
        if widths == [32, 32] and zw == 32:
            return VectorJob(name, elems, {"in_int32": True, "out_int8": False}, *g.inputs, z)
        if name == "max" and widths == [8, 8] and zw == 8:
            return VectorJob(name, elems, {"in_int32": False, "out_int8": True}, *g.inputs, z)
        return None
    if len(g.inputs) != 1 or op.operands[0] is not args[0]:
        return None
    x = g.inputs[0]
    if isinstance(op, kernel.ReluOp):
        if widths == [32] and zw == 32:
            return VectorJob("relu", elems, {"in_int32": True, "out_int8": False}, x, None, z)
        if widths == [8] and zw == 8:
            return VectorJob("relu", elems, {"in_int32": False, "out_int8": True}, x, None, z)
        return None
    if isinstance(op, kernel.RescaleOp) and widths in ([32], [8]) and zw == 8:
        if op.shift.value.data > 62:
            return None
        params = {
            "in_int32": widths == [32],
            "out_int8": True,
            "x_zp": op.input_zp.value.data,
            "multiplier": op.multiplier.value.data,
            "shift": op.shift.value.data,
            "out_zp": op.output_zp.value.data,
            "clamp_min": op.min.value.data,
            "clamp_max": op.max.value.data,
        }
        return VectorJob("copy", elems, params, x, None, z)
    return None


@dataclass
class PoolJob:
    """A window reduction: `window` byte offsets into x, `strides` (bytes) per output dim;
    `operation` rmax (max pooling) or fsum with its `params` (x_zp, scale)."""

    x: SSAValue
    z: SSAValue
    out_shape: tuple[int, ...]
    strides: list[int]
    window: list[int]
    esize: int
    init: Operation
    operation: str = "rmax"
    params: dict[str, int | float | bool] | None = None


def _byte_strides(shape: tuple[int, ...], esize: int) -> list[int]:
    strides, s = [], esize
    for d in reversed(shape):
        strides.append(s)
        s *= d
    return strides[::-1]


def _float_constant(value: SSAValue) -> float | None:
    if isinstance(value, OpResult) and isinstance(value.op, arith.ConstantOp):
        attr = value.op.value
        if isinstance(attr, FloatAttr) and isinstance(attr.type, Float32Type):
            return float(attr.value.data)
    return None


def _fill_before(g: linalg.GenericOp, out: SSAValue, value: int | float) -> Operation | None:
    """The generic right before `g` (constants and allocations between) filling `out`
    with `value` (an integer, or a float32 0.0 / constant)."""
    op = g.prev_op
    while isinstance(op, arith.ConstantOp | snax.StaticAllocOp):
        op = op.prev_op
    if not isinstance(op, linalg.GenericOp) or list(op.outputs) != [out] or len(op.inputs) != 1:
        return None
    body = list(op.body.block.ops)
    if len(body) != 1 or body[0].operands[:1] != (op.body.block.args[0],):
        return None
    if isinstance(value, float):
        c = _float_constant(op.inputs[0])
        # 0.0 and -0.0 compare equal; the sum must start from +0.0 (as the accelerator).
        ok = c is not None and c == value and copysign(1.0, c) == copysign(1.0, value)
        return op if ok else None
    return op if _constant(op.inputs[0]) == value else None


def match_max_pool(g: linalg.GenericOp) -> PoolJob | None:
    op = _kernel_op(g)
    if not isinstance(op, kernel.MaxOp) or len(g.outputs) != 1 or not g.inputs:
        return None
    args = g.body.block.args
    acc = args[len(g.inputs)]
    if {op.lhs, op.rhs} != {args[0], acc}:
        return None
    x, (z,) = g.inputs[0], g.outputs
    if (
        row_major_l1_alloc(x) is None
        or row_major_l1_alloc(z) is None
        or _width(x) != _width(z)
        or _width(x) not in (8, 32)
    ):
        return None
    lowest = -(1 << (_width(z) - 1))  # type: ignore[operator]
    return _window_job(g, x, z, (_width(x) or 8) // 8, lowest)


def _body_ops(g: linalg.GenericOp) -> list[Operation]:
    return [o for o in g.body.block.ops if not isinstance(o, arith.ConstantOp)]


def match_fsum_pool(g: linalg.GenericOp) -> PoolJob | None:
    """The float32 average pool sum `acc + float32(sitofp(extsi(x) - zx) * scale)` of an int8
    x over the window into a float32 output filled with 0.0 right before."""
    if len(g.outputs) != 1 or not g.inputs:
        return None
    args = g.body.block.args
    acc = args[len(g.inputs)]
    body = _body_ops(g)
    if len(body) != 6 or not isinstance(body[-1], linalg.YieldOp):
        return None
    ext, sub, to_f, mul, add = body[:5]
    if not (
        isinstance(ext, arith.ExtSIOp)
        and isinstance(sub, arith.SubiOp)
        and isinstance(to_f, arith.SIToFPOp)
        and isinstance(mul, arith.MulfOp)
        and isinstance(add, arith.AddfOp)
        and ext.input is args[0]
        and sub.lhs is ext.result
        and to_f.input is sub.result
        and mul.lhs is to_f.result
        and {add.lhs, add.rhs} == {acc, mul.result}
        and body[-1].operands[0] is add.result
    ):
        return None
    zp, scale = _constant(sub.rhs), _float_constant(mul.rhs)
    if zp is None or scale is None:
        return None
    x, (z,) = g.inputs[0], g.outputs
    zt = z.type
    if _width(x) != 8 or row_major_l1_alloc(x) is None or row_major_l1_alloc(z) is None:
        return None
    if not isinstance(zt, MemRefType) or not isinstance(zt.element_type, Float32Type):
        return None
    job = _window_job(g, x, z, 1, 0.0)
    if job is not None:
        job.operation = "fsum"
        job.params = {"x_zp": zp, "scale": scale}
    return job


def _window_job(
    g: linalg.GenericOp, x: SSAValue, z: SSAValue, esize: int, init_value: int | float
) -> PoolJob | None:
    """The gather geometry of a window reduction generic from x into z."""
    maps = _maps(g)
    its = [str(i.data) for i in g.iterator_types]
    out_rank = len(_shape(z))
    n_dims = maps[0].num_dims
    if its != ["parallel"] * out_rank + ["reduction"] * (n_dims - out_rank):
        return None
    if maps[-1] != AffineMap(n_dims, 0, tuple(AffineMap.identity(n_dims).results[:out_rank])):
        return None
    xmap = maps[0]
    if xmap.num_symbols:
        return None
    xstrides = _byte_strides(_shape(x), esize)
    zero = [0] * n_dims

    def offset(point: list[int]) -> int:
        return sum(i * s for i, s in zip(xmap.eval(point, []), xstrides, strict=True))

    if offset(zero) != 0:
        return None
    unit = [offset([int(j == d) for j in range(n_dims)]) for d in range(n_dims)]
    # Each window dim's extent comes from the bounds of the other inputs' shapes.
    bounds = g.get_static_loop_ranges()
    if bounds is None:
        return None
    window_bounds = list(bounds[out_rank:])
    window: list[int] = [0]
    for d, b in zip(range(out_rank, n_dims), window_bounds, strict=True):
        window = [w + i * unit[d] for w in window for i in range(b)]
    # The affine map must be linear: check one combined point.
    probe = [1] * n_dims
    if offset(probe) != sum(unit):
        return None
    init = _fill_before(g, z, init_value)
    if init is None:
        return None
    return PoolJob(x, z, _shape(z), unit[:out_rank], window, esize, init)


def _simplify(bounds: list[int], strides: list[int]) -> tuple[list[int], list[int]]:
    """Drop loops of bound 1 (lower-dma merges contiguous ones)."""
    kept = [(b, s) for b, s in zip(bounds, strides, strict=True) if b != 1]
    return [b for b, _ in kept] or [1], [s for _, s in kept] or [0]


@dataclass(frozen=True)
class _Target:
    instance: str
    configure: object


def _targets(cfg: ClusterConfig) -> dict[str, _Target]:
    out: dict[str, _Target] = {}
    for inst in cfg.accelerators:
        try:
            desc = accelerators.get(inst.kind)
        except KeyError as e:
            raise DiagnosticException(f"dispatch-simd: {e.args[0]}") from None
        module = importlib.import_module(f"{accelerators.__name__}.{inst.kind}")
        configure = getattr(module, "vector_config", None)
        if configure is None:
            continue
        for operation in desc.kernels:
            out.setdefault(operation, _Target(inst.name, configure))
    return out


def _i32(value: int) -> int:
    value &= 0xFFFF_FFFF
    return value - (1 << 32) if value >> 31 else value


def _launch(target: _Target, values: dict[str, int]) -> list[Operation]:
    consts = [arith.ConstantOp(IntegerAttr(_i32(v), i32)) for v in values.values()]
    setup = accfg.SetupOp([c.result for c in consts], list(values), target.instance, None)
    launch = accfg.LaunchOp([], [], setup.out_state)
    return [*consts, setup, launch, accfg.AwaitOp(launch.token)]


def _dispatch_pool(g: linalg.GenericOp, job: PoolJob, target: _Target, cfg: ClusterConfig) -> bool:
    f = g.parent_op()
    while f is not None and not isinstance(f, func.FuncOp):
        f = f.parent_op()
    if f is None:
        return False
    p = prod(job.out_shape)
    vec = p * job.esize
    offset = -(-l1_end(f) // _SCRATCH_ALIGN) * _SCRATCH_ALIGN
    if offset + vec * len(job.window) > cfg.tcdm_bytes:
        return False
    bounds, strides = _simplify(list(job.out_shape), job.strides)
    if len(bounds) > cfg.dma.dims:
        return False
    scratch = TCDM_BASE + offset
    if job.operation == "fsum":
        kwargs: dict = {"in_int32": False, "out_int8": False, **(job.params or {})}
    else:
        kwargs = {"in_int32": job.esize == 4, "out_int8": job.esize == 1}
    try:
        values = target.configure(  # type: ignore[operator]
            job.operation,
            p,
            x=scratch,
            z=l1_address(job.z),
            reduce=len(job.window),
            **kwargs,
        )
    except (ValueError, TypeError):
        return False
    t = job.x.type
    assert isinstance(t, MemRefType)
    alloc = snax.StaticAllocOp(
        offset,
        MemRefType(t.element_type, [len(job.window) * p], memory_space=t.memory_space),
    )
    ops: list[Operation] = [alloc]
    tokens = []
    x_addr = l1_address(job.x)
    for i, w in enumerate(job.window):
        src = arith.ConstantOp(IntegerAttr(_i32(x_addr + w), i32))
        dst = arith.ConstantOp(IntegerAttr(_i32(scratch + i * vec), i32))
        start = dma.StartOp(
            src,
            dst,
            job.esize,
            dma.PatternAttr(bounds, strides),
            dma.PatternAttr([p], [job.esize]),
        )
        ops += [src, dst, start]
        tokens.append(start.token)
    ops.append(dma.WaitOp(tokens))
    ops += _launch(target, values)
    Rewriter.insert_op(ops, InsertPoint.before(g))
    Rewriter.erase_op(g)
    Rewriter.erase_op(job.init)
    return True


def dispatch_simd(module: ModuleOp, cfg: ClusterConfig) -> list[str]:
    """Dispatch elementwise kernels and max pooling to a vector accelerator of `cfg`;
    returns `operation@instance` per dispatched generic, in program order."""
    targets = _targets(cfg)
    if not targets:
        return []
    done: list[str] = []
    declared = False
    for g in [o for o in module.walk() if isinstance(o, linalg.GenericOp)]:
        if g.parent is None:
            continue
        job = match_elementwise(g)
        if job is not None and job.operation in targets:
            target = targets[job.operation]
            kwargs: dict = dict(job.params)
            if job.y is not None:
                kwargs["y"] = l1_address(job.y)
            try:
                values = target.configure(  # type: ignore[operator]
                    job.operation, job.elems, x=l1_address(job.x), z=l1_address(job.z), **kwargs
                )
            except ValueError:
                continue
            if not declared:
                declare_accelerators(module, cfg)
                declared = True
            Rewriter.insert_op(_launch(target, values), InsertPoint.before(g))
            Rewriter.erase_op(g)
            done.append(f"{job.operation}@{target.instance}")
            continue
        pool = match_max_pool(g) or match_fsum_pool(g)
        if pool is not None and pool.operation in targets:
            target = targets[pool.operation]
            if not declared:
                declare_accelerators(module, cfg)
                declared = True
            if _dispatch_pool(g, pool, target, cfg):
                kind = "max_pool" if pool.operation == "rmax" else "average_pool_f32"
                done.append(f"{kind}@{target.instance}")
    return done


@dataclass(frozen=True)
class DispatchSimd(ModulePass):
    """Replace elementwise generics and max pooling by vector-accelerator launches."""

    name = "dispatch-simd"

    config: str = ""
    """Path of the cluster configuration YAML; empty: the default configuration."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        cfg = pass_config("dispatch-simd", self.config)
        dispatch_simd(op, cfg)
