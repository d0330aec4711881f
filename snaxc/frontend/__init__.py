"""snaxc frontends: from an input file to an xDSL module of linalg on tensors or memrefs."""

from snaxc.frontend.mlir_import import import_mlir, import_mlir_text

__all__ = ["import_mlir", "import_mlir_text"]
