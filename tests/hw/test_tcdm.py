"""Randomized block test of `snax_tcdm` against the golden model in `snaxc.golden.tcdm`.

A Verilator C++ testbench (tcdm_tb.cpp) presents per-port request streams, holds each request
until it is granted, and logs every cycle's requests, grants and `conflicts_o`, and every read's
data. This test checks, against the golden model, for both arbitration policies (AccFirst = 0:
round-robin over all ports, the default; AccFirst = 1: DMA ports below the core and accelerator
ports, round-robin within each class): the exact grants of each cycle, the conflict count, read
data (byte enables, interleaving) and the bounded waiting time of the high class.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from snaxc.config import TCDM_BASE, load_config
from snaxc.golden.tcdm import (
    TcdmArbiter,
    TcdmMemory,
    bank_of,
    dma_tcdm_ports,
    predicted_conflicts,
    row_of,
)

_spec = importlib.util.spec_from_file_location(
    "tcdm_dma_build", Path(__file__).with_name("tcdm_dma_build.py")
)
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

CFG = load_config()
LOW_PORTS = set(dma_tcdm_ports(CFG))
NUM_PORTS = 1 + len(LOW_PORTS) + 4  # core, DMA read and write ports, 4 accelerator ports


SOURCES = [build.HW_DIR / "tcdm" / "snax_tcdm_bank.sv", build.HW_DIR / "tcdm" / "snax_tcdm.sv"]


@pytest.fixture(scope="session", params=[0, 1], ids=["round-robin", "acc-first"])
def tcdm_tb(request, tmp_path_factory) -> tuple[Path, set[int]]:
    """The testbench for one policy, and that policy's low-class (DMA) ports."""
    d = tmp_path_factory.mktemp(f"snax_tcdm_{request.param}")
    tb = build.build_testbench(
        CFG,
        d,
        "snax_tcdm",
        SOURCES,
        build.TB_DIR / "tcdm_tb.cpp",
        params={"NumPorts": NUM_PORTS, "AccFirst": request.param},
    )
    return tb, (LOW_PORTS if request.param else set())


def make_requests(rng: np.random.Generator, n_per_port: int, hot_words: int, p_write: float):
    """Random request streams; addresses drawn from `hot_words` words so that banks collide."""
    words = rng.choice(CFG.tcdm_bytes // 8, size=hot_words, replace=False)
    reqs = []
    for p in range(NUM_PORTS):
        for _ in range(n_per_port):
            we = bool(rng.random() < p_write)
            addr = TCDM_BASE + 8 * int(rng.choice(words))
            be = int(rng.integers(1, 256)) if we else 0xFF
            wdata = int(rng.integers(0, 2**64, dtype=np.uint64))
            delay = int(rng.choice([0, 0, 0, 1, 3]))
            reqs.append((p, delay, we, addr, be, wdata))
    return reqs


def run_case(tb: Path, tmp: Path, reqs) -> tuple[list[tuple], dict[int, tuple[int, int]]]:
    inp, out = tmp / "reqs.txt", tmp / "log.txt"
    lines = [str(NUM_PORTS)]
    lines += [f"{p} {d} {int(we)} {a:x} {be:x} {wd:x}" for p, d, we, a, be, wd in reqs]
    inp.write_text("\n".join(lines) + "\n")
    build.run_testbench(tb, inp, out)
    cycles, results = [], {}
    for line in out.read_text().splitlines():
        f = line.split()
        if f[0] == "C":
            cycles.append((int(f[1]), int(f[2], 16), int(f[3], 16), int(f[4])))
        else:
            results[int(f[1])] = (int(f[2]), int(f[3], 16))
    return cycles, results


def check_against_golden(reqs, cycles, results, seed: int, low: set[int]) -> None:
    """Replay the logged cycles through the golden arbiter and memory."""
    per_port = [[i for i, r in enumerate(reqs) if r[0] == p] for p in range(NUM_PORTS)]
    head = [0] * NUM_PORTS
    arb = TcdmArbiter(NUM_PORTS, CFG, low)
    mem = TcdmMemory(CFG)
    known = np.zeros(CFG.tcdm_bytes, dtype=bool)  # bytes written so far (others read as X)
    first_seen: dict[int, int] = {}
    for cycle, req_mask, gnt_mask, conflicts in cycles:
        presented = [None] * NUM_PORTS
        for p in range(NUM_PORTS):
            if req_mask >> p & 1:
                idx = per_port[p][head[p]]
                presented[p] = idx
                first_seen.setdefault(idx, cycle)
        addrs = [reqs[i][3] if i is not None else None for i in presented]
        expect = arb.grant(addrs)
        got = [bool(gnt_mask >> p & 1) for p in range(NUM_PORTS)]
        assert got == expect, (
            f"seed {seed}: cycle {cycle}: grants {got} != golden {expect} for banks "
            f"{[bank_of(a, CFG) if a is not None else None for a in addrs]}"
        )
        golden_conflicts = predicted_conflicts([a for a in addrs if a is not None], CFG)
        assert conflicts == golden_conflicts, (
            f"seed {seed}: cycle {cycle}: conflicts_o {conflicts} != golden {golden_conflicts}"
        )
        # Reads see the memory before this cycle's writes (a bank serves one port per cycle).
        granted = [presented[p] for p in range(NUM_PORTS) if got[p]]
        for idx in granted:
            p, _, we, addr, be, wdata = reqs[idx]
            assert results[idx][0] == cycle
            if not we:
                off = addr - TCDM_BASE
                mask = known[off : off + 8]
                want = np.frombuffer(mem.read_word(addr).to_bytes(8, "little"), np.uint8)
                have = np.frombuffer(results[idx][1].to_bytes(8, "little"), np.uint8)
                if not np.array_equal(want[mask], have[mask]):
                    pytest.fail(
                        f"seed {seed}: request {idx} (port {p}, bank {bank_of(addr, CFG)}, "
                        f"row {row_of(addr, CFG)}) read {results[idx][1]:016x}, "
                        f"golden {mem.read_word(addr):016x} (valid bytes {mask.astype(int)})"
                    )
        for idx in granted:
            p, _, we, addr, be, wdata = reqs[idx]
            if we:
                mem.write_word(addr, wdata, be)
                off = addr - TCDM_BASE
                for i in range(8):
                    if be >> i & 1:
                        known[off + i] = True
            head[p] += 1
            # Round robin in the high class: a waiting core or accelerator request is served
            # within (high-class ports - 1) other grants (the DMA has no bound with AccFirst).
            if p not in low:
                assert cycle - first_seen[idx] <= NUM_PORTS - len(low) - 1, (
                    f"seed {seed}: request {idx} (port {p}) waited {cycle - first_seen[idx]}"
                )
    assert all(head[p] == len(per_port[p]) for p in range(NUM_PORTS)), f"seed {seed}: incomplete"


@pytest.mark.parametrize(
    "seed,hot_words,p_write",
    [(1, 8, 0.5), (2, 64, 0.5), (3, 4096, 0.3), (4, 3, 0.7), (5, 40, 0.1)],
)
def test_tcdm_random(tcdm_tb, tmp_path, seed, hot_words, p_write):
    print(f"seed {seed}")
    rng = np.random.default_rng(seed)
    reqs = make_requests(rng, n_per_port=150, hot_words=hot_words, p_write=p_write)
    tb, low = tcdm_tb
    cycles, results = run_case(tb, tmp_path, reqs)
    check_against_golden(reqs, cycles, results, seed, low)
    if hot_words <= 8:
        # Heavy contention must actually have been exercised.
        assert sum(c[3] for c in cycles) > len(reqs) // 2


def test_tcdm_all_banks_distinct_words(tcdm_tb, tmp_path):
    """Fill a region with full-word writes from all ports and read everything back."""
    rng = np.random.default_rng(7)
    words = NUM_PORTS * 40
    data = rng.integers(0, 2**64, size=words, dtype=np.uint64)
    reqs = []
    for w in range(words):
        reqs.append((w % NUM_PORTS, 0, True, TCDM_BASE + 8 * w, 0xFF, int(data[w])))
    for w in range(words):
        # The same port reads the word back: its own write is granted before.
        reqs.append((w % NUM_PORTS, 0, False, TCDM_BASE + 8 * w, 0xFF, 0))
    tb, low = tcdm_tb
    cycles, results = run_case(tb, tmp_path, reqs)
    for i in range(words, 2 * words):
        w = i - words
        assert results[i][1] == int(data[w]), f"word {w}: {results[i][1]:x} != {int(data[w]):x}"
    check_against_golden(reqs, cycles, results, 7, low)


def test_tcdm_address_assertion(tcdm_tb, tmp_path):
    """An address outside the TCDM trips the RTL assertion and fails the simulation."""
    reqs = [(3, 0, False, TCDM_BASE + CFG.tcdm_bytes, 0xFF, 0)]
    with pytest.raises(AssertionError, match="outside the TCDM"):
        run_case(tcdm_tb[0], tmp_path, reqs)


@pytest.mark.parametrize("acc_first", [0, 1])
@pytest.mark.parametrize("num_ports", [1, NUM_PORTS, 100])
def test_tcdm_lint(tmp_path, num_ports, acc_first):
    """The TCDM is lint-clean under -Wall (waivers in hw/tcdm/snax_tcdm.vlt), at any width."""
    waivers = build.HW_DIR / "tcdm" / "snax_tcdm.vlt"
    params = {"NumPorts": num_ports, "AccFirst": acc_first}
    diags = build.lint(CFG, tmp_path, "snax_tcdm", SOURCES, waivers, params)
    assert diags == "", diags


def test_golden_bank_mapping():
    words = np.arange(200)
    addrs = TCDM_BASE + 8 * words
    assert np.array_equal(bank_of(addrs, CFG), words % CFG.tcdm.banks)
    assert np.array_equal(row_of(addrs, CFG), words // CFG.tcdm.banks)
    banks = CFG.tcdm.banks
    # Same bank three times, plus one other bank: two requests lose.
    stride = 8 * banks
    assert predicted_conflicts([TCDM_BASE, TCDM_BASE + stride, TCDM_BASE + 2 * stride,
                                TCDM_BASE + 8], CFG) == 2  # fmt: skip
    # A 64-byte DMA beat touches 8 consecutive banks: no conflict.
    assert predicted_conflicts(TCDM_BASE + 8 * np.arange(8), CFG) == 0


def test_golden_two_class_arbitration():
    """DMA ports lose a bank to the core and the accelerators; round-robin within each class."""
    arb = TcdmArbiter(NUM_PORTS, CFG, LOW_PORTS)
    dma_rd, dma_wr, acc = min(LOW_PORTS), max(LOW_PORTS), NUM_PORTS - 1
    a = TCDM_BASE  # all requests below hit bank 0
    req = [None] * NUM_PORTS
    req[dma_rd] = req[dma_wr] = req[acc] = req[0] = a
    assert [p for p, g in enumerate(arb.grant(req)) if g] == [0]
    assert [p for p, g in enumerate(arb.grant(req)) if g] == [acc]
    assert [p for p, g in enumerate(arb.grant(req)) if g] == [0]
    req[0] = req[acc] = None
    assert [p for p, g in enumerate(arb.grant(req)) if g] == [dma_rd]
    assert [p for p, g in enumerate(arb.grant(req)) if g] == [dma_wr]
    # Without low-class ports the same arbiter is plain round-robin over all ports.
    rr = TcdmArbiter(NUM_PORTS, CFG)
    req[0] = req[acc] = a
    assert [[p for p, g in enumerate(rr.grant(req)) if g] for _ in range(4)] == [
        [0], [dma_rd], [dma_wr], [acc]
    ]  # fmt: skip
