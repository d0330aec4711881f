"""GeMM utilization of a compiled int8 matmul, operands starting and ending in L3.

Compiles `D = A @ B` (A: M x K int8, B: K x N int8, D: int32, row-major in L3, as a user's
inputs and outputs are) with `snaxc` three times — the default program (double buffering
and configuration overlap), without configuration overlap, and without double buffering
(nor overlap) — runs each on the simulated cluster, checks D against numpy bit-exactly and
prints, from the hardware counters, side by side:

    utilization  = ideal cycles (M*K*N / 512 MACs per cycle) / total cycles of the run
                   (the cycle counter: all DMA, configuration and start-up included)
    GeMM busy    = cycles the GeMM had an operation (its BUSY_CYCLES counter) and, of
                   those, stalled (STALL_CYCLES: waiting for a TCDM bank)
    DMA          = busy cycles and bytes moved; TCDM bank conflicts

Usage: python benchmarks/matmul.py [--config FILE] [--shape M K N] [--target 0.90]
(a configuration without a GeMM gets gemm0 and simd0 added). Exit status 1 when the
default program is below the target or a result is wrong.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from snaxc.compiler import Options, compile_file
from snaxc.config import ClusterConfig, ConfigError, config_from_dict, load_config
from snaxc.errors import SnaxcError
from snaxc.runtime import SimulationError, Simulator

MODES = {
    "default": Options(),
    "no config overlap": Options(config_overlap=False),
    "no double buffer": Options(double_buffer=False, config_overlap=False),
}


def with_gemm(cfg: ClusterConfig) -> ClusterConfig:
    if any(a.kind == "gemm" for a in cfg.accelerators):
        return cfg
    raw = cfg.to_dict()
    raw["accelerators"] += [{"kind": "gemm", "name": "gemm0"}, {"kind": "simd", "name": "simd0"}]
    print(f"note: configuration '{cfg.name}' has no GeMM: adding gemm0 and simd0")
    return config_from_dict(raw)


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


def measure(cfg: ClusterConfig, shape, options: Options, a, b, tmp: Path) -> dict:
    m, k, n = shape
    src = tmp / "matmul.mlir"
    src.write_text(matmul_mlir(m, k, n))
    result = compile_file(src, cfg, tmp / "out", options=options)
    man = result.manifest
    sim = Simulator(cfg)
    sim.load_elf(result.outdir / man.program)
    for spec, x in zip(man.inputs, (a, b), strict=True):
        sim.write_l3(spec.l3_address, x)
    t0 = time.monotonic()
    run = sim.run(max_cycles=50_000_000)
    wall = time.monotonic() - t0
    if run.exit_code != 0:
        raise SnaxcError(f"the program exited with {run.exit_code}")
    (o,) = man.outputs
    d = np.frombuffer(sim.read_l3(o.l3_address, o.nbytes), dtype=o.dtype).reshape(o.shape)
    want = a.astype(np.int32) @ b.astype(np.int32)
    words = np.frombuffer(sim.read_symbol(man.counters_symbol), dtype="<u4")
    gemm = man.accelerators.index(man.on_accelerators[0].split("@")[1])
    return {
        "correct": bool(np.array_equal(d, want)),
        "cycles": run.cycles,
        "busy": int(words[2 * gemm]),
        "stall": int(words[2 * gemm + 1]),
        "dma_busy": run.counters["dma_busy_cycles"],
        "dma_bytes": run.counters["dma_bytes_read"],
        "conflicts": run.counters["tcdm_bank_conflicts"],
        "elf_bytes": (result.outdir / man.program).stat().st_size,
        "wall": wall,
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", help="cluster configuration YAML (default: the default cluster)")
    p.add_argument("--shape", nargs=3, type=int, default=[512, 512, 512], metavar=("M", "K", "N"))
    p.add_argument("--target", type=float, default=0.90, help="utilization to reach (default)")
    args = p.parse_args(argv)
    try:
        cfg = with_gemm(load_config(args.config))
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    m, k, n = args.shape
    ideal = m * k * n / 512
    rng = np.random.default_rng(0)
    a = rng.integers(-128, 128, (m, k), dtype=np.int8)
    b = rng.integers(-128, 128, (k, n), dtype=np.int8)
    print(f"int8 matmul {m}x{k}x{n} -> int32, operands in L3 (row-major), all DMA included")
    print(f"ideal: {m}*{k}*{n} / 512 MAC/cycle = {ideal:,.0f} cycles")
    rows = {}
    for name, options in MODES.items():
        with tempfile.TemporaryDirectory() as tmp:
            try:
                rows[name] = measure(cfg, args.shape, options, a, b, Path(tmp))
            except (SnaxcError, SimulationError) as e:
                print(f"error ({name}): {e}", file=sys.stderr)
                return 1
    width = 22
    print(f"{'':26}" + "".join(f"{name:>{width}}" for name in rows))

    def line(label: str, fmt) -> None:
        print(f"{label:26}" + "".join(f"{fmt(r):>{width}}" for r in rows.values()))

    line("correct (numpy)", lambda r: "yes" if r["correct"] else "NO")
    line("total cycles", lambda r: f"{r['cycles']:,}")
    line("GeMM utilization", lambda r: f"{ideal / r['cycles']:.1%}")
    line("GeMM busy cycles", lambda r: f"{r['busy']:,}")
    line("  of which stalled", lambda r: f"{r['stall']:,}")
    line("  busy / total", lambda r: f"{r['busy'] / r['cycles']:.1%}")
    line("DMA busy cycles", lambda r: f"{r['dma_busy']:,}")
    line("DMA bytes read", lambda r: f"{r['dma_bytes']:,}")
    line("TCDM bank conflicts", lambda r: f"{r['conflicts']:,}")
    line("program.elf bytes", lambda r: f"{r['elf_bytes']:,}")
    line("simulation wall (s)", lambda r: f"{r['wall']:.1f}")
    util = ideal / rows["default"]["cycles"]
    ok = all(r["correct"] for r in rows.values()) and util >= args.target
    print(
        f"default program: {util:.1%} utilization (target {args.target:.0%}): "
        f"{'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
