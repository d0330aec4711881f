"""ONNX -> linalg on tensors -> xDSL, and one-line errors for bad models."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.dialects.linalg.ops import GenericOp

from snaxc.errors import SnaxcError
from snaxc.frontend.onnx import import_onnx, onnx_to_linalg_text, parse_input_shapes


def _generics(module: ModuleOp) -> list[GenericOp]:
    return [op for op in module.walk() if isinstance(op, GenericOp)]


def _body_ops(module: ModuleOp) -> set[str]:
    return {op.name for g in _generics(module) for op in g.body.block.ops}


@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_float_model(onnx_models, name):
    module = import_onnx(onnx_models[name], isolate=False)
    func = next(op for op in module.walk() if op.name == "func.func")
    arg = func.body.block.args[0].type
    assert isinstance(arg, TensorType) and arg.get_shape() == (
        (1, 64) if name == "mlp" else (1, 3, 16, 16)
    )
    # named ops are generalized: matmuls/convs are generics with mulf/addf bodies
    assert not any(
        op.name.startswith("linalg.")
        and op.name not in ("linalg.generic", "linalg.yield", "linalg.fill")
        for op in module.walk()
    )
    assert {"arith.mulf", "arith.addf"} <= _body_ops(module)


def test_int8_model_has_integer_kernels_and_float_requant(onnx_models):
    module = import_onnx(onnx_models["cnn_int8"], isolate=False)
    ops = _body_ops(module)
    # quantized convolution: i8 x i8 -> i32 with zero points ...
    assert {"arith.extsi", "arith.subi", "arith.muli", "arith.addi"} <= ops
    # ... and requantization left in float by the importer
    assert {"arith.sitofp", "arith.divf", "math.roundeven", "arith.fptosi"} <= ops


def test_isolated_equals_in_process(onnx_models):
    a = onnx_to_linalg_text(onnx_models["mlp_int8"], isolate=False)
    b = onnx_to_linalg_text(onnx_models["mlp_int8"], isolate=True)
    assert a == b


def test_modelproto_and_bufferize(onnx_models):
    model = onnx.load(onnx_models["mlp"])
    module = import_onnx(model, isolate=False, bufferize=True)
    assert not any(isinstance(r.type, TensorType) for op in module.walk() for r in op.results)
    assert onnx.load(onnx_models["mlp"]) == model  # the caller's model is not modified


def _model(nodes, inputs, outputs, inits=(), opset=17):
    g = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def _relu_model(shape):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    return _model([helper.make_node("Relu", ["x"], ["y"], name="r")], [x], [y])


def _error(model, **kw) -> str:
    with pytest.raises(SnaxcError) as info:
        import_onnx(model, isolate=False, **kw)
    msg = str(info.value)
    assert "\n" not in msg and "Traceback" not in msg
    return msg


def test_dynamic_dimension_needs_a_shape():
    m = _relu_model(["N", 8])
    assert "input 'x' has a dynamic dimension 0 ('N')" in _error(m)
    assert "--input-shape x=" in _error(m)
    module = import_onnx(m, isolate=False, input_shapes={"x": (2, 8)})
    func = next(op for op in module.walk() if op.name == "func.func")
    assert func.body.block.args[0].type.get_shape() == (2, 8)
    assert "the given shape (2, 9) says 9" in _error(
        _relu_model([2, 8]), input_shapes={"x": (2, 9)}
    )
    assert "unknown input(s) z" in _error(m, input_shapes={"z": (1,)})


def test_missing_shape():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, None)
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    m = _model([helper.make_node("Relu", ["x"], ["y"], name="r")], [x], [y])
    assert "input 'x' has no shape" in _error(m)


def test_op_without_lowering_names_the_node():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    n = helper.make_node("LpPool", ["x"], ["y"], name="pool_3", kernel_shape=[2])
    msg = _error(_model([n], [x], [y]))
    assert msg == "g: node 'pool_3': no lowering to linalg for onnx.LpPool"


def test_crash_in_torch_mlir_is_an_error():
    """torch-mlir segfaults on a Unique node whose output shape is declared static; the
    isolated import reports it (without the declaration, the data-dependent output shape is
    reported before torch-mlir runs)."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    m = _model([helper.make_node("Unique", ["x"], ["y"], name="u")], [x], [y])
    assert "node 'u' (Unique): the shape of output 'y' is not static" in _error(m)
    m.graph.output[0].type.tensor_type.shape.dim.add().dim_value = 8
    with pytest.raises(SnaxcError, match=r"torch-mlir crashed \(signal 11\).*not tested: Unique"):
        import_onnx(m, isolate=True)


def test_malformed_files(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07garbage \xff\xff\xff")
    assert _error(bad).startswith(f"{bad}: not a valid ONNX model")
    assert _error(tmp_path / "missing.onnx") == f"{tmp_path / 'missing.onnx'}: no such file"
    # a node reading a tensor nobody produces
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])
    m = _model([helper.make_node("Add", ["x", "nope"], ["y"], name="a")], [x], [y])
    assert "invalid ONNX model" in _error(m)


def test_shape_inference_failure_names_the_node():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])
    w = numpy_helper.from_array(np.zeros((4, 5), np.float32), "w")
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    m = _model([helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")], [x], [y], [w])
    msg = _error(m)
    assert "shape inference failed" in msg and "mm" in msg


def test_per_channel_and_contrib_ops_are_rejected_with_advice():
    x = helper.make_tensor_value_info("x", TensorProto.INT8, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    s = numpy_helper.from_array(np.full(4, 0.1, np.float32), "s")
    z = numpy_helper.from_array(np.zeros(4, np.int8), "z")
    n = helper.make_node("DequantizeLinear", ["x", "s", "z"], ["y"], name="dq", axis=1)
    assert "per-channel quantization is not supported" in _error(_model([n], [x], [y], [s, z]))
    n = helper.make_node("QLinearAdd", ["x"], ["y"], name="qa", domain="com.microsoft")
    msg = _error(_model([n], [x], [y]))
    assert "com.microsoft operator QLinearAdd" in msg and "snaxc quantize" in msg


def test_parse_input_shapes():
    assert parse_input_shapes(["input=1,3,32,32", "b=4"]) == {"input": (1, 3, 32, 32), "b": (4,)}
    for bad in ("input", "input=", "input=1,x", "=1,2", "input=0,3"):
        with pytest.raises(SnaxcError, match="bad input shape"):
            parse_input_shapes([bad])


def test_import_model_dispatch(onnx_models, tmp_path):
    from snaxc.frontend import import_model

    module = import_model(onnx_models["mlp"])
    assert any(isinstance(op, GenericOp) for op in module.walk())
    assert import_model(onnx.load(onnx_models["mlp"])) is not None
    with pytest.raises(SnaxcError, match="unknown input kind '.txt'"):
        import_model(tmp_path / "model.txt")
    with pytest.raises(SnaxcError, match="cannot import a int"):
        import_model(3)
