"""Queries on the L1 (TCDM) buffers that `place-program-io` and later passes place with
`snax.static_alloc`, shared by the passes that address them directly."""

from math import prod

from xdsl.dialects import func
from xdsl.dialects.builtin import FixedBitwidthType, MemRefType, NoneAttr
from xdsl.ir import OpResult, SSAValue

from snaxc.config import TCDM_BASE
from snaxc.dialects import snax


def row_major_l1_alloc(value: SSAValue) -> snax.StaticAllocOp | None:
    """The `snax.static_alloc` defining `value` if it is an L1 buffer with the identity
    (row-major) layout, else None."""
    if not isinstance(value, OpResult) or not isinstance(value.op, snax.StaticAllocOp):
        return None
    t = value.type
    if value.op.memory_space != snax.MemorySpace.L1 or not isinstance(t, MemRefType):
        return None
    return value.op if isinstance(t.layout, NoneAttr) else None


def l1_address(value: SSAValue) -> int:
    """Byte address of the row-major L1 buffer `value` (it must be one)."""
    alloc = row_major_l1_alloc(value)
    assert alloc is not None
    return TCDM_BASE + alloc.offset.value.data


def buffer_bytes(t: MemRefType) -> int:
    """Size in bytes of a statically shaped memref of fixed-width elements."""
    e = t.element_type
    assert isinstance(e, FixedBitwidthType)
    return prod(t.get_shape()) * e.size


def l1_end(f: func.FuncOp) -> int:
    """The first byte offset after every L1 buffer of `f`."""
    end = 0
    for op in f.walk():
        if isinstance(op, snax.StaticAllocOp) and op.memory_space == snax.MemorySpace.L1:
            t = op.result.type
            assert isinstance(t, MemRefType)
            end = max(end, op.offset.value.data + buffer_bytes(t))
    return end
