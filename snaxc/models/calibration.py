"""Calibration and test inputs for the zoo networks, from a seeded generator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx


def input_shapes(model: onnx.ModelProto) -> dict[str, tuple[int, ...]]:
    """Name -> static shape of every graph input that is not an initializer."""
    inits = {t.name for t in model.graph.initializer}
    shapes = {}
    for vi in model.graph.input:
        if vi.name in inits:
            continue
        dims = vi.type.tensor_type.shape.dim
        shapes[vi.name] = tuple(d.dim_value for d in dims)
    return shapes


def random_inputs(model: onnx.ModelProto, samples: int, seed: int) -> dict[str, np.ndarray]:
    """`samples` standard-normal float32 inputs per graph input, stacked along a new axis 0.

    Each entry has shape (samples, *input_shape): sample i is `entry[i]`.
    """
    rng = np.random.default_rng(seed)
    return {
        name: rng.standard_normal((samples, *shape)).astype(np.float32)
        for name, shape in input_shapes(model).items()
    }


def write_calibration(
    model: onnx.ModelProto, path: str | Path, samples: int = 16, seed: int = 1
) -> Path:
    """Write a calibration .npz for `snaxc.quantize.quantize` (one array per graph input)."""
    p = Path(path)
    np.savez(p, **random_inputs(model, samples, seed))
    return p
