"""Build time and simulation speed of the cluster's Verilator model.

Prints how long the model of a configuration took to build (from the build cache, or
measured with --rebuild in a fresh cache) and how many cycles per second it simulates:
the core alone running a compute loop, the same loop while the DMA keeps copying inside the
TCDM, and (with an accelerator named gemm0) while the GeMM keeps multiplying 64x64x64 tiles.
Wall-clock and CPU-time rates are both given (the machine may be shared).
Usage: python benchmarks/sim_speed.py [--config FILE] [--cycles N] [--rebuild]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from snaxc.config import ConfigError, load_config
from snaxc.runtime import CompileError, SimulationError, Simulator, compile_program
from snaxc.runtime.build import ModelBuildError, build_model

HERE = Path(__file__).resolve().parent
CYCLES_PER_ITER = 18  # of the loop in sim_speed.c without DMA, measured (sizes the run)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", help="cluster configuration YAML (default: the default one)")
    ap.add_argument("--cycles", type=int, default=3_000_000, help="cycles per measurement")
    ap.add_argument("--rebuild", action="store_true", help="time a fresh build of the model")
    args = ap.parse_args(argv)
    try:
        cfg = load_config(args.config)
        if args.rebuild:
            os.environ["SNAXC_CACHE_DIR"] = tempfile.mkdtemp(prefix="snaxc-speed-")
        t0 = time.monotonic()
        model = build_model(cfg)
        took = time.monotonic() - t0
        info = json.loads((model.parent / "info.json").read_text())
        print(f"config '{cfg.name}': model {model}")
        print(f"  build: {info['build_seconds']:.0f} s" + ("" if args.rebuild else " (cached)"))
        if not args.rebuild:
            print(f"  load from cache: {took * 1000:.0f} ms")
        elf = compile_program([HERE / "sim_speed.c"], cfg)
        runs = [("core loop", 0, 0), ("core loop + DMA", 1, 0)]
        if any(a.name == "gemm0" and a.kind == "gemm" for a in cfg.accelerators):
            runs.append(("core loop + GeMM", 0, 1))
        for label, with_dma, with_gemm in runs:
            sim = Simulator(cfg, model=model)
            sim.load_elf(elf)
            sim.write_symbol("iters", np.array([args.cycles // CYCLES_PER_ITER], np.uint32))
            sim.write_symbol("with_dma", np.array([with_dma], np.uint32))
            sim.write_symbol("with_gemm", np.array([with_gemm], np.uint32))
            w0, c0 = time.monotonic(), time.process_time()
            res = sim.run(max_cycles=20 * args.cycles, progress=False)
            wall, cpu = time.monotonic() - w0, time.process_time() - c0
            sim.close()
            dma = res.counters["dma_bytes_written"]
            print(
                f"  {label:16s}: {res.cycles:>10,} cycles, {res.cycles / wall / 1e6:.2f} Mcycles/s"
                f" wall, {res.cycles / cpu / 1e6:.2f} Mcycles/s CPU"
                + (f", DMA moved {dma:,} B" if with_dma else "")
            )
    except (ConfigError, CompileError, ModelBuildError, SimulationError) as e:
        print(f"sim_speed: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
