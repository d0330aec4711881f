"""`dispatch-kernels`: run recognised kernels on the cluster's accelerators.

For every `linalg.generic` on statically placed L1 buffers whose body is a recognised
kernel, the pass names the operation it computes (`matmul`, `quantized_matmul`), asks
the accelerator descriptions of the cluster which accelerator lists that operation among
its `kernels`, and replaces the generic by

    accfg.setup "<instance>" [from <its previous state>] to (<every configuration value>)
    accfg.launch, accfg.await

The configuration values come from the description's module: a module whose description
lists `matmul` provides `row_major_config(m, k, n, *, a, b, d, c=None, a_zp=0, b_zp=0)`
returning {register name: value} for row-major operands at the given byte addresses. No
accelerator kind is named here.

What is not dispatched stays a generic and runs on the core: operands not in L1 or not
row-major, sizes the accelerator's template does not divide (`tile-matmul`, which runs
before, pads and tiles matmuls whose operands come from and go to L3), zero points that
are not constants. When the output is initialised to zero by a fill
right before, the fill is dropped and the accelerator starts from zero; otherwise it
accumulates onto the output in place (C = D).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import accfg, arith, func
from xdsl.dialects.builtin import (
    AffineMapAttr,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    NoneAttr,
    i32,
)
from xdsl.dialects.linalg.ops import GenericOp
from xdsl.ir import Operation, OpResult, SSAValue
from xdsl.ir.affine import AffineMap
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.utils.exceptions import DiagnosticException

from snaxc import accelerators
from snaxc.config import TCDM_BASE, ClusterConfig
from snaxc.dialects import dma, kernel, snax
from snaxc.transforms.declare_accelerators import declare_accelerators
from snaxc.transforms.pass_config import pass_config

_MATMUL_MAPS = (
    AffineMap.from_callable(lambda m, n, k: (m, k)),
    AffineMap.from_callable(lambda m, n, k: (k, n)),
    AffineMap.from_callable(lambda m, n, k: (m, n)),
)
_SCALAR = AffineMap.from_callable(lambda m, n, k: ())


@dataclass
class Job:
    """One accelerator operation taken from a generic."""

    operation: str
    m: int
    k: int
    n: int
    a: int
    b: int
    d: int
    a_zp: int = 0
    b_zp: int = 0
    zero_init: Operation | None = None  # the fill generic that the accelerator replaces


def _maps(g: GenericOp) -> tuple[AffineMap, ...]:
    return tuple(m.data for m in g.indexing_maps if isinstance(m, AffineMapAttr))


def _l1_address(value: SSAValue) -> int | None:
    """Byte address of a row-major L1 buffer placed by `snax.static_alloc`."""
    if not isinstance(value, OpResult) or not isinstance(value.op, snax.StaticAllocOp):
        return None
    t = value.type
    assert isinstance(t, MemRefType)
    if value.op.memory_space != snax.MemorySpace.L1 or not isinstance(t.layout, NoneAttr):
        return None  # only L1 buffers with the identity (row-major) layout
    return TCDM_BASE + value.op.offset.value.data


def _constant(value: SSAValue) -> int | None:
    if isinstance(value, OpResult) and isinstance(value.op, arith.ConstantOp):
        attr = value.op.value
        if isinstance(attr, IntegerAttr):
            return attr.value.data
    return None


def _int_width(value: SSAValue) -> int | None:
    t = value.type
    if isinstance(t, MemRefType):
        t = t.element_type
    return t.width.data if isinstance(t, IntegerType) else None


def _zero_fill_before(g: GenericOp, out: SSAValue) -> Operation | None:
    """The generic right before `g` (other ops between may not touch `out`) that fills
    `out` with the constant 0, if any."""
    op = g.prev_op
    while op is not None:
        if isinstance(op, GenericOp):
            if out in op.outputs and not op.inputs[1:]:
                body = list(op.body.block.ops)
                if (
                    len(op.inputs) == 1
                    and len(body) == 1
                    and body[0].operands
                    and body[0].operands[0] is op.body.block.args[0]
                    and _constant(op.inputs[0]) == 0
                ):
                    return op
            return None
        if out in op.operands:
            return None
        op = op.prev_op
    return None


def match_job(g: GenericOp) -> Job | None:
    """The accelerator operation a generic computes, if it is one the pass knows."""
    body = list(g.body.block.ops)
    if len(body) != 2 or not isinstance(body[0], kernel.MacOp | kernel.QMacOp):
        return None
    op = body[0]
    maps = _maps(g)
    quantized = isinstance(op, kernel.QMacOp)
    if quantized:
        if len(g.inputs) != 4 or maps != (*_MATMUL_MAPS[:2], _SCALAR, _SCALAR, _MATMUL_MAPS[2]):
            return None
    elif len(g.inputs) != 2 or maps != _MATMUL_MAPS:
        return None
    a, b = g.inputs[0], g.inputs[1]
    (d,) = g.outputs
    if (_int_width(a), _int_width(b), _int_width(d)) != (8, 8, 32):
        return None
    addresses = [_l1_address(v) for v in (a, b, d)]
    if None in addresses:
        return None
    ta, tb = a.type, b.type
    assert isinstance(ta, MemRefType) and isinstance(tb, MemRefType)
    (m, k), (_, n) = ta.get_shape(), tb.get_shape()
    job = Job("matmul", m, k, n, *addresses)  # type: ignore[arg-type]
    if quantized:
        # The zero points enter the body as block arguments of scalar inputs or constants.
        args = g.body.block.args
        zps = []
        for zp in (op.lhs_zp, op.rhs_zp):
            if zp in args:
                zp = g.operands[args.index(zp)]
            c = _constant(zp)
            if c is None or not -128 <= c <= 127:
                return None
            zps.append(c)
        job.operation, job.a_zp, job.b_zp = "quantized_matmul", zps[0], zps[1]
    job.zero_init = _zero_fill_before(g, d)
    return job


ConfigFn = Callable[..., dict[str, int]]


@dataclass(frozen=True)
class Target:
    """An accelerator instance that runs an operation, with its configuration functions."""

    instance: str
    row_major: ConfigFn
    tiled: ConfigFn | None
    tile: dict[str, int]


def _target(kind: str, instance: str, operation: str) -> Target | None:
    """How the description module of `kind` configures `operation`, if it does."""
    module = importlib.import_module(f"{accelerators.__name__}.{kind}")
    if operation not in ("matmul", "quantized_matmul"):
        return None
    row_major = getattr(module, "row_major_config", None)
    if row_major is None:
        return None
    tiled = getattr(module, "tiled_config", None)
    return Target(instance, row_major, tiled, dict(accelerators.get(kind).tile))


def _only_users(value: SSAValue, allowed: set[Operation]) -> bool:
    return all(use.operation in allowed for use in value.uses)


def _dma_into(buffer: SSAValue) -> dma.StartOp | None:
    """The single DMA transfer that fills `buffer` from L3 (as place-program-io makes it)."""
    starts = [u.operation for u in buffer.uses if isinstance(u.operation, dma.StartOp)]
    if len(starts) != 1 or starts[0].dst != buffer:
        return None
    src = starts[0].src
    if not isinstance(src, OpResult) or not isinstance(src.op, snax.StaticAllocOp):
        return None
    return starts[0] if src.op.memory_space == snax.MemorySpace.L3 else None


def _dma_out_of(buffer: SSAValue) -> dma.StartOp | None:
    """The single DMA transfer that stores `buffer` to L3."""
    starts = [u.operation for u in buffer.uses if isinstance(u.operation, dma.StartOp)]
    if len(starts) != 1 or starts[0].src != buffer:
        return None
    dst = starts[0].dst
    if not isinstance(dst, OpResult) or not isinstance(dst.op, snax.StaticAllocOp):
        return None
    return starts[0] if dst.op.memory_space == snax.MemorySpace.L3 else None


def _retile(start: dma.StartOp, elem: int, src: dma.PatternAttr, dst: dma.PatternAttr) -> None:
    start.properties["elem_bytes"] = IntegerAttr(elem, 64)
    start.properties["src_pattern"] = src
    start.properties["dst_pattern"] = dst


ROW_MAJOR_SLOWDOWN = 4.4
"""Measured: on row-major operands the GeMM's streamers collide on TCDM banks and an
int8 matmul takes about 4.4x its ideal cycles (128x128x128 on the default 32-bank TCDM:
18,213 busy cycles for 4,096 ideal). Tiled layouts remove the collisions but cost DMA
time: the layout change moves 8-byte elements instead of 64-byte ones."""


def tiled_pays_off(job: Job, macs_per_cycle: int) -> bool:
    """Whether the tiled layouts are estimated faster than the row-major ones, with the
    copies to and from L3 not overlapping the computation (no double buffering yet)."""
    nbytes = job.m * job.k + job.k * job.n + 4 * job.m * job.n
    ideal = job.m * job.k * job.n / macs_per_cycle
    tiled = nbytes / 8 + ideal
    row_major = nbytes / 64 + ROW_MAJOR_SLOWDOWN * ideal
    return tiled < row_major


LAYOUTS = ("auto", "tiled", "row-major")


def use_tiled_layouts(g: GenericOp, job: Job, target: Target, layouts: str = "auto") -> bool:
    """Switch the operands of a matmul to the accelerator's tiled layouts, if the DMA
    transfers that bring A and B from L3 and take D back are theirs alone: the layout
    change then happens during those copies, for free. The tiled layouts
    (`tiled_config` of the description module): A in blocks [mt][kt][mu rows][ku],
    B in [nt][kt][ku rows][nu], int32 D in [mt][nt][nu/2 beats][mu rows][2 columns]."""
    if target.tiled is None or job.zero_init is None:
        return False
    mu, ku, nu = target.tile.get("m"), target.tile.get("k"), target.tile.get("n")
    if mu is None or ku is None or nu is None or nu % 2:
        return False
    if job.m % mu or job.k % ku or job.n % nu:
        return False  # the accelerator does not take this shape: no layout change
    if layouts == "row-major" or (layouts == "auto" and not tiled_pays_off(job, mu * ku * nu)):
        return False
    a, b = g.inputs[0], g.inputs[1]
    (d,) = g.outputs
    a_in, b_in, d_out = _dma_into(a), _dma_into(b), _dma_out_of(d)
    if a_in is None or b_in is None or d_out is None or a == b:
        return False
    if not (
        _only_users(a, {g, a_in})
        and _only_users(b, {g, b_in})
        and _only_users(d, {g, d_out, job.zero_init})
    ):
        return False
    m, k, n = job.m, job.k, job.n
    mt, kt, nt = m // mu, k // ku, n // nu
    _retile(
        a_in,
        ku,
        dma.PatternAttr([mt, kt, mu], [mu * k, ku, k]),
        dma.PatternAttr([mt * kt * mu], [ku]),
    )
    _retile(
        b_in,
        nu,
        dma.PatternAttr([nt, kt, ku], [nu, ku * n, n]),
        dma.PatternAttr([nt * kt * ku], [nu]),
    )
    beats = nu // 2  # two int32 columns per 8-byte word
    _retile(
        d_out,
        8,
        dma.PatternAttr([mt * nt * beats * mu], [8]),
        dma.PatternAttr([mt, nt, beats, mu], [mu * n * 4, nu * 4, 8, n * 4]),
    )
    return True


def _i32(value: int) -> int:
    value &= 0xFFFF_FFFF
    return value - (1 << 32) if value >> 31 else value


def dispatch_kernels(module: ModuleOp, cfg: ClusterConfig, layouts: str = "auto") -> list[str]:
    """Dispatch what the accelerators of `cfg` can run; returns what went where, as
    `operation@instance` per dispatched generic, in program order. `layouts`: "tiled"
    whenever possible, "row-major" never, "auto" when `tiled_pays_off`."""
    if layouts not in LAYOUTS:
        raise DiagnosticException(
            f"dispatch-kernels: layouts must be one of {', '.join(LAYOUTS)}, not {layouts!r}"
        )
    candidates: dict[str, list[Target]] = {}
    for inst in cfg.accelerators:
        try:
            desc = accelerators.get(inst.kind)
        except KeyError as e:
            raise DiagnosticException(f"dispatch-kernels: {e.args[0]}") from None
        for operation in desc.kernels:
            target = _target(inst.kind, inst.name, operation)
            if target is not None:
                candidates.setdefault(operation, []).append(target)
    if not candidates:
        return []
    declare_accelerators(module, cfg)

    dispatched: list[str] = []
    for f in [o for o in module.ops if isinstance(o, func.FuncOp)]:
        state: dict[str, SSAValue] = {}
        for g in [o for o in f.walk() if isinstance(o, GenericOp)]:
            job = match_job(g)
            if job is None or job.operation not in candidates:
                continue
            target = candidates[job.operation][0]
            name = target.instance
            configure = target.row_major
            if use_tiled_layouts(g, job, target, layouts):
                assert target.tiled is not None
                configure = target.tiled
            try:
                values = configure(
                    job.m,
                    job.k,
                    job.n,
                    a=job.a,
                    b=job.b,
                    d=job.d,
                    c=None if job.zero_init is not None else job.d,
                    a_zp=job.a_zp,
                    b_zp=job.b_zp,
                )
            except ValueError:
                continue  # e.g. sizes the accelerator's template does not divide
            consts = [arith.ConstantOp(IntegerAttr(_i32(v), i32)) for v in values.values()]
            in_state = state.get(name) if g.parent_block() is f.body.block else None
            setup = accfg.SetupOp([c.result for c in consts], list(values), name, in_state)
            launch = accfg.LaunchOp([], [], setup.out_state)
            wait = accfg.AwaitOp(launch.token)
            Rewriter.insert_op([*consts, setup, launch, wait], InsertPoint.before(g))
            if g.parent_block() is f.body.block:
                state[name] = setup.out_state
            if job.zero_init is not None:
                Rewriter.erase_op(job.zero_init)
            Rewriter.erase_op(g)
            dispatched.append(f"{job.operation}@{name}")
    return dispatched


@dataclass(frozen=True)
class DispatchKernels(ModulePass):
    """Replace generics an accelerator of the cluster runs by accfg setup/launch/await."""

    name = "dispatch-kernels"

    config: str = ""
    """Path of the cluster configuration YAML; empty: the default configuration."""

    layouts: str = "auto"
    """The accelerator's tiled layouts (made by the DMA copies): "auto" (when estimated
    faster), "tiled" (whenever possible) or "row-major" (never)."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        cfg = pass_config("dispatch-kernels", self.config)
        dispatch_kernels(op, cfg, self.layouts)
