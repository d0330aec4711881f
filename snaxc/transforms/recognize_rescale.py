"""`recognize-rescale`: integer fixed-point requantization bodies become `kernel.rescale`.

A requantization written in integer arith (what `kernel-to-arith` expands a rescale into,
and what a user writes by hand) is recognised in a `linalg.generic` body:

    ^bb0(%x: i32, %o: i8):                         ^bb0(%x: i32, %o: i8):
      %0 = arith.extsi %x : i32 to i64               %r = kernel.rescale %x zp 0
      %1 = arith.muli %0, %mult : i64        ==>         mul M shift S out_zp Z
      %2 = arith.addi %1, %half : i64                    clamp L, H : i32 -> i8
      %3 = arith.shrsi %2, %shift : i64              linalg.yield %r : i8
      %4 = arith.addi %3, %out_zp : i64
      %5 = arith.maxsi %4, %lo : i64
      %6 = arith.minsi %5, %hi : i64
      %7 = arith.trunci %6 : i64 to i8
      linalg.yield %7 : i8

The product is computed in i64 (exact for an i32 input and a 32-bit multiplier). The
input zero point (`arith.subi` right after the extension), the rounding add with the
shift (`half` must be 2^(shift-1)) and the output zero point add are optional; the clamp
bounds may come in either order. Every constant is an `arith.constant`, inside the body
or outside (canonicalisation hoists them). Anything else in the body: left alone.

The float32 requantization that `kernel-to-arith` expands `kernel.rescale_f32` into is
recognised too (`match_rescale_f32`; the body of that pass's docstring, exactly):

    sitofp (of the i32 argument or its extsi), mulf by a constant scale, cmpf ult + select
    and cmpf ugt + select with integer constants, addf/subf of 1.5 * 2**23, fptosi to i32,
    an optional addi of the output zero point, trunci

and so is `kernel.add_f32`'s expansion (`match_add_f32`): a call of the private
`@snaxc_add_f32` on `extsi(a) - zx`, `extsi(b) - zy` (canonicalised forms too) and three i32
constants (the float32 bits of rA, rB, F), an optional addi of the output zero point, the
clamp, trunci. The function is erased when no call of it is left.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, func
from xdsl.dialects.builtin import Float32Type, FloatAttr, IntegerAttr, IntegerType, ModuleOp
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Block, BlockArgument, Operation, OpResult, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from snaxc.dialects import kernel
from snaxc.transforms.kernel_to_arith import ADD_F32_FUNC


def _constant(value: SSAValue) -> int | None:
    if isinstance(value, OpResult) and isinstance(value.op, arith.ConstantOp):
        attr = value.op.value
        if isinstance(attr, IntegerAttr):
            return attr.value.data
    return None


class _Chain:
    """Walks a use-def chain of single-use body ops from the yielded value upwards."""

    def __init__(self, block: Block):
        self.block = block
        self.ops: list[Operation] = []

    def op(self, value: SSAValue, *types: type[Operation]) -> Operation | None:
        if not isinstance(value, OpResult) or not isinstance(value.op, types):
            return None
        if value.op.parent_block() is not self.block or not value.has_one_use():
            return None
        self.ops.append(value.op)
        return value.op

    def binary_const(self, value: SSAValue, op_type: type[Operation]) -> tuple[SSAValue, int]:
        """(other operand, constant) of a single-use `op_type` with one constant operand."""
        op = self.op(value, op_type)
        if op is None:
            raise _NoMatch
        lhs, rhs = op.operands
        if (c := _constant(rhs)) is not None:
            return lhs, c
        if op_type is not arith.SubiOp and (c := _constant(lhs)) is not None:
            return rhs, c
        raise _NoMatch


class _NoMatch(Exception):
    pass


@dataclass
class RescaleParams:
    input: SSAValue
    input_zp: int = 0
    multiplier: int = 1
    shift: int = 0
    output_zp: int = 0
    min: int = 0
    max: int = 0


def match_rescale(root: SSAValue, block: Block) -> tuple[RescaleParams, list[Operation]] | None:
    """The rescale that `root` (the yielded value) computes, and the body ops it replaces."""
    chain = _Chain(block)
    try:
        trunc = chain.op(root, arith.TruncIOp)
        if trunc is None:
            raise _NoMatch
        x = trunc.operands[0]
        w = x.type.width.data if isinstance(x.type, IntegerType) else 0
        if w != 64:
            raise _NoMatch
        bounds: dict[type[Operation], int] = {}
        for _ in range(2):
            assert isinstance(x, OpResult | BlockArgument)
            kind = type(x.op) if isinstance(x, OpResult) else None
            if kind not in (arith.MinSIOp, arith.MaxSIOp) or kind in bounds:
                raise _NoMatch
            x, bounds[kind] = chain.binary_const(x, kind)
        p = RescaleParams(x, min=bounds[arith.MaxSIOp], max=bounds[arith.MinSIOp])
        if isinstance(x, OpResult) and isinstance(x.op, arith.AddiOp):
            x, p.output_zp = chain.binary_const(x, arith.AddiOp)
        if isinstance(x, OpResult) and isinstance(x.op, arith.ShRSIOp):
            x, p.shift = chain.binary_const(x, arith.ShRSIOp)
            x, half = chain.binary_const(x, arith.AddiOp)
            if not 1 <= p.shift <= 63 or half != 1 << (p.shift - 1):
                raise _NoMatch
        x, p.multiplier = chain.binary_const(x, arith.MuliOp)
        if isinstance(x, OpResult) and isinstance(x.op, arith.SubiOp):
            x, p.input_zp = chain.binary_const(x, arith.SubiOp)
        ext = chain.op(x, arith.ExtSIOp)
        if ext is None:
            raise _NoMatch
        p.input = ext.operands[0]
        if not isinstance(p.input, BlockArgument) or p.input.block is not block:
            raise _NoMatch
    except _NoMatch:
        return None
    return p, chain.ops


def _float_constant(value: SSAValue) -> float | None:
    if isinstance(value, OpResult) and isinstance(value.op, arith.ConstantOp):
        attr = value.op.value
        if isinstance(attr, FloatAttr) and isinstance(attr.type, Float32Type):
            return float(attr.value.data)
    return None


@dataclass
class RescaleF32Params:
    input: SSAValue
    scale: float
    output_zp: int
    min: int
    max: int


_ROUNDING = 12582912.0  # 1.5 * 2**23 (kernel_to_arith.ROUNDING_CONSTANT)


def match_rescale_f32(
    root: SSAValue, block: Block
) -> tuple[RescaleF32Params, list[Operation]] | None:
    """The `kernel.rescale_f32` that `root` computes (the body `kernel-to-arith` emits), and
    the body ops it replaces (the first one is the yielded value's producer)."""
    ops: list[Operation] = []

    def op(value: SSAValue, op_type: type[Operation], uses: int = 1) -> Operation:
        if not isinstance(value, OpResult) or not isinstance(value.op, op_type):
            raise _NoMatch
        if value.op.parent_block() is not block or len(list(value.uses)) != uses:
            raise _NoMatch
        ops.append(value.op)
        return value.op

    def clamp(value: SSAValue, predicate: str, uses: int) -> tuple[SSAValue, int]:
        sel = op(value, arith.SelectOp, uses)
        cmp = op(sel.operands[0], arith.CmpfOp)
        if arith.CMPF_COMPARISON_OPERATIONS[cmp.predicate.value.data] != predicate:
            raise _NoMatch
        x, bound = cmp.operands
        c = _float_constant(bound)
        if c is None or c != int(c) or sel.operands[1] is not bound or sel.operands[2] is not x:
            raise _NoMatch
        return x, int(c)

    try:
        x = root
        rtype = root.type
        assert isinstance(rtype, IntegerType)
        if rtype.width.data < 32:
            x = op(x, arith.TruncIOp).operands[0]
        if not isinstance(x.type, IntegerType) or x.type.width.data != 32:
            raise _NoMatch
        zp = 0
        if isinstance(x, OpResult) and isinstance(x.op, arith.AddiOp):
            add = op(x, arith.AddiOp)
            x, c = add.operands
            zp = _constant(c)
            if zp is None:
                raise _NoMatch
        x = op(x, arith.FPToSIOp).operands[0]
        sub = op(x, arith.SubfOp)
        if _float_constant(sub.operands[1]) != _ROUNDING:
            raise _NoMatch
        add = op(sub.operands[0], arith.AddfOp)
        if _float_constant(add.operands[1]) != _ROUNDING:
            raise _NoMatch
        x, hi = clamp(add.operands[0], "ugt", 1)
        x, lo = clamp(x, "ult", 2)
        mul = op(x, arith.MulfOp, 2)
        scale = _float_constant(mul.operands[1])
        if scale is None:
            raise _NoMatch
        x = op(mul.operands[0], arith.SIToFPOp).operands[0]
        if isinstance(x, OpResult) and isinstance(x.op, arith.ExtSIOp):
            x = op(x, arith.ExtSIOp).operands[0]
        if not isinstance(x, BlockArgument) or x.block is not block:
            raise _NoMatch
    except _NoMatch:
        return None
    return RescaleF32Params(x, scale, zp, lo + zp, hi + zp), ops


def _centred(chain: _Chain, value: SSAValue, block: Block) -> tuple[BlockArgument, int]:
    """(i8 block argument, zero point) of `extsi(arg) - zp` (canonicalised: `+ (-zp)`, or no
    subtraction for zp = 0)."""
    zp = 0
    if isinstance(value, OpResult) and isinstance(value.op, arith.SubiOp):
        value, zp = chain.binary_const(value, arith.SubiOp)
    elif isinstance(value, OpResult) and isinstance(value.op, arith.AddiOp):
        value, neg = chain.binary_const(value, arith.AddiOp)
        zp = -neg
    ext = chain.op(value, arith.ExtSIOp)
    if ext is None:
        raise _NoMatch
    arg = ext.operands[0]
    if not isinstance(arg, BlockArgument) or arg.block is not block:
        raise _NoMatch
    return arg, zp


def match_add_f32(root: SSAValue, block: Block) -> tuple[dict, list[Operation]] | None:
    """The `kernel.add_f32` that `kernel-to-arith` expanded into `root` (a call of
    `@snaxc_add_f32`, + output zero point, clamp, trunci), and the body ops it replaces."""
    chain = _Chain(block)
    try:
        trunc = chain.op(root, arith.TruncIOp)
        if trunc is None:
            raise _NoMatch
        x = trunc.operands[0]
        bounds: dict[type[Operation], int] = {}
        for _ in range(2):
            kind = type(x.op) if isinstance(x, OpResult) else None
            if kind not in (arith.MinSIOp, arith.MaxSIOp) or kind in bounds:
                raise _NoMatch
            x, bounds[kind] = chain.binary_const(x, kind)
        zo = 0
        if isinstance(x, OpResult) and isinstance(x.op, arith.AddiOp):
            x, zo = chain.binary_const(x, arith.AddiOp)
        call = chain.op(x, func.CallOp)
        if call is None or call.callee.string_value() != ADD_F32_FUNC or len(call.operands) != 5:
            raise _NoMatch
        a, za = _centred(chain, call.operands[0], block)
        b, zb = _centred(chain, call.operands[1], block)
        bits = [_constant(v) for v in call.operands[2:]]
        if any(v is None for v in bits):
            raise _NoMatch
    except _NoMatch:
        return None
    ra, rb, f = (float(kernel.f32_value(v)) for v in bits)  # type: ignore[arg-type]
    params = dict(
        lhs=a,
        rhs=b,
        lhs_zp=za,
        rhs_zp=zb,
        ra=ra,
        rb=rb,
        offset=f,
        output_zp=zo,
        min=bounds[arith.MaxSIOp],
        max=bounds[arith.MinSIOp],
    )
    return params, chain.ops


def _erase_unused_add_f32_function(module: ModuleOp) -> None:
    calls = [o for o in module.walk() if isinstance(o, func.CallOp)]
    if any(c.callee.string_value() == ADD_F32_FUNC for c in calls):
        return
    for o in list(module.ops):
        if isinstance(o, func.FuncOp) and o.sym_name.data == ADD_F32_FUNC:
            o.detach()
            o.erase()


class RecognizeRescale(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, generic: linalg.GenericOp, rewriter: PatternRewriter, /):
        block = generic.body.block
        yield_op = block.last_op
        if not isinstance(yield_op, linalg.YieldOp) or len(yield_op.operands) != 1:
            return
        root = yield_op.operands[0]
        if not isinstance(root.type, IntegerType):
            return
        add_found = match_add_f32(root, block)
        if add_found is not None:
            self._replace_add_f32(root, block, *add_found, rewriter)
            return
        found = match_rescale(root, block)
        if found is None:
            f32_found = match_rescale_f32(root, block)
            if f32_found is not None:
                self._replace_f32(root, block, *f32_found, rewriter)
            return
        p, ops = found
        matched = set(ops)
        for op in block.ops:
            if op not in matched and op is not yield_op and not isinstance(op, arith.ConstantOp):
                return
        try:
            new = kernel.RescaleOp(
                p.input,
                root.type,
                input_zp=p.input_zp,
                multiplier=p.multiplier,
                shift=p.shift,
                output_zp=p.output_zp,
                min=p.min,
                max=p.max,
            )
            new.verify()
        except Exception:
            return  # e.g. bounds outside the result type: not a rescale the kernel expresses
        rewriter.replace(ops[0], new)
        for op in ops[1:]:
            rewriter.erase(op)
        for op in list(block.ops):
            if isinstance(op, arith.ConstantOp) and not op.result.uses:
                rewriter.erase(op)

    @staticmethod
    def _replace_f32(
        root: SSAValue,
        block: Block,
        p: RescaleF32Params,
        ops: list[Operation],
        rewriter: PatternRewriter,
    ) -> None:
        matched = set(ops)
        yield_op = block.last_op
        for op in block.ops:
            if op not in matched and op is not yield_op and not isinstance(op, arith.ConstantOp):
                return
        try:
            assert isinstance(root.type, IntegerType)
            new = kernel.RescaleF32Op(
                p.input, root.type, scale=p.scale, output_zp=p.output_zp, min=p.min, max=p.max
            )
            new.verify()
        except Exception:
            return  # e.g. a scale that is not a positive normal float32
        if float(new.scale) != p.scale:
            return
        rewriter.replace(ops[0], new)
        for op in ops[1:]:
            if op.parent is not None:
                rewriter.erase(op, safe_erase=False)
        for op in list(block.ops):
            if isinstance(op, arith.ConstantOp) and not op.result.uses:
                rewriter.erase(op)

    @staticmethod
    def _replace_add_f32(
        root: SSAValue, block: Block, p: dict, ops: list[Operation], rewriter: PatternRewriter
    ) -> None:
        matched = set(ops)
        yield_op = block.last_op
        for op in block.ops:
            if op not in matched and op is not yield_op and not isinstance(op, arith.ConstantOp):
                return
        try:
            assert isinstance(root.type, IntegerType)
            new = kernel.AddF32Op(p.pop("lhs"), p.pop("rhs"), root.type, **p)
            new.verify()
        except Exception:
            return  # outside the op's domain: stays a call
        rewriter.replace(ops[0], new)
        for op in ops[1:]:
            if op.parent is not None:
                rewriter.erase(op, safe_erase=False)
        for op in list(block.ops):
            if isinstance(op, arith.ConstantOp) and not op.result.uses:
                rewriter.erase(op)


@dataclass(frozen=True)
class RecognizeRescalePass(ModulePass):
    """Replace integer fixed-point requantization bodies by `kernel.rescale`."""

    name = "recognize-rescale"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(RecognizeRescale(), apply_recursively=False).rewrite_module(op)
        _erase_unused_add_f32_function(op)
