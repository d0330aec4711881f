"""GeMM: an Mu x Ku x Nu = 8 x 8 x 8 int8 MAC array with int32 accumulation.

Per output tile (8 x 8) the datapath consumes `k_tiles` beats of A and B and accumulates

    acc[m][n] += sum_k (A[m][k] - a_zp) * (B[k][n] - b_zp)

then adds the C tile (int32, when `c_enable`) and writes the tile as int32 (4 beats) or
requantized to int8 (1 beat, per-column multiplier/shift from the Q streamer, see
`snaxc.golden.gemm.requantize`; with `requant_f32`, per-column float32 scales rounded as
onnxruntime does in float32, see `snaxc.golden.requant.requantize_f32`).
Golden model: `snaxc.golden.gemm.gemm`.

Beat layouts (port p = word p of the beat, byte j = bits 8j+7:8j of the word):
  a: port m holds A[m][k0 .. k0+7]
  b: port k holds B[k0+k][n0 .. n0+7]; with `b_transposed` port n holds B[k0 .. k0+7][n0+n]
  c: beat i of a tile, port m holds C[m][2i], C[m][2i+1] (int32, low word first)
  q: port n holds {shift[37:32], multiplier[31:0]} of output column n0+n; with
     `requant_f32`, bits [31:0] hold the column's float32 scale (bits [63:32] ignored)
  d: int32 output like c (4 beats per tile); int8 output: port m holds D[m][n0 .. n0+7]
"""

import numpy as np

from snaxc.accelerators.description import AcceleratorDescription, Direction, Field, Streamer

MU = KU = NU = 8

DESCRIPTION = AcceleratorDescription(
    kind="gemm",
    doc=__doc__,
    streamers=(
        Streamer("a", Direction.READ, (MU,), "A tile rows (int8)"),
        Streamer("b", Direction.READ, (KU,), "B tile rows (int8)"),
        Streamer("c", Direction.READ, (MU,), "C tile, int32, 4 beats per tile"),
        Streamer("q", Direction.READ, (NU,), "per-column requantization parameters"),
        Streamer("d", Direction.WRITE, (MU,), "D tile: int32 (4 beats) or int8 (1 beat)"),
    ),
    fields=(
        Field("k_tiles", 16, doc="A/B beats accumulated per output tile (K / 8)"),
        Field("mn_tiles", 32, doc="output tiles to produce"),
        Field("a_zp", 8, signed=True, doc="zero point subtracted from A"),
        Field("b_zp", 8, signed=True, doc="zero point subtracted from B"),
        Field("c_enable", 1, doc="add the int32 C tile (bias or partial sums)"),
        Field("b_transposed", 1, doc="B beats hold columns of B instead of rows"),
        Field("out_int8", 1, doc="requantize the output to int8 (uses streamer q)"),
        Field("out_zp", 8, signed=True, doc="output zero point (int8 output)"),
        Field("clamp_min", 8, signed=True, doc="lower clamp bound (int8 output)"),
        Field("clamp_max", 8, signed=True, doc="upper clamp bound (int8 output)"),
        Field(
            "requant_f32",
            1,
            doc="int8 output: float32-exact requantization, Q word [31:0] = float32 scale bits",
        ),
    ),
    kernels=("matmul", "quantized_matmul", "matmul_bias", "matmul_requant"),
    tile={"m": MU, "k": KU, "n": NU},
    queue_depth=2,
)


def row_major_config(
    m: int,
    k: int,
    n: int,
    *,
    a: int,
    b: int,
    d: int,
    c: int | None = None,
    q: int | None = None,
    a_zp: int = 0,
    b_zp: int = 0,
    out_zp: int = 0,
    clamp_min: int = -128,
    clamp_max: int = 127,
    requant_f32: bool = False,
) -> dict[str, int]:
    """Configuration of D = (A - a_zp)(B - b_zp) [+ C] for row-major matrices at byte
    addresses a (M x K int8), b (K x N int8), c (M x N int32), d (M x N, int8 when `q` is
    given, else int32); q: N 64-bit requantization words, {shift << 32 | multiplier}
    (`quant_words`) or, with `requant_f32`, float32 scales (`quant_words_f32`).
    Output tiles are produced row of tiles by row of tiles, K innermost."""
    for name, v in (("M", m), ("K", k), ("N", n)):
        if v <= 0 or v % 8:
            raise ValueError(f"gemm: {name} = {v} must be a positive multiple of 8")
    if requant_f32 and q is None:
        raise ValueError("gemm: requant_f32 needs int8 output (the scales in q)")
    mt, kt, nt = m // MU, k // KU, n // NU
    desc = DESCRIPTION
    cfg: dict[str, int] = {
        "k_tiles": kt,
        "mn_tiles": mt * nt,
        "a_zp": a_zp,
        "b_zp": b_zp,
        "c_enable": int(c is not None),
        "b_transposed": 0,
        "out_int8": int(q is not None),
        "out_zp": out_zp,
        "clamp_min": clamp_min,
        "clamp_max": clamp_max,
        "requant_f32": int(requant_f32),
    }
    cfg |= desc.pattern("a", a, [(kt, 8), (nt, 0), (mt, 8 * k)], [k])
    cfg |= desc.pattern("b", b, [(kt, 8 * n), (nt, 8), (mt, 0)], [n])
    if c is not None:
        cfg |= desc.pattern("c", c, [(4, 8), (nt, 32), (mt, 32 * n)], [4 * n])
    if q is not None:
        cfg |= desc.pattern("q", q, [(nt, 64), (mt, 0)], [8])
        cfg |= desc.pattern("d", d, [(nt, 8), (mt, 8 * n)], [n])
    else:
        cfg |= desc.pattern("d", d, [(4, 8), (nt, 32), (mt, 32 * n)], [4 * n])
    return cfg


def quant_words(multiplier, shift) -> list[int]:
    """The Q streamer's 64-bit words: {shift[37:32], multiplier[31:0]} per output column."""
    pairs = zip(multiplier, shift, strict=True)
    return [((int(s) & 0x3F) << 32) | (int(mu) & 0xFFFF_FFFF) for mu, s in pairs]


def quant_words_f32(scales) -> list[int]:
    """The Q streamer's 64-bit words in `requant_f32` mode: the float32 bits of each output
    column's scale in bits [31:0] (e.g. `snaxc.golden.requant.onnxruntime_scale`). Scales
    must be positive normal float32 numbers (the hardware gives 0 for others)."""
    bits = np.asarray(scales, dtype=np.float32).reshape(-1).view(np.uint32)
    exp = (bits >> 23) & 0xFF
    bad = np.flatnonzero((bits >> 31 != 0) | (exp == 0) | (exp == 0xFF))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"gemm: scale {float(np.asarray(scales, np.float32).reshape(-1)[i])!r} of column "
            f"{i} is not a positive normal float32"
        )
    return [int(b) for b in bits]


# Tiled layouts ------------------------------------------------------------------------------
#
# The streamers read any strided layout, but bank conflicts depend on it. In the tiled
# layouts every beat is one contiguous 64-byte block (8 consecutive banks): A blocks
# (mt, kt) and B blocks (nt, kt) each follow K contiguously, so the A and B streamers move
# through the banks in lock step and never meet when their bases differ by 128 bytes modulo
# 256. int32 D/C tiles are stored beat by beat (beat i: columns 2i, 2i+1 of the 8 rows).


def tile_a(a: np.ndarray) -> np.ndarray:
    """A (M x K) -> blocks [mt][kt][8 rows][8 k]."""
    m, k = a.shape
    return np.ascontiguousarray(a.reshape(m // MU, MU, k // KU, KU).transpose(0, 2, 1, 3))


def tile_b(b: np.ndarray) -> np.ndarray:
    """B (K x N) -> blocks [nt][kt][8 k rows][8 n]."""
    k, n = b.shape
    return np.ascontiguousarray(b.reshape(k // KU, KU, n // NU, NU).transpose(2, 0, 1, 3))


def tile_int32(d: np.ndarray) -> np.ndarray:
    """int32 C/D (M x N) -> tiles [mt][nt][beat i][row m][2 columns 2i, 2i+1]."""
    m, n = d.shape
    t = d.reshape(m // MU, MU, n // NU, NU // 2, 2)  # mt, row, nt, beat, pair
    return np.ascontiguousarray(t.transpose(0, 2, 3, 1, 4))


def untile_int32(t: np.ndarray, m: int, n: int) -> np.ndarray:
    t = t.reshape(m // MU, n // NU, NU // 2, MU, 2)
    return np.ascontiguousarray(t.transpose(0, 3, 1, 2, 4)).reshape(m, n)


def tile_int8(d: np.ndarray) -> np.ndarray:
    """int8 D (M x N) -> tiles [mt][nt][row m][8 n]."""
    m, n = d.shape
    return np.ascontiguousarray(d.reshape(m // MU, MU, n // NU, NU).transpose(0, 2, 1, 3))


def untile_int8(t: np.ndarray, m: int, n: int) -> np.ndarray:
    t = t.reshape(m // MU, n // NU, MU, NU)
    return np.ascontiguousarray(t.transpose(0, 2, 1, 3)).reshape(m, n)


def tiled_config(
    m: int,
    k: int,
    n: int,
    *,
    a: int,
    b: int,
    d: int,
    c: int | None = None,
    q: int | None = None,
    a_zp: int = 0,
    b_zp: int = 0,
    out_zp: int = 0,
    clamp_min: int = -128,
    clamp_max: int = 127,
    requant_f32: bool = False,
) -> dict[str, int]:
    """Configuration of D = (A - a_zp)(B - b_zp) [+ C] on the tiled layouts above
    (`tile_a`, `tile_b`, `tile_int32` for C and int32 D, `tile_int8` for int8 D)."""
    cfg = row_major_config(
        m,
        k,
        n,
        a=a,
        b=b,
        d=d,
        c=c,
        q=q,
        a_zp=a_zp,
        b_zp=b_zp,
        out_zp=out_zp,
        clamp_min=clamp_min,
        clamp_max=clamp_max,
        requant_f32=requant_f32,
    )
    mt, kt, nt = m // MU, k // KU, n // NU
    desc = DESCRIPTION
    cfg |= desc.pattern("a", a, [(kt, 64), (nt, 0), (mt, kt * 64)], [8])
    cfg |= desc.pattern("b", b, [(kt, 64), (nt, kt * 64), (mt, 0)], [8])
    if c is not None:
        cfg |= desc.pattern("c", c, [(4, 64), (nt, 256), (mt, nt * 256)], [8])
    if q is not None:
        cfg |= desc.pattern("d", d, [(nt, 64), (mt, nt * 64)], [8])
    else:
        cfg |= desc.pattern("d", d, [(4, 64), (nt, 256), (mt, nt * 256)], [8])
    return cfg
