"""`fixed-point-requant`: rewrite the importer's float requantization into integer ops.

torch-mlir lowers a per-tensor QDQ model with integer convolutions and matmuls, but leaves
every requantization in float, as chains of elementwise `linalg.generic`s on tensors:

    dequantize   D(x) = sitofp(x - zx) * sx          (i8 or i32 -> f32; zx = 0 for i32)
    quantize     Q(v) = fptosi(clamp(roundeven(v / so) + zo, lo, hi))    (f32 -> iN)

The hardware requantizes in fixed point (`kernel.rescale`: multiply by a 32-bit
multiplier, round half up by a shift, add the output zero point, clamp; the GeMM output
stage and the SIMD unit). This pass rewrites, on tensors before bufferization:

- `Q(D(acc))` (an accumulator or any integer tensor requantized) into one generic whose
  body is `kernel.rescale` with `(multiplier, shift) = requant_params(sx, so)`;
- `Q(D(acc) + D(bias))` (Gemm biases are added in float after the integer matmul) with
  equal scales into an integer bias add (`arith.addi`, bias broadcast as before) followed
  by the rescale generic;
- the residual-add sandwich `Q(D(x) + D(y))` of two int8 tensors into one integer add
  with rescale: `rescale((x - zx) * mx + (y - zy) * my)` with `snaxc.quantize.add_params`
  (mx = my = 1 when the scales are equal), the same arithmetic as the golden model;
- the Clip sandwich `Q(clip(D(x), lo, hi))` (a Relu torch-mlir already makes an integer
  max) into a rescale clamped at the quantized bounds;
- the pooling sandwiches: `Q(maxpool(D(x)))` into an int8 max pool (initial value -128)
  and a rescale, and `Q(collapse?(sumpool(D(x)) / N))` (average pooling) into an int32 sum
  pool of `x - zx` and a rescale by `sx / (N * so)`.

Float32 requantization (`requant="float32"`, the default; `snaxc.quantize.REQUANT_MODES`):
a GeMM output (an int32 accumulator, with or without bias, requantized to int8) becomes
`kernel.rescale_f32` with onnxruntime's float32 scale `float32(sx / so)` (sx is already the
float32 product x_scale * w_scale), the residual add of two int8 tensors becomes
`kernel.add_f32` (onnxruntime's QLinearAdd: `fma(a, rA, fma(b, rB, F))` in float32 on the
uint8 values, see `snaxc.golden.requant.add_f32`), and the average-pool sandwich becomes

    s = fsum(x)   float32 sum over the window of float32(sitofp(x - zx) * sx), in window
                  order, from 0.0 (one generic, the SIMD `fsum`'s operation)
    y = clamp(round_half_even(float32(float32(s / N) / so)) + zo)    (float32 arith)

both bit for bit what onnxruntime computes (`snaxc.golden.requant`). The finish generic runs
on the core, which has no FPU: its body is integer arith only
(`kernel_to_arith.average_pool_finish`: each division by the constants N and so a multiply by
a precomputed reciprocal, an exact remainder correction and float32's rounding; a scale that
is not a positive normal float32 keeps the float32 arith). The other chains keep the
fixed-point rescale below; `requant="fixed-point"` uses it everywhere.

Rounding: the float formula rounds half to even after float32 products; the rescale rounds
the exact product half up. They differ by at most 1 LSB and only near half-integers: the
bound is in `snaxc.quantize.fixed_point_multiplier`, the tests check it on random scales.
The pass runs on tensors, right after import: before bufferization (it follows SSA
use-def chains between generics) and before `recognize-kernels` (which then turns the
integer bias adds into `kernel.add`; rescale bodies already are kernels).
Chains that do not have exactly these shapes (other maps, other users of a dequantized
value, non-constant scales) are left in float and run on the core.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects import arith, tensor
from xdsl.dialects import math as xmath
from xdsl.dialects.builtin import (
    AffineMapAttr,
    ArrayAttr,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    TensorType,
    i32,
)
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Attribute, Block, BlockArgument, Operation, OpResult, Region, SSAValue
from xdsl.ir.affine import AffineMap
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint
from xdsl.utils.exceptions import DiagnosticException

from snaxc.dialects import kernel
from snaxc.quantize import REQUANT_MODES, add_params, requant_params
from snaxc.transforms.kernel_to_arith import _Emitter, average_pool_finish, clamp_round_f32

# -- matching scalar bodies -----------------------------------------------------------------


def _float_const(value: SSAValue) -> float | None:
    """The float32 value of an `arith.constant` (f32, or f64 through `arith.truncf`)."""
    if isinstance(value, OpResult) and isinstance(value.op, arith.TruncFOp):
        value = value.op.input
    if not isinstance(value, OpResult) or not isinstance(value.op, arith.ConstantOp):
        return None
    attr = value.op.value
    if not isinstance(attr, FloatAttr):
        return None
    return float(np.float32(attr.value.data))


def _int_const(value: SSAValue) -> int | None:
    if not isinstance(value, OpResult) or not isinstance(value.op, arith.ConstantOp):
        return None
    attr = value.op.value
    return attr.value.data if isinstance(attr, IntegerAttr) else None


def _def(value: SSAValue, op_type: type[Operation]) -> Operation | None:
    if isinstance(value, OpResult) and isinstance(value.op, op_type):
        return value.op
    return None


def _binary_with_const(
    value: SSAValue, op_type: type[Operation], const: Callable[[SSAValue], float | int | None]
) -> tuple[SSAValue, float | int] | None:
    """`op(v, c)` or `op(c, v)` (commutative ops) with c a constant: (v, c)."""
    op = _def(value, op_type)
    if op is None:
        return None
    lhs, rhs = op.operands
    c = const(rhs)
    if c is not None:
        return lhs, c
    if op_type in (arith.MulfOp, arith.AddfOp, arith.MaximumfOp, arith.MinimumfOp):
        c = const(lhs)
        if c is not None:
            return rhs, c
    return None


def _yielded(generic: linalg.GenericOp) -> SSAValue | None:
    yield_op = generic.body.block.last_op
    if not isinstance(yield_op, linalg.YieldOp) or len(yield_op.operands) != 1:
        return None
    return yield_op.operands[0]


def _is_arg(value: SSAValue, block: Block, index: int) -> bool:
    return isinstance(value, BlockArgument) and value.block is block and value.index == index


@dataclass(frozen=True)
class Dequantize:
    """A generic computing `sitofp(x - zero_point) * scale` elementwise."""

    input: SSAValue
    zero_point: int
    scale: float


@dataclass(frozen=True)
class Quantize:
    """A generic computing `fptosi(clamp(roundeven(v / scale) + zero_point, lo, hi))`."""

    input: SSAValue
    scale: float
    zero_point: int
    lo: int
    hi: int
    result_type: IntegerType


def _identity_elementwise(generic: linalg.GenericOp, n_inputs: int) -> bool:
    if len(generic.inputs) != n_inputs or len(generic.outputs) != 1:
        return False
    if any(str(t) != "#linalg.iterator_type<parallel>" for t in generic.iterator_types):
        return False
    maps = [m.data for m in generic.indexing_maps]
    return all(m == AffineMap.identity(m.num_dims) and m.num_dims == len(m.results) for m in maps)


def match_dequantize(generic: linalg.GenericOp) -> Dequantize | None:
    """`mulf(sitofp(x), s)` or `mulf(sitofp(extsi(x) - zp), s)` of the one input."""
    if len(generic.inputs) != 1 or len(generic.outputs) != 1:
        return None
    block = generic.body.block
    root = _yielded(generic)
    if root is None or block.args[1].uses:
        return None
    m = _binary_with_const(root, arith.MulfOp, _float_const)
    if m is None:
        return None
    value, scale = m
    conv = _def(value, arith.SIToFPOp)
    if conv is None:
        return None
    value, zp = conv.input, 0
    sub = _binary_with_const(value, arith.SubiOp, _int_const)
    if sub is not None:
        value, zp = sub
        ext = _def(value, arith.ExtSIOp)
        if ext is None:
            return None
        value = ext.input
    if not _is_arg(value, block, 0):
        return None
    return Dequantize(generic.inputs[0], int(zp), float(scale))


def match_quantize(generic: linalg.GenericOp) -> Quantize | None:
    """`fptosi(minimumf(maximumf(addf(roundeven(divf(v, s)), zp), lo), hi))`."""
    if len(generic.inputs) != 1 or len(generic.outputs) != 1:
        return None
    block = generic.body.block
    root = _yielded(generic)
    if root is None or block.args[1].uses:
        return None
    to_int = _def(root, arith.FPToSIOp)
    if to_int is None or not isinstance(to_int.result.type, IntegerType):
        return None
    rtype = to_int.result.type
    steps = []
    value = to_int.input
    for op_type in (arith.MinimumfOp, arith.MaximumfOp, arith.AddfOp):
        m = _binary_with_const(value, op_type, _float_const)
        if m is None:
            return None
        value, c = m
        steps.append(c)
    hi, lo, zp = steps
    rnd = _def(value, xmath.RoundEvenOp)
    if rnd is None:
        return None
    div = _def(rnd.operand, arith.DivfOp)
    if div is None or _float_const(div.rhs) is None or not _is_arg(div.lhs, block, 0):
        return None
    if zp != int(zp) or not math.isfinite(lo) or not math.isfinite(hi):
        return None
    w = rtype.width.data
    tmin, tmax = -(1 << (w - 1)), (1 << (w - 1)) - 1
    lo_i, hi_i = max(math.ceil(lo), tmin), min(math.floor(hi), tmax)
    if not tmin <= zp <= tmax or lo_i > hi_i:
        return None
    return Quantize(generic.inputs[0], _float_const(div.rhs), int(zp), lo_i, hi_i, rtype)


# -- building generics ----------------------------------------------------------------------


def _element_type(value: SSAValue) -> Attribute:
    t = value.type
    assert isinstance(t, TensorType)
    return t.element_type


def _elementwise(
    inputs: Sequence[SSAValue],
    out_init: SSAValue,
    maps: Sequence[AffineMapAttr],
    iterators: ArrayAttr,
    build: Callable[[Sequence[SSAValue]], list[Operation]],
) -> linalg.GenericOp:
    """A generic over `inputs` into `out_init` whose body is `build(input args)`."""
    block = Block(arg_types=[*(_element_type(v) for v in inputs), _element_type(out_init)])
    ops = build(block.args[: len(inputs)])
    block.add_ops([*ops, linalg.YieldOp(ops[-1].results[0])])
    return linalg.GenericOp(
        list(inputs), [out_init], Region(block), list(maps), iterators, [out_init.type]
    )


def _rescale(
    value: SSAValue, result_type: IntegerType, q: Quantize, in_zp: int, params: tuple[int, int]
) -> kernel.RescaleOp:
    multiplier, shift = params
    return kernel.RescaleOp(
        value,
        result_type,
        input_zp=in_zp,
        multiplier=multiplier,
        shift=shift,
        output_zp=q.zero_point,
        min=q.lo,
        max=q.hi,
    )


def _producer(value: SSAValue) -> linalg.GenericOp | None:
    """The generic producing `value`, if `value` has no other use."""
    if not isinstance(value, OpResult) or not isinstance(value.op, linalg.GenericOp):
        return None
    return value.op if value.has_one_use() else None


def _erase_if_dead(rewriter: PatternRewriter, *ops: Operation) -> None:
    for op in ops:
        if op.parent is not None and all(not r.uses for r in op.results):
            rewriter.erase(op)


def _empty_like(value: SSAValue, element_type: Attribute) -> tensor.EmptyOp:
    t = value.type
    assert isinstance(t, TensorType)
    return tensor.EmptyOp([], TensorType(element_type, t.get_shape()))


def _f32_scale(d_scale: float, q_scale: float) -> float:
    """onnxruntime's float32 requantization scale: float32(d_scale / q_scale), where d_scale
    is the accumulator's float32 scale x_scale * w_scale."""
    return float(np.float32(np.float32(d_scale) / np.float32(q_scale)))


def _gemm_rescale(
    value: SSAValue, q: Quantize, d: Dequantize, float32: bool
) -> kernel.RescaleOp | kernel.RescaleF32Op:
    """The requantization of an accumulator: float32 (onnxruntime's) or fixed point."""
    if float32 and d.zero_point == 0 and q.result_type.width.data <= 32:
        return kernel.RescaleF32Op(
            value,
            q.result_type,
            scale=_f32_scale(d.scale, q.scale),
            output_zp=q.zero_point,
            min=q.lo,
            max=q.hi,
        )
    return _rescale(value, q.result_type, q, d.zero_point, requant_params(d.scale, q.scale))


# -- patterns -------------------------------------------------------------------------------


class _QuantizePattern(RewritePattern):
    """Base: matches a quantize generic and hands its float input's producer chain on."""

    def __init__(self, float32: bool = True):
        super().__init__()
        self.float32 = float32
        """Requantize GeMM outputs and average pools in float32 (onnxruntime's way)."""

    def rewrite_quantize(
        self, generic: linalg.GenericOp, q: Quantize, rewriter: PatternRewriter
    ) -> None:
        raise NotImplementedError

    @op_type_rewrite_pattern
    def match_and_rewrite(self, generic: linalg.GenericOp, rewriter: PatternRewriter, /):
        if not _identity_elementwise(generic, 1):
            return
        q = match_quantize(generic)
        if q is not None:
            self.rewrite_quantize(generic, q, rewriter)


def _is_identity(q: Quantize, in_type: Attribute, in_zp: int, params: tuple[int, int]) -> bool:
    """The rescale maps every value of `in_type` to itself."""
    multiplier, shift = params
    if in_type != q.result_type or in_zp != q.zero_point or multiplier != 1 << shift:
        return False
    w = q.result_type.width.data
    return q.lo == -(1 << (w - 1)) and q.hi == (1 << (w - 1)) - 1


class RequantizeIntegers(_QuantizePattern):
    """`Q(D(x))` -> `kernel.rescale x` (accumulator requantization, int8 -> int8 changes of
    scale, the float round trip of a constant bias), also through a `tensor.collapse_shape`
    or `tensor.expand_shape` between the two (a Flatten): the reshape moves to the integer
    result. An accumulator's rescale is placed right after the accumulator's producer. A
    rescale that maps every value to itself (same scale, zero point and type, as around a
    max pool that keeps its input's quantization) is dropped."""

    def rewrite_quantize(self, generic, q, rewriter):
        value, reshape = q.input, None
        for op_type in (tensor.CollapseShapeOp, tensor.ExpandShapeOp):
            r = _def(value, op_type)
            if r is not None and r.results[0].has_one_use():
                value, reshape = r.operands[0], r
        d_op = _producer(value)
        if d_op is None or not _identity_elementwise(d_op, 1):
            return
        d = match_dequantize(d_op)
        if d is None:
            return
        params = requant_params(d.scale, q.scale)
        new_ops: list[Operation] = []
        accumulator = _element_type(d.input) == i32 and q.result_type == IntegerType(8)
        if _is_identity(q, _element_type(d.input), d.zero_point, params):
            result = d.input
        else:
            rank = len(d.input.type.get_shape())
            ident = AffineMapAttr(AffineMap.identity(rank))
            empty = _empty_like(d.input, q.result_type)

            def body(a: Sequence[SSAValue]) -> list[Operation]:
                if accumulator:
                    return [_gemm_rescale(a[0], q, d, self.float32)]
                return [_rescale(a[0], q.result_type, q, d.zero_point, params)]

            new = _elementwise(
                [d.input],
                empty.tensor,
                [ident, ident],
                ArrayAttr([linalg.IteratorTypeAttr.parallel()] * rank),
                body,
            )
            new_ops += [empty, new]
            result = new.results[0]
        if reshape is not None:
            t = generic.results[0].type
            assert isinstance(t, TensorType)
            r = type(reshape).create(
                operands=[result, *reshape.operands[1:]],
                result_types=[t],
                properties=dict(reshape.properties),
                attributes=dict(reshape.attributes),
            )
            new_ops.append(r)
            result = r.results[0]
        anchor = d.input.owner if isinstance(d.input, OpResult) else None
        if accumulator and isinstance(anchor, Operation) and anchor.parent is generic.parent:
            # Right after the accumulator's producer (the convolution or matmul), where the
            # GeMM fusion looks for it: the importer may put other layers in between.
            rewriter.insert(new_ops, InsertPoint.after(anchor))
            rewriter.replace(generic, [], [result])
        else:
            rewriter.replace(generic, new_ops, [result])
        _erase_if_dead(rewriter, *(x for x in (reshape, d_op) if x))


def _match_float_add(generic: linalg.GenericOp) -> bool:
    """A body `yield addf(in0, in1)`, the output argument unused."""
    if len(generic.inputs) != 2 or len(generic.outputs) != 1:
        return False
    block = generic.body.block
    add = _def(_yielded(generic), arith.AddfOp) if _yielded(generic) else None
    if add is None or block.args[2].uses:
        return False
    args = {id(block.args[0]), id(block.args[1])}
    return {id(add.lhs), id(add.rhs)} == args and len(list(block.ops)) == 2


class RequantizeBiasedAccumulator(_QuantizePattern):
    """`Q(D(acc) + D(bias))`, equal scales -> `rescale(acc + bias)` in int32.

    The bias keeps its indexing map (broadcast over rows); the add becomes its own integer
    generic so that the accumulator fusion later sees bias and requantization separately.
    """

    def rewrite_quantize(self, generic, q, rewriter):
        add_op = _producer(q.input)
        if add_op is None or not _match_float_add(add_op):
            return
        maps = add_op.indexing_maps.data
        out_map = maps[2].data
        if maps[0].data != out_map or out_map != AffineMap.identity(out_map.num_dims):
            return
        d_acc_op, d_bias_op = (_producer(v) for v in add_op.inputs)
        if d_acc_op is None or d_bias_op is None:
            return
        if not _identity_elementwise(d_acc_op, 1) or not _identity_elementwise(d_bias_op, 1):
            return
        d_acc, d_bias = match_dequantize(d_acc_op), match_dequantize(d_bias_op)
        if d_acc is None or d_bias is None:
            return
        if d_acc.zero_point or d_bias.zero_point or d_acc.scale != d_bias.scale:
            return
        acc_t, bias_t = _element_type(d_acc.input), _element_type(d_bias.input)
        if acc_t != i32 or bias_t != i32:
            return
        empty = _empty_like(d_acc.input, i32)
        biased = _elementwise(
            [d_acc.input, d_bias.input],
            empty.tensor,
            maps,
            add_op.iterator_types,
            lambda a: [arith.AddiOp(a[0], a[1])],
        )
        new = _elementwise(
            [biased.results[0]],
            generic.outputs[0],
            generic.indexing_maps.data,
            generic.iterator_types,
            lambda a: [_gemm_rescale(a[0], q, d_acc, self.float32)],
        )
        rewriter.replace(generic, [empty, biased, new], [new.results[0]])
        _erase_if_dead(rewriter, add_op, d_acc_op, d_bias_op)


def _add_f32(
    dx: Dequantize, dy: Dequantize, q: Quantize
) -> Callable[[SSAValue, SSAValue], kernel.AddF32Op] | None:
    """onnxruntime's float32 QLinearAdd of two int8 tensors as `kernel.add_f32`, on the
    uint8 values of the U8 kernel (`snaxc.frontend.uint8`: u8 = i8 + 128, zero points + 128):
    rA, rB, F of `snaxc.golden.requant.f32_fadd_params`, input zero points -128, output
    zero point -128 (the uint8 saturation [0, 255] is the int8 clamp). None when the inputs or
    the output are not int8, or the parameters leave the op's domain."""
    from snaxc.golden.requant import F32_FADD_LIMIT, f32_fadd_params

    i8 = IntegerType(8)
    if _element_type(dx.input) != i8 or _element_type(dy.input) != i8 or q.result_type != i8:
        return None
    u8 = [d.zero_point + 128 for d in (dx, dy)] + [q.zero_point + 128]
    ra, rb, f = f32_fadd_params(dx.scale, dy.scale, q.scale, *u8)
    if not all(np.isfinite(v) and abs(float(v)) < F32_FADD_LIMIT for v in (ra, rb, f)):
        return None

    def build(a: SSAValue, b: SSAValue) -> kernel.AddF32Op:
        return kernel.AddF32Op(
            a,
            b,
            i8,
            lhs_zp=-128,
            rhs_zp=-128,
            ra=float(ra),
            rb=float(rb),
            offset=float(f),
            output_zp=-128,
            min=q.lo,
            max=q.hi,
        )

    return build


class IntegerAdd(_QuantizePattern):
    """The residual-add sandwich `Q(D(x) + D(y))` of two int8 tensors ->
    `rescale((x - zx) * mx + (y - zy) * my)` (`snaxc.quantize.add_params`); in float32 mode
    `kernel.add_f32` (onnxruntime's float32 QLinearAdd, the SIMD `fadd`)."""

    def rewrite_quantize(self, generic, q, rewriter):
        add_op = _producer(q.input)
        if add_op is None or not _identity_elementwise(add_op, 2) or not _match_float_add(add_op):
            return
        d_ops = [_producer(v) for v in add_op.inputs]
        if any(d is None or not _identity_elementwise(d, 1) for d in d_ops):
            return
        dx, dy = (match_dequantize(d) for d in d_ops)
        if dx is None or dy is None:
            return
        if not all(isinstance(_element_type(d.input), IntegerType) for d in (dx, dy)):
            return
        if any(_element_type(d.input).width.data > 16 for d in (dx, dy)):
            return  # the bound on the fixed-point sum assumes narrow inputs
        if self.float32:
            f32_add = _add_f32(dx, dy, q)
            if f32_add is not None:

                def f32_body(args: Sequence[SSAValue]) -> list[Operation]:
                    return [f32_add(args[0], args[1])]

                new = _elementwise(
                    [dx.input, dy.input],
                    generic.outputs[0],
                    [*add_op.indexing_maps.data[:2], generic.indexing_maps.data[1]],
                    generic.iterator_types,
                    f32_body,
                )
                rewriter.replace(generic, new)
                _erase_if_dead(rewriter, add_op, *d_ops)
                return
        mx, my, multiplier, shift = add_params(dx.scale, dy.scale, q.scale)

        def body(args: Sequence[SSAValue]) -> list[Operation]:
            ops: list[Operation] = []
            terms = []
            for arg, d, mult in ((args[0], dx, mx), (args[1], dy, my)):
                ext = arith.ExtSIOp(arg, i32)
                zp = arith.ConstantOp(IntegerAttr(d.zero_point, i32))
                centered = arith.SubiOp(ext, zp)
                ops += [ext, zp, centered]
                term: Operation = centered
                if mult != 1:
                    m = arith.ConstantOp(IntegerAttr(mult, i32))
                    term = arith.MuliOp(centered, m)
                    ops += [m, term]
                terms.append(term)
            total = arith.AddiOp(terms[0], terms[1])
            ops += [total, _rescale(total.result, q.result_type, q, 0, (multiplier, shift))]
            return ops

        new = _elementwise(
            [dx.input, dy.input],
            generic.outputs[0],
            [*add_op.indexing_maps.data[:2], generic.indexing_maps.data[1]],
            generic.iterator_types,
            body,
        )
        rewriter.replace(generic, new)
        _erase_if_dead(rewriter, add_op, *d_ops)


def _tensor_const(value: SSAValue) -> float | None:
    """The float32 value of a 0-d / splat `arith.constant dense<c> : tensor<f32>`."""
    if not isinstance(value, OpResult) or not isinstance(value.op, arith.ConstantOp):
        return _float_const(value)
    attr = value.op.value
    if isinstance(attr, DenseIntOrFPElementsAttr):
        vals = set(attr.get_values())
        if len(vals) == 1 and isinstance(t := next(iter(vals)), float):
            return float(np.float32(t))
    return _float_const(value)


def match_clamp(generic: linalg.GenericOp) -> tuple[SSAValue, float, float] | None:
    """A float Clip: `select(v > hi, hi, select(v < lo, lo, v))` (cmpf ult/ugt) with lo and
    hi scalar inputs (0-d constant tensors) or constants: (input, lo, hi)."""
    if len(generic.outputs) != 1 or not 1 <= len(generic.inputs) <= 3:
        return None
    block = generic.body.block
    root = _yielded(generic)
    if root is None or block.args[-1].uses:
        return None

    def bound(v: SSAValue) -> float | None:
        if isinstance(v, BlockArgument) and v.block is block and 0 < v.index < len(generic.inputs):
            return _tensor_const(generic.inputs[v.index])
        return _float_const(v)

    def step(v: SSAValue, predicate: str) -> tuple[SSAValue, float] | None:
        sel = _def(v, arith.SelectOp)
        if sel is None:
            return None
        cmp = _def(sel.cond, arith.CmpfOp)
        if cmp is None or cmp.predicate.value.data != arith.CMPF_COMPARISON_OPERATIONS.index(
            predicate
        ):
            return None
        c = bound(cmp.rhs)
        if c is None or sel.lhs is not cmp.rhs or sel.rhs is not cmp.lhs:
            return None
        return cmp.lhs, c

    upper = step(root, "ugt")
    if upper is None:
        return None
    lower = step(upper[0], "ult")
    if lower is None or not _is_arg(lower[0], block, 0):
        return None
    return generic.inputs[0], lower[1], upper[1]


class IntegerClamp(_QuantizePattern):
    """The Clip sandwich `Q(clip(D(x), lo, hi))` -> `kernel.rescale x` whose clamp bounds
    are the quantized clip bounds (rounding is monotonic, so clipping commutes with it):
    `clamp(roundeven(lo / so) + zo, ...)`, as the golden model quantizes them."""

    def rewrite_quantize(self, generic, q, rewriter):
        clip_op = _producer(q.input)
        if clip_op is None:
            return
        m = match_clamp(clip_op)
        if m is None:
            return
        value, lo, hi = m
        maps = [mp.data for mp in clip_op.indexing_maps]
        if maps[0] != AffineMap.identity(maps[0].num_dims) or maps[-1] != maps[0]:
            return
        d_op = _producer(value)
        if d_op is None or not _identity_elementwise(d_op, 1):
            return
        d = match_dequantize(d_op)
        if d is None:
            return

        def quantized(b: float) -> int:
            return int(np.rint(np.float32(b) / np.float32(q.scale))) + q.zero_point

        w = q.result_type.width.data
        tmin, tmax = -(1 << (w - 1)), (1 << (w - 1)) - 1
        q_lo = min(max(q.lo, quantized(lo)), tmax)
        q_hi = max(min(q.hi, quantized(hi)), tmin)
        if q_lo > q_hi:
            return
        clamped = Quantize(q.input, q.scale, q.zero_point, q_lo, q_hi, q.result_type)
        params = requant_params(d.scale, q.scale)
        new = _elementwise(
            [d.input],
            generic.outputs[0],
            generic.indexing_maps.data,
            generic.iterator_types,
            lambda a: [_rescale(a[0], q.result_type, clamped, d.zero_point, params)],
        )
        rewriter.replace(generic, new)
        _erase_if_dead(rewriter, clip_op, d_op)


def _pool_body(generic: linalg.GenericOp) -> str | None:
    """'max' or 'sum' for a window reduction `yield maximumf/addf(out, in0)` whose second
    input is the (shape-only) window tensor."""
    if len(generic.inputs) != 2 or len(generic.outputs) != 1:
        return None
    if "reduction" not in "".join(str(t) for t in generic.iterator_types):
        return None
    block = generic.body.block
    root = _yielded(generic)
    if root is None or len(list(block.ops)) != 2 or block.args[1].uses:
        return None
    for kind, op_type in (("max", arith.MaximumfOp), ("sum", arith.AddfOp)):
        op = _def(root, op_type)
        if op is not None and {id(op.lhs), id(op.rhs)} == {id(block.args[0]), id(block.args[2])}:
            return kind
    return None


def _fill_value(value: SSAValue) -> float | None:
    """The constant a generic broadcasts into `value` (`linalg.generic ins(%c : f32)`)."""
    fill = _def(value, linalg.GenericOp)
    if fill is None or len(fill.inputs) != 1 or len(fill.outputs) != 1:
        return None
    yielded = _yielded(fill)
    if yielded is None or not _is_arg(yielded, fill.body.block, 0):
        return None
    return _float_const(fill.inputs[0])


def _window_size(generic: linalg.GenericOp) -> int:
    t = generic.inputs[1].type
    assert isinstance(t, TensorType)
    return math.prod(t.get_shape())


class IntegerPool(_QuantizePattern):
    """The pooling sandwiches.

    max:     Q(maxpool(D(x)))                  -> rescale(int8 maxpool(x), zp zx)
    average: Q(collapse?(sumpool(D(x)) / N))   -> collapse?(rescale(sum(x - zx), sx / (N so)))

    The max pool starts from -128 (every int8 is >= it, as every float is >= -inf) and
    max commutes with the monotonic dequantization; the sum of `x - zx` is exact in int32.
    """

    def rewrite_quantize(self, generic, q, rewriter):
        value = q.input
        collapse = _def(value, tensor.CollapseShapeOp)
        if collapse is not None:
            if not collapse.result.has_one_use():
                return
            value = collapse.src
        divisor_op = _producer(value)
        n_div = None
        if divisor_op is not None and _identity_elementwise(divisor_op, 1):
            div = _def(_yielded(divisor_op), arith.DivfOp) if _yielded(divisor_op) else None
            blk = divisor_op.body.block
            if div is not None and _is_arg(div.lhs, blk, 0) and len(list(blk.ops)) == 2:
                n_div = _float_const(div.rhs)
                value = divisor_op.inputs[0]
        pool = _producer(value)
        if pool is None:
            return
        kind = _pool_body(pool)
        if kind is None or (kind == "sum") != (n_div is not None):
            return
        if n_div is not None and n_div != _window_size(pool):
            return
        init = _fill_value(pool.outputs[0])
        if init is None or init != (-math.inf if kind == "max" else 0.0):
            return
        d_op = _producer(pool.inputs[0])
        if d_op is None or not _identity_elementwise(d_op, 1):
            return
        d = match_dequantize(d_op)
        if d is None or _element_type(d.input) != IntegerType(8):
            return
        if kind == "sum" and self.float32:
            self._float32_average(generic, q, pool, d, collapse, rewriter)
            _erase_if_dead(rewriter, *(x for x in (collapse, divisor_op) if x), pool, d_op)
            return
        out_elem = IntegerType(8) if kind == "max" else i32
        empty = _empty_like(pool.outputs[0], out_elem)
        start = arith.ConstantOp(IntegerAttr(-128 if kind == "max" else 0, out_elem))
        fill = _elementwise_fill(start.result, empty.tensor)
        window = pool.inputs[1]

        block = Block(arg_types=[IntegerType(8), _element_type(window), out_elem])
        if kind == "max":
            r = arith.MaxSIOp(block.args[2], block.args[0])
            block.add_ops([r, linalg.YieldOp(r.result)])
        else:
            ext = arith.ExtSIOp(block.args[0], i32)
            zp = arith.ConstantOp(IntegerAttr(d.zero_point, i32))
            centered = arith.SubiOp(ext, zp)
            r = arith.AddiOp(block.args[2], centered)
            block.add_ops([ext, zp, centered, r, linalg.YieldOp(r.result)])
        int_pool = linalg.GenericOp(
            [d.input, window],
            [fill.results[0]],
            Region(block),
            pool.indexing_maps,
            pool.iterator_types,
            [empty.tensor.type],
        )
        in_zp = d.zero_point if kind == "max" else 0
        params = requant_params(d.scale, q.scale, 1 if kind == "max" else _window_size(pool))
        new_ops: list[Operation] = [empty, start, fill, int_pool]
        result = int_pool.results[0]
        if not _is_identity(q, out_elem, in_zp, params):
            rank = len(empty.tensor.type.get_shape())
            ident = AffineMapAttr(AffineMap.identity(rank))
            q_empty = _empty_like(pool.outputs[0], q.result_type)
            rescaled = _elementwise(
                [result],
                q_empty.tensor,
                [ident, ident],
                ArrayAttr([linalg.IteratorTypeAttr.parallel()] * rank),
                lambda a: [_rescale(a[0], q.result_type, q, in_zp, params)],
            )
            new_ops += [q_empty, rescaled]
            result = rescaled.results[0]
        result = _collapse_as(result, collapse, generic, q.result_type, new_ops)
        rewriter.replace(generic, new_ops, [result])
        old_init = pool.outputs[0].owner
        _erase_if_dead(rewriter, *(x for x in (collapse, divisor_op) if x), pool, d_op, old_init)

    @staticmethod
    def _float32_average(
        generic: linalg.GenericOp,
        q: Quantize,
        pool: linalg.GenericOp,
        d: Dequantize,
        collapse: tensor.CollapseShapeOp | None,
        rewriter: PatternRewriter,
    ) -> None:
        """`Q(collapse?(sumpool(D(x)) / N))` -> `collapse?(finish(fsum(x)))` in float32."""
        window = pool.inputs[1]
        f32 = pool.outputs[0].type.element_type  # type: ignore[attr-defined]
        block = Block(arg_types=[IntegerType(8), _element_type(window), f32])
        ext = arith.ExtSIOp(block.args[0], i32)
        zp = arith.ConstantOp(IntegerAttr(d.zero_point, i32))
        centered = arith.SubiOp(ext, zp)
        as_float = arith.SIToFPOp(centered, f32)
        scale = arith.ConstantOp(FloatAttr(float(np.float32(d.scale)), f32))
        term = arith.MulfOp(as_float, scale)
        total = arith.AddfOp(block.args[2], term)
        block.add_ops([ext, zp, centered, as_float, scale, term, total, linalg.YieldOp(total)])
        fsum = linalg.GenericOp(
            [d.input, window],
            [pool.outputs[0]],
            Region(block),
            pool.indexing_maps,
            pool.iterator_types,
            [pool.outputs[0].type],
        )
        n = float(_window_size(pool))

        def finish(a: Sequence[SSAValue]) -> list[Operation]:
            e = _Emitter()
            so = float(np.float32(q.scale))
            if math.isfinite(so) and so >= float(np.finfo(np.float32).tiny):
                # Integer arith only: the float32 divisions by the constants N and so, bit
                # for bit, without the core's soft-float division.
                r = average_pool_finish(e, a[0], int(n), so, q.zero_point, q.lo, q.hi)
            else:
                v = e.add(arith.DivfOp(a[0], e.add(arith.ConstantOp(FloatAttr(n, f32)))))
                v = e.add(arith.DivfOp(v, e.add(arith.ConstantOp(FloatAttr(so, f32)))))
                r = clamp_round_f32(e, v, q.lo - q.zero_point, q.hi - q.zero_point)
                if q.zero_point:
                    r = e.add(arith.AddiOp(r, e.const(q.zero_point, i32)))
            if q.result_type.width.data < 32:
                e.add(arith.TruncIOp(r, q.result_type))
            return e.ops

        rank = len(fsum.results[0].type.get_shape())
        ident = AffineMapAttr(AffineMap.identity(rank))
        q_empty = _empty_like(pool.outputs[0], q.result_type)
        done = _elementwise(
            [fsum.results[0]],
            q_empty.tensor,
            [ident, ident],
            ArrayAttr([linalg.IteratorTypeAttr.parallel()] * rank),
            finish,
        )
        new_ops: list[Operation] = [fsum, q_empty, done]
        result = done.results[0]
        result = _collapse_as(result, collapse, generic, q.result_type, new_ops)
        rewriter.replace(generic, new_ops, [result])


def _collapse_as(
    result: SSAValue,
    collapse: tensor.CollapseShapeOp | None,
    generic: Operation,
    element_type: Attribute,
    new_ops: list[Operation],
) -> SSAValue:
    """`result` collapsed as the pool's `collapse` did (to `generic`'s shape, with
    `element_type`), appending the new op to `new_ops`; `result` itself without one."""
    if collapse is None:
        return result
    t = generic.results[0].type
    assert isinstance(t, TensorType)
    c = tensor.CollapseShapeOp(
        operands=[result],
        result_types=[TensorType(element_type, t.get_shape())],
        properties={"reassociation": collapse.reassociation},
    )
    new_ops.append(c)
    return c.result


def _elementwise_fill(value: SSAValue, init: SSAValue) -> linalg.GenericOp:
    t = init.type
    assert isinstance(t, TensorType)
    rank = len(t.get_shape())
    scalar_map = AffineMapAttr(AffineMap(rank, 0, ()))
    block = Block(arg_types=[value.type, t.element_type])
    block.add_op(linalg.YieldOp(block.args[0]))
    return linalg.GenericOp(
        [value],
        [init],
        Region(block),
        [scalar_map, AffineMapAttr(AffineMap.identity(rank))],
        ArrayAttr([linalg.IteratorTypeAttr.parallel()] * rank),
        [t],
    )


@dataclass(frozen=True)
class FixedPointRequant(ModulePass):
    """Rewrite float requantization chains of imported int8 models into integer ops (GeMM
    outputs and average pools in onnxruntime's float32 arithmetic unless `requant` is
    "fixed-point")."""

    name = "fixed-point-requant"

    requant: str = REQUANT_MODES[0]
    """"float32" or "fixed-point" (`snaxc.quantize.REQUANT_MODES`)."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.requant not in REQUANT_MODES:
            raise DiagnosticException(
                f"fixed-point-requant: requant must be one of {', '.join(REQUANT_MODES)}, "
                f"got {self.requant!r}"
            )
        f32 = self.requant == "float32"
        PatternRewriteWalker(
            GreedyRewritePatternApplier(
                [
                    RequantizeIntegers(f32),
                    RequantizeBiasedAccumulator(f32),
                    IntegerAdd(f32),
                    IntegerClamp(f32),
                    IntegerPool(f32),
                ]
            ),
            apply_recursively=True,
        ).rewrite_module(op)
