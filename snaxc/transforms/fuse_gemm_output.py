"""`fuse-gemm-output`: a matmul and its output stage as one accelerator launch.

Quantized networks follow every matmul by elementwise generics on its int32 result:

    D = A @ B            (kernel.mac / kernel.qmac with constant zero points, D zero-filled)
    E = D + bias[n]      (optional: kernel.add, int32 bias broadcast over the rows)
    R = rescale(E)       (kernel.rescale to int8: multiplier, shift, output zero point, clamp)
    F = relu(R)          (optional: kernel.relu)

An accelerator whose description lists the kernel `matmul_requant` (and `matmul_bias` for
the bias) computes all of it in one launch with int8 output: its output stage adds an int32
C matrix, requantizes with per-column multiplier/shift words and clamps (the golden model's
`requantize`, which equals `kernel.rescale` with input zero point 0). This pass finds such
chains on statically placed L1 buffers (after `place-program-io`, before
`dispatch-kernels`) and replaces them by

    Q[0] = {shift << 32 | multiplier}; the DMA copies Q[0] to Q[1..N-1]   (a new L1 buffer)
    the DMA broadcasts the bias over the M rows of D (with a bias); one dma.wait for both
    accfg.setup / launch / await of the accelerator, C = D, Q, output F (int8)

A float32 requantization (`kernel.rescale_f32`, onnxruntime's arithmetic) is fused the same
way when the description's module offers the float32 output stage (`quant_words_f32` and
`row_major_config(..., requant_f32=True)`): Q[0] then holds the float32 bits of the scale.

The configuration comes from `row_major_config` of the description's module (with `c`,
`q`, `out_zp`, `clamp_min`, `clamp_max`); no accelerator kind is named here. A ReLU after
the rescale raises the lower clamp bound to 0. The int32 intermediates must have no other
users. Chains the accelerator does not take (shapes it does not divide, rescales with an
input zero point or a shift above 62, no L1 room for Q) are left alone and run as before.

Q is placed after every L1 buffer of the function (`place-program-io` does not reuse
buffers yet, so nothing else lives there).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import accfg, arith, func, memref
from xdsl.dialects.builtin import (
    AffineMapAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    i32,
    i64,
)
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Operation, SSAValue
from xdsl.ir.affine import AffineMap
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.utils.exceptions import DiagnosticException

from snaxc import accelerators
from snaxc.config import TCDM_BASE, ClusterConfig
from snaxc.dialects import dma, kernel, snax
from snaxc.transforms.declare_accelerators import declare_accelerators
from snaxc.transforms.dispatch_kernels import Job, match_job
from snaxc.transforms.l1_buffers import buffer_bytes, l1_address, l1_end, row_major_l1_alloc
from snaxc.transforms.pass_config import pass_config

FUSED = "matmul_requant"
BIAS = "matmul_bias"
_ID2 = AffineMap.identity(2)
_ROW = AffineMap.from_callable(lambda m, n: (n,))
_Q_ALIGN = 64


def _maps(g: linalg.GenericOp) -> tuple[AffineMap, ...]:
    return tuple(m.data for m in g.indexing_maps if isinstance(m, AffineMapAttr))


def _body_kernel(g: linalg.GenericOp) -> Operation | None:
    body = [o for o in g.body.block.ops if not isinstance(o, arith.ConstantOp)]
    if len(body) == 2 and isinstance(body[0], kernel.KernelOp):
        return body[0]
    return None


def _elem(value: SSAValue) -> IntegerType | None:
    t = value.type
    if isinstance(t, MemRefType) and isinstance(t.element_type, IntegerType):
        return t.element_type
    return None


def _shape(value: SSAValue) -> tuple[int, ...]:
    t = value.type
    assert isinstance(t, MemRefType)
    return tuple(t.get_shape())


def _is(value: SSAValue, width: int, shape: tuple[int, ...]) -> bool:
    e = _elem(value)
    return e is not None and e.width.data == width and _shape(value) == shape


def _next_generic(op: Operation) -> linalg.GenericOp | None:
    """The next op after `op` that is not a constant or an allocation, if it is a generic."""
    nxt = op.next_op
    while isinstance(nxt, arith.ConstantOp | snax.StaticAllocOp):
        nxt = nxt.next_op
    return nxt if isinstance(nxt, linalg.GenericOp) else None


@dataclass
class Chain:
    """A matmul and the output stage generics that follow it."""

    matmul: linalg.GenericOp
    job: Job
    ops: list[linalg.GenericOp]
    bias: SSAValue | None
    rescale: kernel.RescaleOp | kernel.RescaleF32Op
    output: SSAValue
    clamp_min: int
    clamp_max: int
    intermediates: list[SSAValue]


def _count(value: SSAValue) -> int:
    n = 1
    for d in _shape(value):
        n *= d
    return n


def _same_buffer(u: SSAValue, v: SSAValue) -> bool:
    """The same SSA value, or two views (static allocations) of the same L1 bytes."""
    if u == v:
        return True
    au, av = row_major_l1_alloc(u), row_major_l1_alloc(v)
    if au is None or av is None or au.offset.value.data != av.offset.value.data:
        return False
    eu, ev = _elem(u), _elem(v)
    return eu == ev and eu is not None and _count(u) == _count(v)


def _elementwise(g: linalg.GenericOp) -> bool:
    """All operands indexed by the identity, of equal rank."""
    maps = _maps(g)
    return bool(maps) and all(m == AffineMap.identity(maps[0].num_dims) for m in maps)


def match_chain(g: linalg.GenericOp) -> Chain | None:
    """The output stage chain that starts with the matmul generic `g`, if any."""
    job = match_job(g)
    if job is None:
        return None
    m, n = job.m, job.n
    (cur,) = g.outputs
    ops = [g]
    intermediates = [cur]
    bias = None
    nxt = _next_generic(g)
    if nxt is None:
        return None
    k_op = _body_kernel(nxt)
    if isinstance(k_op, kernel.AddOp) and len(nxt.inputs) == 2 and len(nxt.outputs) == 1:
        maps = _maps(nxt)
        if maps == (_ID2, _ROW, _ID2) and nxt.inputs[0] == cur:
            bias = nxt.inputs[1]
        elif maps == (_ROW, _ID2, _ID2) and nxt.inputs[1] == cur:
            bias = nxt.inputs[0]
        if bias is None or job.zero_init is None or not _is(bias, 32, (n,)):
            return None
        if row_major_l1_alloc(bias) is None or not _is(nxt.outputs[0], 32, (m, n)):
            return None
        if row_major_l1_alloc(nxt.outputs[0]) is None:
            return None
        ops.append(nxt)
        cur = nxt.outputs[0]
        if cur not in intermediates:
            intermediates.append(cur)
        nxt = _next_generic(nxt)
        if nxt is None:
            return None
        k_op = _body_kernel(nxt)
    if not isinstance(k_op, kernel.RescaleOp | kernel.RescaleF32Op) or len(nxt.inputs) != 1:
        return None
    if not _elementwise(nxt) or not _same_buffer(nxt.inputs[0], cur):
        return None
    if nxt.inputs[0] != cur:
        intermediates.append(nxt.inputs[0])  # another view of the accumulator (a conv's)
    if isinstance(k_op, kernel.RescaleOp) and k_op.input_zp.value.data != 0:
        return None
    if _elem(nxt.outputs[0]) != IntegerType(8):
        return None
    ops.append(nxt)
    rescale = k_op
    out = nxt.outputs[0]
    lo, hi = rescale.min.value.data, rescale.max.value.data
    relu = _next_generic(nxt)
    if (
        relu is not None
        and isinstance(_body_kernel(relu), kernel.ReluOp)
        and len(relu.inputs) == 1
        and relu.inputs[0] == out
        and _elementwise(relu)
    ):
        if relu.outputs[0] != out:
            intermediates.append(out)
        ops.append(relu)
        out = relu.outputs[0]
        lo, hi = max(lo, 0), max(hi, 0)
    if _elem(out) != IntegerType(8) or _count(out) != m * n:
        return None
    if row_major_l1_alloc(out) is None or any(_same_buffer(out, v) for v in intermediates):
        return None
    # The int32 intermediates (and a replaced int8 one) are read by nothing else.
    allowed: set[Operation] = set(ops)
    if job.zero_init is not None:
        allowed.add(job.zero_init)
    for v in intermediates:
        for use in v.uses:
            if use.operation in allowed or _initializes(use.operation, v, g):
                continue
            return None
    return Chain(g, job, ops, bias, rescale, out, lo, hi, intermediates)


def _initializes(op: Operation, value: SSAValue, g: linalg.GenericOp) -> bool:
    """`op` only writes `value` before the matmul `g` (in the same block): the initial
    accumulator the accelerator then reads as C."""
    if not isinstance(op, linalg.GenericOp) or value in op.inputs:
        return False
    if not _same_buffer(value, g.outputs[0]):
        return False
    block = g.parent_block()
    return (
        block is not None
        and op.parent_block() is block
        and block.get_operation_index(op) < block.get_operation_index(g)
    )


@dataclass(frozen=True)
class _Target:
    instance: str
    module: object


def _fused_target(cfg: ClusterConfig, with_bias: bool) -> _Target | None:
    """The first accelerator of `cfg` whose description lists the fused kernels."""
    for inst in cfg.accelerators:
        try:
            desc = accelerators.get(inst.kind)
        except KeyError as e:
            raise DiagnosticException(f"fuse-gemm-output: {e.args[0]}") from None
        if FUSED not in desc.kernels or (with_bias and BIAS not in desc.kernels):
            continue
        module = importlib.import_module(f"{accelerators.__name__}.{inst.kind}")
        if hasattr(module, "row_major_config"):
            return _Target(inst.name, module)
    return None


def _fill(value: SSAValue, word: int, count: int) -> tuple[list[Operation], list[SSAValue]]:
    """Store `word` into element 0 of the i64 buffer `value` and start a DMA transfer that
    copies it into the other elements (source stride 0); returns the ops and the tokens."""
    c = arith.ConstantOp(IntegerAttr(word, i64))
    zero = arith.ConstantOp(IntegerAttr(0, IndexType()))
    store = memref.StoreOp.get(c.result, value, [zero.result])
    if count == 1:
        return [c, zero, store], []
    start = dma.StartOp(
        value, value, 8, dma.PatternAttr([count], [0]), dma.PatternAttr([count], [8])
    )
    return [c, zero, store, start], [start.token]


def _i32(value: int) -> int:
    value &= 0xFFFF_FFFF
    return value - (1 << 32) if value >> 31 else value


def _broadcast_bias(bias: SSAValue, dst: SSAValue, m: int, n: int) -> dma.StartOp:
    """DMA the int32 vector `bias` (N) into every row of `dst` (M x N)."""
    row = 4 * n
    elem = 64
    while row % elem:
        elem //= 2
    per_row = row // elem
    start = dma.StartOp(
        bias,
        dst,
        elem,
        dma.PatternAttr([m, per_row], [0, elem]),
        dma.PatternAttr([m, per_row], [row, elem]),
    )
    return start


def _rewrite(chain: Chain, target: _Target, cfg: ClusterConfig) -> bool:
    g, job = chain.matmul, chain.job
    f = g.parent_op()
    while f is not None and not isinstance(f, func.FuncOp):
        f = f.parent_op()
    if f is None:
        return False
    r = chain.rescale
    requant = quant_word(r, target.module)
    if requant is None:
        return False
    q_word, extra = requant
    offset = -(-l1_end(f) // _Q_ALIGN) * _Q_ALIGN
    (d,) = g.outputs
    d_type = d.type
    assert isinstance(d_type, MemRefType)
    q_type = MemRefType(i64, [job.n], memory_space=d_type.memory_space)
    if offset + buffer_bytes(q_type) > cfg.tcdm_bytes:
        return False
    try:
        values = target.module.row_major_config(
            job.m,
            job.k,
            job.n,
            a=job.a,
            b=job.b,
            d=l1_address(chain.output),
            c=job.d if chain.bias is not None or job.zero_init is None else None,
            q=TCDM_BASE + offset,
            a_zp=job.a_zp,
            b_zp=job.b_zp,
            out_zp=r.output_zp.value.data,
            clamp_min=chain.clamp_min,
            clamp_max=chain.clamp_max,
            **extra,
        )
    except (ValueError, TypeError):
        return False
    q_alloc = snax.StaticAllocOp(offset, q_type)
    fill, tokens = _fill(q_alloc.result, _signed64(q_word), job.n)
    new_ops: list[Operation] = [q_alloc, *fill]
    if chain.bias is not None:
        start = _broadcast_bias(chain.bias, d, job.m, job.n)
        new_ops.append(start)
        tokens.append(start.token)
    if tokens:
        new_ops.append(dma.WaitOp(tokens))
    consts = [arith.ConstantOp(IntegerAttr(_i32(v), i32)) for v in values.values()]
    setup = accfg.SetupOp([c.result for c in consts], list(values), target.instance, None)
    launch = accfg.LaunchOp([], [], setup.out_state)
    wait = accfg.AwaitOp(launch.token)
    Rewriter.insert_op([*new_ops, *consts, setup, launch, wait], InsertPoint.before(g))
    for op in reversed(chain.ops):
        Rewriter.erase_op(op)
    if job.zero_init is not None:
        Rewriter.erase_op(job.zero_init)
    return True


def quant_word(
    r: kernel.RescaleOp | kernel.RescaleF32Op, module: object
) -> tuple[int, dict[str, bool]] | None:
    """The Q word of the output stage computing `r` (one for every column) and the extra
    `row_major_config` arguments; None if the accelerator's module has no such mode."""
    if isinstance(r, kernel.RescaleOp):
        words = getattr(module, "quant_words", None)
        shift = r.shift.value.data
        if words is None or shift > 62:
            return None
        return words([r.multiplier.value.data], [shift])[0], {}
    words = getattr(module, "quant_words_f32", None)
    if words is None:
        return None
    try:
        return words([r.scale])[0], {"requant_f32": True}
    except ValueError:
        return None


def _signed64(word: int) -> int:
    word &= (1 << 64) - 1
    return word - (1 << 64) if word >> 63 else word


def fuse_gemm_output(module: ModuleOp, cfg: ClusterConfig) -> list[str]:
    """Fuse and launch every matmul output stage chain an accelerator of `cfg` runs;
    returns `matmul_requant@instance` per fused chain, in program order."""
    dispatched: list[str] = []
    declared = False
    for g in [o for o in module.walk() if isinstance(o, linalg.GenericOp)]:
        if g.parent is None:
            continue  # erased as part of an earlier chain
        chain = match_chain(g)
        if chain is None:
            continue
        target = _fused_target(cfg, chain.bias is not None)
        if target is None:
            continue
        if not declared:
            declare_accelerators(module, cfg)
            declared = True
        if _rewrite(chain, target, cfg):
            dispatched.append(f"{FUSED}@{target.instance}")
    return dispatched


@dataclass(frozen=True)
class FuseGemmOutput(ModulePass):
    """Run matmul + bias + requantization + ReLU chains as one accelerator launch."""

    name = "fuse-gemm-output"

    config: str = ""
    """Path of the cluster configuration YAML; empty: the default configuration."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        cfg = pass_config("fuse-gemm-output", self.config)
        fuse_gemm_output(op, cfg)
