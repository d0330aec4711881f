"""Golden model of the GeMM accelerator and of the requantization shared with the SIMD unit.

Semantics (bit-exact with `hw/accelerators/gemm/`):

    D[m, n] = sum_k (A[m, k] - za) * (B[k, n] - zb) + C[m, n]

A and B are int8, the zero points za and zb are int8, the products and the accumulation are
int32 (two's complement, wrapping), C is an optional int32 matrix (bias or partial sums).
The output is either D itself (int32) or D requantized to int8 with a per-output-channel
(per column n) multiplier and shift, see `requantize`, or (`requant_f32` mode) with a
per-column float32 scale exactly as onnxruntime rounds in float32, see
`snaxc.golden.requant.requantize_f32`.
"""

from __future__ import annotations

import numpy as np

from snaxc.golden.requant import requantize_f32

INT8_MIN, INT8_MAX = -128, 127
MAX_SHIFT = 62


def _wrap32(x: np.ndarray) -> np.ndarray:
    return x.astype(np.int64).astype(np.uint32).astype(np.int32)


def requantize(
    acc: np.ndarray,
    multiplier: np.ndarray | int,
    shift: np.ndarray | int,
    zero_point: int = 0,
    clamp_min: int = INT8_MIN,
    clamp_max: int = INT8_MAX,
) -> np.ndarray:
    """Requantize int32 values to int8, exactly as the hardware output stages do.

        p = acc * multiplier                         (int32 x int32 -> int64, exact)
        q = (p + 2**(shift - 1)) >> shift            (shift > 0; arithmetic shift)
        q = p                                        (shift == 0)
        y = clamp(q + zero_point, clamp_min, clamp_max)

    i.e. round half towards +infinity of `acc * multiplier / 2**shift`. `multiplier` is a
    signed 32-bit integer, `shift` is in [0, 62], `zero_point` is int8 and
    `-128 <= clamp_min <= clamp_max <= 127` (clamp_min = zero_point gives a fused ReLU).
    `multiplier` and `shift` broadcast against `acc` (per-channel: one per column).
    In hardware this is a 32x32->64 multiply, a rounding add and an arithmetic shift.
    """
    acc = np.asarray(acc)
    if acc.dtype != np.int32:
        raise TypeError(f"requantize: acc must be int32, got {acc.dtype}")
    mult = np.asarray(multiplier, dtype=np.int64)
    sh = np.asarray(shift, dtype=np.int64)
    if np.any(mult < -(2**31)) or np.any(mult >= 2**31):
        raise ValueError("requantize: multiplier out of int32 range")
    if np.any(sh < 0) or np.any(sh > MAX_SHIFT):
        raise ValueError(f"requantize: shift out of range [0, {MAX_SHIFT}]")
    if not INT8_MIN <= clamp_min <= clamp_max <= INT8_MAX:
        raise ValueError("requantize: need -128 <= clamp_min <= clamp_max <= 127")
    if not INT8_MIN <= zero_point <= INT8_MAX:
        raise ValueError("requantize: zero_point must be int8")
    p = acc.astype(np.int64) * mult  # |p| <= 2**62: exact in int64
    rnd = np.where(sh > 0, np.left_shift(np.int64(1), np.maximum(sh - 1, 0)), 0)
    q = (p + rnd) >> sh  # p + rnd < 2**62 + 2**61: no overflow
    return np.clip(q + zero_point, clamp_min, clamp_max).astype(np.int8)


def gemm(
    a: np.ndarray,
    b: np.ndarray,
    c: np.ndarray | None = None,
    *,
    a_zero_point: int = 0,
    b_zero_point: int = 0,
    multiplier: np.ndarray | int | None = None,
    shift: np.ndarray | int = 0,
    out_zero_point: int = 0,
    clamp_min: int = INT8_MIN,
    clamp_max: int = INT8_MAX,
    scale: np.ndarray | float | None = None,
) -> np.ndarray:
    """D = (A - za) @ (B - zb) + C in int32; requantized to int8 when `multiplier` (fixed
    point) or `scale` (float32, the `requant_f32` mode) is given.

    a: int8 (M, K); b: int8 (K, N); c: int32 (M, N) or None; multiplier/shift/scale: scalars
    or one per output column (N,). Like the hardware, a column whose scale is not a positive
    normal float32 gives the value 0 (its outputs are clamp(out_zero_point)).
    """
    if multiplier is not None and scale is not None:
        raise ValueError("gemm: give either multiplier/shift or scale, not both")
    a = np.asarray(a)
    b = np.asarray(b)
    if a.dtype != np.int8 or b.dtype != np.int8:
        raise TypeError("gemm: A and B must be int8")
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"gemm: shapes {a.shape} and {b.shape} do not multiply")
    for name, zp in (("a_zero_point", a_zero_point), ("b_zero_point", b_zero_point)):
        if not INT8_MIN <= zp <= INT8_MAX:
            raise ValueError(f"gemm: {name} must be int8")
    # |(a - za)(b - zb)| <= 255**2: the int64 sum is exact; the hardware wraps at 32 bits.
    acc = (a.astype(np.int64) - a_zero_point) @ (b.astype(np.int64) - b_zero_point)
    if c is not None:
        c = np.asarray(c)
        if c.dtype != np.int32 or c.shape != acc.shape:
            raise ValueError(f"gemm: C must be int32 of shape {acc.shape}")
        acc = acc + c
    d = _wrap32(acc)
    if scale is not None:
        return requantize_f32_columns(d, scale, out_zero_point, clamp_min, clamp_max)
    if multiplier is None:
        return d
    return requantize(d, multiplier, shift, out_zero_point, clamp_min, clamp_max)


def requantize_f32_columns(
    d: np.ndarray,
    scale: np.ndarray | float,
    zero_point: int = 0,
    clamp_min: int = INT8_MIN,
    clamp_max: int = INT8_MAX,
) -> np.ndarray:
    """The GeMM's `requant_f32` output stage: column n of the int32 matrix d requantized with
    the float32 scale[n] (`requantize_f32`); a scale that is not a positive normal float32
    gives the value 0, as in the hardware."""
    scales = np.broadcast_to(np.asarray(scale, dtype=np.float32), (d.shape[1],))
    bits = scales.view(np.uint32)
    exp = (bits >> 23) & 0xFF
    valid = (bits >> 31 == 0) & (exp != 0) & (exp != 0xFF)
    out = np.empty(d.shape, np.int8)
    for n in range(d.shape[1]):
        col = d[:, n] if valid[n] else np.zeros(d.shape[0], np.int32)
        out[:, n] = requantize_f32(
            col, scales[n] if valid[n] else 1.0, zero_point, clamp_min, clamp_max
        )
    return out
