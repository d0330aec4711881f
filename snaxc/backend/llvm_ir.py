"""The control program (func/scf/cf/arith/memref/linalg/llvm) to LLVM IR via upstream MLIR.

`linalg.generic` ops left in the control program (work no accelerator takes, with plain
arith bodies: `kernel-to-arith`) become loops on the core here.

xDSL has no func/arith/memref -> LLVM conversions and its LLVM printer drops `volatile`,
so the module is printed, parsed by the upstream MLIR bundled in torch-mlir's Python
bindings, converted to the LLVM dialect with 32-bit indices (the core is RV32) and
translated to LLVM IR there. Memory-mapped register accesses must already be volatile
LLVM ops (`lower-mmio`); loads carry the `snax.volatile` marker that is turned into
upstream's `volatile_` flag here.
"""

from __future__ import annotations

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.printer import Printer

from snaxc.errors import SnaxcError
from snaxc.transforms.lower_mmio import VOLATILE_MARKER, LowerMmio

INDEX_BITS = 32
TARGET_TRIPLE = "riscv32-unknown-unknown-elf"
DATA_LAYOUT = "e-m:e-p:32:32-i64:64-n32-S128"

_TO_LLVM = ",".join(
    [
        "func.func(convert-linalg-to-loops)",
        "convert-scf-to-cf",
        "expand-strided-metadata",
        "lower-affine",
        # Float math: LLVM intrinsics where LLVM has them (sqrt, exp, log, ... become
        # compiler-rt calls), libm calls for the rest (tanhf, erff: no library links them).
        "convert-math-to-llvm",
        "convert-math-to-libm",
        f"convert-arith-to-llvm{{index-bitwidth={INDEX_BITS}}}",
        f"convert-cf-to-llvm{{index-bitwidth={INDEX_BITS}}}",
        f"finalize-memref-to-llvm{{index-bitwidth={INDEX_BITS}}}",
        f"convert-func-to-llvm{{index-bitwidth={INDEX_BITS}}}",
        "reconcile-unrealized-casts",
    ]
)
PIPELINE = f"builtin.module({_TO_LLVM})"
"""The upstream pass pipeline from the control program to the LLVM dialect."""


def module_text(module: ModuleOp) -> str:
    """Pretty-print an xDSL module (the generic form breaks on newer upstream properties)."""
    from io import StringIO

    out = StringIO()
    Printer(stream=out).print_op(module)
    return out.getvalue()


def to_llvm_ir(module: ModuleOp | str, ctx: Context | None = None) -> str:
    """LLVM IR of a control program given as an xDSL module or as MLIR text.

    An xDSL module gets `lower-mmio` applied first (it is modified in place).
    """
    if isinstance(module, ModuleOp):
        LowerMmio().apply(ctx or Context(), module)
        module = module_text(module)
    return upstream_to_llvm_ir(module)


def upstream_to_llvm_ir(text: str, name: str = "<control program>") -> str:
    """Parse `text` with upstream MLIR, lower it to the LLVM dialect and translate it."""
    from torch_mlir import ir
    from torch_mlir.dialects import llvm
    from torch_mlir.passmanager import PassManager

    with ir.Context() as ctx:
        ctx.allow_unregistered_dialects = False
        try:
            m = ir.Module.parse(text)
        except ir.MLIRError as e:
            raise SnaxcError(
                f"{name}: upstream MLIR cannot parse the control program: {_first_diagnostic(e)}"
            ) from None

        mmio: list[ir.Operation] = []

        def mark_volatile(op: ir.Operation) -> ir.WalkResult:
            if op.name == "llvm.load" and VOLATILE_MARKER in op.attributes:
                op.attributes["volatile_"] = ir.UnitAttr.get()
                del op.attributes[VOLATILE_MARKER]
            if op.name in ("llvm.load", "llvm.store") and "volatile_" in op.attributes:
                mmio.append(op)
            return ir.WalkResult.ADVANCE

        m.operation.walk(mark_volatile)
        _order_memory_around_mmio(mmio)
        m.operation.attributes["llvm.target_triple"] = ir.StringAttr.get(TARGET_TRIPLE)
        m.operation.attributes["llvm.data_layout"] = ir.StringAttr.get(DATA_LAYOUT)
        try:
            PassManager.parse(PIPELINE).run(m.operation)
        except ir.MLIRError as e:
            raise SnaxcError(f"{name}: lowering to LLVM failed: {_first_diagnostic(e)}") from None
        return _legacy_float_literals(str(llvm.translate_module_to_llvmir(m.operation)))


def _legacy_float_literals(ir_text: str) -> str:
    """Rewrite the float literals of newer LLVM into the classic hexadecimal form zig's LLVM
    parses: `0x` and the 16 hex digits of the equal double for a float (every float is
    exactly a double). Newer LLVM writes `f0x<bits>` and shortest round-trip decimals, which
    older parsers reject for floats unless the decimal is an exact double."""
    import re
    import struct

    def classic(m: re.Match) -> str:
        digits = m.group(1)
        if len(digits) == 8:
            (value,) = struct.unpack("<f", int(digits, 16).to_bytes(4, "little"))
            return "0x" + struct.pack(">d", value).hex().upper()
        return "0x" + digits.upper()

    def exact(m: re.Match) -> str:
        # A shortest decimal that names a float but is no exact double: its float, in hex.
        (value,) = struct.unpack("<f", struct.pack("<f", float(m.group(0))))
        return "0x" + struct.pack(">d", value).hex().upper()

    text = re.sub(r"\bf0x([0-9A-Fa-f]{16}|[0-9A-Fa-f]{8})\b", classic, ir_text)
    decimal = re.compile(r"(?<![\w.%@$-])-?\d+\.\d+e[-+]\d+\b")
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if "float" in line and "double" not in line and not line.startswith(("!", ";")):
            lines[i] = decimal.sub(exact, line)
    return "\n".join(lines)


def _order_memory_around_mmio(mmio: list) -> None:
    """Compiler-only fences around memory-mapped register accesses.

    LLVM keeps volatile accesses in order among themselves, but may move ordinary loads
    and stores across them: a store of data the DMA is about to read could sink below the
    START write, a load of a result could be served from a register filled before the
    accelerator finished. A single-thread fence before every volatile store and after
    every volatile load forbids that; it emits no instruction.
    """
    from torch_mlir import ir
    from torch_mlir.dialects import llvm

    for op in mmio:
        where = ir.InsertionPoint(op) if op.name == "llvm.store" else ir.InsertionPoint.after(op)
        with where, op.location:
            llvm.FenceOp(llvm.AtomicOrdering.seq_cst, syncscope="singlethread")


def _first_diagnostic(e: Exception) -> str:
    diags = getattr(e, "error_diagnostics", None)
    if diags:
        d = diags[0]
        return f"{d.location}: {d.message}"
    return str(e).splitlines()[0] if str(e) else type(e).__name__
