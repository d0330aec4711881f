"""The `snax` dialect: the cluster's memory spaces and cluster-level operations.

Memory spaces tag memrefs with where they live:

    memref<64x64xi8, #snax.memory_space<l1>>   // the TCDM scratchpad (0x1000_0000)
    memref<64x64xi8, #snax.memory_space<l3>>   // L3 main memory (0x8000_0000)

Cluster-level operations:

- `snax.static_alloc` places a buffer at a byte offset chosen at compile time inside a
  memory space (the static L1 allocator writes them; nothing is allocated at run time);
- `snax.mmio_store` / `snax.mmio_load` are the control core's accesses to memory-mapped
  registers (DMA, accelerator CSR managers, control block). They are always volatile: the
  backend lowers them to `llvm.store volatile` / `load volatile`, so LLVM never merges,
  reorders or deletes them (a polling loop that only reads would otherwise vanish).
"""

from __future__ import annotations

from enum import auto

from xdsl.dialects.builtin import (
    I32,
    I64,
    IntegerAttr,
    IntegerType,
    MemRefType,
    i32,
)
from xdsl.dialects.utils import EnumAttribute
from xdsl.ir import Attribute, Dialect, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
)
from xdsl.parser import AttrParser, Parser
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException
from xdsl.utils.str_enum import StrEnum

# Byte alignment of a statically placed buffer: one TCDM bank word, so that every DMA
# element (aligned to min(E, 8) in the TCDM, docs/hardware.md) and every streamer word can
# start at the buffer base.
STATIC_ALLOC_ALIGNMENT = 8


class MemorySpace(StrEnum):
    """Where a buffer lives in the cluster."""

    L1 = auto()
    """The TCDM scratchpad: reached by the core, the DMA and the accelerator streamers."""
    L3 = auto()
    """Main memory: reached only by the DMA."""


@irdl_attr_definition
class MemorySpaceAttr(EnumAttribute[MemorySpace]):
    """A memref memory space: `#snax.memory_space<l1>` or `#snax.memory_space<l3>`."""

    name = "snax.memory_space"

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> MemorySpace:
        with parser.in_angle_brackets():
            return super().parse_parameter(parser)

    def print_parameter(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            super().print_parameter(printer)


L1 = MemorySpaceAttr(MemorySpace.L1)
L3 = MemorySpaceAttr(MemorySpace.L3)


def memory_space_of(memref_type: Attribute) -> MemorySpace | None:
    """The snax memory space of a memref type, None if it has none (or another one)."""
    if isinstance(memref_type, MemRefType) and isinstance(
        memref_type.memory_space, MemorySpaceAttr
    ):
        return memref_type.memory_space.data
    return None


@irdl_op_definition
class StaticAllocOp(IRDLOperation):
    """A buffer placed at a compile-time byte `offset` from the base of its memory space.

    The memory space comes from the result type, which must be a statically shaped,
    identity-layout memref tagged with `#snax.memory_space`. The offset is aligned to a
    TCDM word (8 bytes).

        %a = snax.static_alloc offset 1024 : memref<16x16xi8, #snax.memory_space<l1>>
    """

    name = "snax.static_alloc"

    offset = prop_def(IntegerAttr[I64])
    result = result_def(MemRefType)

    assembly_format = "`offset` $offset attr-dict `:` type($result)"

    def __init__(self, offset: int, result_type: MemRefType):
        super().__init__(properties={"offset": IntegerAttr(offset, 64)}, result_types=[result_type])

    def verify_(self) -> None:
        t = self.result.type
        assert isinstance(t, MemRefType)
        if memory_space_of(t) is None:
            raise VerifyException("result memref must be in a #snax.memory_space")
        if not t.has_static_shape():
            raise VerifyException("result memref must have a static shape")
        if self.offset.value.data < 0:
            raise VerifyException(f"offset {self.offset.value.data} is negative")
        if self.offset.value.data % STATIC_ALLOC_ALIGNMENT:
            raise VerifyException(
                f"offset {self.offset.value.data} is not a multiple of "
                f"{STATIC_ALLOC_ALIGNMENT} bytes"
            )

    @property
    def memory_space(self) -> MemorySpace:
        space = memory_space_of(self.result.type)
        assert space is not None
        return space

    def size_bytes(self) -> int:
        """Bytes the buffer occupies (static shape times element width)."""
        t = self.result.type
        assert isinstance(t, MemRefType)
        elem = t.element_type
        assert isinstance(elem, IntegerType), "only integer buffers are sized here"
        n = 1
        for d in t.get_shape():
            n *= d
        return n * ((elem.width.data + 7) // 8)


def _check_address(op: IRDLOperation, address: int) -> None:
    if not 0 <= address < 1 << 32:
        raise VerifyException(f"{op.name}: address {address:#x} is not a 32-bit address")
    if address % 4:
        raise VerifyException(f"{op.name}: address {address:#x} is not word aligned")


@irdl_op_definition
class MmioStoreOp(IRDLOperation):
    """A volatile 32-bit store of `value` to the memory-mapped register at `address`.

    snax.mmio_store %v to 0x20001010 : i32
    """

    name = "snax.mmio_store"

    value = operand_def(I32)
    address = prop_def(IntegerAttr[I64])

    def __init__(self, value: SSAValue, address: int):
        super().__init__(operands=[value], properties={"address": IntegerAttr(address, 64)})

    # Custom syntax only to print the address in hexadecimal, as in the register maps.
    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_ssa_value(self.value)
        printer.print_string(f" to {self.address.value.data:#010x}")
        printer.print_op_attributes(self.attributes)
        printer.print_string(" : ")
        printer.print_attribute(self.value.type)

    @classmethod
    def parse(cls, parser: Parser) -> MmioStoreOp:
        value = parser.parse_unresolved_operand()
        parser.parse_keyword("to")
        address = parser.parse_integer(allow_boolean=False, allow_negative=False)
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        op = cls(parser.resolve_operand(value, parser.parse_type()), address)
        op.attributes.update(attrs)
        return op

    def verify_(self) -> None:
        _check_address(self, self.address.value.data)


@irdl_op_definition
class MmioLoadOp(IRDLOperation):
    """A volatile 32-bit load from the memory-mapped register at `address`.

    %done = snax.mmio_load 0x20001014 : i32
    """

    name = "snax.mmio_load"

    address = prop_def(IntegerAttr[I64])
    result = result_def(I32)

    def __init__(self, address: int):
        super().__init__(properties={"address": IntegerAttr(address, 64)}, result_types=[i32])

    def print(self, printer: Printer) -> None:
        printer.print_string(f" {self.address.value.data:#010x}")
        printer.print_op_attributes(self.attributes)
        printer.print_string(" : ")
        printer.print_attribute(self.result.type)

    @classmethod
    def parse(cls, parser: Parser) -> MmioLoadOp:
        address = parser.parse_integer(allow_boolean=False, allow_negative=False)
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        pos = parser.pos
        if parser.parse_type() != i32:
            parser.raise_error("snax.mmio_load returns i32", pos)
        op = cls(address)
        op.attributes.update(attrs)
        return op

    def verify_(self) -> None:
        _check_address(self, self.address.value.data)


Snax = Dialect(
    "snax",
    [StaticAllocOp, MmioStoreOp, MmioLoadOp],
    [MemorySpaceAttr],
)
