"""`lower-static-alloc`: statically placed buffers to memrefs at their absolute addresses.

    %a = snax.static_alloc offset 64 : memref<4x8xi8, #snax.memory_space<l1>>
==>
    %base = arith.constant 268435520 : i32                  // TCDM base + 64
    %ptr = llvm.inttoptr %base : i32 to !llvm.ptr
    %d = llvm.mlir.undef : !llvm.struct<(ptr, ptr, i32, array<2 x i32>, array<2 x i32>)>
    ... llvm.insertvalue: allocated and aligned pointer, offset 0, sizes 4, 8, strides 8, 1
    %a = builtin.unrealized_conversion_cast %d : ... to memref<4x8xi8, #snax.memory_space<l1>>

The descriptor has the layout upstream MLIR's memref-to-LLVM conversion uses with 32-bit
indices, so the cast cancels against that conversion's own casts in the backend and
loads and stores on the buffer address the absolute location.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, llvm
from xdsl.dialects.builtin import (
    DenseArrayBase,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    UnrealizedConversionCastOp,
    i32,
    i64,
)
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from snaxc.config import L3_BASE, TCDM_BASE
from snaxc.dialects import snax

SPACE_BASE = {snax.MemorySpace.L1: TCDM_BASE, snax.MemorySpace.L3: L3_BASE}


def _signed32(x: int) -> int:
    return x - (1 << 32) if x >= 1 << 31 else x


def descriptor_type(rank: int) -> llvm.LLVMStructType:
    """The memref descriptor struct with 32-bit indices."""
    members = [llvm.LLVMPointerType(), llvm.LLVMPointerType(), i32]
    if rank:
        members += [llvm.LLVMArrayType(rank, i32)] * 2
    return llvm.LLVMStructType.from_type_list(members)


def row_major_strides(shape: tuple[int, ...]) -> list[int]:
    strides, acc = [], 1
    for d in reversed(shape):
        strides.insert(0, acc)
        acc *= d
    return strides


class LowerStaticAlloc(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: snax.StaticAllocOp, rewriter: PatternRewriter, /):
        t = op.result.type
        assert isinstance(t, MemRefType)
        shape = tuple(t.get_shape())
        address = SPACE_BASE[op.memory_space] + op.offset.value.data
        ops: list[Operation] = []
        base = arith.ConstantOp(IntegerAttr(_signed32(address), i32))
        ptr = llvm.IntToPtrOp(base.result)
        desc_t = descriptor_type(len(shape))
        desc: Operation = llvm.UndefOp(desc_t)
        ops += [base, ptr, desc]

        def insert(value: SSAValue, *position: int) -> None:
            nonlocal desc
            desc = llvm.InsertValueOp(
                DenseArrayBase.from_list(i64, position), desc.results[0], value
            )
            ops.append(desc)

        def const(v: int) -> SSAValue:
            c = arith.ConstantOp(IntegerAttr(v, i32))
            ops.append(c)
            return c.result

        insert(ptr.output, 0)
        insert(ptr.output, 1)
        insert(const(0), 2)
        for i, (size, stride) in enumerate(zip(shape, row_major_strides(shape), strict=True)):
            insert(const(size), 3, i)
            insert(const(stride), 4, i)
        cast = UnrealizedConversionCastOp.get([desc.results[0]], [t])
        rewriter.replace(op, [*ops, cast])


@dataclass(frozen=True)
class LowerStaticAllocPass(ModulePass):
    """Replace `snax.static_alloc` by a memref descriptor at the buffer's absolute address."""

    name = "lower-static-alloc"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(LowerStaticAlloc(), apply_recursively=False).rewrite_module(op)
