"""GeMM accelerator block tests: random problems against the golden model, on the RTL."""

from __future__ import annotations

import numpy as np
import pytest
from acc_tb import TCDM_BASE, AccTb, get_array

from snaxc.accelerators.gemm import DESCRIPTION, quant_words, row_major_config
from snaxc.golden.gemm import gemm

A_ADDR = TCDM_BASE
B_ADDR = TCDM_BASE + 0x4000
C_ADDR = TCDM_BASE + 0x8000
Q_ADDR = TCDM_BASE + 0xC000
D_ADDR = TCDM_BASE + 0x10000


def random_problem(rng: np.random.Generator, m: int, k: int, n: int, bias: bool, int8: bool):
    p = {
        "a": rng.integers(-128, 128, (m, k), dtype=np.int8),
        "b": rng.integers(-128, 128, (k, n), dtype=np.int8),
        "c": rng.integers(-(2**20), 2**20, (m, n), dtype=np.int32) if bias else None,
        "a_zp": int(rng.integers(-128, 128)),
        "b_zp": int(rng.integers(-128, 128)),
    }
    if int8:
        p["multiplier"] = rng.integers(1, 2**20, n, dtype=np.int64)
        p["shift"] = rng.integers(20, 40, n, dtype=np.int64)
        p["out_zp"] = int(rng.integers(-128, 128))
        lo, hi = sorted(int(x) for x in rng.integers(-128, 128, 2))
        p["clamp_min"], p["clamp_max"] = lo, hi
    return p


def golden(p) -> np.ndarray:
    kw = {"a_zero_point": p["a_zp"], "b_zero_point": p["b_zp"]}
    if "multiplier" in p:
        kw |= {
            "multiplier": p["multiplier"],
            "shift": p["shift"],
            "out_zero_point": p["out_zp"],
            "clamp_min": p["clamp_min"],
            "clamp_max": p["clamp_max"],
        }
    return gemm(p["a"], p["b"], p["c"], **kw)


def stage(tb: AccTb, p) -> dict[str, int]:
    m, k = p["a"].shape
    n = p["b"].shape[1]
    tb.put(A_ADDR, p["a"])
    tb.put(B_ADDR, p["b"])
    kw = {"a_zp": p["a_zp"], "b_zp": p["b_zp"]}
    if p["c"] is not None:
        tb.put(C_ADDR, p["c"])
        kw["c"] = C_ADDR
    if "multiplier" in p:
        tb.put(Q_ADDR, np.array(quant_words(p["multiplier"], p["shift"]), dtype="<u8"))
        kw |= {
            "q": Q_ADDR,
            "out_zp": p["out_zp"],
            "clamp_min": p["clamp_min"],
            "clamp_max": p["clamp_max"],
        }
    return row_major_config(m, k, n, a=A_ADDR, b=B_ADDR, d=D_ADDR, **kw)


def check(result: np.ndarray, expected: np.ndarray, seed: int) -> None:
    bad = np.argwhere(result != expected)
    assert bad.size == 0, (
        f"seed {seed}: {len(bad)} mismatches, first at {tuple(bad[0])}: "
        f"got {result[tuple(bad[0])]}, expected {expected[tuple(bad[0])]}"
    )


CASES = [
    (seed, bias, int8)
    for seed, (bias, int8) in enumerate(
        [(False, False), (True, False), (False, True), (True, True)] * 3
    )
]


@pytest.mark.parametrize("seed,bias,int8", CASES)
def test_gemm_random(gemm_tb, tmp_path, seed, bias, int8):
    rng = np.random.default_rng(seed)
    m, k, n = (int(x) for x in rng.integers(1, 9, 3) * 8)
    p = random_problem(rng, m, k, n, bias, int8)
    tb = AccTb(gemm_tb, tmp_path)
    tb.write_all(DESCRIPTION.encode(stage(tb, p)))
    tb.wait_done(tb.launch())
    res = tb.run()
    dtype = np.int8 if int8 else np.int32
    check(get_array(res.tcdm, D_ADDR, (m, n), dtype), golden(p), seed)


@pytest.mark.parametrize("seed", [50, 51])
def test_gemm_b_transposed(gemm_tb, tmp_path, seed):
    """B given as B^T (N x K row-major, e.g. Linear weights): `b_transposed` beats."""
    rng = np.random.default_rng(seed)
    m, k, n = (int(x) for x in rng.integers(1, 9, 3) * 8)
    p = random_problem(rng, m, k, n, bias=True, int8=False)
    tb = AccTb(gemm_tb, tmp_path)
    cfg = stage(tb, p)
    tb.put(B_ADDR, np.ascontiguousarray(p["b"].T))
    kt, nt, mt = k // 8, n // 8, m // 8
    cfg |= DESCRIPTION.pattern("b", B_ADDR, [(kt, 8), (nt, 8 * k), (mt, 0)], [k])
    cfg["b_transposed"] = 1
    tb.write_all(DESCRIPTION.encode(cfg))
    tb.wait_done(tb.launch())
    res = tb.run()
    check(get_array(res.tcdm, D_ADDR, (m, n), np.int32), golden(p), seed)
