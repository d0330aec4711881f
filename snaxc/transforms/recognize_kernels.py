"""`recognize-kernels`: replace the arith body of a `linalg.generic` with a `kernel` op.

Dispatch and lowering then ask "which kernel does this generic compute" instead of
re-matching arith chains, and the accelerator descriptions list the kernels they run.

    ^bb0(%a: i8, %b: i8, %acc: i32):               ^bb0(%a: i8, %b: i8, %acc: i32):
      %0 = arith.extsi %a : i8 to i32                %0 = kernel.mac %a, %b, %acc
      %1 = arith.extsi %b : i8 to i32        ==>          : i8, i8, i32 -> i32
      %2 = arith.muli %0, %1 : i32                   linalg.yield %0 : i32
      %3 = arith.addi %acc, %2 : i32
      linalg.yield %3 : i32

A body is rewritten only when the matched chain is the *whole* body (apart from the
constants the kernel uses): a generic that computes anything more is left alone. Kernel
operands are leaves: block arguments of the body or values defined outside the generic.
Sign extensions (`arith.extsi`) of leaves are folded into the kernel op, whose operands
are sign-extended to the result width by definition. The float requantization sandwich
(sitofp, mulf, roundeven, clamp, fptosi) is not recognised here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith
from xdsl.dialects.builtin import IntegerAttr, IntegerType, ModuleOp
from xdsl.dialects.linalg import ops as linalg
from xdsl.ir import Block, BlockArgument, Operation, OpResult, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from snaxc.dialects import kernel


@dataclass
class _Match:
    """Values feeding a kernel op, and the body ops the kernel op replaces."""

    operands: list[SSAValue]
    ops: list[Operation]


def _yielded_value(generic: linalg.GenericOp) -> tuple[Block, SSAValue] | None:
    """The body block and the single value it yields, if the body has that shape."""
    block = generic.body.block
    yield_op = block.last_op
    if not isinstance(yield_op, linalg.YieldOp) or len(yield_op.operands) != 1:
        return None
    if not isinstance(yield_op.operands[0].type, IntegerType):
        return None
    return block, yield_op.operands[0]


def _is_leaf(value: SSAValue, block: Block) -> bool:
    """A block argument of the body, or a value defined outside the generic."""
    if isinstance(value, BlockArgument):
        return value.block is block
    assert isinstance(value, OpResult)
    return value.op.parent_block() is not block


def _body_op(value: SSAValue, block: Block, op_type: type[Operation]) -> Operation | None:
    """The op of `op_type` defining `value` inside the body, if it has no other use."""
    if not isinstance(value, OpResult) or not isinstance(value.op, op_type):
        return None
    if value.op.parent_block() is not block:
        return None
    if not value.has_one_use():
        return None
    return value.op


def _leaf(value: SSAValue, block: Block, ops: list[Operation]) -> SSAValue | None:
    """`value` as a kernel operand: a leaf, or the sign extension of a leaf (recorded)."""
    if _is_leaf(value, block):
        return value
    ext = _body_op(value, block, arith.ExtSIOp)
    if ext is not None and _is_leaf(ext.operands[0], block):
        ops.append(ext)
        return ext.operands[0]
    return None


def _constant_value(value: SSAValue) -> int | None:
    if isinstance(value, OpResult) and isinstance(value.op, arith.ConstantOp):
        attr = value.op.value
        if isinstance(attr, IntegerAttr):
            return attr.value.data
    return None


def _only_matched_ops_in_body(block: Block, match: _Match) -> bool:
    """Nothing but the matched ops, constants and the yield remains in the body."""
    matched = set(match.ops)
    for op in block.ops:
        if op in matched or op is block.last_op or isinstance(op, arith.ConstantOp):
            continue
        return False
    return True


def _replace_body(
    generic: linalg.GenericOp, match: _Match, new_op: Operation, rewriter: PatternRewriter
) -> None:
    """Put `new_op` in place of the matched chain (root first) and drop what is dead."""
    block = generic.body.block
    rewriter.replace(match.ops[0], new_op)
    for op in match.ops[1:]:
        rewriter.erase(op)
    for op in list(block.ops):
        if isinstance(op, arith.ConstantOp) and not op.result.uses:
            rewriter.erase(op)


class _KernelPattern(RewritePattern):
    """Base of the recognisers: subclasses turn the yielded value into a kernel op."""

    def match_chain(self, root: SSAValue, block: Block) -> tuple[_Match, Operation] | None:
        raise NotImplementedError

    @op_type_rewrite_pattern
    def match_and_rewrite(self, generic: linalg.GenericOp, rewriter: PatternRewriter, /):
        shape = _yielded_value(generic)
        if shape is None:
            return
        block, root = shape
        found = self.match_chain(root, block)
        if found is None:
            return
        match, new_op = found
        if not _only_matched_ops_in_body(block, match):
            return
        _replace_body(generic, match, new_op, rewriter)


class RecognizeMac(_KernelPattern):
    """`acc + ext(a) * ext(b)` (either addend order) -> `kernel.mac a, b, acc`."""

    def match_chain(self, root: SSAValue, block: Block) -> tuple[_Match, Operation] | None:
        add = _body_op(root, block, arith.AddiOp)
        if add is None:
            return None
        for acc, product in (add.operands, reversed(add.operands)):
            mul = _body_op(product, block, arith.MuliOp)
            if mul is None or not _is_leaf(acc, block):
                continue
            ops: list[Operation] = [add, mul]
            a = _leaf(mul.operands[0], block, ops)
            b = _leaf(mul.operands[1], block, ops)
            if a is None or b is None:
                continue
            return _Match([a, b, acc], ops), kernel.MacOp(a, b, acc)
        return None


class RecognizeQMac(_KernelPattern):
    """`acc + (ext(a) - za) * (ext(b) - zb)` -> `kernel.qmac a, b zp za, zb acc acc`."""

    @staticmethod
    def _centered(value: SSAValue, block: Block, ops: list[Operation]):
        sub = _body_op(value, block, arith.SubiOp)
        if sub is None:
            return None
        ops.append(sub)
        x = _leaf(sub.operands[0], block, ops)
        zp_value = sub.operands[1]
        zp = zp_value if _constant_value(zp_value) is not None else _leaf(zp_value, block, ops)
        if x is None or zp is None:
            return None
        return x, zp

    def match_chain(self, root: SSAValue, block: Block) -> tuple[_Match, Operation] | None:
        add = _body_op(root, block, arith.AddiOp)
        if add is None:
            return None
        for acc, product in (add.operands, reversed(add.operands)):
            mul = _body_op(product, block, arith.MuliOp)
            if mul is None or not _is_leaf(acc, block):
                continue
            ops: list[Operation] = [add, mul]
            lhs = self._centered(mul.operands[0], block, ops)
            rhs = self._centered(mul.operands[1], block, ops)
            if lhs is None or rhs is None:
                continue
            (a, za), (b, zb) = lhs, rhs
            return _Match([a, b, za, zb, acc], ops), kernel.QMacOp(a, b, za, zb, acc)
        return None


class RecognizeRelu(_KernelPattern):
    """`maxsi(x, 0)` (either order) -> `kernel.relu x`."""

    def match_chain(self, root: SSAValue, block: Block) -> tuple[_Match, Operation] | None:
        mx = _body_op(root, block, arith.MaxSIOp)
        if mx is None:
            return None
        for x, zero in (mx.operands, reversed(mx.operands)):
            if _constant_value(zero) == 0 and _is_leaf(x, block):
                return _Match([x], [mx]), kernel.ReluOp(x)
        return None


class RecognizeElementwise(_KernelPattern):
    """`addi` / `muli` / `maxsi` of two (sign-extended) leaves -> `kernel.add/mul/max`."""

    KERNELS: Sequence[tuple[type[Operation], type[kernel.BinaryKernelOp]]] = (
        (arith.AddiOp, kernel.AddOp),
        (arith.MuliOp, kernel.MulOp),
        (arith.MaxSIOp, kernel.MaxOp),
    )

    def match_chain(self, root: SSAValue, block: Block) -> tuple[_Match, Operation] | None:
        for arith_type, kernel_type in self.KERNELS:
            op = _body_op(root, block, arith_type)
            if op is None:
                continue
            ops: list[Operation] = [op]
            lhs = _leaf(op.operands[0], block, ops)
            rhs = _leaf(op.operands[1], block, ops)
            if lhs is None or rhs is None:
                return None
            result_type = root.type
            assert isinstance(result_type, IntegerType)
            return _Match([lhs, rhs], ops), kernel_type(lhs, rhs, result_type)
        return None


@dataclass(frozen=True)
class RecognizeKernels(ModulePass):
    """Replace `linalg.generic` bodies that compute a known kernel with the `kernel` op."""

    name = "recognize-kernels"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(
            GreedyRewritePatternApplier(
                [RecognizeQMac(), RecognizeMac(), RecognizeRelu(), RecognizeElementwise()]
            ),
            apply_recursively=False,
        ).rewrite_module(op)
