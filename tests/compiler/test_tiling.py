"""Tiled, double-buffered and padded matmuls on the GeMM (`tile-matmul`), end to end:
compile, simulate the cluster, compare bit-exactly with numpy."""

from pathlib import Path

import numpy as np
import pytest
from test_end_to_end import assert_equal, matmul_mlir

from snaxc.compiler import Options, compile_file
from snaxc.runtime.simulator import Simulator


def run(text: str, inputs, tmp_path: Path, cfg, model, options: Options | None = None):
    tmp_path.mkdir(parents=True, exist_ok=True)
    src = tmp_path / "prog.mlir"
    src.write_text(text)
    result = compile_file(src, cfg, tmp_path / "out", options=options or Options())
    m = result.manifest
    sim = Simulator(cfg, model=model)
    sim.load_elf(result.outdir / m.program)
    for spec, array in zip(m.inputs, inputs, strict=True):
        sim.write_l3(spec.l3_address, np.ascontiguousarray(array))
    r = sim.run(max_cycles=5_000_000)
    assert r.exit_code == 0
    (o,) = m.outputs
    out = np.frombuffer(sim.read_l3(o.l3_address, o.nbytes), dtype=o.dtype).reshape(o.shape)
    words = np.frombuffer(sim.read_symbol(m.counters_symbol), dtype="<u4")
    r.gemm_stall = int(words[2 * m.accelerators.index("gemm0") + 1])
    return out, m, r


MODES = {
    "double buffer + overlap": Options(),
    "double buffer, no overlap": Options(config_overlap=False),
    "single buffer": Options(double_buffer=False, config_overlap=False),
}


def test_matmul_too_big_for_l1_is_tiled(tmp_path: Path, acc_cfg, acc_model):
    """64x1024x64: A and B are 64 KiB each, the working set does not fit the 128 KiB
    TCDM. Every mode gives the numpy result; double buffering is faster; alone on the
    TCDM (single buffers: no DMA while it runs) the GeMM never waits for a bank."""
    m, k, n = 64, 1024, 64
    rng = np.random.default_rng(40)
    a = rng.integers(-128, 128, (m, k), dtype=np.int8)
    b = rng.integers(-128, 128, (k, n), dtype=np.int8)
    want = a.astype(np.int32) @ b.astype(np.int32)
    cycles = {}
    for name, options in MODES.items():
        out, manifest, r = run(
            matmul_mlir(m, k, n),
            [a, b],
            tmp_path / name.replace(" ", "_"),
            acc_cfg,
            acc_model,
            options,
        )
        assert manifest.on_accelerators == ["matmul@gemm0"]
        assert_equal(out, want, f"seed 40, {name}")
        cycles[name] = r.cycles
        if name == "single buffer":
            assert r.gemm_stall == 0, "the tile layouts conflict on TCDM banks"
    assert cycles["double buffer + overlap"] < cycles["single buffer"], cycles


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_padded_random_shapes_on_gemm(seed: int, tmp_path: Path, acc_cfg, acc_model):
    rng = np.random.default_rng(seed)
    m, k, n = (int(x) for x in rng.integers(1, 40, 3))
    a = rng.integers(-128, 128, (m, k), dtype=np.int8)
    b = rng.integers(-128, 128, (k, n), dtype=np.int8)
    out, manifest, _ = run(matmul_mlir(m, k, n), [a, b], tmp_path, acc_cfg, acc_model)
    assert manifest.on_accelerators == ["matmul@gemm0"]
    assert_equal(out, a.astype(np.int32) @ b.astype(np.int32), f"seed {seed} {m}x{k}x{n}")


@pytest.mark.parametrize("m, k, n", [(10, 13, 19), (40, 1501, 36)])
def test_padded_quantized_matmul_pads_k_with_zero_point(
    m: int, k: int, n: int, tmp_path: Path, acc_cfg, acc_model
):
    """K not a multiple of 8: the padded K terms must vanish, (a_zp - a_zp) * (B - b_zp) = 0.
    The second shape does not fit L1 whole (tiled and padded)."""
    text = f"""
func.func @qmm(%a: tensor<{m}x{k}xi8>, %b: tensor<{k}x{n}xi8>) -> tensor<{m}x{n}xi32> {{
  %za = arith.constant 5 : i32
  %zb = arith.constant -9 : i32
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<{m}x{n}xi32>
  %c = linalg.fill ins(%zero : i32) outs(%e : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  %d = linalg.quantized_matmul
      ins(%a, %b, %za, %zb : tensor<{m}x{k}xi8>, tensor<{k}x{n}xi8>, i32, i32)
      outs(%c : tensor<{m}x{n}xi32>) -> tensor<{m}x{n}xi32>
  return %d : tensor<{m}x{n}xi32>
}}
"""
    rng = np.random.default_rng(41)
    a = rng.integers(-128, 128, (m, k), dtype=np.int8)
    b = rng.integers(-128, 128, (k, n), dtype=np.int8)
    out, manifest, _ = run(text, [a, b], tmp_path, acc_cfg, acc_model)
    assert manifest.on_accelerators == ["quantized_matmul@gemm0"]
    want = (a.astype(np.int32) - 5) @ (b.astype(np.int32) + 9)
    assert_equal(out, want, f"seed 41 padded quantized matmul {m}x{k}x{n}")


def test_cli_switches_off_double_buffering_and_overlap(tmp_path: Path, capsys):
    from snaxc.cli import main

    src = tmp_path / "mm.mlir"
    src.write_text(matmul_mlir(64, 1024, 64))
    sizes = {}
    for flags in ([], ["--no-config-overlap"], ["--no-double-buffer", "--no-config-overlap"]):
        out = tmp_path / ("out" + "".join(flags))
        assert main(["compile", str(src), "-o", str(out), *flags]) == 0
        assert "on accelerators: matmul@gemm0" in capsys.readouterr().out
        sizes[tuple(flags)] = (out / "program.ll").read_text()
    # Three different programs: the schedule changes with each switch.
    assert len(set(sizes.values())) == 3


@pytest.mark.parametrize("seed", [7, 8, 9, 10])
def test_random_shapes_forced_small_tiles(
    seed: int, tmp_path: Path, acc_cfg, acc_model, monkeypatch
):
    """Many small tiles (several B blocks, partial edge tiles, B slices spread over the
    previous block) on random shapes, in a random mode."""
    import functools

    import snaxc.compiler
    from snaxc.transforms.tile_matmul import tile_matmuls

    rng = np.random.default_rng(seed)
    m, k, n = (int(x) for x in rng.integers(1, 60, 3))
    tm, tn = int(rng.choice([8, 16, 24])), int(rng.choice([8, 16, 24, 40]))
    mode = list(MODES)[int(rng.integers(len(MODES)))]
    forced = functools.partial(tile_matmuls, force=True, tile_m=tm, tile_n=tn)
    monkeypatch.setattr(snaxc.compiler, "tile_matmuls", forced)
    a = rng.integers(-128, 128, (m, k), dtype=np.int8)
    b = rng.integers(-128, 128, (k, n), dtype=np.int8)
    out, manifest, _ = run(matmul_mlir(m, k, n), [a, b], tmp_path, acc_cfg, acc_model, MODES[mode])
    assert manifest.on_accelerators == ["matmul@gemm0"]
    what = f"seed {seed}: {m}x{k}x{n} in {tm}x{tn} tiles, {mode}"
    assert_equal(out, a.astype(np.int32) @ b.astype(np.int32), what)
