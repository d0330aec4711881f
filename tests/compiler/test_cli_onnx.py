"""`snaxc compile model.onnx`, `snaxc run --check`, `snaxc quantize`: a quantized MLP from
the network zoo through the command line, and one-line errors."""

import json
import re
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from snaxc.cli import main
from snaxc.models import mlp, random_inputs, write_calibration
from snaxc.quantize import quantize

SEED = 5


def _error_line(capsys) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("snaxc: error: ") and "Traceback" not in err, err
    return lines[0]


@pytest.fixture(scope="module")
def mlp_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli_onnx")
    f, cal, q = d / "mlp.onnx", d / "cal.npz", d / "mlp_int8.onnx"
    model = mlp(0)
    onnx.save(model, f)
    write_calibration(model, cal, samples=8, seed=1)
    quantize(f, cal, q)
    x = d / "x.npz"
    np.savez(x, input=random_inputs(model, 1, seed=SEED)["input"][0])
    return f, cal, q, x


def test_quantize_subcommand(mlp_files, tmp_path, capsys):
    f, cal, _, _ = mlp_files
    out = tmp_path / "q.onnx"
    assert main(["quantize", str(f), "--calibration", str(cal), "-o", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    ops = {n.op_type for n in onnx.load(out).graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops
    # Never overwrites its input; bad files are one line.
    before = f.read_bytes()
    assert main(["quantize", str(f), "--calibration", str(cal), "-o", str(f)]) == 1
    assert "refusing to overwrite the input model" in _error_line(capsys)
    assert f.read_bytes() == before
    assert (
        main(["quantize", str(tmp_path / "no.onnx"), "--calibration", str(cal), "-o", str(out)])
        == 1
    )
    assert "no.onnx: no such file" in _error_line(capsys)


def test_compile_run_check(mlp_files, tmp_path, capsys, cfg, built_model):
    f, _, q, x = mlp_files
    out = tmp_path / "pkg"
    dump = tmp_path / "ir"
    assert main(["compile", str(q), "-o", str(out), "--dump-ir", str(dump)]) == 0
    text = capsys.readouterr().out
    assert "input 'input' (arg0) is int8 on the cluster, quantized on the host" in text
    stages = sorted(p.name for p in dump.iterdir())
    assert stages[:3] == [
        "00_import.mlir",
        "01_fixed-point-requant.mlir",
        "02_quantized-boundary-to-host.mlir",
    ]
    assert "kernel.rescale" in (dump / "01_fixed-point-requant.mlir").read_text()
    info = json.loads((out / "model.json").read_text())
    assert [p["name"] for p in info["inputs"]] == ["input"]
    manifest = json.loads((out / "manifest.json").read_text())
    # The input, the weights and biases (written by the host from constants.npz), the output.
    roles = [(t["role"], t["dtype"]) for t in manifest["tensors"]]
    assert roles[0] == ("input", "int8") and roles[-1] == ("output", "int8")
    assert sorted(info["constants"]) == sorted(t["name"] for t in manifest["tensors"][1:-1])
    assert len(info["constants"]) == 6  # three weight matrices, three biases

    y = tmp_path / "y.npz"
    assert main(["run", str(out), "--inputs", str(x), "-o", str(y), "--check", str(q)]) == 0
    text = capsys.readouterr().out
    m = re.search(
        r"output: largest difference (\S+) \((\S+) LSB\), (\d+)/(\d+) elements equal", text
    )
    assert m, text
    assert float(m.group(2)) <= 1 and int(m.group(3)) == int(m.group(4)) == 10
    with np.load(y) as data:
        assert data["output"].shape == (1, 10) and data["output"].dtype == np.float32

    # Against the float model: quantization error, still reported (exit 0).
    assert main(["run", str(out), "--inputs", str(x), "-o", str(y), "--check", str(f)]) == 0
    assert "elements equal" in capsys.readouterr().out

    # A model whose outputs are named differently: one line.
    other = tmp_path / "other.onnx"
    model = onnx.load(q)
    model.graph.output[0].name = "logits"
    model.graph.node[-1].output[0] = "logits"
    onnx.save(model, other)
    assert main(["run", str(out), "--inputs", str(x), "-o", str(y), "--check", str(other)]) == 1
    assert "has output(s) logits, the program output" in _error_line(capsys)

    # Inputs of the wrong shape or name: one line.
    bad = tmp_path / "bad.npz"
    np.savez(bad, input=np.zeros((2, 64), np.float32))
    assert main(["run", str(out), "--inputs", str(bad), "-o", str(y)]) == 1
    assert "input input has shape [2, 64], the model takes [1, 64]" in _error_line(capsys)
    np.savez(bad, x=np.zeros((1, 64), np.float32))
    assert main(["run", str(out), "--inputs", str(bad), "-o", str(y)]) == 1
    assert "missing input(s) input (the model takes input)" in _error_line(capsys)


def test_requant_and_activation_options(mlp_files, tmp_path, capsys, cfg, built_model):
    """`snaxc quantize --activations int8` and `snaxc compile --requant fixed-point`: the
    fixed-point rescale instead of the float32 one, int8 zero points in the model, and the
    run still agrees with onnxruntime within 1 LSB (the default: every element equal)."""
    f, cal, q, x = mlp_files
    q8 = tmp_path / "mlp_i8.onnx"
    assert main(["quantize", str(f), "--calibration", str(cal), "-o", str(q8)]) == 0
    assert "(uint8 activations, int8 weights" in capsys.readouterr().out
    quant = ["quantize", str(f), "--calibration", str(cal), "-o", str(q8)]
    assert main([*quant, "--activations", "int8"]) == 0
    assert "(int8 activations, int8 weights" in capsys.readouterr().out
    zps = [t for t in onnx.load(q8).graph.initializer if t.data_type == TensorProto.UINT8]
    assert not zps
    for model, requant, kind in ((q, "fixed-point", "kernel.rescale "), (q8, "float32", "_f32")):
        out, dump = tmp_path / f"pkg_{requant}", tmp_path / f"ir_{requant}"
        args = ["compile", str(model), "-o", str(out), "--dump-ir", str(dump)]
        assert main([*args, "--requant", requant]) == 0
        text = (dump / "01_fixed-point-requant.mlir").read_text()
        assert kind in text and (requant == "float32") == ("kernel.rescale_f32" in text)
        y = tmp_path / "y.npz"
        capsys.readouterr()
        assert main(["run", str(out), "--inputs", str(x), "-o", str(y), "--check", str(model)]) == 0
        m = re.search(r"\((\S+) LSB\), (\d+)/(\d+) elements equal", capsys.readouterr().out)
        assert m and float(m.group(1)) <= 1, requant


def _dynamic_matmul(path: Path) -> None:
    """A float MatMul whose batch dimension is symbolic ('N')."""
    rng = np.random.default_rng(SEED)
    w = numpy_helper.from_array(rng.normal(0, 0.3, (16, 8)).astype(np.float32), "W")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["input", "W"], ["output"], name="mm")],
        "dyn",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 16])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 8])],
        [w],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)


def test_dynamic_dimension_needs_input_shape(tmp_path, capsys):
    f = tmp_path / "dyn.onnx"
    _dynamic_matmul(f)
    cal = tmp_path / "cal.npz"
    np.savez(cal, input=np.random.default_rng(SEED).normal(0, 1, (8, 4, 16)).astype(np.float32))
    q = tmp_path / "dyn_int8.onnx"
    assert main(["quantize", str(f), "--calibration", str(cal), "-o", str(q)]) == 0
    capsys.readouterr()
    assert main(["compile", str(q), "-o", str(tmp_path / "o1")]) == 1
    assert "give its shape with --input-shape" in _error_line(capsys)
    args = ["compile", str(q), "-o", str(tmp_path / "o2"), "--input-shape", "input=4,16"]
    assert main(args) == 0
    info = json.loads((tmp_path / "o2" / "model.json").read_text())
    assert info["inputs"][0]["shape"] == [4, 16]


def test_float_model_and_bad_files_are_one_line(mlp_files, tmp_path, capsys):
    f = mlp_files[0]
    # The float model compiles: every kernel on the core (soft-float).
    assert main(["compile", str(f), "-o", str(tmp_path / "f")]) == 0
    assert json.loads((tmp_path / "f" / "manifest.json").read_text())["on_accelerators"] == []
    capsys.readouterr()
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07garbage")
    assert main(["compile", str(bad), "-o", str(tmp_path / "o")]) == 1
    assert "bad.onnx: not a valid ONNX model" in _error_line(capsys)
    x = tmp_path / "x.mlir"
    x.write_text("func.func @f() {\n  return\n}\n")
    assert main(["compile", str(x), "-o", str(tmp_path / "o3"), "--input-shape", "a=1"]) == 1
    assert "--input-shape applies to .onnx inputs" in _error_line(capsys)
