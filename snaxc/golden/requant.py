"""Float32-exact requantization with integer operations (a golden model for hardware).

onnxruntime requantizes the int32 accumulators of its fused int8 kernels (QLinearConv,
QGemm: `MlasRequantizeOutput`) in float32:

    y = clamp(round_half_even(float32(float32(acc) * scale)) + zero_point)

where `scale = float32(float32(x_scale * w_scale) / y_scale)` (see `onnxruntime_scale`).
The fixed-point multiplier/shift of `snaxc.golden.gemm.requantize` rounds the exact product
instead, so it differs by one LSB wherever float32 rounding moves a value across a
half-integer (a few per million outputs). `requantize_f32` reproduces the float32 result bit
for bit using only integer steps a hardware output stage can do:

1. acc (int32) -> sign and magnitude |acc| < 2**32; if |acc| >= 2**24, round |acc| to 24
   significant bits, half to even (float32(acc)): ma * 2**d1, ma <= 2**24, d1 in [0, 8];
2. the scale as float32 bits: mantissa ms = 2**23 | fraction (24 bits), exponent
   es = biased_exponent - 150, so scale = ms * 2**es (normal scales only);
3. P = ma * ms, exact (24 x 24 -> 48 bits; P >= 2**23 when acc != 0);
4. round P to 24 significant bits, half to even (the float32 product): mp * 2**d2,
   d2 in [0, 24], mp <= 2**24;
5. e = d1 + d2 + es: the product is mp * 2**e. e >= 0 means |value| >= 2**23: saturate.
   Otherwise shift mp right by n = -e, rounding half to even (n >= 26: 0; n = 25: 0, since
   mp <= 2**24 makes the value at most a tie at 1/2, which rounds to even 0);
6. apply the sign, add the zero point, clamp.

Subnormal float32 products (below 2**-126) round to 0 either way, so the unbounded exponent
of step 5 gives the same integer. Scales must be normal, positive float32 numbers.

`hw/common/snax_requant_f32.sv` implements the same function as hardware usually builds it:
int32 -> float32 (leading-zero count, normalise to a 24-bit mantissa, round), a 24 x 24-bit
mantissa product rounded to 24 bits (a right shift by 23 or 24), float32 -> int (a right
shift by 1..24 with round-half-even); its block test (tests/hw/test_requant_f32.py)
compares it with `requantize_f32`.
"""

from __future__ import annotations

import numpy as np

INT8_MIN, INT8_MAX = -128, 127
MANTISSA_BITS = 24


def f32_bits(value: float | np.floating) -> int:
    """The IEEE bits of `value` rounded to float32 (what a hardware register holds)."""
    return int(np.array(np.float32(value)).view(np.uint32))


def f32_value(bits: int) -> np.float32:
    """The float32 whose IEEE bits are `bits`."""
    return np.array(bits & 0xFFFF_FFFF, np.uint32).view(np.float32)[()]


def is_positive_normal_f32(bits: int) -> bool:
    """Whether float32 bits are a positive normal number (what the float32 modes take as
    scales)."""
    biased = (bits >> 23) & 0xFF
    return 0 <= bits < 1 << 31 and biased not in (0, 0xFF)


def scale_fields(scale: float | np.floating) -> tuple[int, int]:
    """(ms, es) of a positive normal float32 scale: scale == ms * 2**es, 2**23 <= ms < 2**24.

    The value is first rounded to float32 (the hardware register holds the float32 bits)."""
    bits = f32_bits(scale)
    if not is_positive_normal_f32(bits):
        raise ValueError(f"requantize_f32: scale {float(scale)!r} is not a positive normal float32")
    return (bits & 0x7FFFFF) | (1 << 23), ((bits >> 23) & 0xFF) - 127 - 23


def onnxruntime_scale(x_scale: float, w_scale: float, y_scale: float) -> np.float32:
    """The float32 requantization scale onnxruntime's QLinearConv and QGemm compute:
    `x_scale * w_scale / y_scale`, each step rounded to float32."""
    return np.float32(np.float32(np.float32(x_scale) * np.float32(w_scale)) / np.float32(y_scale))


def _bit_length(x: np.ndarray) -> np.ndarray:
    """Bit length of non-negative int64 values (float64's exponent, corrected by one where
    the conversion rounded up to the next power of two: values of 2**53 and more)."""
    x = np.asarray(x, dtype=np.int64)
    _, e = np.frexp(x.astype(np.float64))
    e = np.where(x > 0, e, 0).astype(np.int64)
    return np.where((e > 0) & ((x >> np.maximum(e - 1, 0)) == 0), e - 1, e)


def _shift_rne(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Round x / 2**n half to even, for x >= 0 and 0 <= n <= 62."""
    n = n.astype(np.int64)
    q = x >> n
    rem = x - (q << n)
    half = np.where(n > 0, np.left_shift(np.int64(1), np.maximum(n - 1, 0)), 0)
    up = (n > 0) & ((rem > half) | ((rem == half) & ((q & 1) == 1)))
    return q + up


def _round_significant(x: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """x >= 0 rounded half to even to `bits` significant bits: (m, d) with value m * 2**d."""
    d = np.maximum(_bit_length(x) - bits, 0)
    return _shift_rne(x, d), d


def requantize_f32_unclamped(acc: np.ndarray, scale: float | np.floating) -> np.ndarray:
    """round_half_even(float32(float32(acc) * float32(scale))) as int64, in integer steps;
    values whose magnitude reaches 2**23 are returned as +-2**23 (they saturate any int8/
    int16 output)."""
    acc = np.asarray(acc)
    if acc.dtype != np.int32:
        raise TypeError(f"requantize_f32: acc must be int32, got {acc.dtype}")
    ms, es = scale_fields(scale)
    a = acc.astype(np.int64)
    neg = a < 0
    ma, d1 = _round_significant(np.abs(a), MANTISSA_BITS)  # step 1: float32(acc)
    mp, d2 = _round_significant(ma * ms, MANTISSA_BITS)  # steps 3-4: float32 product
    e = d1 + d2 + es  # step 5
    n = np.clip(-e, 0, 62)
    mag = np.where(e >= 0, 1 << 23, _shift_rne(mp, n))
    mag = np.where(mp == 0, 0, mag)
    return np.where(neg, -mag, mag)


def requantize_f32(
    acc: np.ndarray,
    scale: float | np.floating,
    zero_point: int = 0,
    clamp_min: int = INT8_MIN,
    clamp_max: int = INT8_MAX,
) -> np.ndarray:
    """int32 accumulators to int8 exactly as onnxruntime's float32 requantization:
    clamp(round_half_even(float32(float32(acc) * float32(scale))) + zero_point), with
    integer operations only (see the module docstring for the hardware steps)."""
    if not INT8_MIN <= clamp_min <= clamp_max <= INT8_MAX:
        raise ValueError("requantize_f32: need -128 <= clamp_min <= clamp_max <= 127")
    if not INT8_MIN <= zero_point <= INT8_MAX:
        raise ValueError("requantize_f32: zero_point must be int8")
    q = requantize_f32_unclamped(acc, scale)
    return np.clip(q + zero_point, clamp_min, clamp_max).astype(np.int8)


def requantize_float32_reference(acc: np.ndarray, scale: float | np.floating) -> np.ndarray:
    """The float32 formula itself (numpy float32 arithmetic), for checking: int64 results,
    saturated at +-2**23 like `requantize_f32_unclamped`."""
    y = np.rint(np.asarray(acc).astype(np.float32) * np.float32(scale))
    return np.clip(y, -(2**23), 2**23).astype(np.int64)


# -- float32 average pooling in integer steps -------------------------------------------------
# onnxruntime runs a dequantize -> AveragePool -> quantize sandwich in float32: every input is
# dequantized (float32((q - zp) * scale)), the window is summed one element after the other in
# float32, divided by the window size, and QuantizeLinear divides by the output scale and
# rounds half to even. `average_pool_f32` reproduces that bit for bit with integers: all
# dequantized inputs are integer multiples of 2**es (es: the input scale's exponent), so the
# float32 sum is an integer sum rounded to 24 significant bits after every addition; the two
# divisions are integer divisions with a sticky bit, rounded to 24 bits.


def _round_significant_signed(v: np.ndarray) -> np.ndarray:
    """A signed integer rounded half to even to 24 significant bits (same units)."""
    m, d = _round_significant(np.abs(v), MANTISSA_BITS)
    return np.where(v < 0, -(m << d), m << d)


def _round_significant_int(v: int) -> int:
    """A Python int rounded half to even to 24 significant bits (same units)."""
    m = abs(v)
    d = max(m.bit_length() - MANTISSA_BITS, 0)
    q, r = m >> d, m & ((1 << d) - 1)
    half = (1 << (d - 1)) if d else 0
    q += d > 0 and (r > half or (r == half and q & 1))
    return (q << d) if v >= 0 else -(q << d)


def dequantized_sum_f32(k: np.ndarray, scale: float | np.floating) -> tuple[np.ndarray, int]:
    """The float32 sum, left to right over the last axis, of float32(float32(k_i) * scale),
    as (S, es) with value S * 2**es (S holding at most 24 significant bits): what the SIMD
    `fsum` operation computes.

    `k` holds zero-point-corrected inputs in the int32 range (|k| <= 2**31; float32(k_i) is
    k_i itself below 2**24). S is int64 while the sum's bound allows (|S| < 2**62, e.g. any
    window of int8 inputs), else an object array of Python ints (|S| < 2**72 for windows up to
    65535 inputs)."""
    k = np.asarray(k).astype(np.int64)
    ms, es = scale_fields(scale)
    fk = _round_significant_signed(k)  # float32(k_i): |.| <= 2**31
    terms = _round_significant_signed(fk * ms)  # float32(fk * scale) / 2**es, |.| <= 2**55
    big = int(np.abs(terms).max(initial=0)) * k.shape[-1] * 2 >= 2**62  # 2: rounding slack
    s = np.zeros(k.shape[:-1], object if big else np.int64)
    if big:
        terms = terms.astype(object)
        rnd = np.frompyfunc(_round_significant_int, 1, 1)
    for i in range(k.shape[-1]):
        s = rnd(s + terms[..., i]) if big else _round_significant_signed(s + terms[..., i])
    return (np.asarray(s, object) if big else s), es


def float32_bits(s: np.ndarray, es: int) -> np.ndarray:
    """The float32 bits (uint32) of the values S * 2**es of `dequantized_sum_f32`, encoded as
    the SIMD `fsum` hardware does: +0.0 for S == 0, subnormal numbers below 2**-126 (exact:
    es >= -149), +-inf from 2**128 on (where float32 rounding overflows)."""

    def encode(v: int) -> int:
        v = int(v)
        if v == 0:
            return 0
        sign = (1 << 31) if v < 0 else 0
        mag = abs(v)
        n = mag.bit_length()
        e = es + 150 + n - MANTISSA_BITS  # biased exponent of the result
        if e >= 0xFF:
            return sign | 0x7F80_0000
        if e >= 1:
            m = mag >> (n - MANTISSA_BITS) if n > MANTISSA_BITS else mag << (MANTISSA_BITS - n)
            return sign | (e << 23) | (m & 0x7F_FFFF)
        return sign | (mag << (es + 149))  # < 2**23: the fraction of a subnormal number

    return np.frompyfunc(encode, 1, 1)(np.asarray(s)).astype(np.uint32)


def _divide_f32(
    v: np.ndarray, e: np.ndarray | int, divisor: float | np.floating
) -> tuple[np.ndarray, np.ndarray]:
    """float32(v * 2**e / divisor) for float32 values v * 2**e (v int64, at most 24 significant
    bits): (q, eq) with value q * 2**eq, correctly rounded half to even to 24 bits."""
    dm, de = scale_fields(divisor)
    mag = np.abs(v)
    # Shift the dividend so that the quotient has at least 26 bits: 24 kept, a round bit, and
    # the remainder as a sticky bit below them.
    k = np.maximum(50 - _bit_length(mag), 0)
    q, r = np.divmod(mag << k, dm)
    q2 = 2 * q + (r != 0)  # the sticky bit only decides ties and exact halves
    m, d = _round_significant(q2, MANTISSA_BITS)
    eq = np.asarray(e) - k - 1 + d - de
    return np.where(v < 0, -m, m), eq


def _round_to_int(v: np.ndarray, e: np.ndarray) -> np.ndarray:
    """round_half_even(v * 2**e) for |v| <= 2**24; magnitudes from 2**23 on saturate to
    +-2**23."""
    mag = np.abs(v)
    n = np.clip(-e, 0, 62)
    r = np.where(e >= 0, np.where(mag > 0, 1 << 23, 0), _shift_rne(mag, n))
    r = np.minimum(r, 1 << 23)
    return np.where(v < 0, -r, r)


def average_pool_f32(
    k: np.ndarray,
    x_scale: float | np.floating,
    y_scale: float | np.floating,
    zero_point: int = 0,
    clamp_min: int = INT8_MIN,
    clamp_max: int = INT8_MAX,
) -> np.ndarray:
    """onnxruntime's float32 dequantize -> average pool -> quantize over the last axis of the
    zero-point-corrected int inputs `k` (one window per row), in integer steps:

        s = float32 left-to-right sum of float32(k_i * x_scale)
        y = clamp(round_half_even(float32(float32(s / R) / y_scale)) + zero_point)
    """
    s, es = dequantized_sum_f32(k, x_scale)
    v, e = _divide_f32(s, es, float(k.shape[-1]))
    v, e = _divide_f32(v, e, y_scale)
    q = _round_to_int(v, e)
    return np.clip(q + zero_point, clamp_min, clamp_max).astype(np.int8)


def average_pool_float32_reference(
    k: np.ndarray, x_scale, y_scale, zero_point: int = 0
) -> np.ndarray:
    """The float32 formula of `average_pool_f32` in numpy float32 arithmetic (for checking)."""
    f32 = np.float32
    s = np.zeros(k.shape[:-1], f32)
    for i in range(k.shape[-1]):
        s = (s + (k[..., i].astype(f32) * f32(x_scale)).astype(f32)).astype(f32)
    y = np.rint((s / f32(k.shape[-1])).astype(f32) / f32(y_scale))
    return np.clip(y + zero_point, INT8_MIN, INT8_MAX).astype(np.int8)


# -- float32 add of two quantized tensors (onnxruntime's QLinearAdd) --------------------------
# onnxruntime's QLinearAdd on x86 computes, per element of the uint8 inputs a and b,
#
#     c = fma(a, rA, fma(b, rB, F)),   rA = float32(sA / sC), rB = float32(sB / sC),
#     F = float32(zC - float32(float32(rA * zA) + float32(rB * zB)))
#
# with exactly rounded float32 fused multiply-adds, then rounds half to even and saturates.
# `fma_f32` computes such an FMA exactly, vectorised: a * b is exact in float64 (a: an integer
# below 2**24, b: a float32, 24 x 24 significant bits), the sum s = fl64(a * b + c) and its
# rounding error err (TwoSum, exact) give the exact value s + err; rounding s to float32
# equals rounding s + err except when s is the midpoint of two float32 neighbours, where the
# sign of err decides (|err| is below half an ulp of s, far below a float32 ulp, and rounding
# is monotonic: s lies on the same side of any float32 midpoint as s + err, or on it).
# The SIMD `fadd` hardware computes the same FMA in integer steps
# (hw/accelerators/common/snax_requant_pkg.sv, `f32_fma`).

F32_FADD_LIMIT = 2.0**100
"""rA, rB and F must be finite with magnitude below this (no float32 overflow anywhere)."""


def f32_fadd_params(
    x_scale: float, y_scale: float, out_scale: float, x_zp: int, y_zp: int, out_zp: int
) -> tuple[np.float32, np.float32, np.float32]:
    """(rA, rB, F) of onnxruntime's float32 QLinearAdd for the given scales and zero points
    (the zero points of the values the FMAs see: uint8 ones for onnxruntime's U8 kernels)."""
    f32 = np.float32
    sa, sb, sc = f32(x_scale), f32(y_scale), f32(out_scale)
    ra, rb = f32(sa / sc), f32(sb / sc)
    f = f32(f32(out_zp) - f32(f32(ra * f32(x_zp)) + f32(rb * f32(y_zp))))
    return ra, rb, f


def _check_fadd_operand(name: str, v: np.float32) -> None:
    if not np.isfinite(v) or abs(float(v)) >= F32_FADD_LIMIT:
        raise ValueError(f"fadd: {name} = {float(v)!r} must be finite and below 2**100")


def fma_f32(a: np.ndarray, b: np.float32, c: np.ndarray) -> np.ndarray:
    """float32(a * b + c) rounded once (half to even), for integers |a| < 2**24 (any int
    dtype), a float32 b and float32 values c, no overflow (see `F32_FADD_LIMIT`)."""
    a = np.asarray(a).astype(np.int64)
    if np.any(np.abs(a) >= 2**24):
        raise ValueError("fma_f32: |a| must be below 2**24")
    p = a.astype(np.float64) * np.float64(b)  # exact
    c64 = np.asarray(c, np.float32).astype(np.float64)
    s = p + c64
    bb = s - p
    err = (p - (s - bb)) + (c64 - bb)  # TwoSum: s + err == p + c exactly
    r = s.astype(np.float32)
    r64 = r.astype(np.float64)
    toward = np.where(s > r64, np.float32(np.inf), np.float32(-np.inf)).astype(np.float32)
    n = np.nextafter(r, toward)
    n64 = n.astype(np.float64)
    tie = (r64 != s) & ((r64 + n64) * 0.5 == s) & (err != 0)
    hi, lo = np.maximum(r, n), np.minimum(r, n)
    return np.where(tie, np.where(err > 0, hi, lo), r).astype(np.float32)


def add_f32(
    xs: np.ndarray,
    ys: np.ndarray,
    ra: float | np.floating,
    rb: float | np.floating,
    f: float | np.floating,
    zero_point: int = 0,
    clamp_min: int = INT8_MIN,
    clamp_max: int = INT8_MAX,
) -> np.ndarray:
    """clamp(round_half_even(fma(xs, rA, fma(ys, rB, F))) + zero_point, lo, hi) as int8, for
    zero-point-corrected integer inputs |xs|, |ys| < 2**24 (the SIMD `fadd` operation)."""
    ra, rb, f = np.float32(ra), np.float32(rb), np.float32(f)
    for name, v in (("rA", ra), ("rB", rb), ("F", f)):
        _check_fadd_operand(name, v)
    t = fma_f32(ys, rb, np.full(np.shape(ys), f, np.float32))
    r = fma_f32(xs, ra, t).astype(np.float64)
    q = np.clip(np.rint(r), -(2**20), 2**20).astype(np.int64)
    return np.clip(q + zero_point, clamp_min, clamp_max).astype(np.int8)
