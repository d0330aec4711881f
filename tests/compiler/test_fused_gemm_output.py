"""Matmul + bias + requantization (+ ReLU) as one GeMM launch with int8 output.

The chains are written as the importer and `fixed-point-requant` leave them (an int32
bias add broadcast over the rows, an integer fixed-point rescale, an integer ReLU);
`recognize-rescale` and `fuse-gemm-output` turn each into one accelerator launch. The
results are compared bit-exactly with numpy and with the GeMM golden model.
"""

from pathlib import Path

import numpy as np
import pytest
from test_end_to_end import assert_equal, run_mlir

from snaxc.golden.gemm import gemm, requantize


def chain_mlir(
    m: int,
    k: int,
    n: int,
    *,
    mult: int,
    shift: int,
    out_zp: int,
    bias: bool = True,
    relu: bool = True,
    zps: tuple[int, int] | None = None,
) -> str:
    args = [f"%a: tensor<{m}x{k}xi8>", f"%b: tensor<{k}x{n}xi8>"]
    if bias:
        args.append(f"%bias: tensor<{n}xi32>")
    if zps is None:
        mm = f"""%d = linalg.matmul ins(%a, %b : tensor<{m}x{k}xi8>, tensor<{k}x{n}xi8>)
        outs(%c : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>"""
    else:
        mm = f"""%za = arith.constant {zps[0]} : i32
  %zb = arith.constant {zps[1]} : i32
  %d = linalg.quantized_matmul
      ins(%a, %b, %za, %zb : tensor<{m}x{k}xi8>, tensor<{k}x{n}xi8>, i32, i32)
      outs(%c : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>"""
    acc = "%d"
    text = f"""
#mn = affine_map<(d0, d1) -> (d0, d1)>
#n = affine_map<(d0, d1) -> (d1)>
func.func @layer({", ".join(args)}) -> tensor<{m}x{n}xi8> {{
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<{m}x{n}xi32>
  %c = linalg.fill ins(%zero : i32) outs(%e : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  {mm}
"""
    if bias:
        text += f"""  %s = linalg.generic {{indexing_maps = [#mn, #n, #mn],
                       iterator_types = ["parallel", "parallel"]}}
      ins(%d, %bias : tensor<{m}x{n}xi32>, tensor<{n}xi32>) outs(%e : tensor<{m}x{n}xi32>) {{
  ^bb0(%x: i32, %y: i32, %o: i32):
    %r = arith.addi %x, %y : i32
    linalg.yield %r : i32
  }} -> tensor<{m}x{n}xi32>
"""
        acc = "%s"
    rnd = f"""    %rnd = arith.constant {1 << (shift - 1)} : i64
    %p2 = arith.addi %p, %rnd : i64
    %sh = arith.constant {shift} : i64
    %p3 = arith.shrsi %p2, %sh : i64"""
    text += f"""  %e8 = tensor.empty() : tensor<{m}x{n}xi8>
  %q = linalg.generic {{indexing_maps = [#mn, #mn], iterator_types = ["parallel", "parallel"]}}
      ins({acc} : tensor<{m}x{n}xi32>) outs(%e8 : tensor<{m}x{n}xi8>) {{
  ^bb0(%x: i32, %o: i8):
    %x64 = arith.extsi %x : i32 to i64
    %mu = arith.constant {mult} : i64
    %p = arith.muli %x64, %mu : i64
{rnd}
    %zp = arith.constant {out_zp} : i64
    %p4 = arith.addi %p3, %zp : i64
    %lo = arith.constant -128 : i64
    %hi = arith.constant 127 : i64
    %p5 = arith.maxsi %p4, %lo : i64
    %p6 = arith.minsi %p5, %hi : i64
    %t = arith.trunci %p6 : i64 to i8
    linalg.yield %t : i8
  }} -> tensor<{m}x{n}xi8>
"""
    out = "%q"
    if relu:
        text += f"""  %z = tensor.empty() : tensor<{m}x{n}xi8>
  %r = linalg.generic {{indexing_maps = [#mn, #mn], iterator_types = ["parallel", "parallel"]}}
      ins(%q : tensor<{m}x{n}xi8>) outs(%z : tensor<{m}x{n}xi8>) {{
  ^bb0(%x: i8, %o: i8):
    %c0 = arith.constant 0 : i8
    %mx = arith.maxsi %x, %c0 : i8
    linalg.yield %mx : i8
  }} -> tensor<{m}x{n}xi8>
"""
        out = "%r"
    return text + f"  return {out} : tensor<{m}x{n}xi8>\n}}\n"


def numpy_chain(a, b, bias, mult, shift, out_zp, relu, zps=(0, 0)):
    """The chain in plain numpy (int64), independent of the golden model."""
    acc = (a.astype(np.int64) - zps[0]) @ (b.astype(np.int64) - zps[1])
    if bias is not None:
        acc = acc + bias
    q = (acc * mult + (1 << (shift - 1))) >> shift
    q = np.clip(q + out_zp, -128, 127)
    if relu:
        q = np.maximum(q, 0)
    return q.astype(np.int8)


@pytest.mark.parametrize("seed", [0, 1])
def test_matmul_bias_requant_relu_one_launch(seed: int, tmp_path: Path, acc_cfg, acc_model):
    rng = np.random.default_rng(100 + seed)
    m, k, n = (8 * int(x) for x in rng.integers(1, 4, 3))
    mult, shift, out_zp = int(rng.integers(1 << 29, 1 << 31)), int(rng.integers(40, 44)), -5
    print(f"seed {seed}: {m}x{k}x{n} mult {mult} shift {shift}")
    a = rng.integers(-128, 128, (m, k), dtype=np.int8)
    b = rng.integers(-128, 128, (k, n), dtype=np.int8)
    bias = rng.integers(-(2**16), 2**16, (n,), dtype=np.int32)
    text = chain_mlir(m, k, n, mult=mult, shift=shift, out_zp=out_zp)
    out = run_mlir(text, [a, b, bias], tmp_path, acc_cfg, acc_model, ["matmul_requant@gemm0"])
    want = numpy_chain(a, b, bias, mult, shift, out_zp, relu=True)
    assert_equal(out["result0"], want, f"seed {seed} vs numpy")
    golden = gemm(
        a,
        b,
        np.broadcast_to(bias, (m, n)).astype(np.int32),
        multiplier=np.full(n, mult),
        shift=np.full(n, shift),
        out_zero_point=out_zp,
        clamp_min=0,
    )
    assert_equal(out["result0"], golden, f"seed {seed} vs golden")
    # One launch: no int32 result goes through the core, the GeMM worked for at least
    # its ideal cycles.
    manifest = (tmp_path / "out" / "manifest.json").read_text()
    assert '"generic"' not in manifest and "mac" not in manifest, manifest
    assert run_mlir.last_busy["gemm0"] >= m * k * n // 512


def test_quantized_matmul_requant_without_bias(tmp_path: Path, acc_cfg, acc_model):
    m, k, n = 16, 24, 8
    rng = np.random.default_rng(7)
    a = rng.integers(-128, 128, (m, k), dtype=np.int8)
    b = rng.integers(-128, 128, (k, n), dtype=np.int8)
    mult, shift, out_zp, zps = 1_518_500_250, 44, 3, (-3, 7)
    text = chain_mlir(
        m, k, n, mult=mult, shift=shift, out_zp=out_zp, bias=False, relu=False, zps=zps
    )
    out = run_mlir(text, [a, b], tmp_path, acc_cfg, acc_model, ["matmul_requant@gemm0"])
    want = numpy_chain(a, b, None, mult, shift, out_zp, relu=False, zps=zps)
    assert_equal(out["result0"], want, "quantized matmul + requant")


def test_fused_launch_between_plain_matmuls(tmp_path: Path, acc_cfg, acc_model):
    """A plain matmul, a fused chain, a plain matmul: the third launch must not take
    the fused launch's int8 output stage for granted (states threaded in order)."""
    text = """
#mn = affine_map<(d0, d1) -> (d0, d1)>
func.func @three(%a: tensor<8x16xi8>, %b: tensor<16x8xi8>, %b2: tensor<16x8xi8>,
                 %b3: tensor<16x8xi8>)
    -> (tensor<8x8xi32>, tensor<8x8xi8>, tensor<8x8xi32>) {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<8x8xi32>
  %c = linalg.fill ins(%zero : i32) outs(%e : tensor<8x8xi32>) -> tensor<8x8xi32>
  %d = linalg.matmul ins(%a, %b : tensor<8x16xi8>, tensor<16x8xi8>)
                     outs(%c : tensor<8x8xi32>) -> tensor<8x8xi32>
  %e2 = tensor.empty() : tensor<8x8xi32>
  %c2 = linalg.fill ins(%zero : i32) outs(%e2 : tensor<8x8xi32>) -> tensor<8x8xi32>
  %d2 = linalg.matmul ins(%a, %b2 : tensor<8x16xi8>, tensor<16x8xi8>)
                      outs(%c2 : tensor<8x8xi32>) -> tensor<8x8xi32>
  %e8 = tensor.empty() : tensor<8x8xi8>
  %q = linalg.generic {indexing_maps = [#mn, #mn], iterator_types = ["parallel", "parallel"]}
      ins(%d2 : tensor<8x8xi32>) outs(%e8 : tensor<8x8xi8>) {
  ^bb0(%x: i32, %o: i8):
    %x64 = arith.extsi %x : i32 to i64
    %mu = arith.constant 1073741824 : i64
    %p = arith.muli %x64, %mu : i64
    %rnd = arith.constant 1099511627776 : i64
    %p2 = arith.addi %p, %rnd : i64
    %sh = arith.constant 41 : i64
    %p3 = arith.shrsi %p2, %sh : i64
    %lo = arith.constant -100 : i64
    %hi = arith.constant 100 : i64
    %p5 = arith.maxsi %p3, %lo : i64
    %p6 = arith.minsi %p5, %hi : i64
    %t = arith.trunci %p6 : i64 to i8
    linalg.yield %t : i8
  } -> tensor<8x8xi8>
  %e3 = tensor.empty() : tensor<8x8xi32>
  %c3 = linalg.fill ins(%zero : i32) outs(%e3 : tensor<8x8xi32>) -> tensor<8x8xi32>
  %d3 = linalg.matmul ins(%a, %b3 : tensor<8x16xi8>, tensor<16x8xi8>)
                      outs(%c3 : tensor<8x8xi32>) -> tensor<8x8xi32>
  return %d, %q, %d3 : tensor<8x8xi32>, tensor<8x8xi8>, tensor<8x8xi32>
}
"""
    rng = np.random.default_rng(8)
    a = rng.integers(-128, 128, (8, 16), dtype=np.int8)
    b, b2, b3 = (rng.integers(-128, 128, (16, 8), dtype=np.int8) for _ in range(3))
    on = ["matmul_requant@gemm0", "matmul@gemm0", "matmul@gemm0"]
    out = run_mlir(text, [a, b, b2, b3], tmp_path, acc_cfg, acc_model, on)
    acc = [a.astype(np.int32) @ x.astype(np.int32) for x in (b, b2, b3)]
    assert_equal(out["result0"], acc[0], "first matmul")
    assert_equal(out["result1"], requantize(acc[1], 1 << 30, 41, 0, -100, 100), "fused")
    assert_equal(out["result2"], acc[2], "third matmul")


def _rescale_f32_body(scale: float, out_zp: int, lo: int, hi: int) -> str:
    """The float32 requantization body as `kernel-to-arith` writes `kernel.rescale_f32`."""
    return f"""
    %f = arith.sitofp %x : i32 to f32
    %s = arith.constant {scale:.9e} : f32
    %p = arith.mulf %f, %s : f32
    %lo = arith.constant {float(lo - out_zp):.1f} : f32
    %hi = arith.constant {float(hi - out_zp):.1f} : f32
    %c0 = arith.cmpf ult, %p, %lo : f32
    %v0 = arith.select %c0, %lo, %p : f32
    %c1 = arith.cmpf ugt, %v0, %hi : f32
    %v1 = arith.select %c1, %hi, %v0 : f32
    %m = arith.constant 12582912.0 : f32
    %r0 = arith.addf %v1, %m : f32
    %r1 = arith.subf %r0, %m : f32
    %i = arith.fptosi %r1 : f32 to i32
    %z = arith.constant {out_zp} : i32
    %q = arith.addi %i, %z : i32
    %t = arith.trunci %q : i32 to i8
    linalg.yield %t : i8"""


def test_float32_requantization_in_the_gemm(tmp_path: Path, acc_cfg, acc_model):
    """Matmul + bias + float32 requantization (onnxruntime's arithmetic) as one launch in the
    GeMM's requant_f32 mode, then a fixed-point chain (the mode is switched back): bit-exact
    with `requantize_f32` and `requantize`, ties and saturation included."""
    from snaxc.golden.requant import requantize_f32

    rng = np.random.default_rng(21)
    m, k, n = 16, 32, 16
    scale = float(np.float32(2.0**-9 * 1.37))
    text = f"""
#mn = affine_map<(d0, d1) -> (d0, d1)>
#n = affine_map<(d0, d1) -> (d1)>
func.func @f32(%a: tensor<{m}x{k}xi8>, %b: tensor<{k}x{n}xi8>, %bias: tensor<{n}xi32>,
               %b2: tensor<{k}x8xi8>) -> (tensor<{m}x{n}xi8>, tensor<{m}x8xi8>) {{
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<{m}x{n}xi32>
  %c = linalg.fill ins(%zero : i32) outs(%e : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  %d = linalg.matmul ins(%a, %b : tensor<{m}x{k}xi8>, tensor<{k}x{n}xi8>)
                     outs(%c : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  %eb = tensor.empty() : tensor<{m}x{n}xi32>
  %db = linalg.generic {{indexing_maps = [#mn, #n, #mn],
      iterator_types = ["parallel", "parallel"]}}
      ins(%d, %bias : tensor<{m}x{n}xi32>, tensor<{n}xi32>) outs(%eb : tensor<{m}x{n}xi32>) {{
  ^bb0(%x: i32, %y: i32, %o: i32):
    %s = arith.addi %x, %y : i32
    linalg.yield %s : i32
  }} -> tensor<{m}x{n}xi32>
  %e8 = tensor.empty() : tensor<{m}x{n}xi8>
  %q = linalg.generic {{indexing_maps = [#mn, #mn], iterator_types = ["parallel", "parallel"]}}
      ins(%db : tensor<{m}x{n}xi32>) outs(%e8 : tensor<{m}x{n}xi8>) {{
  ^bb0(%x: i32, %o: i8):{_rescale_f32_body(scale, 5, -128, 127)}
  }} -> tensor<{m}x{n}xi8>
  %e2 = tensor.empty() : tensor<{m}x8xi32>
  %c2 = linalg.fill ins(%zero : i32) outs(%e2 : tensor<{m}x8xi32>) -> tensor<{m}x8xi32>
  %d2 = linalg.matmul ins(%a, %b2 : tensor<{m}x{k}xi8>, tensor<{k}x8xi8>)
                      outs(%c2 : tensor<{m}x8xi32>) -> tensor<{m}x8xi32>
  %e9 = tensor.empty() : tensor<{m}x8xi8>
  %q2 = linalg.generic {{indexing_maps = [#mn, #mn], iterator_types = ["parallel", "parallel"]}}
      ins(%d2 : tensor<{m}x8xi32>) outs(%e9 : tensor<{m}x8xi8>) {{
  ^bb0(%x: i32, %o: i8):
    %x64 = arith.extsi %x : i32 to i64
    %mu = arith.constant 1073741824 : i64
    %p = arith.muli %x64, %mu : i64
    %rnd = arith.constant 1099511627776 : i64
    %p2 = arith.addi %p, %rnd : i64
    %sh = arith.constant 41 : i64
    %p3 = arith.shrsi %p2, %sh : i64
    %lo = arith.constant -100 : i64
    %hi = arith.constant 100 : i64
    %p5 = arith.maxsi %p3, %lo : i64
    %p6 = arith.minsi %p5, %hi : i64
    %t = arith.trunci %p6 : i64 to i8
    linalg.yield %t : i8
  }} -> tensor<{m}x8xi8>
  return %q, %q2 : tensor<{m}x{n}xi8>, tensor<{m}x8xi8>
}}
"""
    a = rng.integers(-128, 128, (m, k), dtype=np.int8)
    b = rng.integers(-128, 128, (k, n), dtype=np.int8)
    b2 = rng.integers(-128, 128, (k, 8), dtype=np.int8)
    bias = rng.integers(-40000, 40000, n, dtype=np.int32)
    acc = a.astype(np.int32) @ b.astype(np.int32)
    # Exact ties of the float32 product (round half to even) and saturating sums.
    bias[0] = -int(acc[0, 0]) + int(np.rint(2.5 / scale))
    bias[1] = 2**24
    on = ["matmul_requant@gemm0", "matmul_requant@gemm0"]
    out = run_mlir(text, [a, b, bias, b2], tmp_path, acc_cfg, acc_model, on)
    want = requantize_f32(acc + bias, np.float32(scale), 5)
    assert want[0, 0] == 2 + 5 and (want[:, 1] == 127).all()
    assert_equal(out["result0"], want, "float32 requantization")
    acc2 = a.astype(np.int32) @ b2.astype(np.int32)
    assert_equal(out["result1"], requantize(acc2, 1 << 30, 41, 0, -100, 100), "fixed point")
