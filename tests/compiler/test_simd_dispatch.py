"""Elementwise kernels and max pooling on the SIMD accelerator, bit-exact against numpy
and the SIMD golden model."""

from pathlib import Path

import numpy as np
import pytest
from test_end_to_end import assert_equal, run_mlir

from snaxc.golden.simd import simd


def test_int32_add_then_relu_on_simd(tmp_path: Path, acc_cfg, acc_model):
    text = """
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @add_relu(%x: tensor<4x48xi32>, %y: tensor<4x48xi32>) -> tensor<4x48xi32> {
  %e = tensor.empty() : tensor<4x48xi32>
  %s = linalg.add ins(%x, %y : tensor<4x48xi32>, tensor<4x48xi32>)
                  outs(%e : tensor<4x48xi32>) -> tensor<4x48xi32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%s : tensor<4x48xi32>) outs(%e : tensor<4x48xi32>) {
  ^bb0(%in: i32, %out: i32):
    %c0 = arith.constant 0 : i32
    %m = arith.maxsi %in, %c0 : i32
    linalg.yield %m : i32
  } -> tensor<4x48xi32>
  return %r : tensor<4x48xi32>
}
"""
    rng = np.random.default_rng(30)
    # Values near the int32 limits: the sum wraps, as the kernel defines it.
    x = rng.integers(-(2**31), 2**31, (4, 48), dtype=np.int64).astype(np.int32)
    y = rng.integers(-(2**31), 2**31, (4, 48), dtype=np.int64).astype(np.int32)
    out = run_mlir(text, [x, y], tmp_path, acc_cfg, acc_model, ["add@simd0", "relu@simd0"])
    want = np.maximum((x.astype(np.int64) + y).astype(np.uint32).astype(np.int32), 0)
    assert_equal(out["result0"], want, "int32 add + relu")
    assert_equal(out["result0"], simd("relu", simd("add", x, y)), "golden")
    assert run_mlir.last_busy["simd0"] > 0 and run_mlir.last_busy["gemm0"] == 0


def test_int8_max_then_relu_on_simd(tmp_path: Path, acc_cfg, acc_model):
    text = """
#id = affine_map<(d0) -> (d0)>
func.func @max_relu(%x: tensor<256xi8>, %y: tensor<256xi8>) -> tensor<256xi8> {
  %e = tensor.empty() : tensor<256xi8>
  %s = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%x, %y : tensor<256xi8>, tensor<256xi8>) outs(%e : tensor<256xi8>) {
  ^bb0(%a: i8, %b: i8, %out: i8):
    %m = arith.maxsi %a, %b : i8
    linalg.yield %m : i8
  } -> tensor<256xi8>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%s : tensor<256xi8>) outs(%e : tensor<256xi8>) {
  ^bb0(%in: i8, %out: i8):
    %c0 = arith.constant 0 : i8
    %m = arith.maxsi %in, %c0 : i8
    linalg.yield %m : i8
  } -> tensor<256xi8>
  return %r : tensor<256xi8>
}
"""
    rng = np.random.default_rng(31)
    x = rng.integers(-128, 128, 256, dtype=np.int8)
    y = rng.integers(-128, 128, 256, dtype=np.int8)
    out = run_mlir(text, [x, y], tmp_path, acc_cfg, acc_model, ["max@simd0", "relu@simd0"])
    assert_equal(out["result0"], np.maximum(np.maximum(x, y), 0), "int8 max + relu")


def test_requantize_int32_to_int8_on_simd(tmp_path: Path, acc_cfg, acc_model):
    mult, shift, in_zp, out_zp, lo, hi = 1_518_500_250, 37, 100, -7, -120, 110
    text = f"""
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @requant(%x: tensor<8x64xi32>) -> tensor<8x64xi8> {{
  %e = tensor.empty() : tensor<8x64xi8>
  %r = linalg.generic {{indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}}
      ins(%x : tensor<8x64xi32>) outs(%e : tensor<8x64xi8>) {{
  ^bb0(%in: i32, %out: i8):
    %0 = arith.extsi %in : i32 to i64
    %zp = arith.constant {in_zp} : i64
    %1 = arith.subi %0, %zp : i64
    %m = arith.constant {mult} : i64
    %2 = arith.muli %1, %m : i64
    %h = arith.constant {1 << (shift - 1)} : i64
    %3 = arith.addi %2, %h : i64
    %s = arith.constant {shift} : i64
    %4 = arith.shrsi %3, %s : i64
    %oz = arith.constant {out_zp} : i64
    %5 = arith.addi %4, %oz : i64
    %lo = arith.constant {lo} : i64
    %hi = arith.constant {hi} : i64
    %6 = arith.maxsi %5, %lo : i64
    %7 = arith.minsi %6, %hi : i64
    %8 = arith.trunci %7 : i64 to i8
    linalg.yield %8 : i8
  }} -> tensor<8x64xi8>
  return %r : tensor<8x64xi8>
}}
"""
    rng = np.random.default_rng(32)
    x = rng.integers(-(2**20), 2**20, (8, 64), dtype=np.int32)
    # Ties: values whose product lands exactly on a half (round half up).
    x[0, :4] = [in_zp, in_zp + 1, in_zp - 1, 2**31 - 1]
    out = run_mlir(text, [x], tmp_path, acc_cfg, acc_model, ["copy@simd0"])
    p = (x.astype(np.int64) - in_zp) * mult
    want = np.clip(((p + (1 << (shift - 1))) >> shift) + out_zp, lo, hi).astype(np.int8)
    assert_equal(out["result0"], want, "requantize")


POOL = """
func.func @pool(%x: tensor<{n}x{c}x{h}x{w}xi8>) -> tensor<{n}x{c}x{oh}x{ow}xi8> {{
  %lowest = arith.constant -128 : i8
  %e = tensor.empty() : tensor<{n}x{c}x{oh}x{ow}xi8>
  %init = linalg.fill ins(%lowest : i8) outs(%e : tensor<{n}x{c}x{oh}x{ow}xi8>)
      -> tensor<{n}x{c}x{oh}x{ow}xi8>
  %k = tensor.empty() : tensor<{k}x{k}xi8>
  %y = linalg.pooling_nchw_max
      {{dilations = dense<1> : vector<2xi64>, strides = dense<{s}> : vector<2xi64>}}
      ins(%x, %k : tensor<{n}x{c}x{h}x{w}xi8>, tensor<{k}x{k}xi8>)
      outs(%init : tensor<{n}x{c}x{oh}x{ow}xi8>) -> tensor<{n}x{c}x{oh}x{ow}xi8>
  return %y : tensor<{n}x{c}x{oh}x{ow}xi8>
}}
"""


@pytest.mark.parametrize(
    "c, h, w, k, s",
    [(8, 16, 16, 2, 2), (4, 17, 17, 3, 2), (1, 10, 66, 3, 1)],
)
def test_max_pool_on_simd(c, h, w, k, s, tmp_path: Path, acc_cfg, acc_model):
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    text = POOL.format(n=1, c=c, h=h, w=w, k=k, s=s, oh=oh, ow=ow)
    rng = np.random.default_rng(40 + k + s)
    x = rng.integers(-128, 128, (1, c, h, w), dtype=np.int8)
    out = run_mlir(text, [x], tmp_path, acc_cfg, acc_model, ["max_pool@simd0"])
    want = np.full((1, c, oh, ow), -128, dtype=np.int8)
    for i in range(k):
        for j in range(k):
            want = np.maximum(want, x[:, :, i : i + s * oh : s, j : j + s * ow : s])
    assert_equal(out["result0"], want, f"max pool {k}x{k} stride {s} on {x.shape}")
    assert run_mlir.last_busy["simd0"] > 0


FSUM_POOL = """
func.func @average(%x: tensor<1x{c}x{h}x{w}xi8>) -> tensor<1x{c}x1x1xf32> {{
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x{c}x1x1xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x{c}x1x1xf32>) -> tensor<1x{c}x1x1xf32>
  %k = tensor.empty() : tensor<{h}x{w}xi8>
  %zx = arith.constant {zp} : i32
  %sx = arith.constant {scale:.9e} : f32
  %y = linalg.generic {{indexing_maps = [
      affine_map<(n, c, i, j, kh, kw) -> (n, c, i + kh, j + kw)>,
      affine_map<(n, c, i, j, kh, kw) -> (kh, kw)>,
      affine_map<(n, c, i, j, kh, kw) -> (n, c, i, j)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}}
      ins(%x, %k : tensor<1x{c}x{h}x{w}xi8>, tensor<{h}x{w}xi8>)
      outs(%init : tensor<1x{c}x1x1xf32>) {{
  ^bb0(%a: i8, %b: i8, %o: f32):
    %ext = arith.extsi %a : i8 to i32
    %cen = arith.subi %ext, %zx : i32
    %f = arith.sitofp %cen : i32 to f32
    %t = arith.mulf %f, %sx : f32
    %s = arith.addf %o, %t : f32
    linalg.yield %s : f32
  }} -> tensor<1x{c}x1x1xf32>
  return %y : tensor<1x{c}x1x1xf32>
}}
"""


@pytest.mark.parametrize("c, h, w", [(64, 8, 8), (64, 25, 5)])
def test_float32_average_pool_sum_on_simd(c, h, w, tmp_path: Path, acc_cfg, acc_model):
    """The float32 window sum of an average pool (fixed-point-requant's float32 form): SIMD
    fsum, bit for bit the float32 left-to-right sum of float32((x - zx) * scale)."""
    rng = np.random.default_rng(50 + h)
    zp, scale = int(rng.integers(-128, 128)), float(np.float32(rng.uniform(0.001, 0.1)))
    text = FSUM_POOL.format(c=c, h=h, w=w, zp=zp, scale=scale)
    x = rng.integers(-128, 128, (1, c, h, w), dtype=np.int8)
    out = run_mlir(text, [x], tmp_path, acc_cfg, acc_model, ["average_pool_f32@simd0"])
    k = x.reshape(1, c, h * w).astype(np.float32) - np.float32(zp)
    want = np.zeros((1, c), np.float32)
    for i in range(h * w):
        want = want + (k[..., i] * np.float32(scale)).astype(np.float32)
    got = out["result0"].reshape(1, c)
    bad = np.flatnonzero(got.view(np.uint32) != want.view(np.uint32))
    assert not bad.size, f"seed {50 + h}: first mismatch at channel {bad[0]}"
    assert run_mlir.last_busy["simd0"] > 0
