"""Broadcasts and fills of L1 buffers on the DMA (`copies-to-dma`), simulated on the
cluster: a conv bias spread over the pixels of each channel (two-step, through 64-byte
scratch rows), a broadcast along the innermost dim of int8 values, and constant fills of
int32 and int8 buffers whose sizes are not whole 8-byte words. Compared with numpy."""

from pathlib import Path

import numpy as np
from test_end_to_end import assert_equal, run_mlir

TEXT = """
#nchw = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#c = affine_map<(d0, d1, d2, d3) -> (d1)>
func.func @spread(%bias: tensor<6xi32>, %v: tensor<3xi8>)
    -> (tensor<1x6x8x8xi32>, tensor<3x5xi8>, tensor<5x3xi32>, tensor<13xi8>) {
  %e = tensor.empty() : tensor<1x6x8x8xi32>
  %y = linalg.generic {indexing_maps = [#c, #nchw],
      iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%bias : tensor<6xi32>) outs(%e : tensor<1x6x8x8xi32>) {
  ^bb0(%in: i32, %out: i32):
    linalg.yield %in : i32
  } -> tensor<1x6x8x8xi32>
  %e2 = tensor.empty() : tensor<3x5xi8>
  %z = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>,
                                        affine_map<(d0, d1) -> (d0, d1)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%v : tensor<3xi8>) outs(%e2 : tensor<3x5xi8>) {
  ^bb0(%in: i8, %out: i8):
    linalg.yield %in : i8
  } -> tensor<3x5xi8>
  %c = arith.constant -123456 : i32
  %e3 = tensor.empty() : tensor<5x3xi32>
  %f = linalg.fill ins(%c : i32) outs(%e3 : tensor<5x3xi32>) -> tensor<5x3xi32>
  %c8 = arith.constant -7 : i8
  %e4 = tensor.empty() : tensor<13xi8>
  %g = linalg.fill ins(%c8 : i8) outs(%e4 : tensor<13xi8>) -> tensor<13xi8>
  return %y, %z, %f, %g : tensor<1x6x8x8xi32>, tensor<3x5xi8>, tensor<5x3xi32>, tensor<13xi8>
}
"""


def test_broadcasts_and_fills_on_the_dma(tmp_path: Path, cfg, built_model):
    rng = np.random.default_rng(21)
    bias = rng.integers(-(2**31), 2**31, (6,), dtype=np.int32)
    v = rng.integers(-128, 128, (3,), dtype=np.int8)
    out = run_mlir(TEXT, [bias, v], tmp_path, cfg, built_model, None)
    assert_equal(out["result0"], np.broadcast_to(bias[None, :, None, None], (1, 6, 8, 8)), "bias")
    assert_equal(out["result1"], np.broadcast_to(v[:, None], (3, 5)), "int8 broadcast")
    assert_equal(out["result2"], np.full((5, 3), -123456, np.int32), "int32 fill")
    assert_equal(out["result3"], np.full((13,), -7, np.int8), "int8 fill")
    manifest = (tmp_path / "out" / "manifest.json").read_text()
    assert '"on_core": []' in manifest, manifest
