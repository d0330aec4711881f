"""Zoo networks, quantized as `snaxc quantize` does (uint8 activations, computed in int8),
compiled from ONNX and simulated on the cluster: outputs bit-exact with the golden model and
equal to onnxruntime's on every element (float32-exact requantization; issue 5).

`residual_clip` (conftest) adds what the zoo networks do not exercise: an add of two
differently scaled tensors, a Clip and a Relu that onnxruntime cannot fold.
Each network is compiled once per module; each sample is one simulated inference. The
networks run where the pipeline puts them today (the compile report and manifest say which
kernels run on the core); the checks hold wherever they run.
"""

import numpy as np
import onnx
import onnxruntime as ort
import pytest

import snaxc
from snaxc.golden.network import NetworkModel
from snaxc.models import random_inputs

SEED = 11
SAMPLES = {"mlp": 4, "cnn": 4, "resnet8": 4, "dscnn": 4, "residual_clip": 8}
MAX_CYCLES = {
    "mlp": 1_000_000,
    "cnn": 3_000_000,
    "resnet8": 3_000_000,
    "dscnn": 1_000_000,
    "residual_clip": 500_000,
}
"""Cycle budgets per inference (the simulator runs ~0.3-1 M cycles/s)."""


@pytest.fixture(scope="module")
def compiled(zoo, cfg, built_model, tmp_path_factory):
    nets = {}
    for name in SAMPLES:
        out = tmp_path_factory.mktemp(f"e2e_{name}")
        nets[name] = snaxc.compile(zoo[name].int8_path, config=cfg, output_dir=out)
    return nets


@pytest.mark.parametrize("name", list(SAMPLES))
def test_zoo_network_on_the_cluster(zoo, compiled, name):
    net = compiled[name]
    assert net.input_names == ["input"] and net.output_names == ["output"]
    model = onnx.load(zoo[name].int8_path)
    golden = NetworkModel(model)
    sess = ort.InferenceSession(str(zoo[name].int8_path), providers=["CPUExecutionProvider"])
    out_port = net.info.outputs[0]
    xs = random_inputs(model, SAMPLES[name], seed=SEED)["input"]
    equal = total = 0
    for i, x in enumerate(xs):
        got = net.run({"input": x}, raw=True, max_cycles=MAX_CYCLES[name])
        perf = got.performance
        q = got["output"]
        assert q.dtype == np.int8
        want = golden.run({"input": x})["output"]
        bad = np.flatnonzero(q.ravel() != want.q.ravel())
        assert not bad.size, f"{name} seed {SEED} sample {i}: first mismatch vs golden at {bad[0]}"
        # The dequantized outputs are what onnxruntime's DequantizeLinear computes.
        y = net.run({"input": x}, max_cycles=MAX_CYCLES[name])["output"]
        assert np.array_equal(y, out_port.dequantize(q))
        ref = sess.run(None, {"input": x})[0]
        ref_q = np.rint(ref / np.float32(out_port.scale)).astype(np.int64) + out_port.zero_point
        d = np.abs(ref_q - q.astype(np.int64))
        assert d.max() <= 1, f"{name} seed {SEED} sample {i}: {d.max()} LSB at {d.argmax()}"
        equal += int((d == 0).sum())
        total += d.size
        assert 0 < perf.cycles < MAX_CYCLES[name]
        assert perf.counters["core_active_cycles"] > 0
    print(f"{name}: {equal}/{total} equal to onnxruntime, {perf.cycles:,} cycles/inference")
    assert equal == total, f"{name} seed {SEED}: {total - equal} of {total} differ by 1 LSB"


def test_inputs_are_checked_against_the_model(compiled):
    from snaxc.errors import SnaxcError

    net = compiled["mlp"]
    with pytest.raises(SnaxcError, match=r"input input has shape \[64\], the model takes"):
        net.run({"input": np.zeros(64, np.float32)})
    with pytest.raises(SnaxcError, match="missing input"):
        net.run({"x": np.zeros((1, 64), np.float32)})
    with pytest.raises(SnaxcError, match="takes float32"):
        net.run([np.zeros((1, 64), np.int8)])


def _dense_relu(path, seed: int = SEED) -> None:
    """Gemm (64 -> 32, bias) + Relu with a symbolic batch dimension."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    w = numpy_helper.from_array(rng.normal(0, 0.3, (64, 32)).astype(np.float32), "W")
    b = numpy_helper.from_array(rng.normal(0, 0.3, (32,)).astype(np.float32), "B")
    graph = helper.make_graph(
        [
            helper.make_node("Gemm", ["input", "W", "B"], ["h"], name="fc"),
            helper.make_node("Relu", ["h"], ["output"], name="relu"),
        ],
        "dense_relu",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 64])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 32])],
        [w, b],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)


def test_dense_layer_runs_on_the_gemm(cfg, built_model, tmp_path):
    """A quantized dense layer with a batch of 16 (given with input_shapes): its weights and
    bias go to L3 with the inputs, and matmul + bias + requantization + ReLU is one GeMM
    launch; bit-exact with the golden model and equal to onnxruntime."""
    from snaxc.quantize import quantize

    f, cal, q = tmp_path / "dense.onnx", tmp_path / "cal.npz", tmp_path / "dense_int8.onnx"
    _dense_relu(f)
    rng = np.random.default_rng(SEED)
    np.savez(cal, input=rng.normal(0, 1, (8, 16, 64)).astype(np.float32))
    quantize(f, cal, q)
    net = snaxc.compile(
        q, config=cfg, output_dir=tmp_path / "pkg", input_shapes={"input": (16, 64)}
    )
    assert "matmul_requant@gemm0" in net.manifest.on_accelerators
    assert "qmac" not in net.manifest.on_core
    assert (tmp_path / "pkg" / "constants.npz").is_file()
    model = onnx.load(q)
    sess = ort.InferenceSession(str(q), providers=["CPUExecutionProvider"])
    port = net.info.outputs[0]
    for i in range(2):
        x = rng.normal(0, 1, (16, 64)).astype(np.float32)
        got = net.run({"input": x}, raw=True)
        want = NetworkModel(model).run({"input": x})["output"].q
        bad = np.flatnonzero(got["output"].ravel() != want.ravel())
        assert not bad.size, f"seed {SEED} sample {i}: first mismatch vs golden at {bad[0]}"
        ref = sess.run(None, {"input": x})[0]
        ref_q = np.rint(ref / np.float32(port.scale)).astype(np.int64) + port.zero_point
        d = np.abs(ref_q - got["output"].astype(np.int64))
        assert d.max() <= 1 and (d == 0).mean() >= 0.999, f"seed {SEED} sample {i}"
        perf = got.performance
        assert perf.accelerators["gemm0"][0] > 0
        assert perf.cycles < 5_000, perf.summary()
