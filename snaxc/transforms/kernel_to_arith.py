"""`kernel-to-arith`: `kernel` ops back to integer arith, for kernels that run on the core.

A generic that no accelerator takes is lowered to loops on the control core; its body
must then be plain arith again. Each kernel op expands to its definition (see
`snaxc.dialects.kernel`): operands sign-extended to the result width, wrapping
arithmetic; `kernel.rescale` computes in 64 bits before clamping and truncating.

`kernel.rescale_f32` becomes float32 arith (soft-float on the core, IEEE round half to
even in every step, so bit-exact with `snaxc.golden.requant.requantize_f32`):

    %f = arith.sitofp %x : i32 to f32              float32(acc)
    %p = arith.mulf %f, %scale : f32               float32(float32(acc) * scale)
    %lo/%hi: cmpf ult/ugt + select with min - zp, max - zp (integers: clamping before
             rounding gives the rounded value clamped)
    %r = (%c + 1.5 * 2**23) - 1.5 * 2**23          round half to even (|%c| <= 2**16)
    %i = arith.fptosi %r : f32 to i32,  + zp,  arith.trunci

(the rounding by the 1.5 * 2**23 addition needs no `roundevenf`, which the core's
compiler-rt does not provide). `recognize-rescale` turns exactly this body back into
`kernel.rescale_f32`.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith
from xdsl.dialects.builtin import FloatAttr, IntegerAttr, IntegerType, ModuleOp, f32, i32, i64
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from snaxc.dialects import kernel


class _Emitter:
    """Collects the ops that replace one kernel op."""

    def __init__(self) -> None:
        self.ops: list[Operation] = []

    def add(self, op: Operation) -> SSAValue:
        self.ops.append(op)
        return op.results[0]

    def extend(self, value: SSAValue, t: IntegerType) -> SSAValue:
        vt = value.type
        assert isinstance(vt, IntegerType)
        if vt.width.data == t.width.data:
            return value
        return self.add(arith.ExtSIOp(value, t))

    def const(self, value: int, t: IntegerType) -> SSAValue:
        return self.add(arith.ConstantOp(IntegerAttr(value, t)))


def _result_type(op: kernel.KernelOp) -> IntegerType:
    t = op.result.type
    assert isinstance(t, IntegerType)
    return t


class ExpandBinary(RewritePattern):
    """`kernel.add/mul/max` -> `arith.addi/muli/maxsi` on sign-extended operands."""

    ARITH = {kernel.AddOp: arith.AddiOp, kernel.MulOp: arith.MuliOp, kernel.MaxOp: arith.MaxSIOp}

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: kernel.BinaryKernelOp, rewriter: PatternRewriter, /):
        t = _result_type(op)
        e = _Emitter()
        lhs, rhs = e.extend(op.lhs, t), e.extend(op.rhs, t)
        e.add(self.ARITH[type(op)](lhs, rhs))
        rewriter.replace(op, e.ops)


class ExpandRelu(RewritePattern):
    """`kernel.relu x` -> `arith.maxsi x, 0`."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: kernel.ReluOp, rewriter: PatternRewriter, /):
        e = _Emitter()
        zero = e.const(0, _result_type(op))
        e.add(arith.MaxSIOp(op.input, zero))
        rewriter.replace(op, e.ops)


class ExpandMac(RewritePattern):
    """`kernel.mac a, b, acc` -> `acc + ext(a) * ext(b)`."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: kernel.MacOp, rewriter: PatternRewriter, /):
        t = _result_type(op)
        e = _Emitter()
        prod = e.add(arith.MuliOp(e.extend(op.lhs, t), e.extend(op.rhs, t)))
        e.add(arith.AddiOp(op.acc, prod))
        rewriter.replace(op, e.ops)


class ExpandQMac(RewritePattern):
    """`kernel.qmac a, b zp za, zb acc acc` -> `acc + (ext(a) - za) * (ext(b) - zb)`."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: kernel.QMacOp, rewriter: PatternRewriter, /):
        t = _result_type(op)
        e = _Emitter()
        a = e.add(arith.SubiOp(e.extend(op.lhs, t), e.extend(op.lhs_zp, t)))
        b = e.add(arith.SubiOp(e.extend(op.rhs, t), e.extend(op.rhs_zp, t)))
        e.add(arith.AddiOp(op.acc, e.add(arith.MuliOp(a, b))))
        rewriter.replace(op, e.ops)


class ExpandRescale(RewritePattern):
    """`kernel.rescale` -> its fixed-point definition, computed in i64."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: kernel.RescaleOp, rewriter: PatternRewriter, /):
        t = _result_type(op)
        e = _Emitter()
        x = e.extend(op.input, i64)
        x = e.add(arith.SubiOp(x, e.const(op.input_zp.value.data, i64)))
        x = e.add(arith.MuliOp(x, e.const(op.multiplier.value.data, i64)))
        shift = op.shift.value.data
        if shift:
            x = e.add(arith.AddiOp(x, e.const(1 << (shift - 1), i64)))
            x = e.add(arith.ShRSIOp(x, e.const(shift, i64)))
        x = e.add(arith.AddiOp(x, e.const(op.output_zp.value.data, i64)))
        x = e.add(arith.MaxSIOp(x, e.const(op.min.value.data, i64)))
        x = e.add(arith.MinSIOp(x, e.const(op.max.value.data, i64)))
        if t.width.data < 64:
            e.add(arith.TruncIOp(x, t))
        rewriter.replace(op, e.ops)


ROUNDING_CONSTANT = 12582912.0
"""1.5 * 2**23: float32(v + c) - c rounds v to an integer, half to even, for |v| <= 2**22."""


def clamp_round_f32(e: _Emitter, v: SSAValue, lo: int, hi: int) -> SSAValue:
    """Float32 `v` clamped to the integers [lo, hi] (|lo|, |hi| <= 2**16) and rounded half to
    even, as i32: cmpf/select, the 1.5 * 2**23 addition, fptosi."""
    lo_c = e.add(arith.ConstantOp(FloatAttr(float(lo), f32)))
    hi_c = e.add(arith.ConstantOp(FloatAttr(float(hi), f32)))
    below = e.add(arith.CmpfOp(v, lo_c, "ult"))
    v = e.add(arith.SelectOp(below, lo_c, v))
    above = e.add(arith.CmpfOp(v, hi_c, "ugt"))
    v = e.add(arith.SelectOp(above, hi_c, v))
    magic = e.add(arith.ConstantOp(FloatAttr(ROUNDING_CONSTANT, f32)))
    v = e.add(arith.AddfOp(v, magic))
    v = e.add(arith.SubfOp(v, magic))
    return e.add(arith.FPToSIOp(v, i32))


class ExpandRescaleF32(RewritePattern):
    """`kernel.rescale_f32` -> float32 arith (see the module docstring)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: kernel.RescaleF32Op, rewriter: PatternRewriter, /):
        t = _result_type(op)
        e = _Emitter()
        zp = op.output_zp.value.data
        f = e.add(arith.SIToFPOp(e.extend(op.input, i32), f32))
        scale = e.add(arith.ConstantOp(FloatAttr(float(op.scale), f32)))
        v = e.add(arith.MulfOp(f, scale))
        q = clamp_round_f32(e, v, op.min.value.data - zp, op.max.value.data - zp)
        if zp:
            q = e.add(arith.AddiOp(q, e.const(zp, i32)))
        if t.width.data < 32:
            e.add(arith.TruncIOp(q, t))
        rewriter.replace(op, e.ops)


@dataclass(frozen=True)
class KernelToArith(ModulePass):
    """Expand every `kernel` op into integer arith."""

    name = "kernel-to-arith"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(
            GreedyRewritePatternApplier(
                [
                    ExpandBinary(),
                    ExpandRelu(),
                    ExpandMac(),
                    ExpandQMac(),
                    ExpandRescale(),
                    ExpandRescaleF32(),
                ]
            ),
            apply_recursively=False,
        ).rewrite_module(op)
