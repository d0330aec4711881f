"""Float32 models on the cluster: with no accelerator computing in floating point, every
kernel runs on the control core (RV32IM, no FPU) with compiler-rt's soft-float. The outputs
are compared with onnxruntime: both compute in float32 but sum in different orders, so they
agree within a few float32 ulps of the output's magnitude, not bit for bit.

Measured (seed 1): this file's 16-32-24-10 model, 262,142 cycles, max |cluster -
onnxruntime| = 3.0e-7 with max |output| = 1.9 (1.6e-7 relative); zoo `mlp` (64-128-64-10,
17,024 multiply-adds), 2,903,594 cycles, 7.2e-7 with max |output| = 2.9 (2.4e-7 relative);
Exp bit-equal, Sigmoid 3e-8. The tolerance, 1e-5 relative to the largest output, leaves
a factor of about 40.
"""

import json

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

import snaxc
from snaxc.errors import SnaxcError

SEED = 1
RTOL_OF_MAX = 1e-5


def small_float_mlp(seed: int) -> onnx.ModelProto:
    """16 -> 32 -> 24 -> 10: Gemm (transposed B) + Relu, MatMul + Add + Relu, Gemm."""
    rng = np.random.default_rng(seed)
    shapes = {"w1": (32, 16), "b1": (32,), "w2": (32, 24), "b2": (24,), "w3": (24, 10)}
    shapes["b3"] = (10,)
    inits = [
        numpy_helper.from_array((rng.standard_normal(s) * 0.3).astype(np.float32), n)
        for n, s in shapes.items()
    ]
    nodes = [
        helper.make_node("Gemm", ["x", "w1", "b1"], ["g1"], transB=1),
        helper.make_node("Relu", ["g1"], ["r1"]),
        helper.make_node("MatMul", ["r1", "w2"], ["m2"]),
        helper.make_node("Add", ["m2", "b2"], ["a2"]),
        helper.make_node("Relu", ["a2"], ["r2"]),
        helper.make_node("Gemm", ["r2", "w3", "b3"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "float_mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def _check_close(got: np.ndarray, want: np.ndarray, seed: int) -> float:
    assert got.dtype == np.float32 and got.shape == want.shape
    diff = np.abs(got.astype(np.float64) - want)
    tol = RTOL_OF_MAX * float(np.abs(want).max())
    bad = np.flatnonzero(diff > tol)
    assert bad.size == 0, (
        f"seed {seed}: index {bad[0]}: cluster {got.ravel()[bad[0]]!r}, onnxruntime "
        f"{want.ravel()[bad[0]]!r} (tolerance {tol:.3g})"
    )
    return float(diff.max())


def _run_against_onnxruntime(model, inputs, cfg, outdir, seed, max_cycles):
    net = snaxc.compile(model, config=cfg, output_dir=outdir)
    manifest = json.loads((outdir / "manifest.json").read_text())
    # No accelerator computes in floating point: everything runs on the core.
    assert manifest["on_accelerators"] == []
    assert manifest["on_core"]
    out = net.run(inputs)
    (want,) = ort.InferenceSession(model.SerializeToString()).run(None, inputs)
    (got,) = out.values()
    worst = _check_close(got, want, seed)
    cycles = out.performance.cycles
    top = float(np.abs(want).max())
    print(f"seed {seed}: {cycles:,} cycles, max abs diff {worst:.3g}, max |output| {top:.3g}")
    assert cycles <= max_cycles
    return cycles


def test_small_float_mlp_matches_onnxruntime(cfg, built_model, tmp_path):
    rng = np.random.default_rng(SEED)
    x = rng.standard_normal((1, 16)).astype(np.float32)
    _run_against_onnxruntime(small_float_mlp(SEED), {"x": x}, cfg, tmp_path, SEED, 400_000)


def test_zoo_float_mlp_matches_onnxruntime(cfg, built_model, tmp_path):
    from snaxc.models.networks import mlp

    rng = np.random.default_rng(SEED)
    x = rng.standard_normal((1, 64)).astype(np.float32)
    # 17,024 multiply-adds in soft-float, weights DMA-copied from L3.
    _run_against_onnxruntime(mlp(0), {"input": x}, cfg, tmp_path, SEED, 4_000_000)


def test_non_f32_float_is_one_line(cfg, tmp_path):
    src = tmp_path / "addh.mlir"
    src.write_text(
        """
func.func @addh(%x: tensor<16xf16>, %y: tensor<16xf16>) -> tensor<16xf16> {
  %e = tensor.empty() : tensor<16xf16>
  %s = linalg.add ins(%x, %y : tensor<16xf16>, tensor<16xf16>)
                  outs(%e : tensor<16xf16>) -> tensor<16xf16>
  return %s : tensor<16xf16>
}
"""
    )
    with pytest.raises(SnaxcError, match=r"unsupported dtype f16 .*f32 programs") as e:
        snaxc.compile(src, config=cfg, output_dir=tmp_path / "out")
    assert "\n" not in str(e.value)


def _elementwise(op: str) -> onnx.ModelProto:
    graph = helper.make_graph(
        [helper.make_node(op, ["x"], ["y"])],
        op.lower(),
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


@pytest.mark.parametrize("op", ["Exp", "Sigmoid"])
def test_float_math_with_compiler_rt_functions(op, cfg, built_model, tmp_path):
    # math.exp becomes llvm.exp, a call of compiler-rt's expf.
    x = np.linspace(-3, 3, 8, dtype=np.float32).reshape(1, 8)
    _run_against_onnxruntime(_elementwise(op), {"x": x}, cfg, tmp_path, SEED, 200_000)


def test_float_math_without_a_library_is_one_line(cfg, tmp_path):
    # No libm: tanhf is nowhere to be linked.
    with pytest.raises(SnaxcError, match="undefined symbol: tanhf") as e:
        snaxc.compile(_elementwise("Tanh"), config=cfg, output_dir=tmp_path)
    assert "\n" not in str(e.value)
