"""The `dma` dialect: N-D strided transfers of the cluster DMA, and waits on them.

    %t = dma.start %src to %dst elem_bytes 8
           src #dma.pattern<bounds = [16, 4], strides = [256, 8]>
           dst #dma.pattern<bounds = [64], strides = [8]>
           : memref<16x64xi8, #snax.memory_space<l3>> to memref<16x32xi8, #snax.memory_space<l1>>
    dma.wait %t

The DMA reads a stream of elements of `elem_bytes` bytes following the source pattern and
writes the k-th element read to the k-th address of the destination pattern
(docs/hardware.md, "DMA"). A pattern lists loop bounds and signed byte strides from the
outermost loop inwards (the order of memref shapes; the hardware registers number the
innermost loop 0, the lowering reverses). The two sides have independent patterns, so a
layout change or a transpose happens during the copy.

`src` and `dst` are memrefs (their base address is the start address) or i32 byte
addresses. `dma.start` returns a token; `dma.wait` blocks until the transfers of its
tokens have completed (all their writes performed).
"""

from __future__ import annotations

from collections.abc import Sequence
from math import prod

from xdsl.dialects.builtin import I64, ArrayAttr, IntAttr, IntegerAttr, MemRefType, i32
from xdsl.ir import Attribute, Dialect, Operation, ParametrizedAttribute, SSAValue, TypeAttribute
from xdsl.irdl import (
    AnyOf,
    EqAttrConstraint,
    IRDLOperation,
    base,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
    var_operand_def,
)
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

from snaxc.dialects._syntax import int_array, ints, parse_named_int_list, print_named_int_list

MAX_DIMS = 8
"""Loops per side the DMA register map has room for (the configured `dma.dims` is less)."""

MAX_ELEM_BYTES = 64
"""Widest element: one 512-bit beat."""


@irdl_attr_definition
class TokenType(ParametrizedAttribute, TypeAttribute):
    """A transfer in flight, produced by `dma.start` and consumed by `dma.wait`."""

    name = "dma.token"


@irdl_attr_definition
class PatternAttr(ParametrizedAttribute):
    """One side of a transfer: loop bounds and byte strides, outermost loop first."""

    name = "dma.pattern"

    bounds: ArrayAttr[IntAttr]
    strides: ArrayAttr[IntAttr]

    def __init__(self, bounds: Sequence[int], strides: Sequence[int]):
        super().__init__(int_array(bounds), int_array(strides))

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        with parser.in_angle_brackets():
            bounds = parse_named_int_list(parser, "bounds")
            parser.parse_punctuation(",")
            strides = parse_named_int_list(parser, "strides")
        return (bounds, strides)

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            print_named_int_list(printer, "bounds", self.bounds)
            printer.print_string(", ")
            print_named_int_list(printer, "strides", self.strides)

    def verify(self) -> None:
        b, s = ints(self.bounds), ints(self.strides)
        if len(b) != len(s):
            raise VerifyException(f"{len(b)} bounds but {len(s)} strides")
        if not 1 <= len(b) <= MAX_DIMS:
            raise VerifyException(f"a pattern has 1 to {MAX_DIMS} loops, not {len(b)}")
        if any(x < 1 for x in b):
            raise VerifyException(f"bounds must be positive, got {list(b)}")
        if any(not -(1 << 31) <= x < 1 << 31 for x in s):
            raise VerifyException(f"strides must fit in a signed 32-bit register, got {list(s)}")

    @property
    def num_elements(self) -> int:
        return prod(ints(self.bounds))

    def offsets(self) -> list[int]:
        """Byte offsets of every element from the base, in transfer order (for tests)."""
        out = [0]
        for bound, stride in zip(ints(self.bounds), ints(self.strides), strict=True):
            out = [o + i * stride for o in out for i in range(bound)]
        return out


_Endpoint = AnyOf([base(MemRefType), EqAttrConstraint(i32)])


@irdl_op_definition
class StartOp(IRDLOperation):
    """Enqueue one N-D transfer; the token stands for its completion."""

    name = "dma.start"

    src = operand_def(_Endpoint)
    dst = operand_def(_Endpoint)
    elem_bytes = prop_def(IntegerAttr[I64])
    src_pattern = prop_def(PatternAttr)
    dst_pattern = prop_def(PatternAttr)
    token = result_def(TokenType)

    assembly_format = (
        "$src `to` $dst `elem_bytes` $elem_bytes `src` $src_pattern `dst` $dst_pattern "
        "attr-dict `:` type($src) `to` type($dst)"
    )

    def __init__(
        self,
        src: SSAValue | Operation,
        dst: SSAValue | Operation,
        elem_bytes: int,
        src_pattern: PatternAttr,
        dst_pattern: PatternAttr,
    ):
        super().__init__(
            operands=[src, dst],
            properties={
                "elem_bytes": IntegerAttr(elem_bytes, 64),
                "src_pattern": src_pattern,
                "dst_pattern": dst_pattern,
            },
            result_types=[TokenType()],
        )

    def verify_(self) -> None:
        e = self.elem_bytes.value.data
        if e < 1 or e > MAX_ELEM_BYTES or e & (e - 1):
            raise VerifyException(
                f"elem_bytes must be a power of two in [1, {MAX_ELEM_BYTES}], got {e}"
            )
        n_src, n_dst = self.src_pattern.num_elements, self.dst_pattern.num_elements
        if n_src != n_dst:
            raise VerifyException(f"source moves {n_src} elements but destination receives {n_dst}")
        for side, value in (("source", self.src), ("destination", self.dst)):
            t = value.type
            if isinstance(t, MemRefType) and not t.has_static_shape():
                raise VerifyException(f"{side} memref must have a static shape")

    @property
    def num_bytes(self) -> int:
        return self.src_pattern.num_elements * self.elem_bytes.value.data


@irdl_op_definition
class WaitOp(IRDLOperation):
    """Block until every transfer whose token is given has completed."""

    name = "dma.wait"

    tokens = var_operand_def(TokenType)

    assembly_format = "$tokens attr-dict"

    def __init__(self, tokens: Sequence[SSAValue | Operation]):
        super().__init__(operands=[tokens])

    def verify_(self) -> None:
        if not self.tokens:
            raise VerifyException("dma.wait needs at least one token")


Dma = Dialect("dma", [StartOp, WaitOp], [TokenType, PatternAttr])
