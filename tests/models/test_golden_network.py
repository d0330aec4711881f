"""The integer golden model of quantized networks against onnxruntime.

The zoo is quantized as `snaxc quantize` does by default (uint8 activations, which the golden
model converts exactly to int8), and the golden model requantizes GeMM outputs and average
pools in float32 as onnxruntime does, and adds with onnxruntime's float32 QLinearAdd (SIMD
`fadd`): end to end they agree on every element, and layer by layer (each operator fed
onnxruntime's own quantized inputs) too, all of ResNet-8's 2.3 million (seed 7) included.
(The fixed-point add this replaced missed one element there by 1 LSB.)
(`test_requant_network.py` compares int8 activations and the fixed-point mode.)
"""

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from snaxc.golden.network import NetworkModel
from snaxc.models import random_inputs

SEED = 7
SAMPLES = {"mlp": 200, "cnn": 200, "resnet8": 100, "dscnn": 100, "residual_clip": 200}
# Share of output elements equal to onnxruntime's, end to end (see the module docstring).
MIN_EQUAL = {"mlp": 1.0, "cnn": 1.0, "resnet8": 1.0, "dscnn": 1.0, "residual_clip": 1.0}


def _session(model: onnx.ModelProto) -> ort.InferenceSession:
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def _int8(y: np.ndarray, scale: float, zp: int) -> np.ndarray:
    return (np.rint(y / np.float32(scale)) + zp).astype(np.int64)


@pytest.mark.parametrize("name", SAMPLES)
def test_outputs_match_onnxruntime(zoo, name):
    model = onnx.load(zoo[name].int8_path)
    sess, golden = _session(model), NetworkModel(model)
    xs = random_inputs(model, SAMPLES[name], seed=SEED)["input"]
    equal = total = 0
    worst = (0, None)
    for i, x in enumerate(xs):
        out = golden.run({"input": x})["output"]
        ref = _int8(sess.run(None, {"input": x})[0], out.scale, out.zero_point)
        d = np.abs(ref - out.q)
        equal += int((d == 0).sum())
        total += d.size
        if d.max() > worst[0]:
            worst = (int(d.max()), (i, *np.unravel_index(int(d.argmax()), d.shape)))
    share = equal / total
    print(f"{name}: {equal}/{total} = {share:.4%} equal, max |diff| {worst[0]} LSB (seed {SEED})")
    assert worst[0] <= 1, f"seed {SEED}: {worst[0]} LSB difference at (sample, index) {worst[1]}"
    assert share >= MIN_EQUAL[name], f"seed {SEED}: only {share:.4%} equal"


@pytest.mark.parametrize("name", SAMPLES)
def test_each_operator_matches_onnxruntime(zoo, name):
    model = onnx.load(zoo[name].int8_path)
    golden = NetworkModel(model)
    names = golden.quantized_tensors()
    probe = onnx.load(zoo[name].int8_path)
    inits = {t.name: t.data_type for t in probe.graph.initializer}
    q_in = [n.output[0] for n in probe.graph.node if n.op_type == "QuantizeLinear"]
    for n in probe.graph.node:
        if n.op_type == "QuantizeLinear":
            dtype = inits.get(n.input[2], TensorProto.INT8)
            probe.graph.output.append(helper.make_tensor_value_info(n.output[0], dtype, None))
    sess = _session(probe)
    outs = [o.name for o in sess.get_outputs()]
    xs = random_inputs(model, min(SAMPLES[name], 20), seed=SEED)["input"]
    equal = total = 0
    for i, x in enumerate(xs):
        ref = dict(zip(outs, sess.run(None, {"input": x}), strict=True))
        # uint8 activations as the golden model computes them: int8, shifted by -128
        ref = {
            k: (v.astype(np.int16) - 128).astype(np.int8) if v.dtype == np.uint8 else v
            for k, v in ref.items()
        }
        got = golden.layerwise({"input": x}, {t: ref[t] for t in q_in})
        for t in names:
            d = np.abs(got[t].astype(np.int64) - ref[t])
            assert d.max() <= 1, f"seed {SEED} sample {i}: {t} differs by {d.max()} LSB"
            equal += int((d == 0).sum())
            total += d.size
    print(f"{name}: layer by layer {equal}/{total} equal ({total - equal} differ by 1 LSB)")
    assert total == equal, f"seed {SEED}"


def test_runs_on_the_accelerator_models(zoo):
    """The golden model uses the GeMM and SIMD golden functions for every operator."""
    golden = NetworkModel(zoo["resnet8"].int8_path)
    golden.run({"input": np.zeros((1, 3, 32, 32), np.float32)})
    assert golden.ops_run.count("gemm") >= 10
    assert "simd.fsum" in golden.ops_run and golden.ops_run.count("simd.fadd") == 3
    # MACs of MLPerf Tiny ResNet-8: 32x32 maps: 27*16 + 2*(144*16); 16x16: 144*32 + 288*32 +
    # 16*32 (projection); 8x8: 288*64 + 576*64 + 32*64; dense 64*10
    want = 1024 * (27 * 16 + 2 * 144 * 16) + 256 * (144 + 288 + 16) * 32
    want += 64 * (288 + 576 + 32) * 64 + 64 * 10
    assert golden.macs == want
    golden = NetworkModel(zoo["cnn"].int8_path)
    golden.run({"input": np.zeros((1, 3, 16, 16), np.float32)})
    assert golden.ops_run.count("simd.rmax") == 2
    golden = NetworkModel(zoo["residual_clip"].int8_path)
    golden.run({"input": np.zeros((1, 16), np.float32)})
    # relu, clip (a clamped copy), and the add of two scales (float32 QLinearAdd)
    assert golden.ops_run == ["gemm", "simd.relu", "simd.copy", "simd.fadd"]
    golden = NetworkModel(zoo["residual_clip"].int8_path, requant="fixed-point")
    golden.run({"input": np.zeros((1, 16), np.float32)})
    # fixed point: the add of two scales widens (GeMM) and scales (SIMD mul) each input
    assert golden.ops_run == [
        "gemm",
        "simd.relu",
        "simd.copy",
        "gemm",
        "simd.mul",
        "gemm",
        "simd.mul",
        "simd.add",
    ]
