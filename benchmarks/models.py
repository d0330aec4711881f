"""Whole networks of the zoo on the simulated cluster, from the hardware counters.

For every network of `snaxc.models.NETWORKS` (seed 0): build it, quantize it per tensor
(`snaxc.quantize`: uint8 activations, int8 weights, 16 seeded calibration samples), compile it
from ONNX (`snaxc.compile`, float32-exact requantization), simulate one seeded inference and
check it bit-exactly against the integer golden model.
Prints per network:

- compile time (ONNX import, requantization rewrite, pass pipeline, LLVM, link);
- total cycles of the inference (the cluster's cycle counter, program start to exit);
- MACs (`snaxc.golden.network.NetworkModel.macs`) and the ideal GeMM cycles MACs/512;
- GeMM utilization: ideal GeMM cycles / total cycles (1.0 = the 8x8x8 array busy on useful
  work every cycle of the run), and the GeMM's busy cycles (its BUSY counter);
- shares of the run, from the cluster's counters: accelerators (cycles in which at least
  one accelerator is busy, `acc_busy_cycles`; and each accelerator's own BUSY register),
  DMA (`dma_busy_cycles`; overlaps with the accelerators when it double-buffers), and
  core-only (`core_only_cycles`: no accelerator busy and the DMA idle, the control core
  alone: configuration, synchronization and the kernels that run as loops on the core).

Networks that do not compile or run yet are printed with the one-line reason.
Usage: python benchmarks/models.py [--config FILE] [--only NAME ...] [--max-cycles N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def bench(name: str, build, cfg, work: Path, max_cycles: int) -> str:
    import onnx

    import snaxc
    from snaxc.errors import SnaxcError
    from snaxc.golden.network import NetworkModel
    from snaxc.models import random_inputs, write_calibration
    from snaxc.quantize import quantize

    f, cal, q = work / f"{name}.onnx", work / f"{name}_cal.npz", work / f"{name}_int8.onnx"
    model = build(0)
    onnx.save(model, f)
    write_calibration(model, cal, samples=16, seed=1)
    quantize(f, cal, q)
    qmodel = onnx.load(q)
    x = random_inputs(qmodel, 1, seed=2)["input"][0]
    golden = NetworkModel(qmodel)
    want = golden.run({"input": x})["output"].q
    macs = golden.macs
    try:
        net = snaxc.compile(q, config=cfg, output_dir=work / f"{name}_pkg")
    except SnaxcError as e:
        return f"{name:8s} does not compile: {str(e).replace(f'{q}: ', '')}"
    try:
        out = net.run({"input": x}, raw=True, max_cycles=max_cycles)
    except SnaxcError as e:
        return f"{name:8s} compiled in {net.compile_seconds:.1f} s, does not run: {e}"
    p = out.performance
    exact = np.array_equal(out["output"], want)
    ideal = macs / 512
    gemm_busy = sum(b for n, (b, _) in p.accelerators.items() if n.startswith("gemm"))
    acc_busy = p.counters["acc_busy_cycles"]
    dma = p.counters["dma_busy_cycles"]
    core_only = p.counters["core_only_cycles"]
    shares = ", ".join(f"{n} {100 * b / p.cycles:.1f}%" for n, (b, _) in p.accelerators.items())
    shares = f"accelerators {100 * acc_busy / p.cycles:.1f}% ({shares})"
    on_core = len(net.manifest.on_core)
    return (
        f"{name:8s} compile {net.compile_seconds:5.1f} s | {p.cycles:>11,} cycles | "
        f"{macs:>10,} MACs | GeMM util {100 * ideal / p.cycles:5.2f}% "
        f"(busy {gemm_busy:,}) | busy: {shares}, DMA {100 * dma / p.cycles:.1f}%, "
        f"core-only {100 * core_only / p.cycles:.1f}% | {on_core} kernel(s) on the core | "
        f"{'bit-exact vs golden' if exact else 'MISMATCH vs golden'}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="cluster configuration (default: the default cluster)")
    parser.add_argument("--only", nargs="*", help="networks to run (default: all)")
    parser.add_argument("--max-cycles", type=int, default=50_000_000)
    args = parser.parse_args(argv)

    from snaxc.api import _config
    from snaxc.errors import SnaxcError
    from snaxc.models import NETWORKS

    try:
        cfg = _config(args.config)
    except SnaxcError as e:
        print(f"models.py: error: {e}", file=sys.stderr)
        return 1
    names = args.only or list(NETWORKS)
    unknown = [n for n in names if n not in NETWORKS]
    if unknown:
        print(f"models.py: error: unknown network(s) {', '.join(unknown)}", file=sys.stderr)
        return 1
    print(
        f"cluster '{cfg.name}' ({cfg.hash()}), accelerators: "
        f"{', '.join(a.name for a in cfg.accelerators) or 'none'}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            start = time.perf_counter()
            line = bench(name, NETWORKS[name], cfg, Path(tmp), args.max_cycles)
            print(f"{line} | {time.perf_counter() - start:.0f} s wall", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
