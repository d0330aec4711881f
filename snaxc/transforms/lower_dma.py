"""`lower-dma`: DMA transfers to writes and polls of the DMA registers (docs/hardware.md).

    %t = dma.start %src to %dst elem_bytes 8        snax.mmio_store %src_addr to SRC
           src <bounds = [4, 8], strides = [64, 8]>  snax.mmio_store %dst_addr to DST
           dst <bounds = [32], strides = [8]>   ==>  snax.mmio_store 3 to ELEM_LOG2
           : ... to ...                             snax.mmio_store 32|8|1|0.. to bounds/strides
    dma.wait %t                                     snax.mmio_store 0 to START
                                                    %id = snax.mmio_load START  (the id)
                                                    scf.while: DONE < %id

Patterns are first simplified per side (dims of bound 1 dropped, contiguous dims merged),
then written innermost loop first into the `dims` hardware loops; the unused loops get
bound 1 and stride 0, because registers keep their values from the previous transfer.

Registers keep their values, so within a block a write of the value a register already
holds (the same constant, or the same SSA value) since the last write is dropped: transfers
that share strides and bounds write only what differs (ResNet-8's and DS-CNN's chunked
convolutions issue hundreds of similar transfers; this halves their DMA register writes and
the code they take in the core's memory). Knowledge is per block and is forgotten at any
op whose regions write DMA registers or that calls a function (`dedup=false` keeps every
write).

A `dma.start` returns the id the START register reads back after the push (descriptors
pushed since reset); descriptors complete in order, so `dma.wait` on several tokens polls
DONE until it reaches the largest id. Tokens must be used by `dma.wait` ops only.

Addresses: a memref from `snax.static_alloc` has a compile-time address (memory-space
base + offset); any other memref's address is read from its descriptor (aligned pointer
+ offset); i32 operands are addresses already.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, memref, scf
from xdsl.dialects.builtin import (
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    i32,
)
from xdsl.ir import Block, Operation, OpResult, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.utils.exceptions import DiagnosticException

from snaxc.config import DMA_BASE, L3_BASE, TCDM_BASE
from snaxc.dialects import dma, snax
from snaxc.dialects._syntax import ints

REG_SRC = 0x00
REG_DST = 0x04
REG_ELEM_LOG2 = 0x08
REG_START = 0x10
REG_DONE = 0x14


def REG_SRC_BOUND(d: int) -> int:  # noqa: N802 - named like the register
    return 0x40 + 8 * d


def REG_SRC_STRIDE(d: int) -> int:  # noqa: N802
    return 0x44 + 8 * d


def REG_DST_BOUND(d: int) -> int:  # noqa: N802
    return 0x80 + 8 * d


def REG_DST_STRIDE(d: int) -> int:  # noqa: N802
    return 0x84 + 8 * d


SPACE_BASE = {snax.MemorySpace.L1: TCDM_BASE, snax.MemorySpace.L3: L3_BASE}


def simplify(bounds: Sequence[int], strides: Sequence[int]) -> list[tuple[int, int]]:
    """(bound, stride) loops, innermost first, without bound-1 loops and with every pair
    of adjacent loops that walks contiguously (outer stride = inner bound * inner stride)
    merged into one. The sequence of addresses is unchanged."""
    loops = [(b, s) for b, s in zip(reversed(bounds), reversed(strides), strict=True) if b != 1]
    merged: list[tuple[int, int]] = []
    for b, s in loops:
        if merged and s == merged[-1][0] * merged[-1][1]:
            merged[-1] = (merged[-1][0] * b, merged[-1][1])
        else:
            merged.append((b, s))
    return merged or [(1, 0)]


def _i32_signed(value: int) -> int:
    value &= 0xFFFF_FFFF
    return value - (1 << 32) if value >> 31 else value


class _Builder:
    """Inserts ops before a given op, with a cache of i32 constants."""

    def __init__(self, anchor: Operation):
        self.anchor = anchor
        self.constants: dict[int, SSAValue] = {}

    def insert(self, op: Operation) -> Operation:
        Rewriter.insert_op(op, InsertPoint.before(self.anchor))
        return op

    def const(self, value: int) -> SSAValue:
        value = _i32_signed(value)
        if value not in self.constants:
            self.constants[value] = self.insert(arith.ConstantOp(IntegerAttr(value, i32))).results[
                0
            ]
        return self.constants[value]

    def store(self, value: SSAValue | int, reg: int) -> None:
        v = self.const(value) if isinstance(value, int) else value
        self.insert(snax.MmioStoreOp(v, DMA_BASE + reg))

    def address(self, value: SSAValue) -> SSAValue:
        """The byte address (i32) of a DMA endpoint."""
        t = value.type
        if not isinstance(t, MemRefType):
            return value
        if isinstance(value, OpResult) and isinstance(value.op, snax.StaticAllocOp):
            alloc = value.op
            return self.const(SPACE_BASE[alloc.memory_space] + alloc.offset.value.data)
        elem = t.element_type
        if not isinstance(elem, IntegerType) or elem.width.data % 8:
            raise DiagnosticException(f"DMA on a memref of {elem} is not supported")
        meta = self.insert(memref.ExtractStridedMetaDataOp(value))
        base = self.insert(memref.ExtractAlignedPointerAsIndexOp.get(meta.results[0])).results[0]
        elem_bytes = self.insert(arith.ConstantOp(IntegerAttr(elem.width.data // 8, IndexType())))
        off = self.insert(arith.MuliOp(meta.results[1], elem_bytes.results[0])).results[0]
        addr = self.insert(arith.AddiOp(base, off)).results[0]
        return self.insert(arith.IndexCastOp(addr, i32)).results[0]


def _poll_until_done(anchor: Operation, target: SSAValue) -> None:
    """Insert `while (DONE < target) {}` before `anchor`."""
    before = Block()
    done = snax.MmioLoadOp(DMA_BASE + REG_DONE)
    pending = arith.CmpiOp(done.result, target, "ult")
    before.add_ops([done, pending, scf.ConditionOp(pending.result)])
    after = Block()
    after.add_op(scf.YieldOp())
    Rewriter.insert_op(
        scf.WhileOp([], [], Region(before), Region(after)), InsertPoint.before(anchor)
    )


@dataclass(frozen=True)
class LowerDma(ModulePass):
    """Lower `dma.start` / `dma.wait` to memory-mapped register accesses."""

    name = "lower-dma"

    dims: int = 4
    """Loops per side of the DMA (`dma.dims` of the cluster configuration)."""

    dedup: bool = True
    """Drop writes of the value a DMA register already holds."""

    def lower_start(self, op: dma.StartOp) -> SSAValue:
        b = _Builder(op)
        e = op.elem_bytes.value.data
        sides = []
        for pattern in (op.src_pattern, op.dst_pattern):
            loops = simplify(ints(pattern.bounds), ints(pattern.strides))
            if len(loops) > self.dims:
                raise DiagnosticException(
                    f"dma.start: a pattern needs {len(loops)} loops after merging contiguous "
                    f"dims, the DMA has {self.dims}: {pattern}"
                )
            loops += [(1, 0)] * (self.dims - len(loops))
            sides.append(loops)
        b.store(b.address(op.src), REG_SRC)
        b.store(b.address(op.dst), REG_DST)
        b.store(e.bit_length() - 1, REG_ELEM_LOG2)
        for d in range(self.dims):
            b.store(sides[0][d][0], REG_SRC_BOUND(d))
            b.store(sides[0][d][1], REG_SRC_STRIDE(d))
            b.store(sides[1][d][0], REG_DST_BOUND(d))
            b.store(sides[1][d][1], REG_DST_STRIDE(d))
        b.store(0, REG_START)
        return b.insert(snax.MmioLoadOp(DMA_BASE + REG_START)).results[0]

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        ids: dict[SSAValue, SSAValue] = {}
        for start in [o for o in op.walk() if isinstance(o, dma.StartOp)]:
            for use in start.token.uses:
                if not isinstance(use.operation, dma.WaitOp):
                    raise DiagnosticException(
                        f"lower-dma: a DMA token is used by {use.operation.name}; "
                        "only dma.wait is supported"
                    )
            ids[start.token] = self.lower_start(start)
        for wait in [o for o in op.walk() if isinstance(o, dma.WaitOp)]:
            targets = [ids[t] for t in wait.tokens]
            target = targets[0]
            for other in targets[1:]:
                mx = arith.MaxUIOp(target, other)
                Rewriter.insert_op(mx, InsertPoint.before(wait))
                target = mx.result
            _poll_until_done(wait, target)
            Rewriter.erase_op(wait)
        for start in [o for o in op.walk() if isinstance(o, dma.StartOp)]:
            Rewriter.erase_op(start)
        if self.dedup:
            drop_unchanged_register_writes(op)


def _is_dma_register_write(op: Operation) -> bool:
    return (
        isinstance(op, snax.MmioStoreOp)
        and DMA_BASE <= op.address.value.data < DMA_BASE + _DMA_WINDOW
    )


_DMA_WINDOW = 0x100


def _value_key(value: SSAValue) -> object:
    """What a register write stores: a constant's integer (constants are not shared between
    lowered transfers), else the SSA value itself."""
    if isinstance(value, OpResult) and isinstance(value.op, arith.ConstantOp):
        attr = value.op.value
        if isinstance(attr, IntegerAttr):
            return ("const", attr.value.data & 0xFFFF_FFFF)
    return value


def drop_unchanged_register_writes(module: ModuleOp) -> None:
    """Erase DMA register writes (other than START) of the value the register holds."""
    for block in [b for o in module.walk() for r in o.regions for b in r.blocks]:
        held: dict[int, object] = {}
        for o in list(block.ops):
            if _is_dma_register_write(o):
                assert isinstance(o, snax.MmioStoreOp)
                reg = o.address.value.data - DMA_BASE
                if reg in (REG_START, REG_DONE):
                    continue
                key = _value_key(o.value)
                if held.get(reg) == key:
                    value = o.value
                    Rewriter.erase_op(o)
                    if isinstance(value, OpResult) and not value.uses:
                        if isinstance(value.op, arith.ConstantOp):
                            Rewriter.erase_op(value.op)
                else:
                    held[reg] = key
            elif o.name.endswith(".call") or any(
                _is_dma_register_write(n) or n.name.endswith(".call")
                for r in o.regions
                for n in r.walk()
            ):
                held.clear()
