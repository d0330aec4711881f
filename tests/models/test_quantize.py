"""`snaxc.quantize`: per-tensor QDQ models (uint8 activations by default, int8 weights) from
a calibration file, one-line errors."""

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from snaxc.errors import SnaxcError
from snaxc.quantize import SUPPORTED_OPS, quantize


@pytest.mark.parametrize("name", ["mlp", "cnn", "resnet8", "dscnn"])
def test_per_tensor_u8s8_qdq(zoo, name):
    q = onnx.load(zoo[name].int8_path)
    inits = {t.name: numpy_helper.to_array(t) for t in q.graph.initializer}
    ops = {n.op_type for n in q.graph.node}
    assert "QuantizeLinear" in ops and "DequantizeLinear" in ops
    # Every compute op of the float model that the cluster supports got quantized inputs.
    producers = {o: n for n in q.graph.node for o in n.output}
    for n in q.graph.node:
        if n.op_type in ("Conv", "Gemm", "Add"):
            for i in n.input:
                assert producers[i].op_type == "DequantizeLinear", (n.name, i)
    for n in q.graph.node:
        if n.op_type in ("QuantizeLinear", "DequantizeLinear"):
            scale = inits[n.input[1]]
            assert scale.size == 1, f"{n.name}: per-channel scale"
            src = inits.get(n.input[0])
            if n.op_type == "DequantizeLinear" and src is not None:
                assert src.dtype in (np.int8, np.int32)  # weights int8, biases int32
                if src.dtype == np.int8:
                    assert int(inits[n.input[2]]) == 0  # symmetric weights
            if n.op_type == "QuantizeLinear":
                assert inits[n.input[2]].dtype == np.uint8  # activations: uint8 (U8S8)
    assert (
        not ops
        - set(SUPPORTED_OPS)
        - {
            "QuantizeLinear",
            "DequantizeLinear",
            "AveragePool",
            "GlobalAveragePool",
        }
    )


def test_never_overwrites_the_input(zoo, tmp_path):
    e = zoo["mlp"]
    before = e.float_path.read_bytes()
    with pytest.raises(SnaxcError, match="refusing to overwrite"):
        quantize(e.float_path, e.calibration, e.float_path)
    assert e.float_path.read_bytes() == before


def test_errors_are_one_line(zoo, tmp_path):
    e = zoo["mlp"]
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07garbage that is not protobuf \xff\xff")
    cases = [
        (bad, e.calibration, "not a valid ONNX model"),
        (tmp_path / "none.onnx", e.calibration, "no such file"),
        (e.float_path, tmp_path / "none.npz", "no such file"),
    ]
    wrong_shape = tmp_path / "shape.npz"
    np.savez(wrong_shape, input=np.zeros((4, 1, 63), np.float32))
    cases.append((e.float_path, wrong_shape, r"shape \(4, 1, 63\), expected \(samples, 1, 64\)"))
    two = tmp_path / "two.npz"
    np.savez(two, a=np.zeros((4, 1, 64)), b=np.zeros((4, 1, 64)))
    cases.append((e.float_path, two, "no calibration data for model input"))
    for model, cal, msg in cases:
        with pytest.raises(SnaxcError, match=msg) as info:
            quantize(model, cal, tmp_path / "out.onnx")
        assert "\n" not in str(info.value)


def test_single_array_calibration_any_name(zoo, tmp_path):
    e = zoo["mlp"]
    cal = tmp_path / "c.npz"
    np.savez(cal, samples=np.random.default_rng(0).standard_normal((8, 1, 64)))
    out = quantize(e.float_path, cal, tmp_path / "q.onnx")
    onnx.checker.check_model(onnx.load(out))


def test_int8_activations_option(zoo, tmp_path):
    e = zoo["mlp"]
    out = quantize(e.float_path, e.calibration, tmp_path / "q.onnx", activations="int8")
    q = onnx.load(out)
    inits = {t.name: numpy_helper.to_array(t) for t in q.graph.initializer}
    zps = [inits[n.input[2]] for n in q.graph.node if n.op_type == "QuantizeLinear"]
    assert zps and all(z.dtype == np.int8 for z in zps)
    with pytest.raises(SnaxcError, match="unknown activation type 'int4'"):
        quantize(e.float_path, e.calibration, tmp_path / "r.onnx", activations="int4")


def test_command_line(tmp_path):
    """`python -m snaxc.models` then `python -m snaxc.quantize` (behind `snaxc quantize`)."""
    import subprocess
    import sys

    f, cal, q = tmp_path / "m.onnx", tmp_path / "c.npz", tmp_path / "q.onnx"
    run = [sys.executable, "-m"]
    subprocess.run([*run, "snaxc.models", "mlp", "-o", f, "--calibration", cal], check=True)
    ok = subprocess.run(
        [*run, "snaxc.quantize", f, "--calibration", cal, "-o", q], capture_output=True, text=True
    )
    assert ok.returncode == 0 and q.exists(), ok.stderr
    assert {n.op_type for n in onnx.load(q).graph.node} >= {"QuantizeLinear", "Gemm"}
    q8 = tmp_path / "q8.onnx"
    ok = subprocess.run(
        [*run, "snaxc.quantize", f, "--calibration", cal, "-o", q8, "--activations", "int8"],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    zp = [t for t in onnx.load(q8).graph.initializer if t.name.endswith("zero_point")]
    assert zp and all(numpy_helper.to_array(t).dtype != np.uint8 for t in zp)
    bad = subprocess.run(
        [*run, "snaxc.quantize", f, "--calibration", cal, "-o", f], capture_output=True, text=True
    )
    assert bad.returncode == 1
    assert bad.stderr.strip().count("\n") == 0
    assert bad.stderr.startswith("snaxc: error: ") and "refusing to overwrite" in bad.stderr
