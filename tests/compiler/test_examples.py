"""The README's compile-and-run example works as the README says."""

from pathlib import Path

import numpy as np

from snaxc.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_readme_dense_relu_example(tmp_path: Path, capsys):
    out = tmp_path / "out"
    cluster = str(EXAMPLES / "cluster.yaml")
    assert main(["compile", str(EXAMPLES / "dense_relu.mlir"), "-c", cluster, "-o", str(out)]) == 0
    assert "on accelerators: matmul_requant@gemm0" in capsys.readouterr().out
    rng = np.random.default_rng(0)
    x = rng.integers(-128, 128, (32, 64), dtype=np.int8)
    w = rng.integers(-128, 128, (64, 32), dtype=np.int8)
    bias = rng.integers(-20000, 20000, 32, dtype=np.int32)
    np.savez(tmp_path / "x.npz", arg0=x, arg1=w, arg2=bias)
    y_path = tmp_path / "y.npz"
    assert main(["run", str(out), "--inputs", str(tmp_path / "x.npz"), "-o", str(y_path)]) == 0
    printed = capsys.readouterr().out
    assert "gemm0: busy" in printed and "written to" in printed, printed
    acc = x.astype(np.int64) @ w.astype(np.int64) + bias
    want = np.maximum(np.clip(((acc * 1518500250 + 2**42) >> 43) - 5, -128, 127), 0)
    got = np.load(y_path)["result0"]
    assert got.dtype == np.int8
    if not np.array_equal(got, want):
        bad = tuple(np.argwhere(got != want)[0])
        raise AssertionError(f"first mismatch at {bad}: {got[bad]} != {want[bad]}")
