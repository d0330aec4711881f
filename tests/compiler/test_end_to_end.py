"""MLIR -> snaxc compile -> simulated cluster -> outputs, bit-exact against numpy.

The default cluster has a GeMM and a SIMD unit: matmuls run on the GeMM (tiled and
padded by tile-matmul where needed); what no accelerator supports (e.g. int8 adds, which
wrap, while the SIMD unit saturates) runs as loops on the control core. Inputs and
outputs are in L3 and the DMA moves them to and from L1, so these tests cover the
frontend, the passes, the backend, the linker, the runtime and the hardware together.
"""

import re
from pathlib import Path

import numpy as np
import pytest

from snaxc.cli import main
from snaxc.compiler import compile_file
from snaxc.runtime.simulator import Simulator


def run_mlir(
    text: str, inputs: list[np.ndarray], tmp_path: Path, cfg, model, on_accelerators=()
) -> dict:
    src = tmp_path / "prog.mlir"
    src.write_text(text)
    result = compile_file(src, cfg, tmp_path / "out")
    m = result.manifest
    if on_accelerators is not None:
        assert m.on_accelerators == list(on_accelerators)
    assert len(m.inputs) == len(inputs)
    sim = Simulator(cfg, model=model)
    sim.load_elf(result.outdir / m.program)
    for spec, array in zip(m.inputs, inputs, strict=True):
        assert array.shape == spec.shape and array.dtype == np.dtype(spec.dtype), spec
        sim.write_l3(spec.l3_address, np.ascontiguousarray(array))
    run = sim.run(max_cycles=20_000_000)
    assert run.exit_code == 0
    run_mlir.last_cycles = run.cycles
    if m.counters_symbol:
        words = np.frombuffer(sim.read_symbol(m.counters_symbol), dtype="<u4")
        run_mlir.last_busy = dict(zip(m.accelerators, words[0::2].tolist(), strict=True))
        run_mlir.last_stall = dict(zip(m.accelerators, words[1::2].tolist(), strict=True))
    run_mlir.last_counters = run.counters
    c = run.counters
    if m.counters_symbol:
        # The cluster counts the cycles in which any accelerator is busy (union of the busy
        # periods each accelerator's BUSY register sums up).
        busy = list(run_mlir.last_busy.values())
        assert max(busy) <= c["acc_busy_cycles"] <= sum(busy), (busy, c)
    # Core-only cycles: neither an accelerator nor the DMA busy.
    union_lo = max(c["acc_busy_cycles"], c["dma_busy_cycles"])
    union_hi = c["acc_busy_cycles"] + c["dma_busy_cycles"]
    assert c["cycles"] - union_hi <= c["core_only_cycles"] <= c["cycles"] - union_lo, c
    # Every input in and every output out (plus copies between L1 buffers, if any).
    io_bytes = sum(t.nbytes for t in m.inputs) + sum(t.nbytes for t in m.outputs)
    assert run.counters["dma_bytes_read"] >= io_bytes
    return {
        t.name: np.frombuffer(sim.read_l3(t.l3_address, t.nbytes), dtype=t.dtype).reshape(t.shape)
        for t in m.outputs
    }


def assert_equal(got: np.ndarray, want: np.ndarray, what: str) -> None:
    if not np.array_equal(got, want):
        bad = np.argwhere(got != want)[0]
        pytest.fail(
            f"{what}: first mismatch at {tuple(bad)}: {got[tuple(bad)]} != {want[tuple(bad)]}"
        )


def matmul_mlir(m: int, k: int, n: int) -> str:
    return f"""
func.func @matmul(%a: tensor<{m}x{k}xi8>, %b: tensor<{k}x{n}xi8>) -> tensor<{m}x{n}xi32> {{
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<{m}x{n}xi32>
  %c = linalg.fill ins(%zero : i32) outs(%e : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  %d = linalg.matmul ins(%a, %b : tensor<{m}x{k}xi8>, tensor<{k}x{n}xi8>)
                     outs(%c : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  return %d : tensor<{m}x{n}xi32>
}}
"""


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_int8_matmul_random_shapes(seed: int, tmp_path: Path, cfg, built_model):
    rng = np.random.default_rng(seed)
    m, k, n = (int(x) for x in rng.integers(1, 20, 3))
    a = rng.integers(-128, 128, (m, k), dtype=np.int8)
    b = rng.integers(-128, 128, (k, n), dtype=np.int8)
    # On the GeMM (padded) when the cluster has one, else on the core.
    out = run_mlir(matmul_mlir(m, k, n), [a, b], tmp_path, cfg, built_model, None)
    assert_equal(
        out["result0"], a.astype(np.int32) @ b.astype(np.int32), f"seed {seed} {m}x{k}x{n}"
    )


def test_quantized_matmul_with_zero_points(tmp_path: Path, cfg, built_model):
    m, k, n = 9, 16, 11
    text = f"""
func.func @qmm(%a: tensor<{m}x{k}xi8>, %b: tensor<{k}x{n}xi8>) -> tensor<{m}x{n}xi32> {{
  %za = arith.constant -3 : i32
  %zb = arith.constant 7 : i32
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<{m}x{n}xi32>
  %c = linalg.fill ins(%zero : i32) outs(%e : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  %d = linalg.quantized_matmul
      ins(%a, %b, %za, %zb : tensor<{m}x{k}xi8>, tensor<{k}x{n}xi8>, i32, i32)
      outs(%c : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  return %d : tensor<{m}x{n}xi32>
}}
"""
    rng = np.random.default_rng(10)
    a = rng.integers(-128, 128, (m, k), dtype=np.int8)
    b = rng.integers(-128, 128, (k, n), dtype=np.int8)
    out = run_mlir(text, [a, b], tmp_path, cfg, built_model, None)
    want = (a.astype(np.int32) + 3) @ (b.astype(np.int32) - 7)
    assert_equal(out["result0"], want, "quantized matmul")


def test_add_then_relu(tmp_path: Path, cfg, built_model):
    text = """
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @add_relu(%x: tensor<6x50xi8>, %y: tensor<6x50xi8>) -> tensor<6x50xi8> {
  %e = tensor.empty() : tensor<6x50xi8>
  %s = linalg.add ins(%x, %y : tensor<6x50xi8>, tensor<6x50xi8>)
                  outs(%e : tensor<6x50xi8>) -> tensor<6x50xi8>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%s : tensor<6x50xi8>) outs(%e : tensor<6x50xi8>) {
  ^bb0(%in: i8, %out: i8):
    %c0 = arith.constant 0 : i8
    %m = arith.maxsi %in, %c0 : i8
    linalg.yield %m : i8
  } -> tensor<6x50xi8>
  return %r : tensor<6x50xi8>
}
"""
    rng = np.random.default_rng(11)
    x = rng.integers(-128, 128, (6, 50), dtype=np.int8)
    y = rng.integers(-128, 128, (6, 50), dtype=np.int8)
    out = run_mlir(text, [x, y], tmp_path, cfg, built_model)
    want = np.maximum((x.astype(np.int16) + y).astype(np.int8), 0)  # int8 add wraps
    assert_equal(out["result0"], want, "add + relu")


def test_max_pool_2x2_stride_2(tmp_path: Path, cfg, built_model):
    text = """
func.func @pool(%x: tensor<1x3x8x10xi8>) -> tensor<1x3x4x5xi8> {
  %lowest = arith.constant -128 : i8
  %e = tensor.empty() : tensor<1x3x4x5xi8>
  %init = linalg.fill ins(%lowest : i8) outs(%e : tensor<1x3x4x5xi8>) -> tensor<1x3x4x5xi8>
  %w = tensor.empty() : tensor<2x2xi8>
  %y = linalg.pooling_nchw_max
      {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
      ins(%x, %w : tensor<1x3x8x10xi8>, tensor<2x2xi8>)
      outs(%init : tensor<1x3x4x5xi8>) -> tensor<1x3x4x5xi8>
  return %y : tensor<1x3x4x5xi8>
}
"""
    rng = np.random.default_rng(12)
    x = rng.integers(-128, 128, (1, 3, 8, 10), dtype=np.int8)
    out = run_mlir(text, [x], tmp_path, cfg, built_model)
    want = x.reshape(1, 3, 4, 2, 5, 2).max(axis=(3, 5))
    assert_equal(out["result0"], want, "max pool")


def test_padded_conv2d_3x3(tmp_path: Path, cfg, built_model):
    text = """
func.func @conv(%x: tensor<1x2x6x7xi8>, %w: tensor<3x2x3x3xi8>) -> tensor<1x3x6x7xi32> {
  %zp = arith.constant 0 : i8
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zp : i8
  } : tensor<1x2x6x7xi8> to tensor<1x2x8x9xi8>
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x3x6x7xi32>
  %init = linalg.fill ins(%zero : i32) outs(%e : tensor<1x3x6x7xi32>) -> tensor<1x3x6x7xi32>
  %y = linalg.conv_2d_nchw_fchw ins(%p, %w : tensor<1x2x8x9xi8>, tensor<3x2x3x3xi8>)
                                outs(%init : tensor<1x3x6x7xi32>) -> tensor<1x3x6x7xi32>
  return %y : tensor<1x3x6x7xi32>
}
"""
    rng = np.random.default_rng(13)
    x = rng.integers(-128, 128, (1, 2, 6, 7), dtype=np.int8)
    w = rng.integers(-128, 128, (3, 2, 3, 3), dtype=np.int8)
    # 3 filters and 42 output pixels: padded to the GeMM's 8 x 8 tiles (conv-to-gemm).
    out = run_mlir(text, [x, w], tmp_path, cfg, built_model, ["matmul@gemm0"])
    xp = np.pad(x.astype(np.int32), ((0, 0), (0, 0), (1, 1), (1, 1)))
    want = np.zeros((1, 3, 6, 7), np.int32)
    for f in range(3):
        for i in range(6):
            for j in range(7):
                want[0, f, i, j] = np.sum(xp[0, :, i : i + 3, j : j + 3] * w[f].astype(np.int32))
    assert_equal(out["result0"], want, "conv2d")


def test_cli_compile_and_run(tmp_path: Path, cfg, built_model, capsys):
    src = tmp_path / "mm.mlir"
    src.write_text(matmul_mlir(8, 8, 8))
    out = tmp_path / "pkg"
    assert main(["compile", str(src), "-o", str(out)]) == 0
    rng = np.random.default_rng(14)
    a = rng.integers(-128, 128, (8, 8), dtype=np.int8)
    b = rng.integers(-128, 128, (8, 8), dtype=np.int8)
    np.savez(tmp_path / "x.npz", arg0=a, arg1=b)
    y = tmp_path / "y.npz"
    assert main(["run", str(out), "--inputs", str(tmp_path / "x.npz"), "-o", str(y)]) == 0
    assert " cycles" in capsys.readouterr().out
    with np.load(y) as data:
        assert_equal(data["result0"], a.astype(np.int32) @ b.astype(np.int32), "cli matmul")


# On a cluster with a GeMM -----------------------------------------------------------------


def test_matmul_runs_on_gemm(tmp_path: Path, acc_cfg, acc_model):
    m, k, n = 32, 64, 48
    rng = np.random.default_rng(20)
    a = rng.integers(-128, 128, (m, k), dtype=np.int8)
    b = rng.integers(-128, 128, (k, n), dtype=np.int8)
    out = run_mlir(matmul_mlir(m, k, n), [a, b], tmp_path, acc_cfg, acc_model, ["matmul@gemm0"])
    assert_equal(out["result0"], a.astype(np.int32) @ b.astype(np.int32), "gemm matmul")
    # 98304 MACs at 512 per cycle take 192 cycles; with the DMA in and out and the
    # configuration, far below the ~1.3 M cycles the core needs.
    assert run_mlir.last_cycles < 3000, run_mlir.last_cycles
    # The GeMM's own counter: at least the 192 compute cycles, within the run.
    busy = run_mlir.last_busy
    assert 192 <= busy["gemm0"] < run_mlir.last_cycles and busy["simd0"] == 0, busy


def test_large_matmul_uses_tiled_layouts_on_gemm(tmp_path: Path, acc_cfg, acc_model):
    m = k = n = 128
    rng = np.random.default_rng(25)
    a = rng.integers(-128, 128, (m, k), dtype=np.int8)
    b = rng.integers(-128, 128, (k, n), dtype=np.int8)
    out = run_mlir(matmul_mlir(m, k, n), [a, b], tmp_path, acc_cfg, acc_model, ["matmul@gemm0"])
    assert_equal(out["result0"], a.astype(np.int32) @ b.astype(np.int32), "gemm 128^3")
    # The DMA brought A and B in the GeMM's tiled layouts: no bank conflicts, no stalls,
    # and the GeMM busy for its 4096 ideal cycles plus a few.
    assert run_mlir.last_stall["gemm0"] == 0, run_mlir.last_stall
    assert run_mlir.last_counters["tcdm_bank_conflicts"] == 0, run_mlir.last_counters
    assert 4096 <= run_mlir.last_busy["gemm0"] < 4096 + 64, run_mlir.last_busy


def test_matmul_accumulates_onto_input_on_gemm(tmp_path: Path, acc_cfg, acc_model):
    text = """
func.func @mm(%a: tensor<16x8xi8>, %b: tensor<8x32xi8>,
              %c: tensor<16x32xi32>) -> tensor<16x32xi32> {
  %0 = linalg.matmul ins(%a, %b : tensor<16x8xi8>, tensor<8x32xi8>)
                     outs(%c : tensor<16x32xi32>) -> tensor<16x32xi32>
  return %0 : tensor<16x32xi32>
}
"""
    rng = np.random.default_rng(21)
    a = rng.integers(-128, 128, (16, 8), dtype=np.int8)
    b = rng.integers(-128, 128, (8, 32), dtype=np.int8)
    c = rng.integers(-(2**24), 2**24, (16, 32), dtype=np.int32)
    out = run_mlir(text, [a, b, c], tmp_path, acc_cfg, acc_model, ["matmul@gemm0"])
    assert_equal(out["result0"], c + a.astype(np.int32) @ b.astype(np.int32), "C + A B")


def test_quantized_matmul_on_gemm(tmp_path: Path, acc_cfg, acc_model):
    m, k, n = 16, 24, 8
    text = f"""
func.func @qmm(%a: tensor<{m}x{k}xi8>, %b: tensor<{k}x{n}xi8>) -> tensor<{m}x{n}xi32> {{
  %za = arith.constant -3 : i32
  %zb = arith.constant 7 : i32
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<{m}x{n}xi32>
  %c = linalg.fill ins(%zero : i32) outs(%e : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  %d = linalg.quantized_matmul
      ins(%a, %b, %za, %zb : tensor<{m}x{k}xi8>, tensor<{k}x{n}xi8>, i32, i32)
      outs(%c : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  return %d : tensor<{m}x{n}xi32>
}}
"""
    rng = np.random.default_rng(22)
    a = rng.integers(-128, 128, (m, k), dtype=np.int8)
    b = rng.integers(-128, 128, (k, n), dtype=np.int8)
    out = run_mlir(text, [a, b], tmp_path, acc_cfg, acc_model, ["quantized_matmul@gemm0"])
    want = (a.astype(np.int32) + 3) @ (b.astype(np.int32) - 7)
    assert_equal(out["result0"], want, "gemm quantized matmul")


def test_two_matmuls_share_configuration(tmp_path: Path, acc_cfg, acc_model):
    text = """
func.func @two(%a: tensor<8x16xi8>, %b: tensor<16x8xi8>, %b2: tensor<16x8xi8>)
    -> (tensor<8x8xi32>, tensor<8x8xi32>) {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<8x8xi32>
  %c = linalg.fill ins(%zero : i32) outs(%e : tensor<8x8xi32>) -> tensor<8x8xi32>
  %d = linalg.matmul ins(%a, %b : tensor<8x16xi8>, tensor<16x8xi8>)
                     outs(%c : tensor<8x8xi32>) -> tensor<8x8xi32>
  %e2 = tensor.empty() : tensor<8x8xi32>
  %c2 = linalg.fill ins(%zero : i32) outs(%e2 : tensor<8x8xi32>) -> tensor<8x8xi32>
  %d2 = linalg.matmul ins(%a, %b2 : tensor<8x16xi8>, tensor<16x8xi8>)
                      outs(%c2 : tensor<8x8xi32>) -> tensor<8x8xi32>
  return %d, %d2 : tensor<8x8xi32>, tensor<8x8xi32>
}
"""
    rng = np.random.default_rng(23)
    a = rng.integers(-128, 128, (8, 16), dtype=np.int8)
    b = rng.integers(-128, 128, (16, 8), dtype=np.int8)
    b2 = rng.integers(-128, 128, (16, 8), dtype=np.int8)
    out = run_mlir(text, [a, b, b2], tmp_path, acc_cfg, acc_model, ["matmul@gemm0", "matmul@gemm0"])
    assert_equal(out["result0"], a.astype(np.int32) @ b.astype(np.int32), "first")
    assert_equal(out["result1"], a.astype(np.int32) @ b2.astype(np.int32), "second")
    # The second setup only writes what changed (the B, C and D base addresses).
    ir = (tmp_path / "out" / "program.ll").read_text()
    window = 0x2001_0000  # gemm0: configuration registers from +0x100, LAUNCH at +0
    groups, current = [], 0
    for addr in re.findall(r"store volatile i32 [^,]+, ptr inttoptr \(i32 (\d+) to ptr\)", ir):
        addr = int(addr)
        if addr == window:
            groups.append(current)
            current = 0
        elif window + 0x100 <= addr < window + 0x1000:
            current += 1
    assert len(groups) == 2 and groups[0] > 20 and groups[1] <= 3, groups


def test_matmul_not_multiple_of_8_is_padded_on_gemm(tmp_path: Path, acc_cfg, acc_model):
    rng = np.random.default_rng(24)
    a = rng.integers(-128, 128, (13, 7), dtype=np.int8)
    b = rng.integers(-128, 128, (7, 9), dtype=np.int8)
    out = run_mlir(matmul_mlir(13, 7, 9), [a, b], tmp_path, acc_cfg, acc_model, ["matmul@gemm0"])
    assert_equal(out["result0"], a.astype(np.int32) @ b.astype(np.int32), "padded on the GeMM")
