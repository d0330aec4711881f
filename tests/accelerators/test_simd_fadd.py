"""SIMD `fadd` (onnxruntime's float32 QLinearAdd) on the RTL against the golden model."""

from __future__ import annotations

import numpy as np
import pytest
from acc_tb import TCDM_BASE, AccTb, get_array

from snaxc.accelerators.description import REG_BUSY_CYCLES, REG_STALL_CYCLES
from snaxc.accelerators.simd import DESCRIPTION, vector_config
from snaxc.golden.requant import f32_fadd_params
from snaxc.golden.simd import simd

X_ADDR = TCDM_BASE
Y_ADDR = TCDM_BASE + 0x8000
Z_ADDR = TCDM_BASE + 0x10000


def _bits(v) -> int:
    return int(np.array(np.float32(v)).view(np.uint32))


def _f32(rng: np.random.Generator, lo: int, hi: int) -> np.float32:
    """A random float32 of either sign with exponent in [lo, hi) (sometimes short
    mantissas: exact products and ties)."""
    m = rng.uniform(1, 2) if rng.random() < 0.7 else float(rng.integers(1, 8))
    return np.float32(rng.choice([-1, 1]) * m * 2.0 ** int(rng.integers(lo, hi)))


def _case(seed: int):
    rng = np.random.default_rng(seed)
    kind = seed % 4
    if kind == 0:  # QLinearAdd parameters of a uint8 model (the compiler's use)
        sa, sb, sc = (float(v) for v in rng.uniform(0.005, 0.2, 3))
        za, zb, zc = (int(v) for v in rng.integers(0, 256, 3))
        ra, rb, f = f32_fadd_params(sa, sb, sc, za, zb, zc)
        x_zp = y_zp = -128
        out_zp, lo, hi = -128, -128, 127
    else:
        span = {1: (-3, 3), 2: (-40, 40), 3: (-149, 99)}[kind]
        ra, rb, f = (_f32(rng, *span) for _ in range(3))
        if kind == 3 and rng.random() < 0.5:  # subnormal F
            f = np.float32(np.ldexp(float(rng.integers(1, 2**23)), -149))
        x_zp = (
            int(rng.integers(-(2**23) + 128, 2**23 - 128))
            if kind == 3
            else int(rng.integers(-128, 128))
        )
        y_zp = int(rng.integers(-128, 128))
        out_zp = int(rng.integers(-128, 128))
        lo, hi = sorted(int(v) for v in rng.integers(-128, 128, 2))
    elems = 64 * int(rng.integers(1, 9))
    x = rng.integers(-128, 128, elems, dtype=np.int8)
    y = rng.integers(-128, 128, elems, dtype=np.int8)
    return x, y, dict(ra=ra, rb=rb, f=f, x_zp=x_zp, y_zp=y_zp, out_zp=out_zp, lo=lo, hi=hi)


def _run(simd_tb, tmp_path, x, y, p, *, counters=False):
    tb = AccTb(simd_tb, tmp_path)
    tb.put(X_ADDR, x)
    tb.put(Y_ADDR, y)
    cfg = vector_config(
        "fadd",
        x.size,
        x=X_ADDR,
        y=Y_ADDR,
        z=Z_ADDR,
        x_zp=p["x_zp"],
        y_zp=p["y_zp"],
        out_zp=p["out_zp"],
        clamp_min=p["lo"],
        clamp_max=p["hi"],
        scale_x=float(p["ra"]),
        scale_y=float(p["rb"]),
        offset=float(p["f"]),
    )
    tb.write_all(DESCRIPTION.encode(cfg))
    tb.wait_done(tb.launch())
    if counters:
        tb.read(REG_BUSY_CYCLES)
        tb.read(REG_STALL_CYCLES)
    res = tb.run()
    expected = simd(
        "fadd",
        x,
        y,
        x_zero_point=p["x_zp"],
        y_zero_point=p["y_zp"],
        out_dtype=np.int8,
        out_zero_point=p["out_zp"],
        clamp_min=p["lo"],
        clamp_max=p["hi"],
        scale_x=_bits(p["ra"]),
        scale_y=_bits(p["rb"]),
        offset=_bits(p["f"]),
    )
    return res, get_array(res.tcdm, Z_ADDR, (x.size,), np.int8), expected


@pytest.mark.parametrize("seed", range(3000, 3016))
def test_simd_fadd_random(simd_tb, tmp_path, seed):
    x, y, p = _case(seed)
    _, got, expected = _run(simd_tb, tmp_path, x, y, p)
    bad = np.flatnonzero(got != expected)
    assert bad.size == 0, (
        f"seed {seed}: {bad.size} mismatches, first at {bad[0]} (x {x[bad[0]]}, y {y[bad[0]]}, "
        f"{p}): got {got[bad[0]]}, expected {expected[bad[0]]}"
    )


def test_simd_fadd_ties_and_saturation(simd_tb, tmp_path):
    """Results exactly on half-integers (rounded to even), just beside them (one FMA
    rounding away), and huge values of both signs (saturated)."""
    x = np.tile(np.arange(-128, 128, dtype=np.int8), 2)
    y = np.concatenate([np.arange(-128, 128), np.arange(127, -129, -1)]).astype(np.int8)
    for ra, rb, f in (
        (0.5, 0.25, 0.125),  # x/2 + y/4 + 1/8: many exact ties
        (0.5, 2.0**-30, 0.5),  # the tiny y term decides the ties of x/2 + 1/2
        (2.0**99, -(2.0**99), 1.5),
        (1.0, 1.0, -(2.0**99)),
    ):
        p = dict(ra=ra, rb=rb, f=f, x_zp=0, y_zp=0, out_zp=3, lo=-128, hi=127)
        _, got, expected = _run(simd_tb, tmp_path, x, y, p)
        bad = np.flatnonzero(got != expected)
        assert bad.size == 0, (
            f"{p}: first mismatch at {bad[0]}: {got[bad[0]]} != {expected[bad[0]]}"
        )


def test_simd_fadd_double_rounding(simd_tb, tmp_path):
    """The case where a float64 sum rounded again to float32 is off by one float32 ulp (see
    tests/accelerators/test_fadd_golden.py): the exact FMA gives 0, double rounding 127."""
    x = np.ones(64, np.int8)
    y = np.full(64, 127, np.int8)
    f32 = [
        np.array(b, np.uint32).view(np.float32)[()] for b in (0xCE80_0001, 0x3700_0001, 0x4E80_0001)
    ]
    p = dict(ra=f32[0], rb=f32[1], f=f32[2], x_zp=0, y_zp=-(2**23 - 128), out_zp=0, lo=-128, hi=127)
    _, got, expected = _run(simd_tb, tmp_path, x, y, p)
    assert (expected == 0).all()
    assert (got == 0).all(), got[:4]


def test_simd_fadd_throughput(simd_tb, tmp_path):
    """One 64-lane beat per cycle, like add."""
    x, y, p = _case(3000)
    x = np.resize(x, 64 * 32)
    y = np.resize(y, 64 * 32)
    res, got, expected = _run(simd_tb, tmp_path, x, y, p, counters=True)
    busy, stall = (
        next(v for off, v, _ in res.reads if off == r) for r in (REG_BUSY_CYCLES, REG_STALL_CYCLES)
    )
    print(f"fadd: 32 beats in {busy} busy cycles, {stall} stalls")
    assert (got == expected).all()
    assert busy <= 32 + 8, busy


def test_fadd_config_checks():
    kw = dict(x=X_ADDR, y=Y_ADDR, z=Z_ADDR, scale_x=0.5, scale_y=0.25)
    with pytest.raises(ValueError, match="needs offset"):
        vector_config("fadd", 64, **kw)
    with pytest.raises(ValueError, match="below 2\\*\\*100"):
        vector_config("fadd", 64, **kw, offset=2.0**100)
    with pytest.raises(ValueError, match="int8 inputs"):
        vector_config("fadd", 64, **kw, offset=1.0, in_int32=True)
    with pytest.raises(ValueError, match="takes no scale_x"):
        vector_config("add", 64, x=X_ADDR, y=Y_ADDR, z=Z_ADDR, scale_x=1.0)
    cfg = vector_config("fadd", 64, **kw, offset=1.0)
    assert cfg["op"] == 8 and cfg["scale_x"] == 0x3F00_0000 and cfg["offset"] == 0x3F80_0000
