"""The zoo builders: deterministic, valid ONNX, the reference architectures' shapes."""

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import numpy_helper

from snaxc.models import NETWORKS, input_shapes, random_inputs

INPUTS = {
    "mlp": (1, 64),
    "cnn": (1, 3, 16, 16),
    "resnet8": (1, 3, 32, 32),
    "dscnn": (1, 1, 49, 10),
}
OUTPUTS = {"mlp": 10, "cnn": 10, "resnet8": 10, "dscnn": 12}


def _weights(model: onnx.ModelProto) -> int:
    return sum(numpy_helper.to_array(t).size for t in model.graph.initializer)


@pytest.mark.parametrize("name", NETWORKS)
def test_builds_deterministically(name):
    a, b, c = NETWORKS[name](0), NETWORKS[name](0), NETWORKS[name](1)
    assert a.SerializeToString() == b.SerializeToString()
    assert a.SerializeToString() != c.SerializeToString()
    assert input_shapes(a) == {"input": INPUTS[name]}


@pytest.mark.parametrize("name", NETWORKS)
def test_runs_in_onnxruntime(name):
    model = NETWORKS[name](0)
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    x = random_inputs(model, 4, seed=3)["input"]
    ys = np.stack([sess.run(None, {"input": xi})[0] for xi in x])
    assert ys.shape == (4, 1, OUTPUTS[name])
    assert np.all(np.isfinite(ys))
    # Different inputs give different logits (the network is not degenerate).
    assert np.ptp(ys, axis=0).max() > 0.1


def _convs(model):
    return [n for n in model.graph.node if n.op_type == "Conv"]


def test_resnet8_is_the_mlperf_tiny_architecture():
    m = NETWORKS["resnet8"](0)
    convs = _convs(m)
    # stem + 2 per stack + 2 projection shortcuts
    assert len(convs) == 9
    inits = {t.name: t for t in m.graph.initializer}
    channels = [inits[c.input[1]].dims[0] for c in convs]
    assert sorted(set(channels)) == [16, 32, 64]
    assert [n.op_type for n in m.graph.node].count("Add") == 3
    # MLPerf Tiny ResNet-8 (Keras) has 78,666 parameters, 960 of them in batch norms, which
    # are folded into the convolutions here.
    assert _weights(m) == 78_666 - 960
    pool = next(n for n in m.graph.node if n.op_type == "AveragePool")
    assert list(pool.attribute[0].ints) == [8, 8]


def test_dscnn_is_the_mlperf_tiny_architecture():
    m = NETWORKS["dscnn"](0)
    convs = _convs(m)
    groups = [next((a.i for a in c.attribute if a.name == "group"), 1) for c in convs]
    assert groups == [1] + [64, 1] * 4  # first conv, then 4 depthwise-separable blocks
    first = convs[0]
    attrs = {a.name: list(a.ints) for a in first.attribute if a.ints}
    assert attrs["kernel_shape"] == [10, 4] and attrs["strides"] == [2, 2]
    # 49x10 input, stride 2 with "same" padding -> 25x5 feature maps
    inferred = {v.name: v for v in m.graph.value_info}
    dims = [d.dim_value for d in inferred[first.output[0]].type.tensor_type.shape.dim]
    assert dims == [1, 64, 25, 5]
    # conv 10x4x64 + 4 x (3x3 depthwise + 1x1x64x64 pointwise) + dense 64x12, with biases
    assert _weights(m) == 2624 + 4 * (640 + 4160) + 780
