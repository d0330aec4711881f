"""Golden model of the N-D DMA engine (docs/hardware.md, "DMA").

A descriptor moves a stream of elements of ``E = 1 << elem_log2`` bytes. The k-th element
read along the source pattern is written to the k-th address of the destination pattern:

    src_addr(i) = src + sum_d i_d * src_strides[d],   0 <= i_d < src_bounds[d]
    dst_addr(j) = dst + sum_d j_d * dst_strides[d],   0 <= j_d < dst_bounds[d]

with d = 0 the innermost loop. Addresses are 32-bit and wrap like the hardware's adders.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from snaxc.config import L3_BASE, TCDM_BASE, ClusterConfig

# Register offsets inside the DMA window.
REG_SRC = 0x00
REG_DST = 0x04
REG_ELEM_LOG2 = 0x08
REG_START = 0x10
REG_DONE = 0x14
REG_STATUS = 0x18


def reg_src_bound(d: int) -> int:
    return 0x40 + 8 * d


def reg_src_stride(d: int) -> int:
    return 0x44 + 8 * d


def reg_dst_bound(d: int) -> int:
    return 0x80 + 8 * d


def reg_dst_stride(d: int) -> int:
    return 0x84 + 8 * d


class DmaError(ValueError):
    """A descriptor the DMA engine cannot execute (the RTL asserts on it)."""


@dataclass(frozen=True)
class DmaDescriptor:
    src: int
    dst: int
    elem_log2: int
    src_bounds: tuple[int, ...]
    src_strides: tuple[int, ...]
    dst_bounds: tuple[int, ...]
    dst_strides: tuple[int, ...]

    @property
    def elem_bytes(self) -> int:
        return 1 << self.elem_log2

    @property
    def num_elements(self) -> int:
        return math.prod(self.src_bounds)

    @property
    def num_bytes(self) -> int:
        return self.num_elements * self.elem_bytes

    def src_addresses(self) -> np.ndarray:
        return element_addresses(self.src, self.src_bounds, self.src_strides)

    def dst_addresses(self) -> np.ndarray:
        return element_addresses(self.dst, self.dst_bounds, self.dst_strides)

    def validate(self, cfg: ClusterConfig) -> None:
        """Raise DmaError for what the hardware rejects (bounds, sizes, alignment, regions)."""
        dims = cfg.dma.dims
        for name in ("src_bounds", "src_strides", "dst_bounds", "dst_strides"):
            if len(getattr(self, name)) != dims:
                raise DmaError(f"{name}: expected {dims} entries (DmaDims)")
        if not 0 <= self.elem_log2 <= 6:
            raise DmaError(f"elem_log2 {self.elem_log2} is outside 0..6")
        if math.prod(self.src_bounds) != math.prod(self.dst_bounds):
            raise DmaError(
                f"source has {math.prod(self.src_bounds)} elements, "
                f"destination {math.prod(self.dst_bounds)}"
            )
        if self.num_elements == 0:
            return
        if is_l3(self.src) and is_l3(self.dst):
            raise DmaError("L3 to L3 copies are not supported")
        sides = (("source", self.src_addresses()), ("destination", self.dst_addresses()))
        for side, addrs in sides:
            l3 = is_l3(int(addrs[0]))
            align = self.elem_bytes if l3 else min(self.elem_bytes, 8)
            bad = np.nonzero(addrs % align)[0]
            if bad.size:
                raise DmaError(f"{side} element {bad[0]} at {addrs[bad[0]]:#x} is not aligned")
            lo, size = (L3_BASE, cfg.l3_bytes) if l3 else (TCDM_BASE, cfg.tcdm_bytes)
            out = np.nonzero((addrs < lo) | (addrs + self.elem_bytes > lo + size))[0]
            if out.size:
                where = "L3" if l3 else "the TCDM"
                raise DmaError(f"{side} element {out[0]} at {addrs[out[0]]:#x} is outside {where}")

    def register_writes(self) -> list[tuple[int, int]]:
        """(offset, value) register writes that program this descriptor, START last."""
        writes = [(REG_SRC, self.src), (REG_DST, self.dst), (REG_ELEM_LOG2, self.elem_log2)]
        for d in range(len(self.src_bounds)):
            writes += [
                (reg_src_bound(d), self.src_bounds[d]),
                (reg_src_stride(d), self.src_strides[d] & 0xFFFF_FFFF),
                (reg_dst_bound(d), self.dst_bounds[d]),
                (reg_dst_stride(d), self.dst_strides[d] & 0xFFFF_FFFF),
            ]
        writes.append((REG_START, 0))
        return writes


def is_l3(addr: int) -> bool:
    return addr >= L3_BASE


def element_addresses(base: int, bounds: Sequence[int], strides: Sequence[int]) -> np.ndarray:
    """Byte addresses of all elements of an N-D pattern, innermost dimension first."""
    addrs = np.array([base], dtype=np.int64)
    # Build from the outermost dimension inwards so the innermost varies fastest.
    for bound, stride in reversed(list(zip(bounds, strides, strict=True))):
        steps = np.arange(bound, dtype=np.int64) * _signed32(stride)
        addrs = (addrs[:, None] + steps[None, :]).reshape(-1)
    return addrs & 0xFFFF_FFFF


def side_chunks(base: int, bounds: Sequence[int], strides: Sequence[int], elem_log2: int) -> int:
    """Chunks the DMA cuts one side of a descriptor into: one per cycle at best (the timing
    model of docs/hardware.md, "DMA"). One per element, unless the innermost loop is
    contiguous (stride == E): then each run of it is cut at 64-byte line boundaries (L3) or
    after the 8 TCDM words from the chunk's first word (TCDM)."""
    e = 1 << elem_log2
    addrs = element_addresses(base, bounds, strides)
    if addrs.size == 0 or _signed32(strides[0]) != e or bounds[0] == 1:
        return int(addrs.size)
    line = 64 if is_l3(base) else 8  # the chunk ends 64 B after the start of its line/word
    row_bytes = bounds[0] * e
    starts = addrs.reshape(-1, bounds[0])[:, 0]
    first = np.minimum(64 - starts % line, row_bytes)
    rest = row_bytes - first  # after the first chunk the run is line- (word-) aligned
    return int(starts.size + ((rest + 63) // 64).sum())


def _signed32(x: int) -> int:
    x &= 0xFFFF_FFFF
    return x - (1 << 32) if x >> 31 else x


@dataclass
class ByteMemory:
    """A byte-addressed memory region at absolute address `base`."""

    base: int
    data: np.ndarray  # uint8

    def contains(self, addrs: np.ndarray, size: int) -> bool:
        return bool(np.all((addrs >= self.base) & (addrs + size <= self.base + self.data.size)))


def _region(memories: Sequence[ByteMemory], addrs: np.ndarray, size: int) -> ByteMemory:
    for m in memories:
        if m.contains(addrs, size):
            return m
    raise DmaError(f"no memory holds the elements at {int(addrs.min()):#x}..{int(addrs.max()):#x}")


def apply_descriptor(desc: DmaDescriptor, memories: Sequence[ByteMemory]) -> None:
    """Perform the copy in place, element by element (later writes win)."""
    if desc.num_elements == 0:
        return
    e = desc.elem_bytes
    src, dst = desc.src_addresses(), desc.dst_addresses()
    sm, dm = _region(memories, src, e), _region(memories, dst, e)
    lanes = np.arange(e, dtype=np.int64)
    data = sm.data[(src - sm.base)[:, None] + lanes[None, :]]
    dm.data[(dst - dm.base)[:, None] + lanes[None, :]] = data
