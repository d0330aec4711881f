"""SIMD: an elementwise int8/int32 unit on 64-byte beats.

Each input beat holds 64 int8 or 16 int32 lanes. Per lane, with x' = x - x_zp and
y' = y - y_zp in int32:

    add: x' + y'    mul: x' * y'    max: max(x', y')    relu: max(x', 0)    copy: x'
    rmax / rsum: max / sum of x' over `reduce` consecutive X beats (pooling windows)

The result is written as int32 (int32 input) or requantized to int8 with the per-tensor
`multiplier`, `shift`, `out_zp`, `clamp_min`, `clamp_max` (the GeMM output-stage
rounding). int32 -> int8 packs four input beats (4 x 16 lanes) into one 64-byte output
beat.

    fsum: s = float32 left-to-right sum over `reduce` consecutive X beats of
          float32(float32(x') * scale), `multiplier` = the float32 bits of the positive
          normal `scale`; written as int32 lanes holding the float32 bits of s (int8 or int32
          input; `out_int8` must be 0). An int8 input beat (64 lanes) gives four output beats.
          This is the dequantized window sum of onnxruntime's float32 AveragePool; the
          divisions by the window size and the output scale are left to the core.

    fadd: r = fma(float32(x'), rA, fma(float32(y'), rB, F)), each float32 FMA rounded once
          (half to even), then clamp(round_half_even(r) + out_zp, clamp_min, clamp_max) as
          int8: onnxruntime's float32 QLinearAdd (snaxc.golden.requant.add_f32). rA, rB, F
          are the float32 bits in `scale_x`, `scale_y`, `offset` (finite, magnitude below
          2^100); int8 inputs only, |x_zp|, |y_zp| <= 2^23 - 128 (x', y' exact in float32).
          One 64-lane beat per cycle, like add.

Golden model: `snaxc.golden.simd.simd`.
"""

import numpy as np

from snaxc.accelerators.description import AcceleratorDescription, Direction, Field, Streamer
from snaxc.golden.requant import f32_bits, is_positive_normal_f32

LANE_BYTES = 64
OPS = {
    "add": 0,
    "mul": 1,
    "max": 2,
    "relu": 3,
    "copy": 4,
    "rmax": 5,
    "rsum": 6,
    "fsum": 7,
    "fadd": 8,
}
BINARY_OPS = ("add", "mul", "max", "fadd")
REDUCE_OPS = ("rmax", "rsum", "fsum")

DESCRIPTION = AcceleratorDescription(
    kind="simd",
    doc=__doc__,
    streamers=(
        Streamer("x", Direction.READ, (8,), "first operand"),
        Streamer("y", Direction.READ, (8,), "second operand (binary ops)"),
        Streamer("z", Direction.WRITE, (8,), "result"),
    ),
    fields=(
        Field("op", 4, doc="operation", values=OPS),
        Field("in_int32", 1, doc="inputs are int32 (else int8)"),
        Field("out_int8", 1, doc="requantize the result to int8"),
        Field("out_beats", 32, doc="output beats to produce"),
        Field("reduce", 16, doc="X beats per result for rmax / rsum"),
        Field("x_zp", 32, signed=True, doc="zero point subtracted from X"),
        Field("y_zp", 32, signed=True, doc="zero point subtracted from Y"),
        Field(
            "multiplier",
            32,
            signed=True,
            doc="requantization multiplier (fsum: the float32 bits of the scale)",
        ),
        Field("shift", 6, doc="requantization shift (0..62)"),
        Field("out_zp", 8, signed=True, doc="output zero point"),
        Field("clamp_min", 8, signed=True, doc="lower clamp bound (int8 output)"),
        Field("clamp_max", 8, signed=True, doc="upper clamp bound (int8 output)"),
        Field("scale_x", 32, doc="fadd: float32 bits of rA (the X multiplier)"),
        Field("scale_y", 32, doc="fadd: float32 bits of rB (the Y multiplier)"),
        Field("offset", 32, doc="fadd: float32 bits of F (the added constant)"),
    ),
    kernels=tuple(OPS),
    tile={"lanes_int8": 64, "lanes_int32": 16},
    queue_depth=2,
)


def vector_config(
    op: str,
    elems: int,
    *,
    x: int,
    z: int,
    y: int | None = None,
    in_int32: bool = False,
    out_int8: bool | None = None,
    reduce: int = 1,
    x_zp: int = 0,
    y_zp: int = 0,
    multiplier: int = 1,
    shift: int = 0,
    out_zp: int = 0,
    clamp_min: int = -128,
    clamp_max: int = 127,
    scale: float | None = None,
    scale_x: float | None = None,
    scale_y: float | None = None,
    offset: float | None = None,
) -> dict[str, int]:
    """Configuration of one SIMD operation over `elems` contiguous elements at byte
    addresses x (and y), results at z. For rmax/rsum/fsum, X holds `reduce` vectors of
    `elems` elements one after the other (window position major) and the result is their
    elementwise max/sum/float32 sum. `out_int8` defaults to int8 results (always for int8
    inputs), except for fsum, whose results are float32 bits in int32 lanes; fsum takes its
    scale as `scale` (or its float32 bits as `multiplier`)."""
    if op not in OPS:
        raise ValueError(f"simd: unknown op {op!r}")
    if op == "fsum":
        if out_int8:
            raise ValueError("simd: fsum writes float32 bits in int32 lanes (out_int8 must be 0)")
        out_int8 = False
        if scale is not None:
            multiplier = scale_bits(scale)
        else:
            scale_bits(np.array([multiplier & 0xFFFF_FFFF], np.uint32).view(np.float32)[0])
    else:
        if scale is not None:
            raise ValueError(f"simd: {op} takes a fixed-point multiplier, not a float scale")
        out_int8 = out_int8 is not False or not in_int32
    fadd_bits = [0, 0, 0]
    if op == "fadd":
        if in_int32 or out_int8 is False:
            raise ValueError("simd: fadd takes int8 inputs and writes int8 results")
        if max(abs(x_zp), abs(y_zp)) > 2**23 - 128:
            raise ValueError("simd: fadd zero points must be within +-(2**23 - 128)")
        fadd_bits = [
            fadd_operand_bits(n, v)
            for n, v in (("scale_x", scale_x), ("scale_y", scale_y), ("offset", offset))
        ]
    elif (scale_x, scale_y, offset) != (None, None, None):
        raise ValueError(f"simd: {op} takes no scale_x / scale_y / offset")
    esize = 4 if in_int32 else 1
    lanes = LANE_BYTES // esize
    out_lanes = LANE_BYTES if out_int8 else LANE_BYTES // 4
    if elems <= 0 or elems % max(lanes, out_lanes):
        raise ValueError(f"simd: {elems} elements is not a multiple of {max(lanes, out_lanes)}")
    reduce = reduce if op in REDUCE_OPS else 1
    in_beats = elems // lanes
    desc = DESCRIPTION
    cfg = {
        "op": OPS[op],
        "in_int32": int(in_int32),
        "out_int8": int(out_int8),
        "out_beats": elems // out_lanes,
        "reduce": reduce,
        "x_zp": x_zp,
        "y_zp": y_zp,
        "multiplier": multiplier,
        "shift": shift,
        "out_zp": out_zp,
        "clamp_min": clamp_min,
        "clamp_max": clamp_max,
        "scale_x": fadd_bits[0],
        "scale_y": fadd_bits[1],
        "offset": fadd_bits[2],
    }
    cfg |= desc.pattern("x", x, [(reduce, elems * esize), (in_beats, LANE_BYTES)], [8])
    if op in BINARY_OPS:
        if y is None:
            raise ValueError(f"simd: {op} needs a second operand")
        cfg |= desc.pattern("y", y, [(in_beats, LANE_BYTES)], [8])
    cfg |= desc.pattern("z", z, [(elems // out_lanes, LANE_BYTES)], [8])
    return cfg


def scale_bits(scale: float) -> int:
    """The `multiplier` value of fsum: the bits of `scale` rounded to float32, which must be
    a positive normal number."""
    bits = f32_bits(scale)
    if not is_positive_normal_f32(bits):
        raise ValueError(f"simd: fsum scale {float(scale)!r} is not a positive normal float32")
    return bits


def fadd_operand_bits(name: str, value: float | None) -> int:
    """The float32 bits of an fadd operand (rA, rB or F), which must be finite with magnitude
    below 2^100."""
    if value is None:
        raise ValueError(f"simd: fadd needs {name}")
    f = np.float32(value)
    if not np.isfinite(f) or abs(float(f)) >= 2.0**100:
        raise ValueError(f"simd: fadd {name} {float(value)!r} must be finite and below 2**100")
    return f32_bits(f)
