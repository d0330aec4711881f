"""snaxc frontends: from an input file to an xDSL module of linalg on tensors or memrefs."""

from snaxc.frontend.mlir_import import import_mlir, import_mlir_text
from snaxc.frontend.onnx import import_onnx
from snaxc.frontend.torch import import_torch

__all__ = ["import_mlir", "import_mlir_text", "import_onnx", "import_torch"]
