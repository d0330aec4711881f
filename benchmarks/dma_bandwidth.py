"""DMA throughput of the simulated cluster, measured by its hardware counters.

Runs `dma_bandwidth.c` on the Verilator model: every transfer is started and waited for on
its own; the table gives bytes per DMA-busy cycle (the `dma_busy_cycles` counter) and per
cycle as the core sees it from START to DONE (including the L3 latency and the polling).
Data are checked after the run. Usage: python benchmarks/dma_bandwidth.py [--config FILE]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from snaxc.config import L3_BASE, TCDM_BASE, ClusterConfig, ConfigError, load_config
from snaxc.golden.dma import ByteMemory, DmaDescriptor, apply_descriptor
from snaxc.runtime import CompileError, SimulationError, Simulator, compile_program

HERE = Path(__file__).resolve().parent
MAX_CASES = 16  # dma_bandwidth.c
TARGET_BYTES_PER_CYCLE = 57.6  # 90 % of one 64-byte beat per cycle
QUEUED_CHUNKS = 8  # the first case again, as this many descriptors enqueued back to back

L3_SRC = L3_BASE + 0x0100_0000
L3_DST = L3_BASE + 0x0200_0000


@dataclass
class Case:
    name: str
    src: int
    dst: int
    elem_log2: int
    src_bounds: list[int]
    src_strides: list[int]
    dst_bounds: list[int]
    dst_strides: list[int]

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.src_bounds)) << self.elem_log2

    def descriptor(self, dims: int) -> DmaDescriptor:
        def pad(v: list[int], fill: int) -> tuple[int, ...]:
            if len(v) > dims:
                raise ValueError(f"{self.name}: {len(v)} dimensions, the DMA has {dims}")
            return tuple(v + [fill] * (dims - len(v)))

        return DmaDescriptor(
            self.src,
            self.dst,
            self.elem_log2,
            pad(self.src_bounds, 1),
            pad(self.src_strides, 0),
            pad(self.dst_bounds, 1),
            pad(self.dst_strides, 0),
        )

    def words(self, dims: int) -> list[int]:
        """The case as a `snax_dma_desc_t` (dma_bandwidth.c)."""
        d = self.descriptor(dims)
        return [
            d.src,
            d.dst,
            d.elem_log2,
            *d.src_bounds,
            *(s & 0xFFFF_FFFF for s in d.src_strides),
            *d.dst_bounds,
            *(s & 0xFFFF_FFFF for s in d.dst_strides),
        ]


def contiguous(name: str, src: int, dst: int, nbytes: int, elem_log2: int = 6) -> Case:
    e = 1 << elem_log2
    n = nbytes // e
    return Case(name, src, dst, elem_log2, [n], [e], [n], [e])


def cases(cfg: ClusterConfig) -> list[Case]:
    big = min(cfg.tcdm_bytes // 2, 64 * 1024)
    half = big // 2
    quarter = big // 4
    rows, row_bytes, pitch = 64, 512, 4096
    e8 = 8
    return [
        contiguous(f"L3->TCDM contiguous {big // 1024} KiB", L3_SRC, TCDM_BASE, big),
        contiguous(f"TCDM->L3 contiguous {big // 1024} KiB", TCDM_BASE, L3_DST, big),
        contiguous(f"TCDM->TCDM contiguous {half // 1024} KiB", TCDM_BASE, TCDM_BASE + big, half),
        # A 64 x 512-byte tile out of a matrix with a 4 KiB row pitch, and back.
        Case(
            f"L3->TCDM 2-D tile {rows}x{row_bytes} B",
            L3_SRC,
            TCDM_BASE,
            6,
            [row_bytes // 64, rows],
            [64, pitch],
            [rows * row_bytes // 64],
            [64],
        ),
        Case(
            f"TCDM->L3 2-D tile {rows}x{row_bytes} B",
            TCDM_BASE,
            L3_DST,
            6,
            [rows * row_bytes // 64],
            [64],
            [row_bytes // 64, rows],
            [64, pitch],
        ),
        # A 64 x 64 matrix of 8-byte elements transposed on the way in (one element/cycle).
        Case(
            "L3->TCDM transpose 64x64 x 8 B",
            L3_SRC,
            TCDM_BASE,
            3,
            [64, 64],
            [64 * e8, e8],
            [64 * 64],
            [e8],
        ),
        # Byte-aligned (E = 1) copies: the innermost loops are contiguous, so the DMA moves
        # them a run per cycle (up to 64 B) whatever the offsets of source and destination.
        Case(
            f"L3->TCDM contiguous {quarter // 1024} KiB, +3 -> +5, E=1",
            L3_SRC + 3,
            TCDM_BASE + 5,
            0,
            [quarter],
            [1],
            [quarter],
            [1],
        ),
        Case(
            f"TCDM->L3 contiguous {quarter // 1024} KiB, +5 -> +3, E=1",
            TCDM_BASE + 5,
            L3_DST + 3,
            0,
            [quarter],
            [1],
            [quarter],
            [1],
        ),
        Case(
            f"TCDM->TCDM contiguous {quarter // 1024} KiB, +3 -> +6, E=1",
            TCDM_BASE + 3,
            TCDM_BASE + big + 6,
            0,
            [quarter],
            [1],
            [quarter],
            [1],
        ),
        # DS-CNN-like 5-byte rows: 400 rows with a padded pitch into a packed buffer and back.
        Case(
            "TCDM->TCDM 400 rows x 5 B, pitch 8 -> 7",
            TCDM_BASE + 3,
            TCDM_BASE + big + 6,
            0,
            [5, 400],
            [1, 8],
            [5, 400],
            [1, 7],
        ),
        Case(
            "L3->TCDM 400 rows x 25 B, pitch 32 -> 25",
            L3_SRC + 5,
            TCDM_BASE + 1,
            0,
            [25, 400],
            [1, 32],
            [10000],
            [1],
        ),
        Case(
            "TCDM->L3 400 rows x 25 B, pitch 25 -> 32",
            TCDM_BASE + 1,
            L3_DST + 5,
            0,
            [10000],
            [1],
            [25, 400],
            [1, 32],
        ),
        # A column block of 2-byte elements out of a padded scratch buffer.
        Case(
            "TCDM->TCDM 64 rows x 20 B, E=2, pitch 52 -> 20",
            TCDM_BASE + 6,
            TCDM_BASE + big + 2,
            1,
            [10, 64],
            [2, 52],
            [640],
            [2],
        ),
    ]


def run(cfg: ClusterConfig, repeat: int) -> int:
    elf = compile_program([HERE / "dma_bandwidth.c"], cfg)
    all_cases = cases(cfg)
    rng = np.random.default_rng(0)
    span = 0x40000  # bytes of L3 each of the source and destination regions covers
    l3_data = rng.integers(0, 256, span, dtype=np.uint8)

    build_t0 = time.monotonic()
    sim = Simulator(cfg)
    build_s = time.monotonic() - build_t0
    sim.load_elf(elf)
    sim.write_symbol("num_cases", np.uint32(len(all_cases)).tobytes())
    sim.write_symbol("repeat", np.uint32(repeat).tobytes())
    sim.write_symbol("queued", np.uint32(QUEUED_CHUNKS))
    words = [w for c in all_cases for w in c.words(cfg.dma.dims)]
    sim.write_symbol("cases", np.array(words, dtype=np.uint32))
    sim.write_l3(L3_SRC, l3_data)
    t0 = time.monotonic()
    result = sim.run(max_cycles=50_000_000)
    wall = time.monotonic() - t0
    if result.exit_code != 0:
        print(f"error: the benchmark program exited with {result.exit_code}", file=sys.stderr)
        return 1
    res = np.frombuffer(sim.read_symbol("results"), dtype=np.uint32).reshape(MAX_CASES, 5)

    # Data check: replay the transfers on the golden DMA model, compare the L3 destination.
    mem = [
        ByteMemory(L3_SRC, l3_data.copy()),
        ByteMemory(L3_DST, np.zeros(span, dtype=np.uint8)),
        ByteMemory(TCDM_BASE, np.zeros(cfg.tcdm_bytes, dtype=np.uint8)),
    ]
    for c in all_cases:
        desc = c.descriptor(cfg.dma.dims)
        desc.validate(cfg)
        apply_descriptor(desc, mem)
    got = np.frombuffer(sim.read_l3(L3_DST, span), dtype=np.uint8)
    ok = np.array_equal(got, mem[1].data)

    print(
        f"DMA bandwidth, configuration '{cfg.name}' ({cfg.hash()}), "
        f"{cfg.dma_beat_bytes} B/beat, L3 latency {cfg.l3.latency_cycles} cycles"
    )
    print(
        f"{'transfer':46} {'bytes':>8} {'busy cyc':>9} {'B/busy cyc':>11} "
        f"{'core cyc':>9} {'B/cyc':>7} {'conflicts':>9}"
    )
    status = 0
    for i, c in enumerate(all_cases):
        core, busy, rd, wr, conf = (int(x) for x in res[i])
        if rd != c.nbytes or wr != c.nbytes:
            print(
                f"error: {c.name}: counters report {rd} B read, {wr} B written, "
                f"expected {c.nbytes}",
                file=sys.stderr,
            )
            status = 1
        print(
            f"{c.name:46} {c.nbytes:>8} {busy:>9} {c.nbytes / busy:>11.2f} "
            f"{core:>9} {c.nbytes / core:>7.2f} {conf:>9}"
        )
    q_cycles, q_busy, q_bytes = (
        int(x) for x in np.frombuffer(sim.read_symbol("queued_results"), dtype=np.uint32)
    )
    first = all_cases[0]
    if q_bytes != first.nbytes:
        print(f"error: queued phase wrote {q_bytes} B, expected {first.nbytes}", file=sys.stderr)
        status = 1
    print(
        f"{first.name} as {QUEUED_CHUNKS} queued descriptors: {q_bytes / q_cycles:.2f} B/cycle "
        f"as the core sees it ({q_cycles} cycles incl. setup), {q_bytes / q_busy:.2f} B/busy cycle"
    )
    rates = [all_cases[i].nbytes / int(res[i][1]) for i in range(2)]
    verdict = "meets" if min(rates) >= TARGET_BYTES_PER_CYCLE else "BELOW"
    print(
        f"large contiguous copies: L3->TCDM {rates[0]:.2f}, TCDM->L3 {rates[1]:.2f} B/busy cycle "
        f"({verdict} the {TARGET_BYTES_PER_CYCLE} B/cycle target)"
    )
    print(f"data check of everything written to L3: {'ok' if ok else 'MISMATCH'}")
    print(
        f"simulator: {result.cycles} cycles in {wall:.2f} s = "
        f"{result.cycles / wall / 1e6:.2f} Mcycles/s (model load {build_s:.1f} s)"
    )
    sim.close()
    return status if ok else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", help="cluster configuration YAML (default: the default one)")
    ap.add_argument(
        "--repeat",
        type=int,
        default=40,
        help="run the transfer list this many times, for a stable simulator speed (default 40)",
    )
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    try:
        return run(load_config(args.config), args.repeat)
    except (ConfigError, CompileError, SimulationError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
