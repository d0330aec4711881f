"""The golden models against direct integer arithmetic (Python ints, no numpy tricks)."""

from __future__ import annotations

import numpy as np
import pytest

from snaxc.golden.gemm import gemm, requantize
from snaxc.golden.simd import simd


def _requant_ref(v: int, mult: int, shift: int, zp: int, lo: int, hi: int) -> int:
    p = v * mult
    q = (p + (1 << (shift - 1))) >> shift if shift else p  # Python >> is arithmetic
    return min(max(q + zp, lo), hi)


def _wrap(v: int) -> int:
    return (v + 2**31) % 2**32 - 2**31


def test_requantize_rounds_half_up():
    # 5/2 = 2.5 -> 3, -5/2 = -2.5 -> -2, 7/2 -> 4, -7/2 -> -3
    got = requantize(np.array([5, -5, 7, -7], np.int32), 1, 1)
    assert got.tolist() == [3, -2, 4, -3]


def test_requantize_extremes_and_random():
    rng = np.random.default_rng(3)
    v = np.concatenate([[-(2**31), 2**31 - 1, 0, -1], rng.integers(-(2**31), 2**31, 400)])
    v = v.astype(np.int32)
    for mult, shift in [(-(2**31), 62), (2**31 - 1, 62), (-(2**31), 0), (12345, 17), (1, 0)]:
        got = requantize(v, mult, shift, 3, -100, 90)
        exp = [_requant_ref(int(x), mult, shift, 3, -100, 90) for x in v]
        assert got.tolist() == exp, (mult, shift)
    with pytest.raises(ValueError):
        requantize(v, 1, 63)


def test_gemm_matches_loops():
    seed = 11
    rng = np.random.default_rng(seed)
    m, k, n = 5, 7, 3
    a = rng.integers(-128, 128, (m, k), dtype=np.int8)
    b = rng.integers(-128, 128, (k, n), dtype=np.int8)
    c = rng.integers(-(2**31), 2**31, (m, n), dtype=np.int64).astype(np.int32)
    mult = rng.integers(1, 2**31, n)
    shift = rng.integers(30, 45, n)
    d32 = gemm(a, b, c, a_zero_point=-3, b_zero_point=100)
    d8 = gemm(
        a,
        b,
        c,
        a_zero_point=-3,
        b_zero_point=100,
        multiplier=mult,
        shift=shift,
        out_zero_point=-5,
        clamp_min=-128,
        clamp_max=127,
    )
    for i in range(m):
        for j in range(n):
            acc = sum((int(a[i, x]) + 3) * (int(b[x, j]) - 100) for x in range(k)) + int(c[i, j])
            assert d32[i, j] == _wrap(acc), f"seed {seed}: ({i}, {j})"
            exp8 = _requant_ref(_wrap(acc), int(mult[j]), int(shift[j]), -5, -128, 127)
            assert d8[i, j] == exp8, f"seed {seed}: ({i}, {j})"


@pytest.mark.parametrize("op", ["add", "mul", "max", "relu", "copy", "rmax", "rsum"])
def test_simd_matches_loops(op):
    rng = np.random.default_rng(5)
    x = rng.integers(-(2**31), 2**31, (6, 3), dtype=np.int64).astype(np.int32)
    y = rng.integers(-(2**31), 2**31, (6, 3), dtype=np.int64).astype(np.int32)
    got = simd(op, x, y, x_zero_point=77, y_zero_point=-5)
    for i in range(6):
        xs = [_wrap(int(v) - 77) for v in x[i]]
        ys = [_wrap(int(v) + 5) for v in y[i]]
        exp = {
            "add": [_wrap(p + q) for p, q in zip(xs, ys, strict=True)],
            "mul": [_wrap(p * q) for p, q in zip(xs, ys, strict=True)],
            "max": [max(p, q) for p, q in zip(xs, ys, strict=True)],
            "relu": [max(p, 0) for p in xs],
            "copy": xs,
            "rmax": max(xs),
            "rsum": _wrap(sum(xs)),
        }[op]
        assert np.asarray(got[i]).tolist() == exp, (op, i)
