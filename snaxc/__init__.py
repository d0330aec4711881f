"""snaxc: a hardware/software co-design framework for SNAX-style accelerator clusters.

import snaxc
net = snaxc.compile("model_int8.onnx")     # or an .mlir path, or an nn.Module
outputs = net.run({"input": x})            # outputs.performance: cycles, counters
"""

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "compile", "load"]


def __getattr__(name: str) -> Any:
    # `snaxc.compile` and `snaxc.load` import the compiler only when used.
    if name in ("compile", "load"):
        from snaxc import api

        return getattr(api, name)
    raise AttributeError(f"module 'snaxc' has no attribute {name!r}")
