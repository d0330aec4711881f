"""uint8 activations converted exactly to int8 (`snaxc.frontend.uint8`), in the importer and the
golden model; anything uint8 that is not a QuantizeLinear/DequantizeLinear zero point is
rejected with one line."""

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from snaxc.errors import SnaxcError
from snaxc.frontend.onnx import onnx_to_linalg_text
from snaxc.frontend.uint8 import activations_to_int8, has_uint8
from snaxc.golden.network import NetworkModel

SEED = 3


def _qdq_relu(zp_type=TensorProto.UINT8, zp: int = 130) -> onnx.ModelProto:
    """input -> Q (uint8, zero point `zp`) -> DQ -> Relu -> Q -> DQ -> output."""
    np_type = onnx.helper.tensor_dtype_to_np_dtype(zp_type)
    inits = [
        numpy_helper.from_array(np.array(0.05, np.float32), "s"),
        numpy_helper.from_array(np.array(zp, np_type), "z"),
        numpy_helper.from_array(np.array(0.03, np.float32), "s2"),
        numpy_helper.from_array(np.array(0 if np_type == np.uint8 else -128, np_type), "z2"),
    ]
    nodes = [
        helper.make_node("QuantizeLinear", ["input", "s", "z"], ["q"], name="q_in"),
        helper.make_node("DequantizeLinear", ["q", "s", "z"], ["d"], name="dq_in"),
        helper.make_node("Relu", ["d"], ["r"], name="relu"),
        helper.make_node("QuantizeLinear", ["r", "s2", "z2"], ["q2"], name="q_out"),
        helper.make_node("DequantizeLinear", ["q2", "s2", "z2"], ["output"], name="dq_out"),
    ]
    graph = helper.make_graph(
        nodes,
        "qdq_relu",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 64])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 64])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def test_zero_points_shift_by_128_and_the_reals_stay():
    model = _qdq_relu()
    before = model.SerializeToString()
    out = activations_to_int8(model, "m.onnx")
    assert model.SerializeToString() == before  # the user's model is not touched
    assert has_uint8(model) and not has_uint8(out)
    z = {t.name: numpy_helper.to_array(t) for t in out.graph.initializer}
    assert z["z"].dtype == np.int8 and int(z["z"]) == 2 and int(z["z2"]) == -128
    # Both models give the same reals, on values that saturate at either end too.
    x = np.random.default_rng(SEED).normal(0, 8, (1, 64)).astype(np.float32)
    y = [
        ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"]).run(
            None, {"input": x}
        )[0]
        for m in (model, out)
    ]
    assert np.array_equal(y[0], y[1]), f"seed {SEED}: first at {np.flatnonzero(y[0] != y[1])}"


def test_int8_models_are_returned_as_they_are():
    model = _qdq_relu(TensorProto.INT8, 2)
    assert activations_to_int8(model) is model


def test_golden_model_returns_the_int8_values():
    model = _qdq_relu()
    x = np.random.default_rng(SEED).normal(0, 8, (1, 64)).astype(np.float32)
    out = NetworkModel(model).run({"input": x})["output"]
    ref = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    y = ref.run(None, {"input": x})[0]
    assert out.q.dtype == np.int8 and out.zero_point == -128
    assert np.array_equal(out.dequantize(), y)


def test_importer_sees_int8():
    """The importer lowers the converted model: zero points 2 and -128, not 130 and 0."""
    text = onnx_to_linalg_text(_qdq_relu(), isolate=False)
    assert text == onnx_to_linalg_text(_qdq_relu(TensorProto.INT8, 2), isolate=False)
    assert "1.300000e+02" not in text


def _bad_models():
    """(model, message) pairs: uint8 used as anything but a Q/DQ zero point."""
    m = _qdq_relu()
    w = helper.make_tensor_value_info("w", TensorProto.UINT8, [64])
    weight = onnx.ModelProto()
    weight.CopyFrom(m)
    weight.graph.initializer.append(numpy_helper.from_array(np.ones(64, np.uint8), "w"))
    dq = helper.make_node("DequantizeLinear", ["w", "s", "z"], ["wd"], name="w_dq")
    weight.graph.node.append(dq)
    yield weight, r"tensor 'w' \(data of node 'w_dq', DequantizeLinear\) is uint8"
    shared = onnx.ModelProto()
    shared.CopyFrom(m)
    shared.graph.node.append(helper.make_node("Cast", ["z"], ["zc"], name="cast_z", to=1))
    yield shared, r"tensor 'z' \(input 0 of node 'cast_z', Cast\) is uint8"
    cast = onnx.ModelProto()
    cast.CopyFrom(m)
    cast.graph.node.append(helper.make_node("Cast", ["d"], ["c"], name="to_u8", to=2))
    yield cast, r"the to type of node 'to_u8' \(Cast\) is uint8"
    graph_in = onnx.ModelProto()
    graph_in.CopyFrom(m)
    graph_in.graph.input.append(w)
    yield graph_in, r"graph input 'w' is uint8"
    const = onnx.ModelProto()
    const.CopyFrom(m)
    t = numpy_helper.from_array(np.ones(4, np.uint8), "k")
    const.graph.node.append(helper.make_node("Constant", [], ["k"], name="k", value=t))
    yield const, r"the constant of node 'k' \(Constant\) is uint8"


@pytest.mark.parametrize("case", range(5))
def test_other_uint8_is_one_clear_error(case):
    model, msg = list(_bad_models())[case]
    with pytest.raises(SnaxcError, match=msg) as info:
        activations_to_int8(model, "m.onnx")
    text = str(info.value)
    assert "\n" not in text and text.startswith("m.onnx: ")
    assert "zero point of a QuantizeLinear/DequantizeLinear pair" in text


def test_golden_model_rejects_it_too():
    model, _ = next(_bad_models())
    with pytest.raises(SnaxcError, match="is uint8; snaxc converts uint8 only"):
        NetworkModel(model)
