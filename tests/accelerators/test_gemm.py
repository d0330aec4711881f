"""GeMM accelerator block tests: random problems against the golden model, on the RTL."""

from __future__ import annotations

import numpy as np
import pytest
from acc_tb import TCDM_BASE, AccTb, get_array

from snaxc.accelerators.gemm import DESCRIPTION, quant_words, quant_words_f32, row_major_config
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


# requant_f32: float32-exact requantization (onnxruntime's QLinearConv/QGemm rounding) ------


def random_scales(rng: np.random.Generator, n: int, acc_std: float) -> np.ndarray:
    """Per-column float32 scales: log-uniform over 1e-6..10, scales that map the typical
    accumulator onto the int8 range (results inside the clamp bounds, rounding exercised),
    and scales with a short mantissa (exact products: ties at the final rounding)."""
    kind = rng.integers(0, 3, n)
    wide = np.exp(rng.uniform(np.log(1e-6), np.log(10.0), n))
    fit = rng.uniform(4.0, 100.0, n) / acc_std
    short = rng.choice([1, 3, 5, 7], n) * np.exp2(np.round(np.log2(fit)) - 2)
    return np.where(kind == 0, wide, np.where(kind == 1, fit, short)).astype(np.float32)


F32_CASES = [(seed, bool(seed % 2)) for seed in range(200, 208)]


@pytest.mark.parametrize("seed,bias", F32_CASES)
def test_gemm_requant_f32_random(gemm_tb, tmp_path, seed, bias):
    rng = np.random.default_rng(seed)
    m, k, n = (int(x) for x in rng.integers(1, 9, 3) * 8)
    p = random_problem(rng, m, k, n, bias, int8=True)
    acc_std = 128.0 * 128.0 * np.sqrt(k) / 3 + (2**20 if bias else 0)
    scales = random_scales(rng, n, acc_std)
    # a full range or a fused ReLU (clamp_min = out_zp): outputs inside the bounds
    p["out_zp"] = int(rng.integers(-20, 21))
    p["clamp_min"], p["clamp_max"] = (-128, 127) if seed % 4 < 2 else (p["out_zp"], 127)
    tb = AccTb(gemm_tb, tmp_path)
    cfg = stage(tb, p)
    tb.put(Q_ADDR, np.array(quant_words_f32(scales), dtype="<u8"))
    # bits [63:32] are ignored in this mode: fill them with noise
    noisy = np.array(quant_words_f32(scales), np.uint64) | (
        rng.integers(0, 2**32, n, dtype=np.uint64) << np.uint64(32)
    )
    tb.put(Q_ADDR, noisy.astype("<u8"))
    cfg["requant_f32"] = 1
    tb.write_all(DESCRIPTION.encode(cfg))
    tb.wait_done(tb.launch())
    res = tb.run()
    kw = {k: p[k] for k in ("clamp_min", "clamp_max")}
    expected = gemm(
        p["a"],
        p["b"],
        p["c"],
        a_zero_point=p["a_zp"],
        b_zero_point=p["b_zp"],
        scale=scales,
        out_zero_point=p["out_zp"],
        **kw,
    )
    got = get_array(res.tcdm, D_ADDR, (m, n), np.int8)
    if not np.array_equal(got, expected):
        bad = tuple(np.argwhere(got != expected)[0])
        raise AssertionError(
            f"seed {seed}: first mismatch at {bad} (scale {scales[bad[1]]!r}): "
            f"got {got[bad]}, expected {expected[bad]}"
        )
    inside = (expected > p["clamp_min"]) & (expected < p["clamp_max"])
    assert inside.sum() >= m, f"seed {seed}: only {inside.sum()} outputs inside the clamp"


def test_gemm_requant_f32_matches_float32_formula(gemm_tb, tmp_path):
    """The f32 mode on the RTL equals the float32 formula itself (numpy float32), on a problem
    with many outputs inside the int8 range, and takes the cycles of the fixed-point mode."""
    seed = 300
    rng = np.random.default_rng(seed)
    m, k, n = 64, 32, 64
    p = random_problem(rng, m, k, n, bias=True, int8=True)
    p["clamp_min"], p["clamp_max"] = -128, 127
    scales = (rng.uniform(20.0, 60.0, n) / (128.0 * 128.0 * np.sqrt(k) / 3 + 2**20)).astype(
        np.float32
    )
    acc = gemm(p["a"], p["b"], p["c"], a_zero_point=p["a_zp"], b_zero_point=p["b_zp"])
    y = np.rint((acc.astype(np.float32) * scales).astype(np.float32))
    formula = np.clip(y + p["out_zp"], -128, 127).astype(np.int8)
    cycles = {}
    for f32 in (0, 1):
        tb = AccTb(gemm_tb, tmp_path / str(f32))
        cfg = stage(tb, p)
        if f32:
            tb.put(Q_ADDR, np.array(quant_words_f32(scales), dtype="<u8"))
        cfg["requant_f32"] = f32
        tb.write_all(DESCRIPTION.encode(cfg))
        tb.wait_done(tb.launch())
        res = tb.run()
        cycles[f32] = res.cycles
    got = get_array(res.tcdm, D_ADDR, (m, n), np.int8)
    bad = np.argwhere(got != formula)
    assert bad.size == 0, f"seed {seed}: first mismatch at {tuple(bad[0])}"
    assert np.count_nonzero((formula > -128) & (formula < 127)) > m * n // 2
    assert cycles[0] == cycles[1], cycles


def test_quant_words_f32_rejects_bad_scales():
    assert quant_words_f32([1.0, 0.5]) == [0x3F80_0000, 0x3F00_0000]
    for bad in (0.0, -1.0, 1e-45, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="not a positive normal float32"):
            quant_words_f32([1.0, bad])
