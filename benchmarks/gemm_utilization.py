"""GeMM accelerator utilization on the simulated cluster, from the hardware counters.

Runs `gemm_utilization.c`: (1) one TCDM-resident 64x64x64 int8 matmul (int32 out), timed
by the accelerator's BUSY_CYCLES counter from launch to completion (ideal: 512 cycles, one
8x8x8 block per cycle); (2) eight such tiles back to back with each configuration written
while the previous tile runs, timed by the core's cycle counter from just before the first
launch to the return of the last await (ideal: 8 x 512). Results are checked against the
golden model. Usage: python benchmarks/gemm_utilization.py [--config FILE] (a configuration
without a GeMM named gemm0 gets gemm0 and simd0 added).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from snaxc.accelerators.gemm import tile_a, tile_b, untile_int32
from snaxc.accelerators.generate import c_headers
from snaxc.config import L3_BASE, ClusterConfig, ConfigError, config_from_dict, load_config
from snaxc.golden.gemm import gemm
from snaxc.runtime import CompileError, SimulationError, Simulator, compile_program

HERE = Path(__file__).resolve().parent
TILES, DIM = 8, 64
IDEAL = DIM**3 // 512
TARGET_SINGLE = 523  # cycles: >= 98 % of the ideal 512
TARGET_UTIL = 0.95


def with_gemm(cfg: ClusterConfig) -> ClusterConfig:
    """`cfg` itself if it has a GeMM named gemm0, else `cfg` plus gemm0 and simd0."""
    if any(a.name == "gemm0" and a.kind == "gemm" for a in cfg.accelerators):
        return cfg
    if any(a.name in ("gemm0", "simd0") for a in cfg.accelerators):
        raise ConfigError("accelerators: 'gemm0' must be a gemm accelerator")
    raw = cfg.to_dict()
    raw["accelerators"] += [{"kind": "gemm", "name": "gemm0"}, {"kind": "simd", "name": "simd0"}]
    print(f"note: configuration '{cfg.name}' has no gemm0: adding gemm0 and simd0")
    return config_from_dict(raw)


def run(cfg: ClusterConfig) -> int:
    cfg = with_gemm(cfg)
    with tempfile.TemporaryDirectory() as inc:
        for name, text in c_headers(cfg).items():
            (Path(inc) / name).write_text(text)
        elf = compile_program([HERE / "gemm_utilization.c"], cfg, include_dirs=[inc])
    rng = np.random.default_rng(0)
    a = [rng.integers(-128, 128, (DIM, DIM), dtype=np.int8) for _ in range(TILES)]
    b = [rng.integers(-128, 128, (DIM, DIM), dtype=np.int8) for _ in range(TILES)]
    l3 = L3_BASE + 0x10_0000
    a_addr = [l3 + t * 0x2000 for t in range(TILES)]
    b_addr = [l3 + t * 0x2000 + 0x1000 for t in range(TILES)]
    d_addr = [l3 + 0x2_0000, l3 + 0x2_4000]

    t0 = time.monotonic()
    sim = Simulator(cfg)
    load_s = time.monotonic() - t0
    sim.load_elf(elf)
    sim.write_symbol("l3_a", np.array(a_addr, dtype=np.uint32))
    sim.write_symbol("l3_b", np.array(b_addr, dtype=np.uint32))
    sim.write_symbol("l3_d", np.array(d_addr, dtype=np.uint32))
    for t in range(TILES):
        sim.write_l3(a_addr[t], tile_a(a[t]))
        sim.write_l3(b_addr[t], tile_b(b[t]))
    t0 = time.monotonic()
    result = sim.run(max_cycles=10_000_000)
    wall = time.monotonic() - t0
    if result.exit_code != 0:
        print(f"error: the benchmark program exited with {result.exit_code}", file=sys.stderr)
        return 1
    single, single_stall, window, busy8, stall8, launches = (
        int(x) for x in np.frombuffer(sim.read_symbol("results"), dtype=np.uint32)[:6]
    )
    ok = launches == TILES
    for i, t in enumerate((TILES - 2, TILES - 1)):
        raw = np.frombuffer(sim.read_l3(d_addr[i], DIM * DIM * 4), dtype=np.int32)
        ok &= bool(np.array_equal(untile_int32(raw, DIM, DIM), gemm(a[t], b[t])))
    sim.close()

    util = TILES * IDEAL / window
    print(f"GeMM utilization, configuration '{cfg.name}' ({cfg.hash()}), 8x8x8 int8 array")
    print(
        f"single {DIM}x{DIM}x{DIM}: {single} cycles launch to completion (ideal {IDEAL}, "
        f"{IDEAL / single:.1%}), {single_stall} datapath stall cycles: "
        f"{'meets' if single <= TARGET_SINGLE else 'MISSES'} the <= {TARGET_SINGLE} target"
    )
    print(
        f"{TILES} x {DIM}x{DIM}x{DIM} back to back: {window} cycles first launch to last "
        f"completion (ideal {TILES * IDEAL}), utilization {util:.1%}; accelerator busy "
        f"{busy8} cycles, {stall8} stall cycles: "
        f"{'meets' if util >= TARGET_UTIL else 'MISSES'} the >= {TARGET_UTIL:.0%} target"
    )
    print(f"data check of the last two tiles: {'ok' if ok else 'MISMATCH'}")
    print(
        f"simulator: {result.cycles} cycles in {wall:.2f} s "
        f"({result.cycles / wall / 1e6:.2f} Mcycles/s, model load {load_s:.1f} s)"
    )
    met = single <= TARGET_SINGLE and util >= TARGET_UTIL
    return 0 if ok and met else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", help="cluster configuration YAML (default: the default one)")
    args = ap.parse_args(argv)
    try:
        return run(load_config(args.config))
    except (ConfigError, CompileError, SimulationError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
