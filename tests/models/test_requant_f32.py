"""The integer float32-exact requantization (`snaxc.golden.requant`) against numpy float32
arithmetic, bit for bit: random accumulators and scales, and adversarial cases (exact ties at
the final rounding, ties when rounding the accumulator or the product to 24 bits, every
accumulator of a range, the int32 extremes)."""

import numpy as np
import pytest

from snaxc.golden.gemm import requantize
from snaxc.golden.requant import (
    average_pool_f32,
    average_pool_float32_reference,
    onnxruntime_scale,
    requantize_f32,
    requantize_f32_unclamped,
    requantize_float32_reference,
    scale_fields,
)
from snaxc.quantize import fixed_point_multiplier

SEED = 20261126


def _check(acc: np.ndarray, scale, what: str) -> None:
    acc = np.asarray(acc).astype(np.int32)
    got = requantize_f32_unclamped(acc, scale)
    want = requantize_float32_reference(acc, scale)
    bad = np.flatnonzero(got != want)
    assert bad.size == 0, (
        f"{what} (seed {SEED}): {bad.size} mismatches, first at index {bad[0]}: acc "
        f"{acc[bad[0]]}, scale {np.float32(scale)!r}: {got[bad[0]]} != float32 {want[bad[0]]}"
    )


def _random_scales(rng, n):
    return np.exp2(rng.uniform(-32, 6, n)).astype(np.float32)


def test_random_accumulators_and_scales():
    rng = np.random.default_rng(SEED)
    for i, scale in enumerate(_random_scales(rng, 24)):
        wide = rng.integers(-(2**31), 2**31, 60_000)
        mid = rng.integers(-(2**20), 2**20, 60_000)
        # accumulators of every magnitude (many above 2**24, where float32(acc) rounds)
        mixed = rng.integers(-(2**8), 2**8, 60_000) << rng.integers(0, 24, 60_000)
        _check(np.concatenate([wide, mid, mixed]), scale, f"random scale #{i}")


def test_every_accumulator_of_a_range():
    rng = np.random.default_rng(SEED + 1)
    acc = np.arange(-(2**19), 2**19)
    for scale in [*_random_scales(rng, 3), np.float32(1 / 3), np.float32(0.0078125)]:
        _check(acc, scale, f"all |acc| < 2**19, scale {scale!r}")


def test_ties_at_the_final_rounding():
    """Scales with few mantissa bits make the float32 product exact: every x.5 is a tie that
    must round to even."""
    acc = np.arange(-(2**18), 2**18)
    for scale in (2.0**-1, 2.0**-3, 3 * 2.0**-5, 5 * 2.0**-9, 2.0**-17, 1.5, 7 * 2.0**-12):
        y = acc.astype(np.float64) * scale
        assert np.any(y - np.floor(y) == 0.5)  # the range holds ties
        _check(acc, np.float32(scale), f"exact products, scale {scale}")


def test_ties_when_rounding_the_accumulator():
    """|acc| >= 2**24: float32(acc) drops low bits; accumulators at and around the halfway
    points between float32 neighbours, in every binade up to 2**31."""
    rng = np.random.default_rng(SEED + 2)
    accs = []
    for k in range(24, 32):
        ulp = 1 << (k - 23)
        base = (rng.integers(1 << 23, 1 << 24, 4000) * ulp).astype(np.int64)
        for off in (-1, 0, 1):
            accs += [base + ulp // 2 + off, -(base + ulp // 2 + off)]
        accs.append(np.array([(1 << k) - 1, 1 << k, -(1 << k), -(1 << k) + 1]))
    acc = np.clip(np.concatenate(accs), -(2**31), 2**31 - 1)
    for scale in [*_random_scales(rng, 6), np.float32(2.0**-24), np.float32(1.0)]:
        _check(acc, scale, f"accumulator ties, scale {scale!r}")


def test_ties_when_rounding_the_product():
    """Products whose low bits are exactly half an ulp of the 24-bit result: acc * ms with
    acc a multiple of a power of two and ms odd around it (round-to-even of the product)."""
    rng = np.random.default_rng(SEED + 3)
    ms = rng.integers(1 << 23, 1 << 24, 50) | 1
    for m in ms:
        # acc * m has its lowest set bit at 2**j; with bit length 24 + j + 1 it is a tie.
        j = rng.integers(1, 7)
        acc = (np.arange(1, 2**14) * 2 + 1) << (j - 1)
        for es in (-40, -30, -24, -20):
            scale = np.float32(float(m) * 2.0**es)
            _check(np.concatenate([acc, -acc]), scale, f"product ties, ms {m}, es {es}")


def test_products_that_round_to_a_power_of_two():
    """ma * ms just below 2**47: the float32 product rounds up into the next binade."""
    rng = np.random.default_rng(SEED + 5)
    ma = rng.integers(1 << 23, 1 << 24, 20_000)
    ms = -(-((1 << 47) - (1 << 22)) // ma)
    ok = (ms < (1 << 24)) & (ma * ms < (1 << 47))
    assert ok.sum() > 1000
    for m, s in zip(ma[ok][:300], ms[ok][:300], strict=True):
        acc = np.array([m, -m, m * 2, m // 2])
        for e in (-44, -40, -30):
            _check(acc, np.float32(float(s) * 2.0**e), f"product carry, ma {m}, ms {s}")


def test_int32_extremes_and_zero():
    acc = np.array([0, 1, -1, 2**31 - 1, -(2**31), 2**24 - 1, 2**24 + 1, -(2**24) - 1])
    for scale in (2.0**-126, 2.0**-40, 1e-9, 0.0123, 1.0, 3.0e3):
        _check(acc, np.float32(scale), f"extremes, scale {scale}")


def test_zero_point_and_clamp():
    acc = np.array([-1000, -3, -1, 0, 1, 2, 5, 1000], np.int32)
    got = requantize_f32(acc, 0.5, zero_point=-128, clamp_min=-128, clamp_max=100)
    # 0.5 * acc rounds half to even: -500, -2 (-1.5), -0 (-0.5), 0, 0 (0.5), 1, 2 (2.5), 500
    want = np.clip(np.array([-500, -2, 0, 0, 0, 1, 2, 500]) - 128, -128, 100)
    np.testing.assert_array_equal(got, want)
    assert got.dtype == np.int8


def test_scale_fields():
    assert scale_fields(1.0) == (1 << 23, -23)
    assert scale_fields(0.75) == (3 << 22, -24)
    ms, es = scale_fields(0.1)
    assert np.float32(ms * 2.0**es) == np.float32(0.1)
    for bad in (0.0, -0.5, float("inf"), 1e-45):
        with pytest.raises(ValueError, match="not a positive normal float32"):
            scale_fields(bad)
    with pytest.raises(TypeError, match="must be int32"):
        requantize_f32(np.zeros(3, np.int64), 0.5)


def test_onnxruntime_scale_rounds_each_step():
    sx, sw, sy = 0.0235, 0.00391, 0.0517
    want = np.float32(np.float32(np.float32(sx) * np.float32(sw)) / np.float32(sy))
    assert onnxruntime_scale(sx, sw, sy) == want


def test_differs_from_the_fixed_point_path_only_near_half_integers():
    """Where the fixed-point multiplier/shift and the float32 formula disagree the exact
    product lies within float32 rounding noise of a half-integer, and by one LSB."""
    rng = np.random.default_rng(SEED + 4)
    acc = rng.integers(-(2**20), 2**20, 400_000).astype(np.int32)
    scale = np.float32(0.00123456)
    m, s = fixed_point_multiplier(float(scale))
    fixed = requantize(acc, m, s, clamp_min=-128, clamp_max=127).astype(np.int64)
    exact = np.clip(requantize_f32_unclamped(acc, scale), -128, 127)
    diff = np.flatnonzero(fixed != exact)
    assert np.all(np.abs(fixed[diff] - exact[diff]) == 1)
    frac = (acc[diff].astype(np.float64) * float(scale)) % 1.0
    assert np.all(np.abs(frac - 0.5) < 1e-6)


@pytest.mark.parametrize("window", [1, 4, 9, 25, 64, 125])
def test_average_pool_matches_float32(window):
    """Dequantize -> left-to-right float32 sum -> / window -> / y_scale -> round, bit for bit;
    scales equal to the input scale (many exact ties), random scales, small and full-range
    inputs."""
    rng = np.random.default_rng(SEED + window)
    for i in range(12):
        sx = np.float32(np.exp2(rng.uniform(-12, 0)))
        sy = sx if i % 3 == 0 else np.float32(sx * np.exp2(rng.uniform(-3, 3)))
        hi = 4 if i % 4 == 1 else 256
        k = rng.integers(-hi + 1, hi, (4000, window))
        zp = int(rng.integers(-128, 128))
        got = average_pool_f32(k, sx, sy, zp)
        want = average_pool_float32_reference(k, sx, sy, zp)
        bad = np.flatnonzero(got != want)
        assert bad.size == 0, (
            f"seed {SEED + window}, case {i}: {bad.size} mismatches, first window {bad[0]}: "
            f"{k[bad[0]].tolist()} scales {sx!r} {sy!r} zp {zp}: {got[bad[0]]} != {want[bad[0]]}"
        )
