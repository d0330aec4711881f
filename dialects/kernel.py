"""The `kernel` dialect: compute kernels recognised in `linalg.generic` bodies.

`recognize-kernels` replaces the scalar arith body of a `linalg.generic` with one of these
ops, so that later passes dispatch a generic by asking the accelerator descriptions which
kernels they support, instead of pattern-matching arith chains again:

    linalg.generic {...} ins(%A, %B : ...) outs(%C : ...) {
    ^bb0(%a: i8, %b: i8, %c: i32):
      %r = kernel.mac %a, %b, %c : i8, i8, i32 -> i32
      linalg.yield %r : i32
    }

Semantics are on integers. Narrower operands are sign-extended to the result width and
arithmetic wraps at the result width (as arith.extsi + arith.addi/muli do).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from xdsl.dialects.builtin import I64, IntegerAttr, IntegerType
from xdsl.ir import Dialect, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    VarConstraint,
    base,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from snaxc.golden.requant import f32_bits, f32_value, is_positive_normal_f32


def _width(value: SSAValue) -> int:
    t = value.type
    assert isinstance(t, IntegerType)
    return t.width.data


def _wrap(x: int, width: int) -> int:
    """Two's-complement wrap of x to `width` bits."""
    x &= (1 << width) - 1
    return x - (1 << width) if x >> (width - 1) else x


class KernelOp(IRDLOperation):
    """Common interface: every kernel op has one integer result and a reference model."""

    result = result_def(IntegerType)

    traits = traits_def(Pure())

    def check_operand_widths(self, *operands: SSAValue) -> None:
        w = _width(self.result)
        for v in operands:
            if _width(v) > w:
                raise VerifyException(
                    f"operand type {v.type} is wider than the result type {self.result.type}"
                )

    def reference(self, *args: int) -> int:
        """The op applied to Python integers (the golden model of the kernel)."""
        raise NotImplementedError


class BinaryKernelOp(KernelOp):
    """`result = f(lhs, rhs)` elementwise, operands sign-extended to the result width."""

    lhs = operand_def(IntegerType)
    rhs = operand_def(IntegerType)

    assembly_format = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)"

    def __init__(self, lhs: SSAValue, rhs: SSAValue, result_type: IntegerType):
        super().__init__(operands=[lhs, rhs], result_types=[result_type])

    def verify_(self) -> None:
        self.check_operand_widths(self.lhs, self.rhs)


@irdl_op_definition
class AddOp(BinaryKernelOp):
    """Elementwise addition."""

    name = "kernel.add"

    def reference(self, *args: int) -> int:
        a, b = args
        return _wrap(a + b, _width(self.result))


@irdl_op_definition
class MulOp(BinaryKernelOp):
    """Elementwise multiplication."""

    name = "kernel.mul"

    def reference(self, *args: int) -> int:
        a, b = args
        return _wrap(a * b, _width(self.result))


@irdl_op_definition
class MaxOp(BinaryKernelOp):
    """Elementwise signed maximum (also max pooling: a reduction over the window)."""

    name = "kernel.max"

    def reference(self, *args: int) -> int:
        return max(args)


@irdl_op_definition
class ReluOp(KernelOp):
    """`max(input, 0)`, signed, same type in and out."""

    name = "kernel.relu"

    T: ClassVar = VarConstraint("T", base(IntegerType))
    input = operand_def(T)
    result = result_def(T)

    assembly_format = "$input attr-dict `:` type($input)"

    def __init__(self, input: SSAValue):
        super().__init__(operands=[input], result_types=[input.type])

    def reference(self, *args: int) -> int:
        return max(args[0], 0)


@irdl_op_definition
class MacOp(KernelOp):
    """Multiply-accumulate: `result = acc + lhs * rhs` (matmul, convolution)."""

    name = "kernel.mac"

    lhs = operand_def(IntegerType)
    rhs = operand_def(IntegerType)
    acc = operand_def(IntegerType)

    assembly_format = (
        "$lhs `,` $rhs `,` $acc attr-dict `:` type($lhs) `,` type($rhs) `,` type($acc) "
        "`->` type($result)"
    )

    def __init__(self, lhs: SSAValue, rhs: SSAValue, acc: SSAValue):
        super().__init__(operands=[lhs, rhs, acc], result_types=[acc.type])

    def verify_(self) -> None:
        if self.acc.type != self.result.type:
            raise VerifyException("accumulator and result types must be equal")
        self.check_operand_widths(self.lhs, self.rhs)

    def reference(self, *args: int) -> int:
        a, b, acc = args
        return _wrap(acc + a * b, _width(self.result))


@irdl_op_definition
class QMacOp(KernelOp):
    """Zero-point multiply-accumulate: `result = acc + (lhs - lhs_zp) * (rhs - rhs_zp)`.

    The zero points are SSA values (scalar inputs of the generic or constants), so one
    accelerator configuration serves any per-tensor zero point.
    """

    name = "kernel.qmac"

    lhs = operand_def(IntegerType)
    rhs = operand_def(IntegerType)
    lhs_zp = operand_def(IntegerType)
    rhs_zp = operand_def(IntegerType)
    acc = operand_def(IntegerType)

    assembly_format = (
        "$lhs `,` $rhs `zp` $lhs_zp `,` $rhs_zp `acc` $acc attr-dict `:` "
        "type($lhs) `,` type($rhs) `,` type($lhs_zp) `,` type($rhs_zp) `,` type($acc) "
        "`->` type($result)"
    )

    def __init__(
        self, lhs: SSAValue, rhs: SSAValue, lhs_zp: SSAValue, rhs_zp: SSAValue, acc: SSAValue
    ):
        super().__init__(operands=[lhs, rhs, lhs_zp, rhs_zp, acc], result_types=[acc.type])

    def verify_(self) -> None:
        if self.acc.type != self.result.type:
            raise VerifyException("accumulator and result types must be equal")
        self.check_operand_widths(self.lhs, self.rhs, self.lhs_zp, self.rhs_zp)

    def reference(self, *args: int) -> int:
        a, b, za, zb, acc = args
        return _wrap(acc + (a - za) * (b - zb), _width(self.result))


def _verify_output_range(
    result: SSAValue, min_: IntegerAttr, max_: IntegerAttr, output_zp: IntegerAttr
) -> None:
    """The clamp bounds are ordered and, with the output zero point, fit the result type."""
    w = _width(result)
    lo, hi = -(1 << (w - 1)), (1 << (w - 1)) - 1
    if not lo <= min_.value.data <= max_.value.data <= hi:
        raise VerifyException(
            f"clamp range [{min_.value.data}, {max_.value.data}] must be ordered and "
            f"inside [{lo}, {hi}] of {result.type}"
        )
    if not lo <= output_zp.value.data <= hi:
        raise VerifyException(f"output zero point must fit {result.type}")


@irdl_op_definition
class RescaleOp(KernelOp):
    """Fixed-point requantization of an accumulator to a narrower integer:

        result = clamp(((input - input_zp) * multiplier + 2^(shift-1)) >> shift
                       + output_zp, min, max)

    `>>` is an arithmetic shift of the exact (64-bit) product, so the rounding is half
    away from -inf (round half up). `min`/`max` must fit the result type; a `min` equal to
    the output zero point is a fused ReLU.
    """

    name = "kernel.rescale"

    input = operand_def(IntegerType)
    input_zp = prop_def(IntegerAttr[I64])
    multiplier = prop_def(IntegerAttr[I64])
    shift = prop_def(IntegerAttr[I64])
    output_zp = prop_def(IntegerAttr[I64])
    min = prop_def(IntegerAttr[I64])
    max = prop_def(IntegerAttr[I64])

    assembly_format = (
        "$input `zp` $input_zp `mul` $multiplier `shift` $shift `out_zp` $output_zp "
        "`clamp` $min `,` $max attr-dict `:` type($input) `->` type($result)"
    )

    def __init__(
        self,
        input: SSAValue,
        result_type: IntegerType,
        *,
        input_zp: int,
        multiplier: int,
        shift: int,
        output_zp: int,
        min: int,
        max: int,
    ):
        props = {
            "input_zp": input_zp,
            "multiplier": multiplier,
            "shift": shift,
            "output_zp": output_zp,
            "min": min,
            "max": max,
        }
        super().__init__(
            operands=[input],
            properties={k: IntegerAttr(v, 64) for k, v in props.items()},
            result_types=[result_type],
        )

    def verify_(self) -> None:
        if not 0 <= self.shift.value.data <= 63:
            raise VerifyException(f"shift must be in [0, 63], got {self.shift.value.data}")
        if not -(1 << 31) <= self.multiplier.value.data < 1 << 31:
            raise VerifyException("multiplier must fit in a signed 32-bit integer")
        _verify_output_range(self.result, self.min, self.max, self.output_zp)

    def reference(self, *args: int) -> int:
        x = (args[0] - self.input_zp.value.data) * self.multiplier.value.data
        s = self.shift.value.data
        if s:
            x = (x + (1 << (s - 1))) >> s
        x += self.output_zp.value.data
        return min(max(x, self.min.value.data), self.max.value.data)


@irdl_op_definition
class RescaleF32Op(KernelOp):
    """Float32 requantization of an accumulator, as onnxruntime computes it:

        result = clamp(round_half_even(float32(float32(input) * scale)) + output_zp, min, max)

    `scale` is a positive normal float32 given by its IEEE bits (`scale_bits`, exact in the
    text form, printed in decimal, parsed also in hex: `scale 0x3C23D70A` (1008981770) is
    0.01f). `float32(input)` and the product round half to even
    (IEEE); the result equals `snaxc.golden.requant.requantize_f32`, which computes it in
    integer steps (as the GeMM's `requant_f32` output stage does). The input must be at
    most 32 bits wide.
    """

    name = "kernel.rescale_f32"

    input = operand_def(IntegerType)
    scale_bits = prop_def(IntegerAttr[I64])
    output_zp = prop_def(IntegerAttr[I64])
    min = prop_def(IntegerAttr[I64])
    max = prop_def(IntegerAttr[I64])

    assembly_format = (
        "$input `scale` $scale_bits `out_zp` $output_zp `clamp` $min `,` $max attr-dict "
        "`:` type($input) `->` type($result)"
    )

    def __init__(
        self,
        input: SSAValue,
        result_type: IntegerType,
        *,
        scale: float,
        output_zp: int,
        min: int,
        max: int,
    ):
        props = {"scale_bits": f32_bits(scale), "output_zp": output_zp, "min": min, "max": max}
        super().__init__(
            operands=[input],
            properties={k: IntegerAttr(v, 64) for k, v in props.items()},
            result_types=[result_type],
        )

    @property
    def scale(self) -> np.float32:
        """The float32 scale."""
        return f32_value(self.scale_bits.value.data)

    def verify_(self) -> None:
        if _width(self.input) > 32:
            raise VerifyException(f"input type {self.input.type} is wider than i32")
        bits = self.scale_bits.value.data
        if not is_positive_normal_f32(bits):
            raise VerifyException(
                f"scale_bits {bits:#x} must be the bits of a positive normal float32"
            )
        _verify_output_range(self.result, self.min, self.max, self.output_zp)

    def reference(self, *args: int) -> int:
        from snaxc.golden.requant import requantize_f32_unclamped

        q = int(requantize_f32_unclamped(np.array([args[0]], np.int32), self.scale)[0])
        q += self.output_zp.value.data
        return min(max(q, self.min.value.data), self.max.value.data)


def _f32_operand_ok(bits: int) -> bool:
    """Finite float32 bits with magnitude below 2^100 (biased exponent <= 226)."""
    return 0 <= bits < 1 << 32 and ((bits >> 23) & 0xFF) <= 226


@irdl_op_definition
class AddF32Op(KernelOp):
    """onnxruntime's float32 quantized add (QLinearAdd on x86) of two int8 values:

        r      = fma(float32(lhs - lhs_zp), ra, fma(float32(rhs - rhs_zp), rb, offset))
        result = clamp(round_half_even(r) + output_zp, min, max)

    with exactly rounded float32 fused multiply-adds; `ra`, `rb`, `offset` are given by their
    IEEE float32 bits (`ra_bits`, `rb_bits`, `offset_bits`: finite, magnitude below 2^100).
    int8 operands and result; |lhs_zp|, |rhs_zp| <= 256 (|x'| < 2^9: the core's integer
    FMA of `kernel-to-arith` keeps the product in 33 bits; the SIMD `fadd` takes more). The
    reference is
    `snaxc.golden.requant.add_f32` (what the SIMD `fadd` computes).
    """

    name = "kernel.add_f32"

    lhs = operand_def(IntegerType)
    rhs = operand_def(IntegerType)
    lhs_zp = prop_def(IntegerAttr[I64])
    rhs_zp = prop_def(IntegerAttr[I64])
    ra_bits = prop_def(IntegerAttr[I64])
    rb_bits = prop_def(IntegerAttr[I64])
    offset_bits = prop_def(IntegerAttr[I64])
    output_zp = prop_def(IntegerAttr[I64])
    min = prop_def(IntegerAttr[I64])
    max = prop_def(IntegerAttr[I64])

    assembly_format = (
        "$lhs `,` $rhs `zp` $lhs_zp `,` $rhs_zp `scales` $ra_bits `,` $rb_bits `offset` "
        "$offset_bits `out_zp` $output_zp `clamp` $min `,` $max attr-dict `:` type($lhs) `,` "
        "type($rhs) `->` type($result)"
    )

    def __init__(
        self,
        lhs: SSAValue,
        rhs: SSAValue,
        result_type: IntegerType,
        *,
        lhs_zp: int,
        rhs_zp: int,
        ra: float,
        rb: float,
        offset: float,
        output_zp: int,
        min: int,
        max: int,
    ):
        props = {
            "lhs_zp": lhs_zp,
            "rhs_zp": rhs_zp,
            "ra_bits": f32_bits(ra),
            "rb_bits": f32_bits(rb),
            "offset_bits": f32_bits(offset),
            "output_zp": output_zp,
            "min": min,
            "max": max,
        }
        super().__init__(
            operands=[lhs, rhs],
            properties={k: IntegerAttr(v, 64) for k, v in props.items()},
            result_types=[result_type],
        )

    def prop(self, name: str) -> int:
        return getattr(self, name).value.data

    def verify_(self) -> None:
        for v in (self.lhs, self.rhs, self.result):
            if _width(v) != 8:
                raise VerifyException(f"kernel.add_f32 takes and gives i8, got {v.type}")
        for name in ("ra_bits", "rb_bits", "offset_bits"):
            if not _f32_operand_ok(self.prop(name)):
                raise VerifyException(
                    f"{name} {self.prop(name):#x} must be the bits of a finite float32 below 2^100"
                )
        for name in ("lhs_zp", "rhs_zp"):
            if abs(self.prop(name)) > 256:
                raise VerifyException(f"{name} must be within [-256, 256]")
        _verify_output_range(self.result, self.min, self.max, self.output_zp)

    def reference(self, *args: int) -> int:
        from snaxc.golden.requant import add_f32

        a, b = args[:2]
        r = add_f32(
            np.array([a - self.prop("lhs_zp")]),
            np.array([b - self.prop("rhs_zp")]),
            f32_value(self.prop("ra_bits")),
            f32_value(self.prop("rb_bits")),
            f32_value(self.prop("offset_bits")),
            self.prop("output_zp"),
            self.prop("min"),
            self.prop("max"),
        )
        return int(r[0])


Kernel = Dialect(
    "kernel",
    [AddOp, MulOp, MaxOp, ReluOp, MacOp, QMacOp, RescaleOp, RescaleF32Op, AddF32Op],
    [],
)
