"""The zoo networks built, quantized and cached once per test session."""

from dataclasses import dataclass
from pathlib import Path

import onnx
import pytest

from snaxc.models import NETWORKS, write_calibration
from snaxc.quantize import quantize


@dataclass(frozen=True)
class ZooEntry:
    name: str
    float_path: Path
    calibration: Path
    int8_path: Path


@pytest.fixture(scope="session")
def zoo(tmp_path_factory) -> dict[str, ZooEntry]:
    """Every network of `snaxc.models.NETWORKS` (seed 0) as float and int8 ONNX files."""
    d = tmp_path_factory.mktemp("zoo")
    out = {}
    for name, build in NETWORKS.items():
        f, cal, q = d / f"{name}.onnx", d / f"{name}_cal.npz", d / f"{name}_int8.onnx"
        model = build(0)
        onnx.save(model, f)
        write_calibration(model, cal, samples=16, seed=1)
        quantize(f, cal, q)
        out[name] = ZooEntry(name, f, cal, q)
    return out
