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

`kernel.add_f32` (onnxruntime's float32 QLinearAdd: two exactly rounded float32 FMAs)
becomes a call of the private function `@snaxc_add_f32` (added to the module once), then the
output zero point and the clamp. The function computes the FMAs in i64 integer steps, as
the SIMD `fadd` does (`snax_requant_pkg::f32_fma`), for |x'|, |y'| < 2**9 (the kernel op's
domain): the exact product |x'| * ma (at most 33 bits) and the addend's mantissa are
aligned in a 60-bit window whose top holds the larger operand (an operand reaching below
it is at least 2**27 times smaller than the other and enters as a sticky bit, which cannot
move the rounding position 30 bits higher), summed, rounded half to even to 24 significant
bits (unbounded exponent: every value is a multiple of 2**-149, so this is IEEE's result
without overflow, see `snaxc.golden.requant`); the final rounding to an integer saturates
at 2**24. No floating point (compiler-rt has no `fmaf`; f64 would double-round), and a call
survives the upstream round trip (canonicalisation, CSE) unchanged, so `recognize-rescale`
turns it back into `kernel.add_f32`.

The float32 average pool's finish, `clamp(round_half_even(float32(float32(s / N) / so)) +
zo)` on the `fsum` result s, is not a kernel op: `fixed-point-requant` builds its generic's
body with `average_pool_finish` (defined here, next to the integer helpers it shares), i32
integer arith only. Each float32 division by a constant (`div_f32_const`) is a 32 x 32-bit
multiply-high by the divisor mantissa's precomputed reciprocal, one exact remainder
correction and float32's rounding (sticky bit, subnormal results, overflow), bit for bit
numpy's division; no soft-float `__divsf3`, no i64 division. Nothing recognizes it back: the
generic stays a core loop of plain arith, which the round trip keeps equivalent.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, func
from xdsl.dialects.builtin import (
    FloatAttr,
    FunctionType,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    f32,
    i32,
    i64,
)
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from snaxc.dialects import kernel
from snaxc.golden.requant import scale_fields


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


ADD_F32_FUNC = "snaxc_add_f32"
"""The private function `kernel.add_f32` expands into (one per module, integer arith only);
`recognize-rescale` turns a generic body calling it back into `kernel.add_f32`."""

_W = 60
"""Alignment window of the integer FMA (bits): the product |x'| * ma has at most 33 bits
(|x'| < 2**9), the addend 25; an operand below the window is 2**27 times smaller than the
other, its bits only a sticky bit (see the module docstring)."""


class _I64:
    """Branch-free integer arith on SSA values of type `t` (i64 unless given; shift amounts
    kept in [0, width - 2])."""

    def __init__(self, e: _Emitter, t: IntegerType = i64):
        self.e = e
        self.t = t
        self.width = t.width.data

    def c(self, v: int) -> SSAValue:
        return self.e.const(v, self.t)

    def op(self, cls, a: SSAValue, b: SSAValue | int) -> SSAValue:
        return self.e.add(cls(a, b if isinstance(b, SSAValue) else self.c(b)))

    def cmp(self, a: SSAValue, b: SSAValue | int, pred: str) -> SSAValue:
        return self.e.add(arith.CmpiOp(a, b if isinstance(b, SSAValue) else self.c(b), pred))

    def sel(self, cond: SSAValue, a: SSAValue | int, b: SSAValue | int) -> SSAValue:
        a = a if isinstance(a, SSAValue) else self.c(a)
        b = b if isinstance(b, SSAValue) else self.c(b)
        return self.e.add(arith.SelectOp(cond, a, b))

    def clamp_shift(self, n: SSAValue) -> SSAValue:
        n = self.op(arith.MaxSIOp, n, 0)
        return self.op(arith.MinSIOp, n, self.width - 2)

    def bit_length(self, x: SSAValue) -> SSAValue:
        """Bit length of 0 <= x < 2**(width - 1), by halves."""
        n = self.c(0)
        step = self.width // 2
        while step:
            t = self.op(arith.ShRUIOp, x, step)
            nz = self.cmp(t, 0, "ne")
            x = self.sel(nz, t, x)
            n = self.op(arith.AddiOp, n, self.sel(nz, step, 0))
            step //= 2
        return self.op(arith.AddiOp, n, self.e.add(arith.ExtUIOp(self.cmp(x, 0, "ne"), self.t)))

    def shift_rne(self, x: SSAValue, n: SSAValue) -> SSAValue:
        """x / 2**n rounded half to even (x >= 0, 0 <= n <= 63)."""
        q = self.op(arith.ShRUIOp, x, n)
        one_n = self.op(arith.ShLIOp, self.c(1), n)
        rem = self.op(arith.AndIOp, x, self.op(arith.SubiOp, one_n, 1))
        half = self.op(arith.ShRUIOp, one_n, 1)
        pos = self.cmp(n, 0, "sgt")
        gt = self.cmp(rem, half, "ugt")
        tie_odd = self.op(
            arith.AndIOp, self.cmp(rem, half, "eq"), self.cmp(self.op(arith.AndIOp, q, 1), 1, "eq")
        )
        up = self.op(arith.AndIOp, pos, self.op(arith.OrIOp, gt, tie_odd))
        return self.op(arith.AddiOp, q, self.e.add(arith.ExtUIOp(up, self.t)))

    def align(self, m: SSAValue, e: SSAValue, e_lo: SSAValue) -> SSAValue:
        """m * 2**e in units of 2**(e_lo - 1), a sticky bit for bits below the window."""
        up = self.op(arith.ShLIOp, m, self.clamp_shift(self.op(arith.SubiOp, e, e_lo)))
        up = self.op(arith.ShLIOp, up, 1)
        sh = self.clamp_shift(self.op(arith.SubiOp, e_lo, e))
        lost = self.op(
            arith.AndIOp, m, self.op(arith.SubiOp, self.op(arith.ShLIOp, self.c(1), sh), 1)
        )
        down = self.op(arith.ShLIOp, self.op(arith.ShRUIOp, m, sh), 1)
        down = self.op(
            arith.OrIOp, down, self.e.add(arith.ExtUIOp(self.cmp(lost, 0, "ne"), self.t))
        )
        return self.sel(self.cmp(e, e_lo, "sge"), up, down)

    def unpack(self, bits: SSAValue) -> tuple[SSAValue, SSAValue, SSAValue]:
        """(negative, exponent, mantissa) of float32 bits (i64 holding the 32 bits)."""
        neg = self.cmp(self.op(arith.ShRUIOp, bits, 31), 1, "eq")
        exp = self.op(arith.AndIOp, self.op(arith.ShRUIOp, bits, 23), 0xFF)
        normal = self.cmp(exp, 0, "ne")
        m = self.op(arith.AndIOp, bits, 0x7F_FFFF)
        m = self.op(arith.OrIOp, m, self.sel(normal, 1 << 23, 0))
        ex = self.op(arith.SubiOp, self.op(arith.MaxSIOp, exp, 1), 150)
        return neg, ex, m

    def fma(self, x: SSAValue, a: tuple, c: tuple) -> tuple[SSAValue, SSAValue, SSAValue]:
        """float32(x * a + c) rounded once, as (negative, exponent, mantissa <= 2**24), for
        |x| < 2**9 and float32 values a, c (unbounded exponent: see the module docstring)."""
        a_neg, a_e, a_m = a
        c_neg, c_e, c_m = c
        x_neg = self.cmp(x, 0, "slt")
        p_neg = self.op(arith.XOrIOp, x_neg, a_neg)
        pm = self.op(arith.MuliOp, self.sel(x_neg, self.op(arith.SubiOp, self.c(0), x), x), a_m)
        c_zero = self.cmp(c_m, 0, "eq")
        tp = self.op(arith.AddiOp, a_e, self.bit_length(pm))
        tc = self.op(arith.AddiOp, c_e, self.bit_length(c_m))
        top = self.sel(self.op(arith.OrIOp, c_zero, self.cmp(tp, tc, "sgt")), tp, tc)
        e_lo = self.sel(self.op(arith.OrIOp, c_zero, self.cmp(a_e, c_e, "slt")), a_e, c_e)
        e_lo = self.op(arith.MaxSIOp, e_lo, self.op(arith.SubiOp, top, _W))
        vp = self.align(pm, a_e, e_lo)
        vc = self.sel(c_zero, 0, self.align(c_m, c_e, e_lo))
        zero = self.c(0)
        vp = self.sel(p_neg, self.op(arith.SubiOp, zero, vp), vp)
        vc = self.sel(c_neg, self.op(arith.SubiOp, zero, vc), vc)
        total = self.op(arith.AddiOp, vp, vc)
        neg = self.cmp(total, 0, "slt")
        mag = self.sel(neg, self.op(arith.SubiOp, zero, total), total)
        d = self.op(arith.MaxSIOp, self.op(arith.SubiOp, self.bit_length(mag), 24), 0)
        m = self.shift_rne(mag, d)
        ex = self.op(arith.AddiOp, self.op(arith.SubiOp, e_lo, 1), d)
        p_zero = self.cmp(pm, 0, "eq")
        return (
            self.sel(p_zero, c_neg, neg),
            self.sel(p_zero, c_e, ex),
            self.sel(p_zero, c_m, m),
        )

    def to_int(self, v: tuple) -> SSAValue:
        """round_half_even of a value, magnitudes saturated at 2**24."""
        neg, ex, m = v
        sat = self.c(1 << 24)
        small = self.shift_rne(m, self.clamp_shift(self.op(arith.SubiOp, self.c(0), ex)))
        big = self.op(arith.ShLIOp, m, self.op(arith.MinSIOp, self.op(arith.MaxSIOp, ex, 0), 8))
        big = self.op(arith.MinSIOp, big, sat)
        big = self.sel(self.cmp(ex, 8, "sge"), sat, big)
        r = self.sel(self.cmp(ex, 0, "sge"), big, small)
        r = self.sel(self.cmp(m, 0, "eq"), 0, r)
        return self.sel(neg, self.op(arith.SubiOp, self.c(0), r), r)


def div_f32_const(x: _I64, bits: SSAValue, divisor: float) -> SSAValue:
    """float32 bits (i32) of float32(v / divisor), correctly rounded half to even, for the
    float32 v with bits `bits` (i32) and a positive normal float32 constant `divisor`, with `x`
    an i32 emitter: integer steps only (no division instruction, no soft-float call), as float32
    does it, including signed zeros, subnormal operands and results, overflow to infinity, and
    inf/NaN operands passed through.

    The 24-bit mantissa mn of v (normalised, also for a subnormal v) is divided by the
    divisor's mantissa dm (2**23 <= dm < 2**24): q = floor(mn * 2**26 / dm) is estimated as
    the high word of (mn << 8) * floor(2**50 / dm) (a 32 x 32-bit `mulhu`; the reciprocal's
    truncation error keeps the estimate within one below q) and corrected once with the
    remainder r = mn * 2**26 - q * dm (computed modulo 2**32: the true value is below 2 * dm).
    2**25 < q < 2**27, so 2q + (r != 0) holds the 24 kept bits, the round bit and a sticky bit;
    it is rounded half to even at the float32 position (more bits dropped for a subnormal
    result) and packed as ((Eb - 1) << 23) + mantissa, which carries a mantissa rounded up to
    2**24 into the exponent field (and to infinity from Eb = 254)."""
    dm, de = scale_fields(divisor)
    inv = (1 << 50) // dm  # < 2**27
    neg_bit = x.op(arith.AndIOp, bits, -(1 << 31))
    field = x.op(arith.AndIOp, x.op(arith.ShRUIOp, bits, 23), 0xFF)
    _, ex, m = x.unpack(bits)
    zero = x.cmp(m, 0, "eq")
    norm = x.op(arith.SubiOp, x.c(24), x.bit_length(m))  # 0 unless v is subnormal
    mn = x.op(arith.ShLIOp, m, norm)
    ex = x.op(arith.SubiOp, ex, norm)
    wide = x.e.add(arith.ExtUIOp(x.op(arith.ShLIOp, mn, 8), i64))
    prod = x.e.add(arith.MuliOp(wide, x.e.const(inv, i64)))
    q = x.e.add(arith.TruncIOp(x.e.add(arith.ShRUIOp(prod, x.e.const(32, i64))), i32))
    r = x.op(arith.SubiOp, x.op(arith.ShLIOp, mn, 26), x.op(arith.MuliOp, q, dm))
    fix = x.cmp(r, dm, "uge")
    q = x.op(arith.AddiOp, q, x.e.add(arith.ExtUIOp(fix, i32)))
    r = x.sel(fix, x.op(arith.SubiOp, r, dm), r)
    sticky = x.e.add(arith.ExtUIOp(x.cmp(r, 0, "ne"), i32))
    q2 = x.op(arith.OrIOp, x.op(arith.ShLIOp, q, 1), sticky)
    # 2**26 < q2 < 2**28: bit length 27 or 28.
    n = x.op(arith.AddiOp, x.e.add(arith.ExtUIOp(x.cmp(q2, 1 << 27, "uge"), i32)), 27)
    # value = q2 * 2**(ex - 27 - de); its top bit has the biased exponent eb.
    eb = x.op(arith.AddiOp, n, x.op(arith.SubiOp, ex, 27 + de - 126))
    eb1 = x.op(arith.MaxSIOp, eb, 1)
    drop = x.op(arith.AddiOp, x.op(arith.SubiOp, n, 24), x.op(arith.SubiOp, eb1, eb))
    mr = x.shift_rne(q2, x.clamp_shift(drop))
    packed = x.op(arith.AddiOp, x.op(arith.ShLIOp, x.op(arith.SubiOp, eb1, 1), 23), mr)
    packed = x.sel(x.cmp(eb, 0xFF, "sge"), 0x7F80_0000, packed)
    packed = x.op(arith.OrIOp, packed, neg_bit)
    packed = x.sel(zero, neg_bit, packed)
    return x.sel(x.cmp(field, 0xFF, "eq"), bits, packed)


def average_pool_finish(
    e: _Emitter, s: SSAValue, window: int, y_scale: float, zp: int, lo: int, hi: int
) -> SSAValue:
    """clamp(round_half_even(float32(float32(s / window) / y_scale)) + zp, lo, hi) as i32 for
    the float32 `s` (an `fsum` result), in i32 integer arith (`div_f32_const`, then the
    rounding of `snaxc.golden.requant._round_to_int`: magnitudes from 2**23 on saturate): the
    average pool's finish on the core without soft-float calls."""
    x = _I64(e, i32)
    v = div_f32_const(x, e.add(arith.BitcastOp(s, i32)), float(window))
    v = div_f32_const(x, v, y_scale)
    neg, ex, m = x.unpack(v)
    small = x.shift_rne(m, x.clamp_shift(x.op(arith.SubiOp, x.c(0), ex)))
    r = x.sel(x.cmp(ex, 0, "sge"), 1 << 23, small)
    r = x.sel(x.cmp(m, 0, "eq"), 0, x.op(arith.MinSIOp, r, 1 << 23))
    r = x.sel(neg, x.op(arith.SubiOp, x.c(0), r), r)
    r = x.op(arith.AddiOp, r, zp)
    r = x.op(arith.MaxSIOp, r, lo)
    return x.op(arith.MinSIOp, r, hi)


def add_f32_function() -> func.FuncOp:
    """`snaxc_add_f32(x', y', ra, rb, f: i32) -> i32`: round_half_even(fma(x', ra,
    fma(y', rb, f))) with magnitudes saturated at 2**24 (rA, rB, F as float32 bits; |x'|,
    |y'| < 2**9), in i64 integer arith."""
    block = Block(arg_types=[i32] * 5)
    e = _Emitter()
    b = _I64(e)
    xs, ys = (e.add(arith.ExtSIOp(a, i64)) for a in block.args[:2])
    ra, rb, f = (e.add(arith.ExtUIOp(a, i64)) for a in block.args[2:])
    t = b.fma(ys, b.unpack(rb), b.unpack(f))
    r = b.fma(xs, b.unpack(ra), t)
    q = b.to_int(r)
    out = e.add(arith.TruncIOp(q, i32))
    block.add_ops([*e.ops, func.ReturnOp(out)])
    return func.FuncOp(
        ADD_F32_FUNC, FunctionType.from_lists([i32] * 5, [i32]), Region(block), "private"
    )


def ensure_add_f32_function(module: ModuleOp) -> None:
    """Add `@snaxc_add_f32` at the end of `module` if it is called and not defined there (a
    declaration is replaced by the definition)."""
    calls = (o for o in module.walk() if isinstance(o, func.CallOp))
    if not any(c.callee.string_value() == ADD_F32_FUNC for c in calls):
        return
    for o in list(module.ops):
        if isinstance(o, func.FuncOp) and o.sym_name.data == ADD_F32_FUNC:
            if not o.is_declaration:
                return
            o.detach()
            o.erase()
    module.body.block.add_op(add_f32_function())


class ExpandAddF32(RewritePattern):
    """`kernel.add_f32` -> a call of `@snaxc_add_f32` (integer steps), then the output zero
    point and the clamp (see the module docstring)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: kernel.AddF32Op, rewriter: PatternRewriter, /):
        e = _Emitter()
        xs = e.add(arith.SubiOp(e.extend(op.lhs, i32), e.const(op.prop("lhs_zp"), i32)))
        ys = e.add(arith.SubiOp(e.extend(op.rhs, i32), e.const(op.prop("rhs_zp"), i32)))
        params = [e.const(_i32(op.prop(n)), i32) for n in ("ra_bits", "rb_bits", "offset_bits")]
        q = e.add(func.CallOp(ADD_F32_FUNC, [xs, ys, *params], [i32]))
        q = e.add(arith.AddiOp(q, e.const(op.prop("output_zp"), i32)))
        q = e.add(arith.MaxSIOp(q, e.const(op.prop("min"), i32)))
        q = e.add(arith.MinSIOp(q, e.const(op.prop("max"), i32)))
        e.add(arith.TruncIOp(q, _result_type(op)))
        rewriter.replace(op, e.ops)


def _i32(v: int) -> int:
    v &= 0xFFFF_FFFF
    return v - (1 << 32) if v >> 31 else v


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
                    ExpandAddF32(),
                ]
            ),
            apply_recursively=False,
        ).rewrite_module(op)
        ensure_add_f32_function(op)
