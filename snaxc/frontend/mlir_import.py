"""Import an MLIR file (linalg on tensors or memrefs) into an xDSL module.

The text is parsed by upstream MLIR (torch-mlir's Python bindings), which knows every
named linalg op; upstream passes generalize named ops (`linalg.matmul`,
`linalg.conv_2d_nchw_fchw`, `linalg.quantized_matmul`, pooling, ...) into
`linalg.generic` and optionally bufferize tensors to memrefs. The result is printed in the
pretty form (the generic form carries properties xDSL 0.74 does not know) and parsed by
xDSL with every snaxc dialect registered.

Every failure is a `SnaxcError` with one line naming the file and, when known, the line and
column: `model.mlir:3:8: custom op 'linalg.bogus' is unknown`.
"""

from __future__ import annotations

import re
from pathlib import Path

from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser
from xdsl.utils.exceptions import DiagnosticException, ParseError, VerifyException

from snaxc.dialects import snaxc_context
from snaxc.errors import SnaxcError

GENERALIZE = "func.func(linalg-generalize-named-ops),canonicalize,cse"
BUFFERIZE = (
    "one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map},"
    # Returned buffers become trailing out-parameters: a program's outputs are arguments
    # whose memory the caller (the runtime) provides.
    "drop-equivalent-buffer-results,"
    "buffer-results-to-out-params{hoist-static-allocs modify-public-functions}"
)

NUM_INPUTS_ATTR = "snaxc.num_inputs"
"""Set on every function by a bufferizing import: its number of arguments before results
became out-parameters (arguments at or beyond it are outputs only)."""


def _pipeline(passes: str) -> str:
    return f"builtin.module({passes})"


def _mark_num_inputs(module) -> None:
    from torch_mlir import ir

    for op in module.body.operations:
        if op.operation.name == "func.func":
            n = len(ir.FunctionType(ir.TypeAttr(op.attributes["function_type"]).value).inputs)
            op.attributes[NUM_INPUTS_ATTR] = ir.IntegerAttr.get(ir.IntegerType.get_signless(64), n)


def _copies_to_linalg(module) -> None:
    """Replace every `memref.copy` by a `linalg.copy` (generalized afterwards).

    Bufferization inserts `memref.copy`, whose custom syntax xDSL 0.74 cannot parse, and
    as a generic a copy is a plain linalg op that later passes tile and place like others.
    """
    from torch_mlir import ir
    from torch_mlir.dialects import linalg as upstream_linalg

    copies: list[ir.Operation] = []

    def collect(op: ir.Operation) -> ir.WalkResult:
        if op.name == "memref.copy":
            copies.append(op)
        return ir.WalkResult.ADVANCE

    module.operation.walk(collect)
    for op in copies:
        with ir.InsertionPoint(op), op.location:
            upstream_linalg.copy(op.operands[0], outs=[op.operands[1]])
        op.erase()


_LOC = re.compile(r'^loc\("[^"]*":(\d+):(\d+)\)$')


def _diagnostic_line(source: str, e: Exception) -> str:
    """`source:line:col: message` from an upstream MLIR error (its first diagnostic)."""
    diags = getattr(e, "error_diagnostics", None) or []
    if not diags:
        text = str(e).strip().splitlines()
        return f"{source}: {text[-1] if text else type(e).__name__}"
    d = diags[0]
    m = _LOC.match(str(d.location))
    where = f"{source}:{m.group(1)}:{m.group(2)}" if m else source
    return f"{where}: {d.message}"


def _upstream(text: str, source: str, bufferize: bool) -> str:
    from torch_mlir import ir
    from torch_mlir.passmanager import PassManager

    with ir.Context():
        try:
            module = ir.Module.parse(text)
        except ir.MLIRError as e:
            raise SnaxcError(_diagnostic_line(source, e)) from None
        try:
            PassManager.parse(_pipeline(GENERALIZE)).run(module.operation)
            if bufferize:
                _mark_num_inputs(module)
                PassManager.parse(_pipeline(BUFFERIZE)).run(module.operation)
                _copies_to_linalg(module)
                # Generalize again: `tensor.pad` bufferizes into `linalg.map` (which xDSL
                # 0.74 does not parse) and copies are now `linalg.copy`.
                PassManager.parse(_pipeline(GENERALIZE)).run(module.operation)
        except ir.MLIRError as e:
            raise SnaxcError(
                f"{_diagnostic_line(source, e)} (while generalizing"
                f"{'/bufferizing' if bufferize else ''})"
            ) from None
        return _text_for_xdsl(module)


GENERIC_FORM_OPS = ("memref.global",)
"""Ops xDSL 0.74 parses only in the generic form (it has no custom syntax for them)."""


def _text_for_xdsl(module) -> str:
    """The module printed in the pretty form, except for `GENERIC_FORM_OPS`.

    The generic form of whole modules breaks xDSL on newer properties, so only these
    top-level ops are swapped for their generic form (aliases and resources are kept).
    """
    text = str(module)
    for op in module.body.operations:
        if op.operation.name in GENERIC_FORM_OPS:
            pretty = op.operation.get_asm().strip()
            generic = op.operation.get_asm(print_generic_op_form=True).strip()
            text = text.replace(pretty, generic, 1)
    return text


def import_mlir_text(text: str, source: str = "<input>", *, bufferize: bool = False) -> ModuleOp:
    """Import MLIR `text` (named `source` in errors) into a verified xDSL module."""
    generalized = _upstream(text, source, bufferize)
    try:
        module = Parser(snaxc_context(), generalized, source).parse_module()
    except ParseError as e:
        msg = str(e).strip().splitlines()[-1].strip()
        raise SnaxcError(f"{source}: xDSL cannot read the imported module: {msg}") from None
    try:
        module.verify()
    except (VerifyException, DiagnosticException) as e:
        raise SnaxcError(f"{source}: the imported module does not verify: {e}") from None
    return module


def import_mlir(path: str | Path, *, bufferize: bool = False) -> ModuleOp:
    """Import the MLIR file at `path` into a verified xDSL module."""
    p = Path(path)
    try:
        text = p.read_text()
    except UnicodeDecodeError:
        raise SnaxcError(f"{p}: not a text file") from None
    except OSError as e:
        raise SnaxcError(f"{p}: cannot read input ({e.strerror})") from None
    return import_mlir_text(text, str(p), bufferize=bufferize)
