"""Conv2d 3x3 on the GeMM (implicit GEMM: an im2col buffer gathered by the DMA), with
stride 1 and 2, padding and zero points, bit-exact against numpy."""

from pathlib import Path

import numpy as np
import pytest
from test_end_to_end import assert_equal, run_mlir


def conv_reference(x, w, stride, pad, x_zp=0, w_zp=0):
    """y[0, f, oh, ow] = sum (x_pad - x_zp) * (w - w_zp), x padded with x_zp."""
    xp = np.pad(x.astype(np.int64), ((0, 0), (0, 0), (pad, pad), (pad, pad)), constant_values=x_zp)
    f, c, kh, kw = w.shape
    oh = (xp.shape[2] - kh) // stride + 1
    ow = (xp.shape[3] - kw) // stride + 1
    y = np.zeros((1, f, oh, ow), dtype=np.int64)
    for i in range(kh):
        for j in range(kw):
            patch = xp[0, :, i : i + stride * oh : stride, j : j + stride * ow : stride] - x_zp
            y[0] += np.einsum("fc,chw->fhw", w[:, :, i, j].astype(np.int64) - w_zp, patch)
    return y.astype(np.int32)


def conv_mlir(c, h, w, f, stride, pad, zps=None):
    hp, wp = h + 2 * pad, w + 2 * pad
    oh, ow = (hp - 3) // stride + 1, (wp - 3) // stride + 1
    x_t, p_t = f"tensor<1x{c}x{h}x{w}xi8>", f"tensor<1x{c}x{hp}x{wp}xi8>"
    w_t, y_t = f"tensor<{f}x{c}x3x3xi8>", f"tensor<1x{f}x{oh}x{ow}xi32>"
    pad_value = zps[0] if zps else 0
    text = f"func.func @conv(%x: {x_t}, %w: {w_t}) -> {y_t} {{\n"
    src = "%x"
    if pad:
        text += f"""  %pv = arith.constant {pad_value} : i8
  %p = tensor.pad %x low[0, 0, {pad}, {pad}] high[0, 0, {pad}, {pad}] {{
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %pv : i8
  }} : {x_t} to {p_t}
"""
        src = "%p"
    text += f"""  %zero = arith.constant 0 : i32
  %e = tensor.empty() : {y_t}
  %c = linalg.fill ins(%zero : i32) outs(%e : {y_t}) -> {y_t}
"""
    attrs = f"{{dilations = dense<1> : vector<2xi64>, strides = dense<{stride}> : vector<2xi64>}}"
    if zps is None:
        text += f"""  %y = linalg.conv_2d_nchw_fchw {attrs}
      ins({src}, %w : {p_t if pad else x_t}, {w_t}) outs(%c : {y_t}) -> {y_t}
"""
    else:
        text += f"""  %zx = arith.constant {zps[0]} : i32
  %zw = arith.constant {zps[1]} : i32
  %y = linalg.conv_2d_nchw_fchw_q {attrs}
      ins({src}, %w, %zx, %zw : {p_t if pad else x_t}, {w_t}, i32, i32) outs(%c : {y_t}) -> {y_t}
"""
    return text + f"  return %y : {y_t}\n}}\n", (oh, ow)


@pytest.mark.parametrize(
    "c, h, w, f, stride, pad, zps",
    [
        (8, 10, 10, 8, 1, 0, None),
        (8, 17, 17, 16, 2, 0, None),
        (8, 8, 8, 8, 1, 1, None),
        (8, 15, 15, 8, 2, 1, None),
        (8, 8, 8, 8, 1, 1, (-5, 3)),
        # C*3*3 = 27: K padded to 32 (weights' and input's zero points in the padding)
        (3, 10, 10, 8, 1, 0, None),
        (3, 16, 16, 16, 2, 1, (7, -2)),
    ],
)
def test_conv2d_3x3_on_gemm(c, h, w, f, stride, pad, zps, tmp_path: Path, acc_cfg, acc_model):
    text, _ = conv_mlir(c, h, w, f, stride, pad, zps)
    rng = np.random.default_rng(50 + stride + 2 * pad)
    x = rng.integers(-128, 128, (1, c, h, w), dtype=np.int8)
    wt = rng.integers(-128, 128, (f, c, 3, 3), dtype=np.int8)
    op = "quantized_matmul@gemm0" if zps else "matmul@gemm0"
    out = run_mlir(text, [x, wt], tmp_path, acc_cfg, acc_model, [op])
    want = conv_reference(x, wt, stride, pad, *(zps or (0, 0)))
    assert_equal(out["result0"], want, f"conv {x.shape} stride {stride} pad {pad} zps {zps}")
    assert run_mlir.last_busy["gemm0"] > 0


def test_conv2d_constant_weights_on_gemm(tmp_path: Path, acc_cfg, acc_model):
    """Weights that are a constant of the program (in the core's memory, out of the DMA's
    reach): the core copies them to L1, the DMA pads K = 27 to 32."""
    rng = np.random.default_rng(60)
    wt = rng.integers(-128, 128, (8, 3, 3, 3), dtype=np.int8)
    literal = np.array2string(wt, separator=", ", threshold=10**6).replace("\n", "")
    text = f"""
func.func @conv(%x: tensor<1x3x10x10xi8>) -> tensor<1x8x8x8xi32> {{
  %w = arith.constant dense<{literal}> : tensor<8x3x3x3xi8>
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x8x8x8xi32>
  %c = linalg.fill ins(%zero : i32) outs(%e : tensor<1x8x8x8xi32>) -> tensor<1x8x8x8xi32>
  %y = linalg.conv_2d_nchw_fchw
      {{dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}}
      ins(%x, %w : tensor<1x3x10x10xi8>, tensor<8x3x3x3xi8>)
      outs(%c : tensor<1x8x8x8xi32>) -> tensor<1x8x8x8xi32>
  return %y : tensor<1x8x8x8xi32>
}}
"""
    x = rng.integers(-128, 128, (1, 3, 10, 10), dtype=np.int8)
    out = run_mlir(text, [x], tmp_path, acc_cfg, acc_model, ["matmul@gemm0"])
    assert_equal(out["result0"], conv_reference(x, wt, 1, 0), "conv with constant weights")


def test_conv2d_bias_requant_fused_on_gemm(tmp_path: Path, acc_cfg, acc_model):
    """A quantized conv layer as the ONNX importer writes it (bias broadcast into the
    accumulator, then a requantization clamped at the output zero point = ReLU): one GeMM
    launch with int8 output."""
    mult, shift, out_zp = 1_605_478_016, 41, -128
    text = f"""
#b = affine_map<(d0, d1, d2, d3) -> (d1)>
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @layer(%x: tensor<1x8x10x10xi8>, %w: tensor<16x8x3x3xi8>, %bias: tensor<16xi32>)
    -> tensor<1x16x8x8xi8> {{
  %e = tensor.empty() : tensor<1x16x8x8xi32>
  %c = linalg.generic {{indexing_maps = [#b, #id],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}}
      ins(%bias : tensor<16xi32>) outs(%e : tensor<1x16x8x8xi32>) {{
  ^bb0(%in: i32, %o: i32):
    linalg.yield %in : i32
  }} -> tensor<1x16x8x8xi32>
  %zx = arith.constant 3 : i32
  %zw = arith.constant 0 : i32
  %y = linalg.conv_2d_nchw_fchw_q
      {{dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}}
      ins(%x, %w, %zx, %zw : tensor<1x8x10x10xi8>, tensor<16x8x3x3xi8>, i32, i32)
      outs(%c : tensor<1x16x8x8xi32>) -> tensor<1x16x8x8xi32>
  %e8 = tensor.empty() : tensor<1x16x8x8xi8>
  %q = linalg.generic {{indexing_maps = [#id, #id],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}}
      ins(%y : tensor<1x16x8x8xi32>) outs(%e8 : tensor<1x16x8x8xi8>) {{
  ^bb0(%a: i32, %o: i8):
    %a64 = arith.extsi %a : i32 to i64
    %m = arith.constant {mult} : i64
    %p = arith.muli %a64, %m : i64
    %h = arith.constant {1 << (shift - 1)} : i64
    %r = arith.addi %p, %h : i64
    %s = arith.constant {shift} : i64
    %t = arith.shrsi %r, %s : i64
    %z = arith.constant {out_zp} : i64
    %u = arith.addi %t, %z : i64
    %lo = arith.constant {out_zp} : i64
    %hi = arith.constant 127 : i64
    %v = arith.maxsi %u, %lo : i64
    %v2 = arith.minsi %v, %hi : i64
    %o8 = arith.trunci %v2 : i64 to i8
    linalg.yield %o8 : i8
  }} -> tensor<1x16x8x8xi8>
  return %q : tensor<1x16x8x8xi8>
}}
"""
    rng = np.random.default_rng(61)
    x = rng.integers(-128, 128, (1, 8, 10, 10), dtype=np.int8)
    wt = rng.integers(-128, 128, (16, 8, 3, 3), dtype=np.int8)
    bias = rng.integers(-20000, 20000, 16, dtype=np.int32)
    out = run_mlir(text, [x, wt, bias], tmp_path, acc_cfg, acc_model, ["matmul_requant@gemm0"])
    acc = conv_reference(x, wt, 1, 0, 3, 0).astype(np.int64) + bias[None, :, None, None]
    want = np.clip(((acc * mult + (1 << (shift - 1))) >> shift) + out_zp, out_zp, 127)
    assert_equal(out["result0"], want.astype(np.int8), "fused conv layer")


def layer_mlir(c, h, w, f, kh, kw, stride, mult, shift, out_zp, x_zp):
    """A quantized conv layer as the ONNX importer writes it: the bias broadcast into the
    int32 accumulator, the convolution, a requantization to int8 clamped at the output zero
    point (= ReLU)."""
    oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    x_t, w_t = f"tensor<1x{c}x{h}x{w}xi8>", f"tensor<{f}x{c}x{kh}x{kw}xi8>"
    y_t, q_t = f"tensor<1x{f}x{oh}x{ow}xi32>", f"tensor<1x{f}x{oh}x{ow}xi8>"
    attrs = f"{{dilations = dense<1> : vector<2xi64>, strides = dense<{stride}> : vector<2xi64>}}"
    return f"""
#b = affine_map<(d0, d1, d2, d3) -> (d1)>
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @layer(%x: {x_t}, %w: {w_t}, %bias: tensor<{f}xi32>) -> {q_t} {{
  %e = tensor.empty() : {y_t}
  %c = linalg.generic {{indexing_maps = [#b, #id],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}}
      ins(%bias : tensor<{f}xi32>) outs(%e : {y_t}) {{
  ^bb0(%in: i32, %o: i32):
    linalg.yield %in : i32
  }} -> {y_t}
  %zx = arith.constant {x_zp} : i32
  %zw = arith.constant 0 : i32
  %y = linalg.conv_2d_nchw_fchw_q {attrs}
      ins(%x, %w, %zx, %zw : {x_t}, {w_t}, i32, i32) outs(%c : {y_t}) -> {y_t}
  %e8 = tensor.empty() : {q_t}
  %q = linalg.generic {{indexing_maps = [#id, #id],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}}
      ins(%y : {y_t}) outs(%e8 : {q_t}) {{
  ^bb0(%a: i32, %o: i8):
    %a64 = arith.extsi %a : i32 to i64
    %m = arith.constant {mult} : i64
    %p = arith.muli %a64, %m : i64
    %h = arith.constant {1 << (shift - 1)} : i64
    %r = arith.addi %p, %h : i64
    %s = arith.constant {shift} : i64
    %t = arith.shrsi %r, %s : i64
    %z = arith.constant {out_zp} : i64
    %u = arith.addi %t, %z : i64
    %lo = arith.constant {out_zp} : i64
    %hi = arith.constant 127 : i64
    %v = arith.maxsi %u, %lo : i64
    %v2 = arith.minsi %v, %hi : i64
    %o8 = arith.trunci %v2 : i64 to i8
    linalg.yield %o8 : i8
  }} -> {q_t}
  return %q : {q_t}
}}
"""


def conv_reference_k(x, w, stride, x_zp):
    f, c, kh, kw = w.shape
    oh = (x.shape[2] - kh) // stride + 1
    ow = (x.shape[3] - kw) // stride + 1
    y = np.zeros((1, f, oh, ow), dtype=np.int64)
    for i in range(kh):
        for j in range(kw):
            patch = x[0, :, i : i + stride * oh : stride, j : j + stride * ow : stride] - x_zp
            y[0] += np.einsum("fc,chw->fhw", w[:, :, i, j].astype(np.int64), patch)
    return y


@pytest.mark.parametrize(
    "c, h, w, f, kh, kw, stride",
    [
        # 1024 pixels, K = 144: several double-buffered im2col chunks of whole rows
        (16, 34, 34, 16, 3, 3, 1),
        # stride 2, 32 filters
        (16, 33, 33, 32, 3, 3, 2),
        # 1x1 convolutions: 125 pixels (DS-CNN, not a multiple of 8: padded chunk) and a
        # strided projection shortcut (ResNet-8)
        (64, 25, 5, 64, 1, 1, 1),
        (16, 32, 32, 32, 1, 1, 2),
        # DS-CNN's first layer: K = 40, 25 x 5 outputs, stride 2
        (1, 58, 13, 64, 10, 4, 2),
        # 8 channels, 3x3 on 25 x 5 outputs (a slice of DS-CNN's depthwise layers):
        # window mode with output rows padded from 5 to 8 columns
        (8, 27, 7, 8, 3, 3, 1),
    ],
)
def test_chunked_conv_layer_on_gemm(c, h, w, f, kh, kw, stride, tmp_path, acc_cfg, acc_model):
    """Quantized conv layers (bias + conv + requant + ReLU) with many output pixels, odd
    pixel counts, 1x1 kernels and strides: one fused GeMM schedule each, bit-exact."""
    mult, shift, out_zp, x_zp = 1_605_478_016, 41, -128, 3
    text = layer_mlir(c, h, w, f, kh, kw, stride, mult, shift, out_zp, x_zp)
    seed = 70 + c + f + kh
    rng = np.random.default_rng(seed)
    x = rng.integers(-128, 128, (1, c, h, w), dtype=np.int8)
    wt = rng.integers(-128, 128, (f, c, kh, kw), dtype=np.int8)
    bias = rng.integers(-20000, 20000, f, dtype=np.int32)
    out = run_mlir(text, [x, wt, bias], tmp_path, acc_cfg, acc_model, ["matmul_requant@gemm0"])
    acc = conv_reference_k(x.astype(np.int64), wt, stride, x_zp) + bias[None, :, None, None]
    want = np.clip(((acc * mult + (1 << (shift - 1))) >> shift) + out_zp, out_zp, 127)
    assert_equal(out["result0"], want.astype(np.int8), f"seed {seed}: conv layer {x.shape}")
