"""Golden model of the SIMD (elementwise) accelerator, bit-exact with `hw/accelerators/simd/`.

Every lane computes in int32 (two's complement, wrapping) on zero-point-corrected inputs
`x' = x - zx`, `y' = y - zy`:

    add    r = x' + y'                 mul    r = x' * y'  (low 32 bits)
    max    r = max(x', y')             relu   r = max(x', 0)
    copy   r = x'                      (with int8 output: a pure requantization)
    rmax   r = max over R inputs x'_i  rsum   r = sum over R inputs x'_i

`rmax`/`rsum` reduce over the last axis of `x` (length R): the streamer walks a pooling
window in its inner loops. The output is r (int32) or `requantize(r, ...)` (int8, the same
rounding as the GeMM output stage, see `snaxc.golden.gemm.requantize`).
Element types: int8 -> int8, int32 -> int32, int32 -> int8.

    fsum   s = float32 sum, left to right over R inputs, of float32(float32(x'_i) * scale)

with `multiplier` holding the float32 bits of the positive normal `scale`: the dequantized
window sum of onnxruntime's float32 AveragePool (`snaxc.golden.requant.dequantized_sum_f32`).
Its result is int32 lanes holding the float32 bits of s, for int8 and int32 inputs.

    fadd   r = fma(float32(x'), rA, fma(float32(y'), rB, F))  (float32 FMAs, one rounding each)
           out = clamp(round_half_even(r) + out_zero_point, clamp_min, clamp_max)  (int8)

onnxruntime's float32 QLinearAdd (`snaxc.golden.requant.add_f32`); rA, rB, F are given as
their float32 bits (`scale_x`, `scale_y`, `offset`), finite with magnitude below 2**100.
int8 inputs only, zero points with |x'|, |y'| < 2**24.
"""

from __future__ import annotations

import numpy as np

from snaxc.golden.gemm import INT8_MAX, INT8_MIN, requantize
from snaxc.golden.requant import add_f32, dequantized_sum_f32, float32_bits

OPS = ("add", "mul", "max", "relu", "copy", "rmax", "rsum", "fsum", "fadd")
BINARY_OPS = ("add", "mul", "max", "fadd")
F32_ZP_LIMIT = 2**23 - 128
"""|x_zp|, |y_zp| bound of fadd (|x'| < 2**24 for int8 x: exact in float32)."""
REDUCE_OPS = ("rmax", "rsum", "fsum")


def _f32(bits: int) -> np.float32:
    return np.array([bits & 0xFFFF_FFFF], np.uint32).view(np.float32)[0]


def _wrap32(x: np.ndarray) -> np.ndarray:
    return x.astype(np.int64).astype(np.uint32).astype(np.int32)


def simd(
    op: str,
    x: np.ndarray,
    y: np.ndarray | None = None,
    *,
    x_zero_point: int = 0,
    y_zero_point: int = 0,
    out_dtype: type = np.int32,
    multiplier: int = 1,
    shift: int = 0,
    out_zero_point: int = 0,
    clamp_min: int = INT8_MIN,
    clamp_max: int = INT8_MAX,
    scale_x: int = 0,
    scale_y: int = 0,
    offset: int = 0,
) -> np.ndarray:
    """Apply one SIMD operation elementwise (reductions: over the last axis of `x`)."""
    if op not in OPS:
        raise ValueError(f"simd: unknown op {op!r} (known: {', '.join(OPS)})")
    x = np.asarray(x)
    if x.dtype not in (np.int8, np.int32):
        raise TypeError(f"simd: x must be int8 or int32, got {x.dtype}")
    out_dtype = np.dtype(out_dtype)
    if op == "fsum":
        if out_dtype != np.int32:
            raise ValueError("simd: fsum writes int32 lanes (the float32 bits of its sums)")
    elif op == "fadd":
        if x.dtype != np.int8 or out_dtype != np.int8:
            raise ValueError("simd: fadd takes int8 inputs and gives int8 outputs")
        if max(abs(x_zero_point), abs(y_zero_point)) > F32_ZP_LIMIT:
            raise ValueError(f"simd: fadd zero points must be within +-{F32_ZP_LIMIT}")
    elif x.dtype == np.int8 and out_dtype != np.int8:
        raise ValueError("simd: int8 inputs give int8 outputs")
    xs = x.astype(np.int64) - x_zero_point
    if op in BINARY_OPS:
        if y is None:
            raise ValueError(f"simd: {op} needs a second operand")
        y = np.asarray(y)
        if y.dtype != x.dtype or y.shape != x.shape:
            raise ValueError("simd: x and y must have the same dtype and shape")
        ys = y.astype(np.int64) - y_zero_point
    if op == "fadd":
        ra, rb, f = (_f32(b) for b in (scale_x, scale_y, offset))
        return add_f32(xs, ys, ra, rb, f, out_zero_point, clamp_min, clamp_max)
    if op == "add":
        r = xs + ys
    elif op == "mul":
        r = _wrap32(_wrap32(xs).astype(np.int64) * _wrap32(ys).astype(np.int64))
    elif op == "max":
        r = np.maximum(_wrap32(xs), _wrap32(ys))
    elif op == "relu":
        r = np.maximum(_wrap32(xs), 0)
    elif op == "copy":
        r = xs
    elif op == "fsum":
        scale = np.array([multiplier & 0xFFFF_FFFF], np.uint32).view(np.float32)[0]
        sums, es = dequantized_sum_f32(_wrap32(xs), scale)
        return float32_bits(sums, es).view(np.int32)
    elif op == "rmax":
        r = np.max(_wrap32(xs), axis=-1)
    else:  # rsum
        r = np.sum(_wrap32(xs).astype(np.int64), axis=-1)
    r = _wrap32(np.asarray(r))
    if out_dtype == np.int32:
        return r
    return requantize(r, multiplier, shift, out_zero_point, clamp_min, clamp_max)
