"""SIMD: an elementwise int8/int32 unit on 64-byte beats.

Each input beat holds 64 int8 or 16 int32 lanes. Per lane, with x' = x - x_zp and
y' = y - y_zp in int32:

    add: x' + y'    mul: x' * y'    max: max(x', y')    relu: max(x', 0)    copy: x'
    rmax / rsum: max / sum of x' over `reduce` consecutive X beats (pooling windows)

The result is written as int32 (int32 input) or requantized to int8 with the per-tensor
`multiplier`, `shift`, `out_zp`, `clamp_min`, `clamp_max` (the GeMM output-stage
rounding). int32 -> int8 packs four input beats (4 x 16 lanes) into one 64-byte output
beat. Golden model: `snaxc.golden.simd.simd`.
"""

from snaxc.accelerators.description import AcceleratorDescription, Direction, Field, Streamer

LANE_BYTES = 64
OPS = {"add": 0, "mul": 1, "max": 2, "relu": 3, "copy": 4, "rmax": 5, "rsum": 6}

DESCRIPTION = AcceleratorDescription(
    kind="simd",
    doc=__doc__,
    streamers=(
        Streamer("x", Direction.READ, (8,), "first operand"),
        Streamer("y", Direction.READ, (8,), "second operand (binary ops)"),
        Streamer("z", Direction.WRITE, (8,), "result"),
    ),
    fields=(
        Field("op", 3, doc="operation", values=OPS),
        Field("in_int32", 1, doc="inputs are int32 (else int8)"),
        Field("out_int8", 1, doc="requantize the result to int8"),
        Field("out_beats", 32, doc="output beats to produce"),
        Field("reduce", 16, doc="X beats per result for rmax / rsum"),
        Field("x_zp", 32, signed=True, doc="zero point subtracted from X"),
        Field("y_zp", 32, signed=True, doc="zero point subtracted from Y"),
        Field("multiplier", 32, signed=True, doc="requantization multiplier"),
        Field("shift", 6, doc="requantization shift (0..62)"),
        Field("out_zp", 8, signed=True, doc="output zero point"),
        Field("clamp_min", 8, signed=True, doc="lower clamp bound (int8 output)"),
        Field("clamp_max", 8, signed=True, doc="upper clamp bound (int8 output)"),
    ),
    kernels=tuple(OPS),
    tile={"lanes_int8": 64, "lanes_int32": 16},
    queue_depth=2,
)
