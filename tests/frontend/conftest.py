"""Small ONNX models for the frontend tests, built once per session."""

from pathlib import Path

import onnx
import pytest

from snaxc.models import NETWORKS, write_calibration
from snaxc.quantize import quantize


@pytest.fixture(scope="session")
def onnx_models(tmp_path_factory) -> dict[str, Path]:
    """mlp/cnn float and int8 (per-tensor QDQ) models on disk."""
    d = tmp_path_factory.mktemp("frontend_models")
    out = {}
    for name in ("mlp", "cnn"):
        model = NETWORKS[name](0)
        f = d / f"{name}.onnx"
        onnx.save(model, f)
        cal = write_calibration(model, d / f"{name}_cal.npz", samples=8)
        out[name] = f
        out[f"{name}_int8"] = quantize(f, cal, d / f"{name}_int8.onnx")
    return out
