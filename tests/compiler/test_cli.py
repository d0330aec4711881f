"""The `snaxc` command line: help texts, one-line errors and exit codes."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from snaxc.cli import main

MATMUL = """
func.func @mm(%a: tensor<16x8xi8>, %b: tensor<8x32xi8>,
              %c: tensor<16x32xi32>) -> tensor<16x32xi32> {
  %0 = linalg.matmul ins(%a, %b : tensor<16x8xi8>, tensor<8x32xi8>)
                     outs(%c : tensor<16x32xi32>) -> tensor<16x32xi32>
  return %0 : tensor<16x32xi32>
}
"""


@pytest.fixture
def matmul(tmp_path: Path) -> Path:
    p = tmp_path / "mm.mlir"
    p.write_text(MATMUL)
    return p


def _error_line(capsys) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("snaxc: error: "), err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(
    "argv, expected",
    [
        ([], ["compile", "run", "snaxc compile matmul.mlir -c cluster.yaml -o build/"]),
        (["compile"], ["INPUT", "--config", "--output", "--print-ir-after-all", "--dump-ir"]),
        (["run"], ["OUTDIR", "--inputs", "--output", "utilization"]),
    ],
)
def test_help_explains_commands(argv, expected, capsys):
    with pytest.raises(SystemExit) as e:
        main([*argv, "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for word in expected:
        assert word in out, f"{word!r} missing from help:\n{out}"


def test_missing_input_file(tmp_path: Path, capsys):
    assert main(["compile", str(tmp_path / "nope.mlir"), "-o", str(tmp_path / "out")]) == 1
    assert "nope.mlir: cannot read input (No such file" in _error_line(capsys)


def test_malformed_input_names_position(tmp_path: Path, capsys):
    bad = tmp_path / "bad.mlir"
    bad.write_text("func.func @f() {\n  %x = arith.constant 1 : i32\n  linalg.bogus\n}\n")
    assert main(["compile", str(bad), "-o", str(tmp_path / "out")]) == 1
    assert f"{bad}:3:3: " in _error_line(capsys)


def test_unsupported_input_type(tmp_path: Path, capsys):
    src = tmp_path / "model.tflite"
    src.write_bytes(b"\x08\x07")
    assert main(["compile", str(src), "-o", str(tmp_path / "out")]) == 1
    assert "unsupported input type '.tflite' (expected .mlir or .onnx)" in _error_line(capsys)


@pytest.mark.parametrize(
    "yaml_text, expected",
    [
        ("tcdm: {banks: 7}\n", "tcdm.banks: 7 is out of range [8, 64]"),
        ("dma: {widht_bits: 512}\n", "dma.widht_bits: unknown field"),
        ("tcdm: [\n", "not valid YAML"),
    ],
)
def test_bad_config(matmul: Path, tmp_path: Path, capsys, yaml_text: str, expected: str):
    cfg = tmp_path / "cluster.yaml"
    cfg.write_text(yaml_text)
    assert main(["compile", str(matmul), "-c", str(cfg), "-o", str(tmp_path / "out")]) == 1
    line = _error_line(capsys)
    assert str(cfg) in line and expected in line, line


def test_compile_writes_package(matmul: Path, tmp_path: Path, capsys):
    out = tmp_path / "out"
    dump = tmp_path / "ir"
    assert main(["compile", str(matmul), "-o", str(out), "--dump-ir", str(dump)]) == 0
    stdout = capsys.readouterr().out
    assert "3 input(s), 1 output(s)" in stdout
    # The default cluster has a GeMM: the matmul runs on it.
    assert "on accelerators: matmul@gemm0" in stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["entry"] == "mm"
    assert [(t["name"], t["role"], t["shape"], t["dtype"]) for t in manifest["tensors"]] == [
        ("arg0", "input", [16, 8], "int8"),
        ("arg1", "input", [8, 32], "int8"),
        ("arg2", "input", [16, 32], "int32"),
        ("result0", "output", [16, 32], "int32"),
    ]
    with (out / "program.elf").open("rb") as f:
        assert f.read(4) == b"\x7fELF"
    # Every stage is inspectable.
    stages = sorted(p.name for p in dump.iterdir())
    assert stages[:4] == [
        "00_import.mlir",
        "01_recognize-rescale.mlir",
        "02_recognize-kernels.mlir",
        "03_place-program-io.mlir",
    ]
    assert "kernel.mac" in (dump / "02_recognize-kernels.mlir").read_text()


def test_program_too_big_for_l1_is_one_line(tmp_path: Path, capsys):
    big = tmp_path / "big.mlir"
    big.write_text(
        MATMUL.replace("16x8", "512x256").replace("8x32", "256x512").replace("16x32", "512x512")
    )
    assert main(["compile", str(big), "-o", str(tmp_path / "out")]) == 1
    line = _error_line(capsys)
    assert "bytes of L1 at once, the TCDM has 131072" in line


def test_print_ir_after_all(matmul: Path, tmp_path: Path, capsys):
    main(["compile", str(matmul), "-o", str(tmp_path / "out"), "--print-ir-after-all"])
    err = capsys.readouterr().err
    assert "// -----// IR Dump After import //----- //" in err
    assert "// -----// IR Dump After recognize-kernels //----- //" in err
    assert "// -----// IR Dump After lower-dma //----- //" in err


def test_run_rejects_a_directory_without_package(tmp_path: Path, capsys):
    rc = main(["run", str(tmp_path), "--inputs", "x.npz", "-o", "y.npz"])
    assert rc == 1
    assert "missing manifest.json" in _error_line(capsys)


def test_run_checks_configuration_and_inputs(matmul: Path, tmp_path: Path, capsys):
    out = tmp_path / "out"
    assert main(["compile", str(matmul), "-o", str(out)]) == 0
    capsys.readouterr()
    other = tmp_path / "other.yaml"
    other.write_text("tcdm: {size_kib: 64}\n")
    x = tmp_path / "x.npz"
    c = np.zeros((16, 32), np.int32)
    np.savez(x, arg0=np.zeros((16, 8), np.int8), arg1=np.zeros((8, 32), np.int8), arg2=c)
    assert main(["run", str(out), "--inputs", str(x), "-o", "y.npz", "-c", str(other)]) == 1
    assert "was compiled for cluster 'default'" in _error_line(capsys)
    bad = tmp_path / "bad.npz"
    np.savez(bad, arg0=np.zeros((16, 8), np.int32), arg1=np.zeros((8, 32), np.int8), arg2=c)
    assert main(["run", str(out), "--inputs", str(bad), "-o", "y.npz"]) == 1
    assert "input arg0 is int32[16, 8], the program takes int8[16, 8]" in _error_line(capsys)
    np.savez(bad, arg0=np.zeros((16, 8), np.int8), arg2=c)
    assert main(["run", str(out), "--inputs", str(bad), "-o", "y.npz"]) == 1
    assert "missing input(s) arg1 (the program takes arg0, arg1, arg2)" in _error_line(capsys)


def test_console_script_exit_status_and_usage_errors(tmp_path: Path):
    exe = Path(sys.executable).parent / "snaxc"
    proc = subprocess.run([exe, "compile"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "the following arguments are required" in proc.stderr
    proc = subprocess.run(
        [exe, "compile", str(tmp_path / "x.mlir"), "-o", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("snaxc: error: ") and "Traceback" not in proc.stderr


def test_unsupported_dtype_is_one_line(tmp_path: Path, capsys):
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
    assert main(["compile", str(src), "-o", str(tmp_path / "out")]) == 1
    assert "unsupported dtype f16 in linalg.generic" in _error_line(capsys)
    assert not (tmp_path / "out").exists()
