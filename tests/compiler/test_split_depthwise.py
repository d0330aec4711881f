"""Depthwise convolutions (the importer's form: NCHW -> NHWC transpose, bias broadcast,
`depthwise_conv_2d_nhwc_hwc_q`, transpose back, optionally rescale + ReLU) on the GeMM:
`split-depthwise` makes them 8-channel dense convolutions with block-diagonal weights,
`conv-to-gemm` lowers those. Compiled, simulated on the cluster, compared bit-exactly with
numpy."""

from pathlib import Path

import numpy as np
import pytest
from test_end_to_end import assert_equal, run_mlir


def depthwise_mlir(c: int, h: int, w: int, stride: int, zx: int, zw: int, requant) -> str:
    hp, wp = h + 2, w + 2
    oh, ow = (hp - 3) // stride + 1, (wp - 3) // stride + 1
    out_t = f"tensor<1x{c}x{oh}x{ow}xi8>" if requant else f"tensor<1x{c}x{oh}x{ow}xi32>"
    text = f"""
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @dw(%x: tensor<1x{c}x{h}x{w}xi8>, %w: tensor<3x3x{c}xi8>, %bias: tensor<{c}xi32>)
    -> {out_t} {{
  %zx = arith.constant {zx} : i32
  %zw = arith.constant {zw} : i32
  %zx8 = arith.constant {zx} : i8
  %xp = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {{
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %zx8 : i8
  }} : tensor<1x{c}x{h}x{w}xi8> to tensor<1x{c}x{hp}x{wp}xi8>
  %et = tensor.empty() : tensor<1x{hp}x{wp}x{c}xi8>
  %xt = linalg.transpose ins(%xp : tensor<1x{c}x{hp}x{wp}xi8>)
      outs(%et : tensor<1x{hp}x{wp}x{c}xi8>) permutation = [0, 2, 3, 1]
  %ey = tensor.empty() : tensor<1x{oh}x{ow}x{c}xi32>
  %init = linalg.generic {{indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, #id],
      iterator_types = ["parallel", "parallel", "parallel", "parallel"]}}
      ins(%bias : tensor<{c}xi32>) outs(%ey : tensor<1x{oh}x{ow}x{c}xi32>) {{
  ^bb0(%in: i32, %o: i32):
    linalg.yield %in : i32
  }} -> tensor<1x{oh}x{ow}x{c}xi32>
  %yt = linalg.depthwise_conv_2d_nhwc_hwc_q
      {{dilations = dense<1> : tensor<2xi64>, strides = dense<{stride}> : tensor<2xi64>}}
      ins(%xt, %w, %zx, %zw : tensor<1x{hp}x{wp}x{c}xi8>, tensor<3x3x{c}xi8>, i32, i32)
      outs(%init : tensor<1x{oh}x{ow}x{c}xi32>) -> tensor<1x{oh}x{ow}x{c}xi32>
  %e2 = tensor.empty() : tensor<1x{c}x{oh}x{ow}xi32>
  %y = linalg.transpose ins(%yt : tensor<1x{oh}x{ow}x{c}xi32>)
      outs(%e2 : tensor<1x{c}x{oh}x{ow}xi32>) permutation = [0, 3, 1, 2]
"""
    if not requant:
        return text + f"  return %y : {out_t}\n}}\n"
    mult, shift, out_zp = requant
    return (
        text
        + f"""  %e8 = tensor.empty() : {out_t}
  %q = linalg.generic {{indexing_maps = [#id, #id],
      iterator_types = ["parallel", "parallel", "parallel", "parallel"]}}
      ins(%y : tensor<1x{c}x{oh}x{ow}xi32>) outs(%e8 : {out_t}) {{
  ^bb0(%v: i32, %o: i8):
    %v64 = arith.extsi %v : i32 to i64
    %mu = arith.constant {mult} : i64
    %p = arith.muli %v64, %mu : i64
    %rnd = arith.constant {1 << (shift - 1)} : i64
    %p2 = arith.addi %p, %rnd : i64
    %sh = arith.constant {shift} : i64
    %p3 = arith.shrsi %p2, %sh : i64
    %zp = arith.constant {out_zp} : i64
    %p4 = arith.addi %p3, %zp : i64
    %lo = arith.constant -128 : i64
    %hi = arith.constant 127 : i64
    %p5 = arith.maxsi %p4, %lo : i64
    %p6 = arith.minsi %p5, %hi : i64
    %t = arith.trunci %p6 : i64 to i8
    linalg.yield %t : i8
  }} -> {out_t}
  %z = tensor.empty() : {out_t}
  %r = linalg.generic {{indexing_maps = [#id, #id],
      iterator_types = ["parallel", "parallel", "parallel", "parallel"]}}
      ins(%q : {out_t}) outs(%z : {out_t}) {{
  ^bb0(%v: i8, %o: i8):
    %c0 = arith.constant 0 : i8
    %mx = arith.maxsi %v, %c0 : i8
    linalg.yield %mx : i8
  }} -> {out_t}
  return %r : {out_t}
}}
"""
    )


def numpy_depthwise(x, w, bias, stride, zx, zw, requant):
    """Reference in plain numpy (int64): NCHW input, (3, 3, C) weights, padding 1."""
    c, h, wd = x.shape[1:]
    xp = np.full((c, h + 2, wd + 2), zx, dtype=np.int64)
    xp[:, 1:-1, 1:-1] = x[0]
    oh, ow = (h - 1) // stride + 1, (wd - 1) // stride + 1
    y = np.zeros((c, oh, ow), dtype=np.int64) + bias[:, None, None]
    for kh in range(3):
        for kw in range(3):
            win = xp[:, kh : kh + stride * oh : stride, kw : kw + stride * ow : stride]
            y += (win - zx) * (w[kh, kw, :].astype(np.int64) - zw)[:, None, None]
    if not requant:
        return y[None].astype(np.int32)
    mult, shift, out_zp = requant
    q = np.clip(((y * mult + (1 << (shift - 1))) >> shift) + out_zp, -128, 127)
    return np.maximum(q, 0)[None].astype(np.int8)


@pytest.mark.parametrize(
    "c, h, w, stride, requant",
    [
        (16, 8, 8, 1, None),  # 2 slices, int32 output
        (24, 8, 8, 1, (1_518_500_250, 40, -7)),  # 3 slices, rescale + ReLU fused
        (8, 16, 8, 2, None),  # stride 2, one slice
        (12, 8, 8, 1, (1_518_500_250, 40, -7)),  # a slice of 8 and one of 4 channels
    ],
)
def test_depthwise_on_gemm(c, h, w, stride, requant, tmp_path: Path, acc_cfg, acc_model):
    seed = c * 1000 + h * 10 + stride
    rng = np.random.default_rng(seed)
    zx, zw = int(rng.integers(-10, 10)), int(rng.integers(-5, 5))
    print(f"seed {seed}: C {c} {h}x{w} stride {stride} zx {zx} zw {zw} requant {requant}")
    x = rng.integers(-128, 128, (1, c, h, w), dtype=np.int8)
    wt = rng.integers(-128, 128, (3, 3, c), dtype=np.int8)
    bias = rng.integers(-(2**12), 2**12, (c,), dtype=np.int32)
    text = depthwise_mlir(c, h, w, stride, zx, zw, requant)
    out = run_mlir(text, [x, wt, bias], tmp_path, acc_cfg, acc_model, None)
    want = numpy_depthwise(x, wt, bias, stride, zx, zw, requant)
    assert_equal(out["result0"], want, f"seed {seed} vs numpy")
    manifest = (tmp_path / "out" / "manifest.json").read_text()
    if c % 8 == 0:
        assert '"on_core": []' in manifest, manifest
    assert run_mlir.last_busy["gemm0"] >= (c // 8) * 64 * 9 * want.size // c // 512
