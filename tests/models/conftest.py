"""The zoo networks built, quantized and cached once per test session."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from snaxc.models import NETWORKS, write_calibration
from snaxc.quantize import quantize


@dataclass(frozen=True)
class ZooEntry:
    name: str
    float_path: Path
    calibration: Path
    int8_path: Path


def residual_clip_model(seed: int = 0) -> onnx.ModelProto:
    """MatMul feeding both a Relu and a Clip (so onnxruntime cannot fold either into the
    MatMul's output quantization) whose results are added (different scales)."""
    rng = np.random.default_rng(seed)
    w = numpy_helper.from_array(rng.normal(0, 0.3, (16, 8)).astype(np.float32), "W")
    lo = numpy_helper.from_array(np.array(-0.5, np.float32), "lo")
    hi = numpy_helper.from_array(np.array(0.7, np.float32), "hi")
    nodes = [
        helper.make_node("MatMul", ["input", "W"], ["m"], name="mm"),
        helper.make_node("Relu", ["m"], ["r"], name="relu"),
        helper.make_node("Clip", ["m", "lo", "hi"], ["c"], name="clip"),
        helper.make_node("Add", ["r", "c"], ["output"], name="add"),
    ]
    graph = helper.make_graph(
        nodes,
        "residual_clip",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 16])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 8])],
        [w, lo, hi],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


@pytest.fixture(scope="session")
def zoo(tmp_path_factory) -> dict[str, ZooEntry]:
    """Every network of `snaxc.models.NETWORKS` (seed 0), and `residual_clip` (the ops the
    zoo networks do not exercise), as float and quantized ONNX files (`int8_path`: what
    `snaxc quantize` writes by default, uint8 activations and int8 weights; the compiler and
    the golden model compute it in int8)."""
    d = tmp_path_factory.mktemp("zoo")
    out = {}
    for name, build in {**NETWORKS, "residual_clip": residual_clip_model}.items():
        f, cal, q = d / f"{name}.onnx", d / f"{name}_cal.npz", d / f"{name}_int8.onnx"
        model = build(0)
        onnx.save(model, f)
        write_calibration(model, cal, samples=16, seed=1)
        quantize(f, cal, q)
        out[name] = ZooEntry(name, f, cal, q)
    return out
