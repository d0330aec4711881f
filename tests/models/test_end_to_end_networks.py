"""Zoo networks, quantized int8, compiled from ONNX and simulated on the cluster: outputs
bit-exact with the integer golden model and equal to onnxruntime's (issue 5).

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
SAMPLES = {"mlp": 4, "cnn": 2, "residual_clip": 8}
MAX_CYCLES = {"mlp": 1_000_000, "cnn": 3_000_000, "residual_clip": 500_000}
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
    assert equal / total >= 0.999


def test_inputs_are_checked_against_the_model(compiled):
    from snaxc.errors import SnaxcError

    net = compiled["mlp"]
    with pytest.raises(SnaxcError, match=r"input input has shape \[64\], the model takes"):
        net.run({"input": np.zeros(64, np.float32)})
    with pytest.raises(SnaxcError, match="missing input"):
        net.run({"x": np.zeros((1, 64), np.float32)})
    with pytest.raises(SnaxcError, match="takes float32"):
        net.run([np.zeros((1, 64), np.int8)])
