"""`place-program-io`: turn the entry function into the cluster's `main`.

A compiled program's inputs and outputs live in L3, where the runtime writes and reads
them; the core and the accelerators work on L1 (TCDM) copies. For the entry function
(bufferized, results turned into trailing out-parameters), this pass

- places every argument at a static L3 offset (64-byte aligned) and a static L1 offset
  (consecutive buffers 128 bytes apart modulo 256, see `_L1Allocator`),
- copies the inputs from L3 to L1 with the DMA at the start and the outputs back at the
  end (the out-parameters of a function imported from tensors; for a function on
  memrefs, every argument its body writes),
- places every `memref.alloc`/`alloca` of the body statically in L1 (no reuse yet),
- renames the function `main` with no arguments and an `i32` result (the exit code, 0),
- records the placement in the `snaxc.io` attribute of `main`, which the package writer
  turns into the manifest.

Everything must fit L1 at once: tiling is a later pass. What does not fit is an error
that names the sizes.
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
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter
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


class _L1Allocator:
    """Bump allocation in L1. Consecutive buffers start 128 bytes apart modulo 256 (half
    the banks of the default TCDM): streams walking two buffers in lock step then use
    disjoint banks instead of colliding on every access."""

    def __init__(self) -> None:
        self.end = 0
        self.count = 0

    def take(self, nbytes: int) -> int:
        skew = 128 * (self.count % 2)
        start = (self.end + 255) // 256 * 256 + skew
        if start - 256 >= self.end:
            start -= 256
        self.end = start + nbytes
        self.count += 1
        return start


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
        l1 = _L1Allocator()
        first = block.first_op
        assert first is not None
        io: list[Attribute] = []
        in_tokens: list[SSAValue] = []
        outputs: list[tuple[SSAValue, SSAValue, int]] = []
        for i, a in enumerate(args):
            t = a.type
            assert isinstance(t, MemRefType)
            nbytes = size_bytes(t)
            l3 = snax.StaticAllocOp(l3_off, _in_space(t, snax.L3))
            l1_buf = snax.StaticAllocOp(l1.take(nbytes), _in_space(t, snax.L1))
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
                start = contiguous_copy(l3.result, l1_buf.result, nbytes)
                Rewriter.insert_op(start, InsertPoint.before(first))
                in_tokens.append(start.token)
            if is_output:
                outputs.append((l1_buf.result, l3.result, nbytes))
            a.replace_all_uses_with(l1_buf.result)
            l3_off = _align(l3_off + nbytes)
        if in_tokens:
            Rewriter.insert_op(dma.WaitOp(in_tokens), InsertPoint.before(first))

        for alloc in [o for o in f.walk() if isinstance(o, memref.AllocOp | memref.AllocaOp)]:
            t = alloc.memref.type
            assert isinstance(t, MemRefType)
            if not t.has_static_shape() or alloc.operands:
                raise DiagnosticException(
                    "place-program-io: dynamically sized buffers are not supported"
                )
            static = snax.StaticAllocOp(l1.take(size_bytes(t)), _in_space(t, snax.L1))
            Rewriter.replace_op(alloc, static)
        for dealloc in [o for o in f.walk() if isinstance(o, memref.DeallocOp)]:
            Rewriter.erase_op(dealloc)

        if l1.end > self.l1_bytes:
            raise DiagnosticException(
                f"place-program-io: the program's buffers need {l1.end} bytes of L1 at once, "
                f"the TCDM has {self.l1_bytes} (tiling is not implemented yet)"
            )
        if l3_off > self.l3_bytes:
            raise DiagnosticException(
                f"place-program-io: inputs and outputs need {l3_off} bytes of L3, "
                f"the cluster has {self.l3_bytes}"
            )

        ret = block.last_op
        if not isinstance(ret, func.ReturnOp):
            raise DiagnosticException("place-program-io: the entry function has no return")
        out_tokens = []
        for l1, l3, nbytes in outputs:
            start = contiguous_copy(l1, l3, nbytes)
            Rewriter.insert_op(start, InsertPoint.before(ret))
            out_tokens.append(start.token)
        zero = arith.ConstantOp(IntegerAttr(0, i32))
        new_ret: list[Operation] = [zero, func.ReturnOp(zero.result)]
        if out_tokens:
            new_ret.insert(0, dma.WaitOp(out_tokens))
        Rewriter.replace_op(ret, new_ret)

        for a in reversed(args):
            block.erase_arg(a)
        f.attributes["snaxc.entry"] = f.sym_name
        f.sym_name = StringAttr("main")
        f.function_type = FunctionType.from_lists([], [i32])
        f.attributes.pop(NUM_INPUTS_ATTR, None)
        f.attributes[IO_ATTR] = ArrayAttr(io)
        # xDSL keeps arg attributes per argument: there are none left.
        f.arg_attrs = None
