"""Import an ONNX model into an xDSL module of linalg on tensors.

    module = import_onnx("model.onnx", input_shapes={"input": (1, 3, 32, 32)})

The pipeline (TOOLCHAIN.md, "ONNX -> linalg -> xDSL"):

1. `onnx.load`, then every graph input gets a static shape: from the model, or from
   `input_shapes` where the model has a dynamic (symbolic) or missing dimension;
2. `onnx.checker` and strict shape inference; every node output must get a static shape;
3. torch-mlir's ONNX importer builds the `torch` dialect module in-process, and the
   upstream pipeline `torch-onnx-to-torch-backend-pipeline`,
   `torch-backend-to-linalg-on-tensors-backend-pipeline` and `linalg-generalize-named-ops`
   lowers it to `linalg.generic` on tensors (weights inline as `dense<"0x...">`);
4. the pretty-printed text goes through `snaxc.frontend.import_mlir_text` (optional
   bufferization, then xDSL parsing with every snaxc dialect, verification).

Step 3 runs in a child process by default (`isolate=True`): torch-mlir crashes on some
valid models (e.g. a `Unique` node) and a crash must become an error message, not the end
of the compiler. Every failure is a one-line `SnaxcError` naming the file and, where known,
the node: `model.onnx: node 'pool_3': no lowering to linalg for onnx.LpPool`.

Models with uint8 activations (U8S8, what `snaxc quantize` writes by default) are first
converted exactly to int8 activations, on a copy (`snaxc.frontend.uint8`): every uint8
QuantizeLinear/DequantizeLinear zero point z becomes the int8 z - 128.
What int8 (QDQ) models become, and what `fixed-point-requant` makes of it, is described in
`snaxc.transforms.fixed_point_requant`.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from snaxc.errors import SnaxcError
from snaxc.frontend.uint8 import activations_to_int8

if TYPE_CHECKING:
    import onnx
    from xdsl.dialects.builtin import ModuleOp

PIPELINE = (
    "builtin.module(torch-onnx-to-torch-backend-pipeline,"
    "torch-backend-to-linalg-on-tensors-backend-pipeline,"
    "func.func(linalg-generalize-named-ops),canonicalize,cse)"
)

TESTED_OPS = frozenset(
    "Add AveragePool BatchNormalization Clip Concat Conv DequantizeLinear Flatten Gemm "
    "GlobalAveragePool MatMul MaxPool Mul QuantizeLinear Relu Reshape Softmax Sub "
    "Transpose".split()
)
"""ONNX ops the snaxc tests import (others may work; they are named when torch-mlir fails)."""

InputShapes = Mapping[str, Sequence[int]]


def load_onnx(path: str | Path) -> onnx.ModelProto:
    """`onnx.load` with one-line errors for a missing or malformed file."""
    import onnx

    p = Path(path)
    try:
        return onnx.load(str(p))
    except FileNotFoundError:
        raise SnaxcError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise SnaxcError(f"{p}: is a directory, not an ONNX model") from None
    except Exception as e:  # protobuf DecodeError, ValueError, ...
        raise SnaxcError(f"{p}: not a valid ONNX model ({type(e).__name__})") from None


def parse_input_shapes(specs: Sequence[str]) -> dict[str, tuple[int, ...]]:
    """`["input=1,3,32,32", ...]` (the CLI's `--input-shape`) -> {"input": (1, 3, 32, 32)}."""
    shapes = {}
    for spec in specs:
        name, sep, dims = spec.rpartition("=")
        try:
            shape = tuple(int(d) for d in dims.split(","))
        except ValueError:
            shape = ()
        if not sep or not name or not shape or any(d <= 0 for d in shape):
            raise SnaxcError(f"bad input shape {spec!r}: expected NAME=D0,D1,... (positive ints)")
        shapes[name] = shape
    return shapes


def _graph_inputs(model: onnx.ModelProto) -> list:
    inits = {t.name for t in model.graph.initializer}
    return [vi for vi in model.graph.input if vi.name not in inits]


def _set_input_shapes(model: onnx.ModelProto, given: InputShapes, source: str) -> None:
    inputs = _graph_inputs(model)
    unknown = sorted(set(given) - {vi.name for vi in inputs})
    if unknown:
        raise SnaxcError(
            f"{source}: --input-shape for unknown input(s) {', '.join(unknown)} "
            f"(inputs: {', '.join(vi.name for vi in inputs)})"
        )
    for vi in inputs:
        tt = vi.type.tensor_type
        if not vi.type.HasField("tensor_type"):
            raise SnaxcError(f"{source}: input {vi.name!r} is not a tensor")
        if vi.name in given:
            shape = tuple(given[vi.name])
            if tt.HasField("shape") and len(tt.shape.dim) != len(shape):
                raise SnaxcError(
                    f"{source}: input {vi.name!r} has rank {len(tt.shape.dim)}, "
                    f"the given shape {shape} has rank {len(shape)}"
                )
            for i, d in enumerate(tt.shape.dim if tt.HasField("shape") else []):
                if d.HasField("dim_value") and d.dim_value != shape[i]:
                    raise SnaxcError(
                        f"{source}: input {vi.name!r} has dimension {i} = {d.dim_value}, "
                        f"the given shape {shape} says {shape[i]}"
                    )
            tt.ClearField("shape")
            for s in shape:
                tt.shape.dim.add().dim_value = s
            continue
        if not tt.HasField("shape"):
            raise SnaxcError(
                f"{source}: input {vi.name!r} has no shape; give one with "
                f"--input-shape {vi.name}=D0,D1,..."
            )
        for i, d in enumerate(tt.shape.dim):
            if not d.HasField("dim_value") or d.dim_value <= 0:
                what = f"'{d.dim_param}'" if d.HasField("dim_param") else "unknown"
                raise SnaxcError(
                    f"{source}: input {vi.name!r} has a dynamic dimension {i} ({what}); "
                    f"give its shape with --input-shape {vi.name}=D0,D1,..."
                )


def _check_quantization(model: onnx.ModelProto, source: str) -> None:
    """Reject what snaxc cannot run as integers, with what to do instead."""
    from onnx import numpy_helper

    inits = {t.name: t for t in model.graph.initializer}
    for node in model.graph.node:
        if node.domain == "com.microsoft":
            raise SnaxcError(
                f"{source}: node {node.name!r}: com.microsoft operator {node.op_type} is not "
                "supported; quantize the float model to QDQ format instead "
                "(snaxc quantize model.onnx --calibration data.npz -o model_int8.onnx)"
            )
        if node.op_type in ("QuantizeLinear", "DequantizeLinear") and len(node.input) > 1:
            scale = inits.get(node.input[1])
            if scale is not None and numpy_helper.to_array(scale).size > 1:
                raise SnaxcError(
                    f"{source}: node {node.name!r}: per-channel quantization is not supported; "
                    "quantize per tensor (snaxc quantize does, or quantize_static with "
                    "per_channel=False)"
                )


def _infer_shapes(model: onnx.ModelProto, source: str) -> onnx.ModelProto:
    import onnx

    # Inference first: it also fills in graph outputs declared without a shape, which the
    # checker would reject.
    try:
        model = onnx.shape_inference.infer_shapes(model, strict_mode=True, data_prop=True)
    except Exception as e:  # onnx.shape_inference.InferenceError and friends
        msg = " ".join(str(e).split())
        raise SnaxcError(f"{source}: shape inference failed: {msg}") from None
    try:
        onnx.checker.check_model(model)
    except onnx.checker.ValidationError as e:
        first = str(e).strip().splitlines()[0]
        raise SnaxcError(f"{source}: invalid ONNX model: {first}") from None
    known = {}
    for vi in [*model.graph.input, *model.graph.value_info, *model.graph.output]:
        if vi.type.HasField("tensor_type") and vi.type.tensor_type.HasField("shape"):
            dims = vi.type.tensor_type.shape.dim
            known[vi.name] = all(d.HasField("dim_value") for d in dims)
    for node in model.graph.node:
        for out in node.output:
            if out and not known.get(out, False):
                raise SnaxcError(
                    f"{source}: node {node.name!r} ({node.op_type}): the shape of output "
                    f"{out!r} is not static after shape inference; give input shapes or "
                    "simplify the model"
                )
    return model


_OPNAME = re.compile(r'name = "(onnx\.[A-Za-z0-9_]+)"|"(torch\.[a-z_]+\.[a-z0-9_.]+)"')


def _pipeline_error(e: Exception, source: str) -> str:
    diags = getattr(e, "error_diagnostics", None) or []
    if not diags:
        lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
        return f"{source}: torch-mlir failed: {lines[-1] if lines else type(e).__name__}"
    d = diags[0]
    loc = str(d.location)
    m = re.match(r'^loc\("([^"]*)"', loc)
    where = f"{source}: node {m.group(1)!r}" if m else source
    msg = d.message.splitlines()[0]
    if "failed to legalize" in msg:
        op = _OPNAME.search(msg)
        name = (op.group(1) or op.group(2)) if op else msg.split("'")[1]
        return f"{where}: no lowering to linalg for {name}"
    return f"{where}: {msg[:300]}"


def _lower(model_bytes: bytes, source: str) -> str:
    """The torch-mlir stage: ONNX bytes -> linalg-on-tensors text (pretty form)."""
    import onnx
    from torch_mlir import ir
    from torch_mlir.dialects import torch as torch_d
    from torch_mlir.extras import onnx_importer
    from torch_mlir.passmanager import PassManager

    model = onnx.load_from_string(model_bytes)
    ctx = ir.Context()
    torch_d.register_dialect(ctx)
    try:
        info = onnx_importer.ModelInfo(model)
        module = info.create_module(context=ctx)
        onnx_importer.NodeImporter.define_function(info.main_graph, module.operation).import_all()
    except Exception as e:
        msg = " ".join(str(e).split())
        raise SnaxcError(f"{source}: torch-mlir cannot import the model: {msg[:300]}") from None
    try:
        with ctx:
            PassManager.parse(PIPELINE).run(module.operation)
    except ir.MLIRError as e:
        raise SnaxcError(_pipeline_error(e, source)) from None
    return str(module)


def _lower_isolated(model: onnx.ModelProto, source: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "snaxc.frontend.onnx", source],
        input=model.SerializeToString(),
        capture_output=True,
    )
    if proc.returncode < 0 or (proc.returncode != 0 and not proc.stdout):
        ops = sorted({n.op_type for n in model.graph.node} - TESTED_OPS)
        hint = f"; ops snaxc has not tested: {', '.join(ops)}" if ops else ""
        how = f"signal {-proc.returncode}" if proc.returncode < 0 else f"status {proc.returncode}"
        raise SnaxcError(f"{source}: torch-mlir crashed ({how}) lowering the model{hint}")
    try:
        reply = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        err = [ln for ln in proc.stderr.decode(errors="replace").splitlines() if ln.strip()]
        raise SnaxcError(
            f"{source}: the torch-mlir import process failed: {err[-1] if err else 'no output'}"
        ) from None
    if "error" in reply:
        raise SnaxcError(reply["error"])
    return reply["text"]


def onnx_to_linalg_text(
    model: onnx.ModelProto | str | Path,
    *,
    input_shapes: InputShapes | None = None,
    source: str | None = None,
    isolate: bool = True,
) -> str:
    """The linalg-on-tensors MLIR text of an ONNX model (steps 1-3 of the module doc)."""
    import onnx

    if not isinstance(model, onnx.ModelProto):
        source = source or str(model)
        model = load_onnx(model)
    else:
        copy = onnx.ModelProto()
        copy.CopyFrom(model)
        model = copy
    source = source or (model.graph.name or "<onnx>")
    model = activations_to_int8(model, source)
    _set_input_shapes(model, input_shapes or {}, source)
    _check_quantization(model, source)
    model = _infer_shapes(model, source)
    if isolate:
        return _lower_isolated(model, source)
    return _lower(model.SerializeToString(), source)


def import_onnx(
    model: onnx.ModelProto | str | Path,
    *,
    input_shapes: InputShapes | None = None,
    bufferize: bool = False,
    isolate: bool = True,
    source: str | None = None,
) -> ModuleOp:
    """Import an ONNX model (a path or a ModelProto) into a verified xDSL module."""
    from snaxc.frontend.mlir_import import import_mlir_text

    if source is None:
        source = str(model) if isinstance(model, str | Path) else None
    text = onnx_to_linalg_text(model, input_shapes=input_shapes, source=source, isolate=isolate)
    return import_mlir_text(text, source or "<onnx>", bufferize=bufferize)


def _worker() -> None:
    """Child process of `_lower_isolated`: model bytes on stdin, a JSON reply on stdout."""
    source = sys.argv[1] if len(sys.argv) > 1 else "<onnx>"
    data = sys.stdin.buffer.read()
    try:
        reply = {"text": _lower(data, source)}
    except SnaxcError as e:
        reply = {"error": str(e)}
    sys.stdout.write("\n" + json.dumps(reply) + "\n")


if __name__ == "__main__":
    _worker()
