"""Randomized block test of `snax_dma` against the golden model in `snaxc.golden.dma`.

A Verilator C++ testbench (dma_tb.cpp) puts a TCDM model (one grant per bank, plus random
denials standing in for other masters) and an L3 model (random ready, random in-order read
latency) around the DMA and replays a register script. The test programs random N-D
descriptors (transposes, padding, gathers, negative strides, every element size, L3<->TCDM
and TCDM->TCDM), waits for DONE, and compares both memories byte for byte with the golden
model; it also checks the byte counters and measures the throughput of large copies.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from snaxc.config import L3_BASE, TCDM_BASE, load_config
from snaxc.golden.dma import (
    REG_DONE,
    REG_START,
    REG_STATUS,
    ByteMemory,
    DmaDescriptor,
    DmaError,
    apply_descriptor,
    reg_dst_stride,
    reg_src_bound,
    side_chunks,
)

_spec = importlib.util.spec_from_file_location(
    "tcdm_dma_build", Path(__file__).with_name("tcdm_dma_build.py")
)
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

CFG = load_config()
DIMS = CFG.dma.dims
L3_WINDOW = 1 << 20  # the part of L3 the testbench models


DMA_MODULES = ["snax_dma_pkg", "snax_dma_fifo", "snax_dma_agen", "snax_dma_reader"]
DMA_MODULES += ["snax_dma_writer", "snax_dma"]
DMA_SOURCES = [build.HW_DIR / "dma" / f"{n}.sv" for n in DMA_MODULES]


@pytest.fixture(scope="session")
def dma_tb(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("snax_dma")
    return build.build_testbench(CFG, d, "snax_dma", DMA_SOURCES, build.TB_DIR / "dma_tb.cpp")


@pytest.fixture(scope="session")
def dma_tcdm_tb(tmp_path_factory) -> Path:
    """The DMA with the real snax_tcdm (and two extra masters causing bank conflicts)."""
    d = tmp_path_factory.mktemp("snax_dma_tcdm")
    sources = [*DMA_SOURCES]
    sources += [build.HW_DIR / "tcdm" / "snax_tcdm_bank.sv", build.HW_DIR / "tcdm" / "snax_tcdm.sv"]
    sources.append(build.TB_DIR / "snax_dma_tcdm_tb.sv")
    return build.build_testbench(
        CFG, d, "snax_dma_tcdm_tb", sources, build.TB_DIR / "dma_tb.cpp", cflags="-DWITH_RTL_TCDM"
    )


@dataclass
class Run:
    tcdm: np.ndarray
    l3: np.ndarray
    stats: dict[str, int]
    waits: dict[int, int]


def run_dma(
    tb: Path,
    tmp: Path,
    script: list[str],
    tcdm: np.ndarray,
    l3: np.ndarray,
    seed: int = 0,
    deny: int = 0,
    ready: int = 1000,
    lat: tuple[int, int] = (16, 16),
    max_cycles: int = 2_000_000,
    noise: int = 0,
) -> Run:
    params = {
        "seed": seed,
        "tcdm_deny_permille": deny,
        "l3_ready_permille": ready,
        "l3_lat_min": lat[0],
        "l3_lat_max": lat[1],
        "max_cycles": max_cycles,
        "tcdm_base": TCDM_BASE,
        "tcdm_bytes": CFG.tcdm_bytes,
        "tcdm_banks": CFG.tcdm.banks,
        "l3_base": L3_BASE,
        "noise_ports": 2,
        "noise_permille": noise,
    }
    (tmp / "params.txt").write_text("".join(f"{k} {v}\n" for k, v in params.items()))
    (tmp / "script.txt").write_text("\n".join(script) + "\n")
    tcdm.tofile(tmp / "tcdm.bin")
    l3.tofile(tmp / "l3.bin")
    out = build.run_testbench(
        tb,
        tmp / "params.txt",
        tmp / "script.txt",
        tmp / "tcdm.bin",
        tmp / "l3.bin",
        tmp / "tcdm_out.bin",
        tmp / "l3_out.bin",
    )
    stats, waits = {}, {}
    for line in out.splitlines():
        f = line.split()
        if f[0] == "wait":
            waits[int(f[1])] = int(f[3])
        else:
            stats[f[0]] = int(f[1])
    return Run(
        np.fromfile(tmp / "tcdm_out.bin", np.uint8),
        np.fromfile(tmp / "l3_out.bin", np.uint8),
        stats,
        waits,
    )


def program(descs: list[DmaDescriptor]) -> list[str]:
    return [f"W {off:#x} {val:#x}" for d in descs for off, val in d.register_writes()]


# Random descriptors ---------------------------------------------------------------------------


class Allocator:
    """Hands out disjoint, 64-byte-aligned regions of a memory, with random gaps."""

    def __init__(self, base: int, size: int, rng: np.random.Generator, start: int = 0):
        self.base, self.end, self.next, self.rng = base, base + size, base + start, rng

    def alloc(self, size: int) -> int | None:
        start = self.next + 64 * int(self.rng.integers(0, 4))
        if start + size > self.end:
            return None
        self.next = start + (size + 63) // 64 * 64
        return start


def random_layout(shape, e: int, rng: np.random.Generator):
    """Strides (bytes) of a random memory layout of `shape`: dimension order, padding, flips.

    Returns (strides, span, flip_offset): the region spans `span` bytes and the element with
    all indices zero sits `flip_offset` bytes into it (non-zero when a stride is negative).
    """
    order = rng.permutation(len(shape))
    strides = [0] * len(shape)
    step = e * int(rng.choice([1, 1, 1, 2]))  # sometimes a gap between elements
    for d in order:
        strides[d] = step
        step *= shape[d] + int(rng.choice([0, 0, 0, 1]))  # sometimes padded rows
    span = max(step, e)
    offset = 0
    for d in range(len(shape)):
        if shape[d] > 1 and rng.random() < 0.15:
            offset += (shape[d] - 1) * strides[d]
            strides[d] = -strides[d]
    return strides, span, offset


def random_descriptor(rng, e_log2, src_alloc, dst_alloc, max_elems=600) -> DmaDescriptor | None:
    e = 1 << e_log2
    shape = [1] * DIMS
    ndims = int(rng.integers(1, DIMS + 1))
    for d in range(ndims):
        shape[d] = int(rng.integers(1, 9))
    while math.prod(shape) > max_elems:
        shape[int(np.argmax(shape))] //= 2
    s_strides, s_span, s_off = random_layout(shape, e, rng)
    d_strides, d_span, d_off = random_layout(shape, e, rng)
    src, dst = src_alloc.alloc(s_span), dst_alloc.alloc(d_span)
    if src is None or dst is None:
        return None
    d_bounds = tuple(shape)
    if rng.random() < 0.3:
        # Independent destination pattern: a contiguous stream split into two dimensions.
        n = math.prod(shape)
        inner = max(k for k in range(1, 9) if n % k == 0)
        d_bounds = (inner, n // inner) + (1,) * (DIMS - 2)
        d_strides = [e, e * inner] + [0] * (DIMS - 2)
        d_off = 0
        if n * e > d_span:
            return None
    return DmaDescriptor(
        src=src + s_off,
        dst=dst + d_off,
        elem_log2=e_log2,
        src_bounds=tuple(shape),
        src_strides=tuple(s_strides),
        dst_bounds=d_bounds,
        dst_strides=tuple(d_strides),
    )


def random_batch(
    rng, n: int, directions: list[str], l3_range: tuple[int, int] = (0, L3_WINDOW)
) -> list[DmaDescriptor]:
    tcdm = Allocator(TCDM_BASE, CFG.tcdm_bytes, rng)
    l3 = Allocator(L3_BASE, l3_range[1], rng, start=l3_range[0])
    mem = {"tcdm": tcdm, "l3": l3}
    descs = []
    for _ in range(n):
        direction = str(rng.choice(directions))
        src, dst = direction.split("->")
        d = random_descriptor(rng, int(rng.integers(0, 7)), mem[src], mem[dst])
        if d is not None:
            d.validate(CFG)
            descs.append(d)
    return descs


def random_chain(rng, n: int) -> list[DmaDescriptor]:
    """Descriptors that read what earlier ones wrote (no WAIT in between): each one copies the
    previous destination, in its own pattern, to a new place with a new random layout."""
    allocs = {
        "tcdm": Allocator(TCDM_BASE, CFG.tcdm_bytes, rng),
        "l3": Allocator(L3_BASE, L3_WINDOW, rng),
    }
    descs: list[DmaDescriptor] = []
    while len(descs) < n:
        if descs and rng.random() < 0.8:
            prev = descs[-1]
            dst_mem = "tcdm" if prev.dst >= L3_BASE else str(rng.choice(["tcdm", "l3"]))
            shape = list(prev.dst_bounds)
            strides, span, off = random_layout(shape, prev.elem_bytes, rng)
            base = allocs[dst_mem].alloc(span)
            if base is None:
                break
            d = DmaDescriptor(prev.dst, base + off, prev.elem_log2, prev.dst_bounds,
                              prev.dst_strides, tuple(shape), tuple(strides))  # fmt: skip
        else:
            src_mem, dst_mem = str(rng.choice(ALL_DIRECTIONS)).split("->")
            d = random_descriptor(rng, int(rng.integers(0, 7)), allocs[src_mem], allocs[dst_mem])
            if d is None:
                break
        d.validate(CFG)
        descs.append(d)
    return descs


def run_side(rng, e: int, rows: int, row: int, alloc: Allocator, l3: bool):
    """A pattern of `rows` contiguous runs of `row` elements (innermost stride == E, so the DMA
    moves it a line per cycle) at a random offset in its line; rows are padded by random
    amounts, sometimes in reverse order, sometimes split into two outer dimensions, and
    sometimes (1 in 8) the run is not contiguous (stride 2E: the element-per-cycle path).
    Returns (base, bounds, strides) or None when memory ran out."""
    align = e if l3 else min(e, 8)
    inner = e * (2 if rng.random() < 0.125 else 1)
    pitch = inner * row + align * int(rng.choice([0, 0, 1, 3, 7]))
    outer = [rows, 1]
    if rows > 1 and rng.random() < 0.3:
        k = max(f for f in range(1, 5) if rows % f == 0)
        outer = [rows // k, k]
    strides = [inner, pitch, pitch * outer[0] + align * int(rng.integers(0, 3))]
    span = strides[2] * outer[1] + 64
    region = alloc.alloc(span + 64)
    if region is None:
        return None
    base = region + align * int(rng.integers(0, 64 // align))
    if rng.random() < 0.2:  # rows in reverse order
        base += (outer[0] - 1) * strides[1]
        strides[1] = -strides[1]
    bounds = (row, *outer) + (1,) * (DIMS - 3)
    return base, bounds, tuple(strides) + (0,) * (DIMS - 3)


def random_run_batch(rng, n: int, directions: list[str]) -> list[DmaDescriptor]:
    """Copies of unaligned contiguous runs: random lengths (1..150 elements), random offsets
    of source and destination in their lines, source and destination rows of different
    lengths, every element size (mostly 1 and 2 bytes, as the compiler emits for odd rows)."""
    allocs = {
        "tcdm": Allocator(TCDM_BASE, CFG.tcdm_bytes, rng),
        "l3": Allocator(L3_BASE, L3_WINDOW, rng),
    }
    descs = []
    for _ in range(n):
        src_mem, dst_mem = str(rng.choice(directions)).split("->")
        e_log2 = int(rng.choice([0, 0, 0, 1, 1, 2, 3, 4, 5, 6]))
        e = 1 << e_log2
        row = int(rng.integers(1, 151 if e <= 4 else 40))
        rows = int(rng.integers(1, 7))
        total = row * rows
        d_row = int(rng.choice([k for k in range(1, min(total, 200) + 1) if total % k == 0]))
        src = run_side(rng, e, rows, row, allocs[src_mem], src_mem == "l3")
        dst = run_side(rng, e, total // d_row, d_row, allocs[dst_mem], dst_mem == "l3")
        if src is None or dst is None:
            break
        d = DmaDescriptor(src[0], dst[0], e_log2, src[1], src[2], dst[1], dst[2])
        d.validate(CFG)
        descs.append(d)
    return descs


def golden(descs, tcdm: np.ndarray, l3: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t, m = tcdm.copy(), l3.copy()
    mems = [ByteMemory(TCDM_BASE, t), ByteMemory(L3_BASE, m)]
    for d in descs:
        apply_descriptor(d, mems)
    return t, m


def assert_same(name: str, got: np.ndarray, want: np.ndarray, seed: int) -> None:
    bad = np.nonzero(got != want)[0]
    if bad.size:
        i = int(bad[0])
        pytest.fail(
            f"seed {seed}: {name} differs at {bad.size} bytes; first at offset {i:#x}: "
            f"got {got[i]:#04x}, golden {want[i]:#04x}"
        )


def check_batch(tb, tmp, descs, seed, **sim) -> Run:
    rng = np.random.default_rng(seed + 1000)
    tcdm = rng.integers(0, 256, CFG.tcdm_bytes, dtype=np.uint8)
    l3 = rng.integers(0, 256, L3_WINDOW, dtype=np.uint8)
    n = len(descs)
    script = program(descs) + [
        f"R {REG_START:#x} {n:#x}",  # descriptors pushed
        f"WAIT {n}",
        f"R {REG_DONE:#x} {n:#x}",
        f"R {REG_STATUS:#x} 0x0",
    ]
    run = run_dma(tb, tmp, script, tcdm, l3, seed=seed, **sim)
    want_tcdm, want_l3 = golden(descs, tcdm, l3)
    assert_same("TCDM", run.tcdm, want_tcdm, seed)
    assert_same("L3", run.l3, want_l3, seed)
    total = sum(d.num_bytes for d in descs)
    assert run.stats["bytes_read"] == total, f"seed {seed}: bytes_read"
    assert run.stats["bytes_written"] == total, f"seed {seed}: bytes_written"
    return run


# Tests ----------------------------------------------------------------------------------------

ALL_DIRECTIONS = ["l3->tcdm", "tcdm->l3", "tcdm->tcdm"]


@pytest.mark.parametrize("seed", range(6))
def test_dma_random_patterns(dma_tb, tmp_path, seed):
    """Random N-D descriptors, all element sizes and directions, random backpressure."""
    print(f"seed {seed}")
    rng = np.random.default_rng(seed)
    descs = random_batch(rng, 12, ALL_DIRECTIONS)
    assert len(descs) >= 6
    check_batch(
        dma_tb,
        tmp_path,
        descs,
        seed,
        deny=int(rng.choice([0, 100, 400])),
        ready=int(rng.choice([1000, 700, 250])),
        lat=(1, 40) if seed % 2 else (16, 20),
    )


@pytest.mark.parametrize("seed", range(2))
def test_dma_with_rtl_tcdm(dma_tcdm_tb, tmp_path, seed):
    """The DMA on the real TCDM, with two other masters hammering random banks. The TCDM is
    filled from L3, transformed by random descriptors, and dumped back to L3 for checking."""
    print(f"seed {seed}")
    rng = np.random.default_rng(200 + seed)
    tb, rest, zero = CFG.tcdm_bytes, (1,) * (DIMS - 1), (0,) * (DIMS - 1)
    fill = DmaDescriptor(L3_BASE, TCDM_BASE, 6, (tb // 64,) + rest, (64,) + zero,
                         (tb // 64,) + rest, (64,) + zero)  # fmt: skip
    dump_at = L3_BASE + L3_WINDOW // 2
    dump = DmaDescriptor(TCDM_BASE, dump_at, 6, (tb // 64,) + rest, (64,) + zero,
                         (tb // 64,) + rest, (64,) + zero)  # fmt: skip
    descs = [fill, *random_batch(rng, 10, ALL_DIRECTIONS, (tb, L3_WINDOW // 2)), dump]
    l3 = np.random.default_rng(seed).integers(0, 256, L3_WINDOW, dtype=np.uint8)
    n = len(descs)
    script = program(descs) + [f"WAIT {n}", f"R {REG_DONE:#x} {n:#x}"]
    run = run_dma(dma_tcdm_tb, tmp_path, script, np.zeros(0, np.uint8), l3, seed=seed,
                  ready=800, lat=(2, 30), noise=300)  # fmt: skip
    _, want_l3 = golden(descs, np.zeros(CFG.tcdm_bytes, np.uint8), l3)
    assert_same("L3 (with the TCDM dump)", run.l3, want_l3, seed)
    assert run.stats["tcdm_conflicts"] > 0
    total = sum(d.num_bytes for d in descs)
    assert run.stats["bytes_read"] == total and run.stats["bytes_written"] == total


@pytest.mark.parametrize("seed", range(6))
def test_dma_unaligned_runs(dma_tb, tmp_path, seed):
    """Contiguous runs of random lengths at random (unaligned) source and destination offsets,
    in every direction, bit-exact against the golden model. The whole TCDM and L3 images are
    compared, so the bytes around every destination run are checked to be untouched."""
    print(f"seed {seed}")
    rng = np.random.default_rng(300 + seed)
    directions = [ALL_DIRECTIONS[seed % 3]] if seed < 3 else ALL_DIRECTIONS
    descs = random_run_batch(rng, 16, directions)
    assert len(descs) >= 8
    deny, ready = int(rng.choice([0, 150, 400])), int(rng.choice([1000, 600]))
    lat = (1, 40) if seed % 2 else (16, 20)
    check_batch(dma_tb, tmp_path, descs, seed, deny=deny, ready=ready, lat=lat)


@pytest.mark.parametrize("seed", range(2))
def test_dma_unaligned_runs_with_rtl_tcdm(dma_tcdm_tb, tmp_path, seed):
    """Unaligned runs on the real TCDM with two other masters causing bank conflicts."""
    print(f"seed {seed}")
    rng = np.random.default_rng(400 + seed)
    tb, rest, zero = CFG.tcdm_bytes, (1,) * (DIMS - 1), (0,) * (DIMS - 1)
    fill = DmaDescriptor(L3_BASE, TCDM_BASE, 6, (tb // 64,) + rest, (64,) + zero,
                         (tb // 64,) + rest, (64,) + zero)  # fmt: skip
    dump_at = L3_BASE + L3_WINDOW // 2
    dump = DmaDescriptor(TCDM_BASE, dump_at, 6, (tb // 64,) + rest, (64,) + zero,
                         (tb // 64,) + rest, (64,) + zero)  # fmt: skip
    runs = random_run_batch(rng, 12, ["tcdm->tcdm", "l3->tcdm"])
    runs = [d for d in runs if d.src < L3_BASE or d.src >= L3_BASE + tb]
    descs = [fill, *[d for d in runs if d.src < dump_at and d.dst < dump_at], dump]
    assert len(descs) >= 6
    l3 = np.random.default_rng(seed).integers(0, 256, L3_WINDOW, dtype=np.uint8)
    n = len(descs)
    script = program(descs) + [f"WAIT {n}", f"R {REG_DONE:#x} {n:#x}"]
    run = run_dma(dma_tcdm_tb, tmp_path, script, np.zeros(0, np.uint8), l3, seed=seed,
                  ready=800, lat=(2, 30), noise=300)  # fmt: skip
    _, want_l3 = golden(descs, np.zeros(CFG.tcdm_bytes, np.uint8), l3)
    assert_same("L3 (with the TCDM dump)", run.l3, want_l3, seed)
    assert run.stats["tcdm_conflicts"] > 0


@pytest.mark.parametrize("direction", ALL_DIRECTIONS)
def test_dma_unaligned_run_speed(dma_tb, tmp_path, direction):
    """5-byte rows (E = 1) between different offsets move one row per cycle, not one byte."""
    rows, row = 400, 5
    src_mem, dst_mem = direction.split("->")
    bases = {"tcdm": [TCDM_BASE + 0x1003, TCDM_BASE + 0x8006], "l3": [L3_BASE + 0x2005] * 2}
    rest, zero = (1,) * (DIMS - 2), (0,) * (DIMS - 2)
    d = DmaDescriptor(bases[src_mem][0], bases[dst_mem][1], 0, (row, rows) + rest,
                      (1, 8) + zero, (row, rows) + rest, (1, 7) + zero)  # fmt: skip
    run = check_batch(dma_tb, tmp_path, [d], seed=7, deny=0, ready=1000, lat=(16, 16))
    busy = run.stats["busy_cycles"]
    chunks = max(side_chunks(d.src, d.src_bounds, d.src_strides, 0),
                 side_chunks(d.dst, d.dst_bounds, d.dst_strides, 0))  # fmt: skip
    print(f"{direction}: {rows} rows of {row} B in {busy} busy cycles ({chunks} chunks)")
    assert rows <= chunks <= 1.125 * rows  # a row crossing an L3 line is two chunks
    assert chunks <= busy < 1.3 * chunks + 40, f"{direction}: {busy} busy cycles"


def test_dma_busy_cycles_bounded_by_chunks(dma_tb, tmp_path):
    """The timing model (golden side_chunks): a lone descriptor takes at least as many busy
    cycles as either side has chunks, and close to that with no backpressure."""
    rng = np.random.default_rng(77)
    for i, d in enumerate(random_run_batch(rng, 6, ALL_DIRECTIONS)):
        run = check_batch(dma_tb, tmp_path, [d], seed=i, deny=0, ready=1000, lat=(16, 16))
        busy = run.stats["busy_cycles"]
        chunks = max(side_chunks(d.src, d.src_bounds, d.src_strides, d.elem_log2),
                     side_chunks(d.dst, d.dst_bounds, d.dst_strides, d.elem_log2))  # fmt: skip
        print(f"descriptor {i}: {chunks} chunks, {busy} busy cycles")
        assert chunks <= busy <= 1.5 * chunks + 40, f"descriptor {i}: {d}"


@pytest.mark.parametrize("seed", range(3))
def test_dma_read_after_write_chains(dma_tb, tmp_path, seed):
    """Queued descriptors that read earlier descriptors' results behave as if run in order."""
    print(f"seed {seed}")
    rng = np.random.default_rng(100 + seed)
    descs = random_chain(rng, 14)
    assert len(descs) >= 8
    check_batch(dma_tb, tmp_path, descs, seed, deny=150, ready=800, lat=(5, 30))


def test_dma_independent_descriptors_overlap(dma_tb, tmp_path):
    """Independent queued loads are pipelined: no L3 latency bubble between descriptors."""
    n, elems = 8, 64
    rest, zero = (1,) * (DIMS - 1), (0,) * (DIMS - 1)
    descs = [
        DmaDescriptor(L3_BASE + 0x10000 * i, TCDM_BASE + 0x1000 * i, 6, (elems,) + rest,
                      (64,) + zero, (elems,) + rest, (64,) + zero)
        for i in range(n)
    ]  # fmt: skip
    run = check_batch(dma_tb, tmp_path, descs, seed=3, deny=0, ready=1000, lat=(16, 16))
    busy = run.stats["busy_cycles"]
    print(f"{n} independent 4 KiB loads: {busy} busy cycles")
    assert busy < n * elems + 40 + 8 * n


@pytest.mark.parametrize("e_log2", range(7))
def test_dma_transpose(dma_tb, tmp_path, e_log2):
    """A 2-D transpose L3 -> TCDM -> L3 for every element size."""
    e = 1 << e_log2
    rows, cols = 12, 20
    pad = (1,) * (DIMS - 2)
    zero = (0,) * (DIMS - 2)
    src, mid, dst = L3_BASE + 0x1000, TCDM_BASE + 0x2000, L3_BASE + 0x40000
    descs = [
        # row-major [rows][cols] in L3 -> column-major in the TCDM
        DmaDescriptor(src, mid, e_log2, (cols, rows) + pad, (e, cols * e) + zero,
                      (cols, rows) + pad, (rows * e, e) + zero),
        DmaDescriptor(mid, dst, e_log2, (rows * cols,) + pad + (1,), (e,) + zero + (0,),
                      (rows * cols,) + pad + (1,), (e,) + zero + (0,)),
    ]  # fmt: skip
    run = check_batch(dma_tb, tmp_path, descs[:1], seed=e_log2, deny=200, ready=600, lat=(3, 30))
    assert run.waits
    check_batch(dma_tb, tmp_path, descs, seed=e_log2, deny=0, ready=1000)


def test_dma_queue_full_and_empty_descriptors(dma_tb, tmp_path):
    """More STARTs than the queue holds stall the bus but are never lost; zero-element
    descriptors complete too."""
    rng = np.random.default_rng(99)
    descs = random_batch(rng, 3 * CFG.dma.queue_depth, ["l3->tcdm", "tcdm->l3"])
    empty = DmaDescriptor(TCDM_BASE, L3_BASE, 3, (0,) + (1,) * (DIMS - 1), (8,) * DIMS,
                          (4, 0) + (1,) * (DIMS - 2), (8,) * DIMS)  # fmt: skip
    descs.insert(2, empty)
    descs.append(empty)
    check_batch(dma_tb, tmp_path, descs, seed=99, ready=300, lat=(20, 40))


def test_dma_registers(dma_tb, tmp_path):
    """Reset values, read-back, byte enables of the register file; dims >= DmaDims read 0."""
    script = [
        f"R {reg_src_bound(0):#x} 0x1",
        f"R {reg_dst_stride(DIMS - 1):#x} 0x0",
        "W 0x0 0x10000040",
        "R 0x0 0x10000040",
        "W 0x4 0x80001000",
        "R 0x4 0x80001000",
        "W 0x8 0x5",
        "R 0x8 0x5",
        f"W {reg_src_bound(1):#x} 0x1234",
        f"R {reg_src_bound(1):#x} 0x1234",
        f"W {reg_dst_stride(0):#x} 0xffffffc0",
        f"R {reg_dst_stride(0):#x} 0xffffffc0",
        f"R {REG_START:#x} 0x0",
        f"R {REG_DONE:#x} 0x0",
        f"R {REG_STATUS:#x} 0x0",
    ]
    if DIMS < 8:
        script += [f"W {reg_src_bound(DIMS):#x} 0x7", f"R {reg_src_bound(DIMS):#x} 0x0"]
    tcdm = np.zeros(CFG.tcdm_bytes, np.uint8)
    l3 = np.zeros(L3_WINDOW, np.uint8)
    run_dma(dma_tb, tmp_path, script, tcdm, l3)
    # A wrong expected value must fail the testbench (the check is live).
    with pytest.raises(AssertionError, match="expected"):
        run_dma(dma_tb, tmp_path, ["R 0x8 0x3"], tcdm, l3)


def test_dma_bounds_mismatch_asserts(dma_tb, tmp_path):
    """START with different source and destination element counts trips the RTL assertion."""
    d = DmaDescriptor(TCDM_BASE, L3_BASE, 3, (4,) + (1,) * (DIMS - 1), (8,) * DIMS,
                      (5,) + (1,) * (DIMS - 1), (8,) * DIMS)  # fmt: skip
    tcdm = np.zeros(CFG.tcdm_bytes, np.uint8)
    l3 = np.zeros(L3_WINDOW, np.uint8)
    with pytest.raises(AssertionError, match="DMA START"):
        run_dma(dma_tb, tmp_path, program([d]), tcdm, l3)


@pytest.mark.parametrize(
    "direction,src,dst",
    [
        ("l3->tcdm", L3_BASE, TCDM_BASE),
        ("tcdm->l3", TCDM_BASE, L3_BASE),
        ("tcdm->tcdm", TCDM_BASE, TCDM_BASE + CFG.tcdm_bytes // 2),
    ],
)
def test_dma_throughput(dma_tb, tmp_path, direction, src, dst):
    """Large contiguous copies of 64-byte elements: bytes per busy cycle (L3 latency 16)."""
    nbytes = CFG.tcdm_bytes // 2
    n = nbytes // 64
    rest = (1,) * (DIMS - 1)
    d = DmaDescriptor(src, dst, 6, (n,) + rest, (64,) + (0,) * (DIMS - 1),
                      (n,) + rest, (64,) + (0,) * (DIMS - 1))  # fmt: skip
    run = check_batch(dma_tb, tmp_path, [d], seed=5, deny=0, ready=1000, lat=(16, 16))
    bpc = nbytes / run.stats["busy_cycles"]
    print(f"{direction}: {nbytes} B in {run.stats['busy_cycles']} busy cycles = {bpc:.1f} B/cycle")
    assert bpc > 60, f"{direction}: {bpc:.1f} B/cycle"


def test_dma_lint(tmp_path):
    """The DMA is lint-clean under -Wall (waivers in hw/dma/snax_dma.vlt)."""
    waivers = build.HW_DIR / "dma" / "snax_dma.vlt"
    diags = build.lint(CFG, tmp_path, "snax_dma", DMA_SOURCES, waivers)
    assert diags == "", diags


def test_golden_transpose_matches_numpy():
    rows, cols, e = 5, 7, 4
    a = np.arange(rows * cols * e, dtype=np.uint8)
    l3 = np.zeros(4096, np.uint8)
    l3[: a.size] = a
    tcdm = np.zeros(4096, np.uint8)
    rest, zero = (1,) * (DIMS - 2), (0,) * (DIMS - 2)
    d = DmaDescriptor(L3_BASE, TCDM_BASE, 2, (cols, rows) + rest, (e, cols * e) + zero,
                      (cols, rows) + rest, (rows * e, e) + zero)  # fmt: skip
    d.validate(CFG)
    apply_descriptor(d, [ByteMemory(L3_BASE, l3), ByteMemory(TCDM_BASE, tcdm)])
    want = a.view(np.uint32).reshape(rows, cols).T.copy().view(np.uint8).reshape(-1)
    assert np.array_equal(tcdm[: a.size], want)


@pytest.mark.parametrize(
    "change,message",
    [
        ({"dst_bounds": (3,) + (1,) * (DIMS - 1)}, "elements"),
        ({"src": L3_BASE + 4}, "not aligned"),
        ({"dst": L3_BASE + 0x1000}, "L3 to L3"),
        ({"elem_log2": 7}, "outside 0..6"),
        ({"dst": TCDM_BASE + CFG.tcdm_bytes - 8}, "outside the TCDM"),
    ],
)
def test_golden_validate_rejects(change, message):
    rest = (1,) * (DIMS - 1)
    base = dict(
        src=L3_BASE,
        dst=TCDM_BASE,
        elem_log2=3,
        src_bounds=(4,) + rest,
        src_strides=(8,) * DIMS,
        dst_bounds=(4,) + rest,
        dst_strides=(8,) * DIMS,
    )
    with pytest.raises(DmaError, match=message):
        DmaDescriptor(**{**base, **change}).validate(CFG)
