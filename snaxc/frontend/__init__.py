"""snaxc frontends: from an input file to an xDSL module of linalg on tensors or memrefs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from snaxc.errors import SnaxcError
from snaxc.frontend.mlir_import import import_mlir, import_mlir_text
from snaxc.frontend.onnx import import_onnx
from snaxc.frontend.torch import import_torch

__all__ = ["import_mlir", "import_mlir_text", "import_model", "import_onnx", "import_torch"]


def import_model(
    model: Any,
    *,
    example_inputs: Any = None,
    input_shapes: dict[str, tuple[int, ...]] | None = None,
    bufferize: bool = False,
):
    """Import a `.mlir` or `.onnx` file, an `onnx.ModelProto` or a `torch.nn.Module`
    (which needs `example_inputs`) into a verified xDSL module."""
    if isinstance(model, str | Path):
        suffix = Path(model).suffix
        if suffix == ".mlir":
            return import_mlir(model, bufferize=bufferize)
        if suffix == ".onnx":
            return import_onnx(model, input_shapes=input_shapes, bufferize=bufferize)
        raise SnaxcError(f"{model}: unknown input kind {suffix!r} (expected .mlir or .onnx)")
    if type(model).__name__ == "ModelProto":
        return import_onnx(model, input_shapes=input_shapes, bufferize=bufferize)
    if hasattr(model, "forward") and hasattr(model, "parameters"):
        if example_inputs is None:
            raise SnaxcError(f"{type(model).__name__}: a PyTorch module needs example_inputs")
        return import_torch(model, example_inputs, bufferize=bufferize)
    raise SnaxcError(f"cannot import a {type(model).__name__}: give a path, ONNX model or module")
