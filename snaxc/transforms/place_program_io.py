"""`place-program-io`: turn the entry function into the cluster's `main`.

A compiled program's inputs and outputs live in L3, where the runtime writes and reads
them; the core and the accelerators work on L1 (TCDM) copies. For the entry function
(bufferized, results turned into trailing out-parameters), this pass

- places every argument at a static L3 offset (64-byte aligned) and in L1,
- copies the inputs from L3 to L1 with the DMA at the start and the outputs back at the
  end (the out-parameters of a function imported from tensors; for a function on
  memrefs, every argument its body writes),
- places every `memref.alloc`/`alloca` of the body statically in L1; buffers whose live
  ranges do not overlap share memory (see `assign_l1_offsets`),
- renames the function `main` with no arguments and an `i32` result (the exit code, 0),
- records the placement in the `snaxc.io` attribute of `main`, which the package writer
  turns into the manifest.

L1 liveness: a buffer is live from the first to the last top-level operation of the
function body that uses it, an alias of it (any result of an operation using it, e.g. a
view or a DMA token, transitively, which keeps a buffer an asynchronous transfer uses live
until its wait), or a region holding such a use (a buffer used in a loop is live for the
whole loop); a use in a contraction or the elementwise operations around it counts for
all of them, which later passes may fuse into one accelerator launch (`fusion_spans`).
Offsets are assigned greedily, largest buffer first, at the lowest offset
that does not overlap a buffer with an overlapping live range; the i-th buffer (in
creation order) starts at 128 * (i % 2) modulo 256 (half the banks of the default TCDM):
streams walking two buffers in lock step then use disjoint banks instead of colliding on
every access. Later passes append their own buffers after the end of these.

The peak must fit L1: tiling is a later pass. What does not fit is an error that names
the sizes.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, func, memref
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    DictionaryAttr,
    FunctionType,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    StringAttr,
    i32,
    i64,
)
from xdsl.dialects.linalg.ops import GenericOp
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.traits import IsTerminator
from xdsl.utils.exceptions import DiagnosticException

from snaxc.dialects import dma, snax

ALIGN = 64
IO_ATTR = "snaxc.io"
NUM_INPUTS_ATTR = "snaxc.num_inputs"


def element_bytes(t: MemRefType) -> int:
    width = getattr(t.element_type, "bitwidth", None)
    if width is None:
        width = getattr(getattr(t.element_type, "width", None), "data", None)
    if width is None or width % 8:
        raise DiagnosticException(f"place-program-io: unsupported element type {t.element_type}")
    return width // 8


def size_bytes(t: MemRefType) -> int:
    n = element_bytes(t)
    for d in t.get_shape():
        n *= d
    return n


def _align(x: int) -> int:
    return (x + ALIGN - 1) // ALIGN * ALIGN


def _top_level(op: Operation, block: Block) -> Operation:
    while op.parent_block() is not block:
        parent = op.parent_op()
        assert parent is not None
        op = parent
    return op


def _is_linalg(op: Operation) -> bool:
    return op.name.startswith("linalg.")


def _is_reduction(op: Operation) -> bool:
    if isinstance(op, GenericOp):
        return any(getattr(it.data, "value", None) == "reduction" for it in op.iterator_types)
    return _is_linalg(op) and op.name not in ("linalg.fill", "linalg.copy")


def _is_neutral(op: Operation) -> bool:
    """No memory operand and no region: cannot end a run of linalg operations."""
    return not op.regions and not any(isinstance(o.type, MemRefType) for o in op.operands)


def _memrefs(values) -> set[SSAValue]:
    return {v for v in values if isinstance(v.type, MemRefType)}


def fusion_spans(ops: list[Operation]) -> list[tuple[int, int]]:
    """For each top-level operation, the positions a use there stands for. Later passes
    fuse a contraction with the elementwise operations around it (its accumulator's
    initialization, its output stage) into one accelerator launch, which touches all
    their buffers at once: a use in such a group counts as a use over the whole group.
    The group is the contraction, the elementwise linalg operations right before it that
    write its outputs, and the chain of elementwise linalg operations right after it each
    reading what the contraction or an earlier member wrote (operations without memory
    operands do not interrupt either run). An elementwise operation on other data (e.g.
    the padding of the next layer's input) ends the group."""
    spans = [(i, i) for i in range(len(ops))]

    def outputs(o: Operation) -> set[SSAValue]:
        return _memrefs(o.outputs) if isinstance(o, GenericOp) else _memrefs(o.operands)

    def inputs(o: Operation) -> set[SSAValue]:
        return _memrefs(o.inputs) if isinstance(o, GenericOp) else _memrefs(o.operands)

    def before(i: int) -> int:
        written = outputs(ops[i])
        end, j = i, i - 1
        while j >= 0:
            o = ops[j]
            if _is_linalg(o) and not _is_reduction(o) and outputs(o) & written:
                end = j
            elif not _is_neutral(o):
                break
            j -= 1
        return end

    def after(i: int) -> int:
        chain = outputs(ops[i])
        end, j = i, i + 1
        while j < len(ops):
            o = ops[j]
            if _is_linalg(o) and not _is_reduction(o) and inputs(o) & chain:
                chain |= outputs(o)
                end = j
            elif not _is_neutral(o):
                break
            j += 1
        return end

    for i, o in enumerate(ops):
        if _is_reduction(o):
            lo, hi = before(i), after(i)
            for k in range(lo, hi + 1):
                spans[k] = (min(spans[k][0], lo), max(spans[k][1], hi))
    return spans


def live_range(
    value: SSAValue, block: Block, pos: dict[Operation, int], spans: list[tuple[int, int]]
) -> tuple[int, int]:
    """First and last position (in `pos`, the top-level operations of `block`) of an
    operation using `value` or an alias of it (see the module docstring), widened to the
    `spans` of those operations."""
    owner = value.owner
    at_def = pos[_top_level(owner, block)] if isinstance(owner, Operation) else 0
    first, last = len(pos), -1
    seen: set[SSAValue] = {value}
    todo = [value]
    while todo:
        v = todo.pop()
        for use in v.uses:
            op = use.operation
            lo, hi = spans[pos[_top_level(op, block)]]
            first, last = min(first, lo), max(last, hi)
            derived = list(op.results)
            if op.has_trait(IsTerminator) and (parent := op.parent_op()) is not None:
                derived += parent.results
            for r in derived:
                if r not in seen:
                    seen.add(r)
                    todo.append(r)
    return (first, last) if last >= 0 else (at_def, at_def)


def assign_l1_offsets(
    buffers: list[tuple[int, tuple[int, int]]], skew: int = 128, period: int = 256
) -> tuple[list[int], int]:
    """Offsets for buffers given as (bytes, live range): buffers with overlapping live
    ranges get disjoint bytes; buffer i starts at `skew * (i % 2)` modulo `period`. Returns
    the offsets and the peak (end of the highest buffer).

    Greedy first fit in a few orders (largest first; earliest live range first; longest
    live range first; largest size x lifetime first): the placement with the lowest peak
    wins (ties: the earlier order). Largest-first alone fragments when a big short-lived
    buffer sits between long-lived ones (ResNet-8: 138,240 bytes for 102,784 live)."""
    orders = [
        lambda i: (-buffers[i][0], i),
        lambda i: (buffers[i][1][0], -buffers[i][0], i),
        lambda i: (buffers[i][1][0] - buffers[i][1][1], -buffers[i][0], i),
        lambda i: (-buffers[i][0] * (buffers[i][1][1] - buffers[i][1][0] + 1), i),
    ]
    best: tuple[list[int], int] | None = None
    for key in orders:
        order = sorted(range(len(buffers)), key=key)
        placed = _first_fit(buffers, order, skew, period)
        if best is None or placed[1] < best[1]:
            best = placed
    assert best is not None
    return best


def _first_fit(
    buffers: list[tuple[int, tuple[int, int]]], order: list[int], skew: int, period: int
) -> tuple[list[int], int]:
    offsets: list[int | None] = [None] * len(buffers)
    for i in order:
        nbytes, (first, last) = buffers[i]
        want = skew * (i % 2)
        busy = sorted(
            (offsets[j], offsets[j] + buffers[j][0])
            for j in range(len(buffers))
            if offsets[j] is not None
            and buffers[j][1][0] <= last
            and first <= buffers[j][1][1]
            and buffers[j][0] > 0
        )
        start = want
        for lo, hi in busy:
            if start < hi and lo < start + nbytes:
                start = (hi - want + period - 1) // period * period + want
        offsets[i] = start
    placed = [o for o in offsets if o is not None]
    assert len(placed) == len(buffers)
    peak = max((o + b[0] for o, b in zip(placed, buffers, strict=True)), default=0)
    return placed, peak


def _what(op: Operation) -> str:
    """A short name for what a top-level operation computes."""
    if isinstance(op, GenericOp):
        for o in op.body.block.ops:
            if o.name.startswith("kernel."):
                return o.name
        return "linalg.generic"
    return op.name


def widest_point(
    top: list[Operation],
    bufs: list[snax.StaticAllocOp],
    sizes: list[int],
    ranges: list[tuple[int, int]],
    offsets: list[int],
) -> str:
    """Where the placement is highest: the operation and the buffers live there (largest
    first), for the error message."""
    best, at = -1, 0
    for i in range(len(top)):
        end = max(
            (o + n for o, n, (a, b) in zip(offsets, sizes, ranges, strict=True) if a <= i <= b),
            default=0,
        )
        if end > best:
            best, at = end, i
    live = sorted(
        ((n, b) for b, n, (lo, hi) in zip(bufs, sizes, ranges, strict=True) if lo <= at <= hi),
        key=lambda t: -t[0],
    )
    names = ", ".join(f"{b.result.type} {n} B" for n, b in live[:4])
    more = f" and {len(live) - 4} more" if len(live) > 4 else ""
    return (
        f"at {_what(top[at])} (operation {at} of the program) {sum(n for n, _ in live)} "
        f"bytes are live: {names}{more}"
    )


def _in_space(t: MemRefType, space: snax.MemorySpaceAttr) -> MemRefType:
    return MemRefType(t.element_type, t.get_shape(), t.layout, space)


def contiguous_copy(src: SSAValue, dst: SSAValue, nbytes: int) -> dma.StartOp:
    """A DMA transfer of `nbytes` contiguous bytes in the widest elements that divide it."""
    elem = next(e for e in (64, 8, 1) if nbytes % e == 0)
    pattern = dma.PatternAttr([nbytes // elem], [elem])
    return dma.StartOp(src, dst, elem, pattern, pattern)


def _is_written(arg: SSAValue) -> bool:
    for use in arg.uses:
        op = use.operation
        if isinstance(op, GenericOp) and arg in op.outputs:
            return True
        if isinstance(op, memref.StoreOp) and op.memref == arg:
            return True
        if isinstance(op, memref.CopyOp) and op.destination == arg:
            return True
    return False


def _entry(module: ModuleOp, name: str) -> func.FuncOp:
    funcs = [o for o in module.ops if isinstance(o, func.FuncOp) and not o.is_declaration]
    if name:
        found = [f for f in funcs if f.sym_name.data == name]
        if not found:
            raise DiagnosticException(f"place-program-io: no function @{name}")
        return found[0]
    public = [f for f in funcs if f.sym_visibility is None or f.sym_visibility.data == "public"]
    if len(public) != 1:
        names = ", ".join("@" + f.sym_name.data for f in public) or "none"
        raise DiagnosticException(
            f"place-program-io: expected one public function as the entry, found {names}"
        )
    return public[0]


@dataclass(frozen=True)
class PlaceProgramIo(ModulePass):
    """Place the entry function's arguments in L3 and L1 and make it `main`."""

    name = "place-program-io"

    l1_bytes: int = 128 * 1024
    l3_bytes: int = 64 * 1024 * 1024
    entry: str = ""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        f = _entry(op, self.entry)
        if f.function_type.outputs.data:
            raise DiagnosticException(
                f"place-program-io: @{f.sym_name.data} returns values; results must be "
                "out-parameters (import with bufferization)"
            )
        block = f.body.block
        args = list(block.args)
        for i, a in enumerate(args):
            t = a.type
            if not isinstance(t, MemRefType) or not t.has_static_shape():
                raise DiagnosticException(
                    f"place-program-io: argument {i} of @{f.sym_name.data} has type {t}; "
                    "only statically shaped memrefs are supported"
                )
        # A function imported from tensors has value semantics: its outputs are its
        # results (now the trailing out-parameters); an input it happens to overwrite in
        # place is not an output. A function on memrefs outputs what it writes.
        n_inputs = len(args)
        from_tensors = NUM_INPUTS_ATTR in f.attributes
        if from_tensors:
            attr = f.attributes[NUM_INPUTS_ATTR]
            assert isinstance(attr, IntegerAttr)
            n_inputs = attr.value.data

        l3_off = 0
        l1_bufs: list[snax.StaticAllocOp] = []
        first = block.first_op
        assert first is not None
        io: list[Attribute] = []
        inputs: list[tuple[SSAValue, SSAValue, int]] = []
        outputs: list[tuple[SSAValue, SSAValue, int]] = []
        for i, a in enumerate(args):
            t = a.type
            assert isinstance(t, MemRefType)
            nbytes = size_bytes(t)
            l3 = snax.StaticAllocOp(l3_off, _in_space(t, snax.L3))
            l1_buf = snax.StaticAllocOp(0, _in_space(t, snax.L1))
            l1_bufs.append(l1_buf)
            Rewriter.insert_op([l3, l1_buf], InsertPoint.before(first))
            is_input = i < n_inputs
            is_output = not is_input or (not from_tensors and _is_written(a))
            role = "inout" if is_input and is_output else "input" if is_input else "output"
            name = f"arg{i}" if is_input else f"result{i - n_inputs}"
            io.append(
                DictionaryAttr(
                    {
                        "name": StringAttr(name),
                        "role": StringAttr(role),
                        "l3_offset": IntegerAttr(l3_off, i64),
                        "shape": DenseArrayBase.from_list(i64, t.get_shape()),
                        "element_type": t.element_type,
                    }
                )
            )
            if is_input:
                inputs.append((l3.result, l1_buf.result, nbytes))
            if is_output:
                outputs.append((l1_buf.result, l3.result, nbytes))
            a.replace_all_uses_with(l1_buf.result)
            l3_off = _align(l3_off + nbytes)

        for alloc in [o for o in f.walk() if isinstance(o, memref.AllocOp | memref.AllocaOp)]:
            t = alloc.memref.type
            assert isinstance(t, MemRefType)
            if not t.has_static_shape() or alloc.operands:
                raise DiagnosticException(
                    "place-program-io: dynamically sized buffers are not supported"
                )
            static = snax.StaticAllocOp(0, _in_space(t, snax.L1))
            l1_bufs.append(static)
            Rewriter.replace_op(alloc, static)
        for dealloc in [o for o in f.walk() if isinstance(o, memref.DeallocOp)]:
            Rewriter.erase_op(dealloc)

        if l3_off > self.l3_bytes:
            raise DiagnosticException(
                f"place-program-io: inputs and outputs need {l3_off} bytes of L3, "
                f"the cluster has {self.l3_bytes}"
            )

        ret = block.last_op
        if not isinstance(ret, func.ReturnOp):
            raise DiagnosticException("place-program-io: the entry function has no return")
        out_tokens = []
        for l1_val, l3, nbytes in outputs:
            start = contiguous_copy(l1_val, l3, nbytes)
            Rewriter.insert_op(start, InsertPoint.before(ret))
            out_tokens.append(start.token)
        zero = arith.ConstantOp(IntegerAttr(0, i32))
        new_ret: list[Operation] = [zero, func.ReturnOp(zero.result)]
        if out_tokens:
            new_ret.insert(0, dma.WaitOp(out_tokens))
        Rewriter.replace_op(ret, new_ret)

        # Each input comes in right before the group of operations that first uses it
        # (not all at the start: a network's weights need not be in L1 all at once).
        top = list(block.ops)
        pos = {o: i for i, o in enumerate(top)}
        spans = fusion_spans(top)
        by_first: dict[int, list[tuple[SSAValue, SSAValue, int]]] = {}
        for l3_val, l1_val, nbytes in inputs:
            first_use, _ = live_range(l1_val, block, pos, spans)
            # Not inside a group later passes may fuse: before every group it would split.
            while inside := [lo for lo, hi in spans if lo < first_use <= hi]:
                first_use = min(inside)
            by_first.setdefault(first_use, []).append((l3_val, l1_val, nbytes))
        for at, group in by_first.items():
            starts = [contiguous_copy(l3_val, l1_val, n) for l3_val, l1_val, n in group]
            wait = dma.WaitOp([st.token for st in starts])
            Rewriter.insert_op([*starts, wait], InsertPoint.before(top[at]))

        top = list(block.ops)
        pos = {o: i for i, o in enumerate(top)}
        spans = fusion_spans(top)
        sizes = [size_bytes(b.result.type) for b in l1_bufs]  # pyright: ignore
        ranges = [live_range(b.result, block, pos, spans) for b in l1_bufs]
        offsets, peak = assign_l1_offsets(list(zip(sizes, ranges, strict=True)))
        for b, off in zip(l1_bufs, offsets, strict=True):
            b.properties["offset"] = IntegerAttr(off, 64)
        if peak > self.l1_bytes:
            raise DiagnosticException(
                f"place-program-io: the program's buffers need {peak} bytes of L1 at once, "
                f"the TCDM has {self.l1_bytes}; "
                + widest_point(top, l1_bufs, sizes, ranges, offsets)
            )

        for a in reversed(args):
            block.erase_arg(a)
        f.attributes["snaxc.entry"] = f.sym_name
        f.sym_name = StringAttr("main")
        f.function_type = FunctionType.from_lists([], [i32])
        f.attributes.pop(NUM_INPUTS_ATTR, None)
        f.attributes[IO_ATTR] = ArrayAttr(io)
        # xDSL keeps arg attributes per argument: there are none left.
        f.arg_attrs = None
