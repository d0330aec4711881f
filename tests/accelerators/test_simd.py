"""SIMD accelerator block tests: random vectors against the golden model, on the RTL."""

from __future__ import annotations

import numpy as np
import pytest
from acc_tb import TCDM_BASE, AccTb, get_array

from snaxc.accelerators.description import REG_BUSY_CYCLES, REG_STALL_CYCLES
from snaxc.accelerators.simd import DESCRIPTION, OPS, scale_bits, vector_config
from snaxc.golden.requant import dequantized_sum_f32
from snaxc.golden.simd import simd

X_ADDR = TCDM_BASE
Y_ADDR = TCDM_BASE + 0x8000
Z_ADDR = TCDM_BASE + 0x10000

REGS = (REG_BUSY_CYCLES, REG_STALL_CYCLES)
MODES = [(np.int8, np.int8), (np.int32, np.int32), (np.int32, np.int8)]
CASES = [(op, i) for op in OPS if op not in ("fsum", "fadd") for i in range(len(MODES))]


def _rand(rng, dtype, shape):
    if dtype == np.int8:
        return rng.integers(-128, 128, shape, dtype=np.int8)
    return rng.integers(-(2**31), 2**31, shape, dtype=np.int64).astype(np.int32)


@pytest.mark.parametrize("op,mode", CASES)
def test_simd_random(simd_tb, tmp_path, op, mode):
    seed = 1000 + 10 * list(OPS).index(op) + mode
    rng = np.random.default_rng(seed)
    in_t, out_t = MODES[mode]
    elems = 64 * int(rng.integers(1, 9))
    reduce = int(rng.integers(1, 5)) if op in ("rmax", "rsum") else 1
    small = in_t == np.int32 and op == "mul"
    x = _rand(rng, in_t, (reduce, elems))
    y = _rand(rng, in_t, (elems,))
    if small:  # keep some products in range so the low 32 bits are not all noise
        x[:, : elems // 2] //= 2**16
    zp_range = 128 if in_t == np.int8 else 2**20
    kw = {
        "x_zp": int(rng.integers(-zp_range, zp_range)),
        "y_zp": int(rng.integers(-zp_range, zp_range)),
    }
    q = {}
    if out_t == np.int8:
        lo, hi = sorted(int(v) for v in rng.integers(-128, 128, 2))
        q = {
            "multiplier": int(rng.integers(1, 2**31)),
            "shift": int(rng.integers(28, 50)) if in_t == np.int32 else int(rng.integers(30, 33)),
            "out_zp": int(rng.integers(-128, 128)),
            "clamp_min": lo,
            "clamp_max": hi,
        }
    tb = AccTb(simd_tb, tmp_path)
    tb.put(X_ADDR, x)
    tb.put(Y_ADDR, y)
    cfg = vector_config(
        op,
        elems,
        x=X_ADDR,
        y=Y_ADDR,
        z=Z_ADDR,
        in_int32=in_t == np.int32,
        out_int8=out_t == np.int8,
        reduce=reduce,
        **kw,
        **q,
    )
    tb.write_all(DESCRIPTION.encode(cfg))
    tb.wait_done(tb.launch())
    res = tb.run()
    gq = {("out_zero_point" if k == "out_zp" else k): v for k, v in q.items()}
    gq |= {"x_zero_point": kw["x_zp"], "y_zero_point": kw["y_zp"], "out_dtype": out_t}
    if op in ("rmax", "rsum"):
        expected = simd(op, x.T, **gq)
    elif op in ("relu", "copy"):
        expected = simd(op, x[0], **gq)
    else:
        expected = simd(op, x[0], y, **gq)
    got = get_array(res.tcdm, Z_ADDR, (elems,), out_t)
    bad = np.flatnonzero(got != expected)
    assert bad.size == 0, (
        f"seed {seed}: {bad.size} mismatches, first at {bad[0]}: "
        f"got {got[bad[0]]}, expected {expected[bad[0]]}"
    )


# fsum: float32 sums of dequantized windows (onnxruntime's float32 AveragePool) ------------


def float32_sum_reference(k: np.ndarray, scale: np.float32) -> np.ndarray:
    """numpy float32, left to right over the last axis: s = f32(s + f32(f32(k_i) * scale))."""
    f32 = np.float32
    s = np.zeros(k.shape[:-1], f32)
    with np.errstate(over="ignore"):
        for i in range(k.shape[-1]):
            s = (s + (k[..., i].astype(f32) * f32(scale)).astype(f32)).astype(f32)
    return s


def _fsum_case(rng: np.random.Generator, in_t, reduce: int):
    elems = (64 if in_t == np.int8 else 16) * int(rng.integers(1, 9))
    x = _rand(rng, in_t, (reduce, elems))
    if in_t == np.int8:
        x_zp = int(rng.integers(-128, 128))
    else:
        x_zp = int(rng.integers(-(2**20), 2**20))
        small = rng.random(elems) < 0.5  # int32 inputs of every size, exact and rounded
        x[:, small] = (x[:, small] >> rng.integers(0, 31, small.sum())).astype(np.int32)
    # lanes whose window sums to exactly zero (+0.0) and lanes that cancel to tiny values
    x[:, 0] = x_zp
    if reduce >= 2 and in_t == np.int32:
        x[:2, 1] = [x_zp + 1000, x_zp - 1000]
        x[2:, 1] = x_zp
    scale = np.float32(np.exp(rng.uniform(np.log(1e-6), np.log(10.0))))
    if rng.random() < 0.25:  # a short mantissa: exact products, ties in the sums
        scale = np.float32(rng.choice([1, 3, 5]) * 2.0 ** int(rng.integers(-20, 4)))
    return x, x_zp, scale, elems


FSUM_CASES = [
    (seed, in_t, reduce)
    for seed, (in_t, reduce) in enumerate(
        [(np.int8, r) for r in (1, 2, 3, 4, 9, 64, 130)] + [(np.int32, r) for r in (1, 2, 5, 130)],
        start=2000,
    )
]


@pytest.mark.parametrize("seed,in_t,reduce", FSUM_CASES)
def test_simd_fsum_random(simd_tb, tmp_path, seed, in_t, reduce):
    rng = np.random.default_rng(seed)
    x, x_zp, scale, elems = _fsum_case(rng, in_t, reduce)
    tb = AccTb(simd_tb, tmp_path)
    tb.put(X_ADDR, x)
    cfg = vector_config(
        "fsum",
        elems,
        x=X_ADDR,
        z=Z_ADDR,
        in_int32=in_t == np.int32,
        out_int8=False,
        reduce=reduce,
        x_zp=x_zp,
        scale=float(scale),
    )
    tb.write_all(DESCRIPTION.encode(cfg))
    tb.wait_done(tb.launch())
    res = tb.run()
    expected = simd("fsum", x.T, x_zero_point=x_zp, multiplier=scale_bits(scale))
    got = get_array(res.tcdm, Z_ADDR, (elems,), np.int32)
    bad = np.flatnonzero(got != expected)
    assert bad.size == 0, (
        f"seed {seed}: {bad.size} mismatches, first at lane {bad[0]} (scale {scale!r}, "
        f"x_zp {x_zp}): got {got[bad[0]]:#x}, expected {expected[bad[0]]:#x}"
    )
    # The golden model is numpy's float32 sum itself.
    k = x.T.astype(np.int64) - x_zp
    k = (k + 2**31) % 2**32 - 2**31
    ref = float32_sum_reference(k, scale).view(np.int32)
    bad = np.flatnonzero(ref != expected)
    assert bad.size == 0, f"seed {seed}: golden differs from numpy float32 at lane {bad[0]}"
    assert got[0] == 0  # a window summing to zero is +0.0


def test_simd_fsum_throughput(simd_tb, tmp_path):
    """fsum on int8 inputs writes four int32 beats per input beat; with windows of at least
    four beats the X stream still moves one beat per cycle. (576-element vectors: window
    positions 576 B apart walk over the banks; at a multiple of 256 B every X beat would sit
    on the banks of every fourth Z beat, which the writer leaves to the reader.)"""
    rng = np.random.default_rng(77)
    reduce, elems = 8, 576
    x = _rand(rng, np.int8, (reduce, elems))
    tb = AccTb(simd_tb, tmp_path)
    tb.put(X_ADDR, x)
    cfg = vector_config("fsum", elems, x=X_ADDR, z=Z_ADDR, reduce=reduce, scale=0.03125)
    tb.write_all(DESCRIPTION.encode(cfg))
    tb.wait_done(tb.launch())
    tb.read(REG_BUSY_CYCLES)
    tb.read(REG_STALL_CYCLES)
    res = tb.run()
    busy, stall = (next(v for off, v, _ in res.reads if off == r) for r in REGS)
    x_beats = reduce * elems // 64
    print(f"fsum int8, {x_beats} X beats, {elems // 16} Z beats: {busy} busy cycles")
    assert stall == 0 and busy <= x_beats + 8, (busy, stall)
    expected = simd("fsum", x.T, multiplier=scale_bits(0.03125))
    assert (get_array(res.tcdm, Z_ADDR, (elems,), np.int32) == expected).all()


def test_golden_fsum_matches_float32_wide_and_long():
    """The golden sum against numpy float32 where its fixed-point sum outgrows int64 (int32
    inputs near 2**31, long windows) and at subnormal results (cancelling terms)."""
    rng = np.random.default_rng(5)
    k = rng.integers(-(2**31), 2**31, (16, 3000))
    for scale in (np.float32(7.3), np.float32(1e-30)):
        s, es = dequantized_sum_f32(k, scale)
        assert s.dtype == object
        got = simd("fsum", k.astype(np.int32), multiplier=scale_bits(scale))
        assert (got == float32_sum_reference(k, scale).view(np.int32)).all()
    tiny = np.float32(np.ldexp(2**24 - 1, -149))
    k = np.array([[3, -1, -1, -1], [-3, 1, 1, 1], [5, -5, 0, 0]])
    got = simd("fsum", k.astype(np.int32), multiplier=scale_bits(tiny))
    assert got.tolist() == float32_sum_reference(k, tiny).view(np.int32).tolist()
    assert got.tolist() == [-(2**31) | 2, 2, 0]  # -2**-148, 2**-148, +0.0


def test_fsum_config_checks():
    with pytest.raises(ValueError, match="out_int8 must be 0"):
        vector_config("fsum", 64, x=X_ADDR, z=Z_ADDR, out_int8=True, scale=1.0)
    with pytest.raises(ValueError, match="not a positive normal float32"):
        vector_config("fsum", 64, x=X_ADDR, z=Z_ADDR, scale=-1.0)
    with pytest.raises(ValueError, match="not a positive normal float32"):
        vector_config("fsum", 64, x=X_ADDR, z=Z_ADDR, multiplier=1)
    cfg = vector_config("fsum", 64, x=X_ADDR, z=Z_ADDR, reduce=3, scale=0.5)
    assert cfg["multiplier"] == 0x3F00_0000 and cfg["out_int8"] == 0 and cfg["out_beats"] == 4


def test_simd_fsum_longest_window(simd_tb, tmp_path):
    """The widest sums: a 65535-beat window (the largest `reduce`) of int32 inputs up to
    |x'| = 2**31, re-reading one X beat (window stride 0), against numpy float32."""
    reduce, elems = 65535, 16
    x = np.array([-(2**31), 2**31 - 1, -(2**31) + 1, 2**30 + 1] * 4, np.int32)
    x[4:] = np.random.default_rng(9).integers(-(2**31), 2**31, 12)
    scale = np.float32(np.ldexp(2**24 - 1, -149))  # the largest mantissa, no float overflow
    tb = AccTb(simd_tb, tmp_path)
    tb.put(X_ADDR, x)
    cfg = vector_config(
        "fsum", elems, x=X_ADDR, z=Z_ADDR, in_int32=True, reduce=reduce, scale=float(scale)
    )
    cfg |= DESCRIPTION.pattern("x", X_ADDR, [(reduce, 0), (1, 64)], [8])
    tb.write_all(DESCRIPTION.encode(cfg))
    tb.wait_done(tb.launch())
    res = tb.run()
    k = np.repeat(x.astype(np.int64)[:, None], reduce, axis=1)
    expected = float32_sum_reference(k, scale).view(np.int32)
    assert (simd("fsum", k.astype(np.int32), multiplier=scale_bits(scale)) == expected).all()
    got = get_array(res.tcdm, Z_ADDR, (elems,), np.int32)
    bad = np.flatnonzero(got != expected)
    assert bad.size == 0, f"lane {bad[0]}: got {got[bad[0]]:#x}, expected {expected[bad[0]]:#x}"
