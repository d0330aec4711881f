"""The golden model of the SIMD `fadd` (float32 FMAs) against exact rational arithmetic."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from snaxc.golden.requant import add_f32, f32_fadd_params, fma_f32
from snaxc.golden.simd import simd


def _round_f32(v: Fraction) -> np.float32:
    """v rounded half to even to float32 (no overflow; subnormals at 2**-149)."""
    if v == 0:
        return np.float32(0.0)
    neg, m = v < 0, abs(v)
    e = m.numerator.bit_length() - m.denominator.bit_length()  # 2**e <= m * 2 ...
    while Fraction(2) ** e > m:
        e -= 1
    while Fraction(2) ** (e + 1) <= m:
        e += 1
    ulp = Fraction(2) ** max(e - 23, -149)
    q, r = divmod(m, ulp)
    q = int(q)
    if r > ulp / 2 or (r == ulp / 2 and q % 2):
        q += 1
    out = np.float32(float(q * ulp))  # q * ulp has <= 25 significant bits: exact
    return -out if neg else out


def _fma_exact(a: int, b: np.float32, c: np.float32) -> np.float32:
    return _round_f32(Fraction(a) * Fraction(float(b)) + Fraction(float(c)))


def _round_half_even(v: Fraction) -> int:
    q = v.numerator // v.denominator
    r = v - q
    return q + (r > Fraction(1, 2) or (r == Fraction(1, 2) and q % 2 == 1))


def _reference(xs, ys, ra, rb, f, zp=-128):
    out = []
    for a, b in zip(xs.tolist(), ys.tolist(), strict=True):
        r = _fma_exact(a, ra, _fma_exact(b, rb, f))
        out.append(min(max(_round_half_even(Fraction(float(r))) + zp, -128), 127))
    return np.array(out, np.int8)


def _check(seed, xs, ys, ra, rb, f):
    got = add_f32(xs, ys, ra, rb, f, -128)
    want = _reference(xs, ys, ra, rb, f)
    bad = np.flatnonzero(got != want)
    assert bad.size == 0, (
        f"seed {seed}: first mismatch at {bad[0]}: {got[bad[0]]} != {want[bad[0]]}"
    )


def test_fma_f32_exact_random():
    seed = 51
    rng = np.random.default_rng(seed)
    a = rng.integers(-(2**24) + 1, 2**24, 3000)
    b = (rng.standard_normal(3000) * 2.0 ** rng.integers(-60, 60, 3000)).astype(np.float32)
    c = (rng.standard_normal(3000) * 2.0 ** rng.integers(-60, 80, 3000)).astype(np.float32)
    got = np.array(
        [
            fma_f32(np.array([x]), y, np.array([z], np.float32))[0]
            for x, y, z in zip(a, b, c, strict=True)
        ],
        np.float32,
    )
    want = np.array([_fma_exact(int(x), y, z) for x, y, z in zip(a, b, c, strict=True)])
    bad = np.flatnonzero(got.view(np.uint32) != want.astype(np.float32).view(np.uint32))
    assert bad.size == 0, f"seed {seed}: first mismatch at {bad[0]}"


def test_fma_f32_ties():
    """c chosen so that a * b + c lies exactly on, or just beside, a float32 midpoint: the
    TwoSum error decides, or the tie goes to even."""
    seed = 52
    rng = np.random.default_rng(seed)
    for _ in range(2000):
        a = int(rng.integers(1, 2**24))
        b = np.float32(rng.uniform(0.5, 2.0))
        p = Fraction(a) * Fraction(float(b))
        big = _round_f32(p * 2**26)  # c >> p: p falls below c's ulp
        # c + p at a midpoint of c's neighbours +- a tiny offset
        c = big
        ulp = Fraction(float(np.nextafter(c, np.float32(np.inf)))) - Fraction(float(c))
        for target in (ulp / 2, ulp / 2 + Fraction(1, 2**30), ulp / 2 - Fraction(1, 2**30)):
            # choose b' so that a * b' is close to target: a * b' = target exactly needs
            # a float32 b'; use b' = round(target / a) and accept the resulting offset
            b2 = _round_f32(target / a)
            got = fma_f32(np.array([a]), b2, np.array([c], np.float32))[0]
            want = _fma_exact(a, b2, c)
            assert got.view(np.uint32) == want.view(np.uint32), (seed, a, b2, c)
        # exact tie: a = 1, b = ulp / 2 of c
        b3 = np.float32(float(ulp / 2))
        for cc in (c, np.nextafter(c, np.float32(np.inf))):
            got = fma_f32(np.array([1]), b3, np.array([cc], np.float32))[0]
            assert got.view(np.uint32) == _fma_exact(1, b3, cc).view(np.uint32), (seed, cc)


def test_add_f32_against_exact_reference():
    seed = 53
    rng = np.random.default_rng(seed)
    for _ in range(6):
        sa, sb, sc = (float(v) for v in rng.uniform(0.005, 0.2, 3))
        za, zb, zc = (int(v) for v in rng.integers(0, 256, 3))
        ra, rb, f = f32_fadd_params(sa, sb, sc, za, zb, zc)
        xs = rng.integers(0, 256, 500)
        ys = rng.integers(0, 256, 500)
        _check(seed, xs, ys, ra, rb, f)
    # huge and tiny parameters saturate / round correctly
    for ra, rb, f in ((2.0**90, 1.5, 3.0), (-(2.0**99), 2.0**99, -(2.0**99)), (1e-40, 1e-38, 0.5)):
        xs = rng.integers(-255, 256, 300)
        ys = rng.integers(-255, 256, 300)
        _check(seed, xs, ys, np.float32(ra), np.float32(rb), np.float32(f))


def test_simd_fadd_golden_uses_register_bits():
    ra, rb, f = f32_fadd_params(0.05, 0.03, 0.07, 120, 130, 128)
    x = np.arange(-128, 128, dtype=np.int8)
    y = x[::-1].copy()
    bits = [int(np.array(v).view(np.uint32)) for v in (ra, rb, f)]
    got = simd(
        "fadd",
        x,
        y,
        x_zero_point=-128,
        y_zero_point=-128,
        out_dtype=np.int8,
        out_zero_point=-128,
        scale_x=bits[0],
        scale_y=bits[1],
        offset=bits[2],
    )
    want = _reference(x.astype(np.int64) + 128, y.astype(np.int64) + 128, ra, rb, f)
    np.testing.assert_array_equal(got, want)


# fma(2**23 - 1, rB, F) = 2**30 + 192 - 2**-40 exactly (rB = (2**23 + 1) * 2**-40,
# F = 2**30 + 128): float64 rounds the sum onto the float32 midpoint 2**30 + 192, from which
# float32 rounding would go up to the even 2**30 + 256; the exact FMA gives 2**30 + 128.
# Then fma(1, rA, t) with rA = -(2**30 + 128) gives 0 (128 with the double rounding).
DOUBLE_ROUNDING_CASE = dict(ra=0xCE80_0001, rb=0x3700_0001, f=0x4E80_0001, x=1, y=2**23 - 1)


def test_fma_f32_double_rounding_case():
    c = DOUBLE_ROUNDING_CASE
    ra, rb, f = (np.array(c[k], np.uint32).view(np.float32)[()] for k in ("ra", "rb", "f"))
    t = fma_f32(np.array([c["y"]]), rb, np.array([f], np.float32))
    assert float(t[0]) == 2.0**30 + 128 == float(_fma_exact(c["y"], rb, f))
    assert add_f32(np.array([c["x"]]), np.array([c["y"]]), ra, rb, f)[0] == 0
