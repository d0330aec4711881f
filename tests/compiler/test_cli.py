"""The `snaxc` command line: help texts, one-line errors and exit codes."""

import subprocess
import sys
from pathlib import Path

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
    onnx = tmp_path / "model.onnx"
    onnx.write_bytes(b"\x08\x07")
    assert main(["compile", str(onnx), "-o", str(tmp_path / "out")]) == 1
    assert "unsupported input type '.onnx'" in _error_line(capsys)


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


def test_compile_reports_missing_pipeline_and_writes_nothing(matmul: Path, tmp_path: Path, capsys):
    out = tmp_path / "out"
    dump = tmp_path / "ir"
    rc = main(["compile", str(matmul), "-o", str(out), "--dump-ir", str(dump)])
    assert rc == 1
    assert "not implemented yet: " in _error_line(capsys)
    assert not out.exists()
    # The stages that do exist are inspectable.
    stages = sorted(p.name for p in dump.iterdir())
    assert stages == ["00_import.mlir", "01_recognize-kernels.mlir"]
    assert "linalg.generic" in (dump / "00_import.mlir").read_text()
    assert "kernel.mac" in (dump / "01_recognize-kernels.mlir").read_text()


def test_print_ir_after_all(matmul: Path, tmp_path: Path, capsys):
    main(["compile", str(matmul), "-o", str(tmp_path / "out"), "--print-ir-after-all"])
    err = capsys.readouterr().err
    assert "// -----// IR Dump After import //----- //" in err
    assert "// -----// IR Dump After recognize-kernels //----- //" in err


def test_run_rejects_a_directory_without_package(tmp_path: Path, capsys):
    rc = main(["run", str(tmp_path), "--inputs", "x.npz", "-o", "y.npz"])
    assert rc == 1
    assert "missing manifest.json" in _error_line(capsys)


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
