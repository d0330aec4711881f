"""Matmuls the GeMM's 8x8x8 tile does not divide (a dense layer on one row, a classifier
head of 10 columns, K not a multiple of 8) with bias, requantization and ReLU: `pad-matmul`
runs them on padded L1 copies, `fuse-gemm-output` as one launch. Bit-exact vs numpy."""

from pathlib import Path

import numpy as np
import pytest
from test_end_to_end import assert_equal, run_mlir
from test_fused_gemm_output import chain_mlir, numpy_chain


@pytest.mark.parametrize(
    "m, k, n, zps, relu",
    [
        (1, 64, 16, (-4, 0), False),  # M = 1 only: A viewed with 8 rows
        (1, 12, 10, (-4, 3), True),  # M, K and N padded
        (3, 20, 9, (5, -2), True),
        (9, 8, 24, None, False),  # plain matmul (no zero points), M = 9
    ],
)
def test_unaligned_chain_on_gemm(m, k, n, zps, relu, tmp_path: Path, acc_cfg, acc_model):
    seed = m * 10_000 + k * 100 + n
    rng = np.random.default_rng(seed)
    mult, shift, out_zp = int(rng.integers(1 << 29, 1 << 31)), int(rng.integers(38, 42)), -3
    print(f"seed {seed}: {m}x{k}x{n} zps {zps} mult {mult} shift {shift}")
    a = rng.integers(-128, 128, (m, k), dtype=np.int8)
    b = rng.integers(-128, 128, (k, n), dtype=np.int8)
    bias = rng.integers(-(2**14), 2**14, (n,), dtype=np.int32)
    text = chain_mlir(m, k, n, mult=mult, shift=shift, out_zp=out_zp, relu=relu, zps=zps)
    out = run_mlir(text, [a, b, bias], tmp_path, acc_cfg, acc_model, ["matmul_requant@gemm0"])
    want = numpy_chain(a, b, bias, mult, shift, out_zp, relu=relu, zps=zps or (0, 0))
    assert_equal(out["result0"], want, f"seed {seed} vs numpy")
    manifest = (tmp_path / "out" / "manifest.json").read_text()
    assert '"on_core": []' in manifest, manifest
