"""`fixed_point_multiplier`: the hardware rescale against the float requantization formula."""

import math

import numpy as np
import pytest

from snaxc.golden.gemm import requantize
from snaxc.quantize import fixed_point_multiplier

SEED = 2024


def _hw(acc: np.ndarray, m: int, s: int) -> np.ndarray:
    """The hardware rounding without the clamp: (acc * m + 2**(s-1)) >> s, exact."""
    p = acc.astype(object) * m
    return np.array([(v + (1 << (s - 1))) >> s if s else v for v in p], dtype=np.int64)


def test_normalised_and_bounded():
    rng = np.random.default_rng(SEED)
    for scale in 2.0 ** rng.uniform(-30, 20, 2000):
        m, s = fixed_point_multiplier(float(scale))
        assert 2**30 <= m < 2**31 and 0 <= s <= 62
        assert abs(m / 2**s - scale) <= 2.0 ** -(s + 1)
        assert abs(m / 2**s - scale) <= scale * 2.0**-31


@pytest.mark.parametrize(
    "scale, expected",
    [(0.5, (2**30, 31)), (1.0, (2**30, 30)), (0.75, (3 * 2**29, 31)), (0.0, (0, 0))],
)
def test_exact_powers(scale, expected):
    assert fixed_point_multiplier(scale) == expected


def test_tiny_and_invalid_scales():
    m, s = fixed_point_multiplier(2.0**-40)
    assert s == 62 and m == 2**22
    for bad in (-1.0, math.inf, math.nan, 2.0**31):
        with pytest.raises(ValueError):
            fixed_point_multiplier(bad)


def test_at_most_one_lsb_from_the_float_formula():
    """Random accumulators and scales: within 1 LSB of roundeven(acc * scale), and equal
    unless acc * scale is within the documented bound of a half-integer."""
    rng = np.random.default_rng(SEED)
    n_scales, per_scale = 300, 2000
    differ = 0
    for scale in 2.0 ** rng.uniform(-24, 2, n_scales):
        m, s = fixed_point_multiplier(float(scale))
        # accumulators whose real value stays in +-2**12 (int8 outputs and beyond)
        limit = min(2**31 - 1, int(2**12 / scale))
        acc = rng.integers(-limit, limit, per_scale, dtype=np.int64)
        exact = acc * float(scale)
        ref = np.round(exact)  # numpy rounds half to even, as math.roundeven
        got = _hw(acc, m, s)
        d = np.abs(got - ref)
        assert d.max() <= 1, f"seed {SEED} scale {scale}: first bad index {int(d.argmax())}"
        bad = d != 0
        differ += int(bad.sum())
        frac = np.abs(exact[bad] - np.floor(exact[bad]) - 0.5)
        bound = np.abs(exact[bad]) * 2.0**-31 + 1e-12
        assert np.all(frac <= bound), f"seed {SEED} scale {scale}: unexplained difference"
    assert differ / (n_scales * per_scale) < 1e-4


def test_golden_requantize_agrees_with_the_float_formula():
    """Through `snaxc.golden.gemm.requantize` (zero point, int8 clamp): >= 99.99% equal."""
    rng = np.random.default_rng(SEED + 1)
    equal = total = 0
    for _ in range(200):
        scale = float(2.0 ** rng.uniform(-16, -4))
        zp = int(rng.integers(-128, 128))
        m, s = fixed_point_multiplier(scale)
        acc = rng.integers(-int(200 / scale), int(200 / scale), 5000).astype(np.int32)
        ref = np.clip(np.round(acc * scale) + zp, -128, 127)
        got = requantize(acc, m, s, zp).astype(np.int64)
        d = np.abs(got - ref)
        assert d.max() <= 1, f"seed {SEED + 1}: first mismatch at {int(d.argmax())}"
        equal += int((d == 0).sum())
        total += d.size
    assert equal / total >= 0.9999
