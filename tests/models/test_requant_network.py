"""The zoo networks with float32-exact requantization against onnxruntime, end to end.

`Float32RequantNetwork` is the integer golden model (`snaxc.golden.network.NetworkModel`)
with two output-stage modes a cluster could add, both integer-only and bit-exact with
onnxruntime's float32 arithmetic (`snaxc.golden.requant`):

- GeMM output stage (Conv, Gemm, MatMul): `requantize_f32` with onnxruntime's float32 scale
  `x_scale * w_scale / y_scale`, as its fused QLinearConv/QGemm kernels requantize;
- average pooling (the dequantize -> AveragePool -> quantize sandwich, which onnxruntime
  runs in float32): `average_pool_f32`.

Adds, max pooling and layout ops stay as the integer golden model computes them.

What onnxruntime (1.32, x86-64) runs depends on the activation type. With int8 activations
(`snaxc.quantize`) it converts a QuantizeLinear/DequantizeLinear pair to uint8 only when the
quantized tensor has one consumer, and fuses a convolution into QLinearConv only when its
input and output were converted: in ResNet-8, 6 of the 9 convolutions (those next to the
residual branches) and 2 of the 3 adds stay float32 (DequantizeLinear -> float Conv ->
QuantizeLinear), whose summation order no integer datapath reproduces. With uint8
activations every convolution becomes QLinearConv and every add QLinearAdd; the uint8 model
is the int8 model with every activation zero point shifted by 128, so the golden model runs
it unchanged after that shift (`_as_int8`), and the float32 modes then equal onnxruntime on
every output.
"""

import logging

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import numpy_helper

from snaxc.golden.gemm import gemm
from snaxc.golden.network import NetworkModel, QTensor, _windows
from snaxc.golden.requant import average_pool_f32, onnxruntime_scale, requantize_f32
from snaxc.models import random_inputs
from snaxc.quantize import SUPPORTED_OPS, _graph_inputs, _NpzReader, load_calibration

SEED = 7
SAMPLES = {"mlp": 200, "cnn": 200, "resnet8": 100, "dscnn": 100}


class Float32RequantNetwork(NetworkModel):
    """The integer golden model with float32-exact GeMM requantization and average pooling."""

    def _gemm(self, a: QTensor, b: QTensor, bias: QTensor | None, so: float, zo: int):
        c = None
        if bias is not None:
            c = np.broadcast_to(bias.q, (a.q.shape[0], b.q.shape[1])).astype(np.int32)
        self.ops_run.append("gemm")
        self.macs += a.q.shape[0] * a.q.shape[1] * b.q.shape[1]
        acc = gemm(a.q, b.q, c, a_zero_point=a.zero_point, b_zero_point=b.zero_point)
        return requantize_f32(acc, onnxruntime_scale(a.scale, b.scale, so), zo)

    def _pool(self, node, so, zo, *, op, kernel, strides, pads):
        if op != "rsum":
            return super()._pool(node, so, zo, op=op, kernel=kernel, strides=strides, pads=pads)
        x = self._qin(node, 0)
        win = _windows(x.q, tuple(kernel), tuple(strides), pads, x.zero_point)
        n, c, oh, ow, kh, kw = win.shape
        k = win.reshape(n, c, oh, ow, kh * kw).astype(np.int64) - x.zero_point
        self.ops_run.append("simd.rsum_f32")
        return average_pool_f32(k, x.scale, so, zo)


def _session(path) -> ort.InferenceSession:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _compare(golden: NetworkModel, model, sess, name: str) -> tuple[int, int, int, tuple]:
    """(equal, total, max |diff|, first difference) of the logits over SAMPLES[name] inputs."""
    xs = random_inputs(model, SAMPLES[name], seed=SEED)["input"]
    equal = total = worst = 0
    first = None
    for i, x in enumerate(xs):
        out = golden.run({"input": x})["output"]
        y = sess.run(None, {"input": x})[0]
        ref = (np.rint(y / np.float32(out.scale)) + out.zero_point).astype(np.int64)
        d = np.abs(ref - out.q)
        equal += int((d == 0).sum())
        total += d.size
        worst = max(worst, int(d.max()))
        if first is None and d.any():
            first = (i, int(np.argmax(d.ravel())))
    return equal, total, worst, first


@pytest.mark.parametrize("name", SAMPLES)
def test_int8_activations(zoo, name):
    """int8 activations (the zoo as `snaxc quantize` writes it): every fused kernel agrees;
    ResNet-8's float32 convolutions in onnxruntime leave ~0.5% of the logits 1 LSB apart
    (99.42% equal over 500 inputs, as the fixed-point model's 99.34%)."""
    model = onnx.load(zoo[name].int8_path)
    sess = _session(zoo[name].int8_path)
    equal, total, worst, first = _compare(Float32RequantNetwork(model), model, sess, name)
    print(f"{name} (int8 activations): {equal}/{total} = {equal / total:.4%} equal")
    assert worst <= 1, f"seed {SEED}: {worst} LSB difference, first at (sample, index) {first}"
    if name != "resnet8":
        assert equal == total, f"seed {SEED}: first difference at (sample, index) {first}"
    assert equal / total >= 0.99, f"seed {SEED}: first difference at (sample, index) {first}"


def _as_int8(model: onnx.ModelProto) -> onnx.ModelProto:
    """The same quantized network with int8 activations: x_u8 - 128 with zero point z - 128
    represents the same reals and saturates at the same ones."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    for t in out.graph.initializer:
        if t.data_type == onnx.TensorProto.UINT8:
            a = numpy_helper.to_array(t).astype(np.int16) - 128
            t.CopyFrom(numpy_helper.from_array(a.astype(np.int8), t.name))
    return out


@pytest.fixture(scope="module")
def uint8_zoo(zoo, tmp_path_factory):
    """The zoo quantized with uint8 activations (otherwise as `snaxc.quantize`)."""
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    d = tmp_path_factory.mktemp("uint8_zoo")
    paths = {}
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        for name in SAMPLES:
            model = onnx.load(zoo[name].float_path)
            feeds = load_calibration(zoo[name].calibration, _graph_inputs(model))
            paths[name] = d / f"{name}_u8.onnx"
            quantize_static(
                model,
                str(paths[name]),
                _NpzReader(feeds),
                quant_format=QuantFormat.QDQ,
                op_types_to_quantize=list(SUPPORTED_OPS),
                per_channel=False,
                activation_type=QuantType.QUInt8,
                weight_type=QuantType.QInt8,
                calibrate_method=CalibrationMethod.MinMax,
                extra_options={"ActivationSymmetric": False, "WeightSymmetric": True},
            )
    finally:
        root.setLevel(level)
    return paths


@pytest.mark.parametrize("name", SAMPLES)
def test_uint8_activations_all_equal(uint8_zoo, name):
    """With every convolution fused by onnxruntime, the float32 modes equal it on every
    logit (the fixed-point model: ResNet-8 99.92%, DS-CNN 99.53% over 500 inputs)."""
    model = _as_int8(onnx.load(uint8_zoo[name]))
    sess = _session(uint8_zoo[name])
    equal, total, worst, first = _compare(Float32RequantNetwork(model), model, sess, name)
    print(f"{name} (uint8 activations): {equal}/{total} = {equal / total:.4%} equal")
    assert equal == total, f"seed {SEED}: {worst} LSB difference first at {first}"


def test_uses_the_float32_modes(zoo):
    golden = Float32RequantNetwork(zoo["resnet8"].int8_path)
    golden.run({"input": np.zeros((1, 3, 32, 32), np.float32)})
    assert "simd.rsum_f32" in golden.ops_run and "simd.rsum" not in golden.ops_run
