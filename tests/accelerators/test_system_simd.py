"""The SIMD unit on the whole simulated cluster, configured directly from C
(programs/simd_jobs.c): every op on random int8 / int32 vectors, bit-exact against the
golden model (fsum: float32 bits in int32 lanes, whatever the mode's output type; fadd:
int8 only, with random QLinearAdd parameters)."""

from __future__ import annotations

import numpy as np
import pytest

from snaxc.accelerators.simd import OPS, scale_bits
from snaxc.config import L3_BASE, TCDM_BASE
from snaxc.golden.requant import f32_fadd_params
from snaxc.golden.simd import simd

MAX_JOBS = 9
JOB_WORDS = 21  # simd_job_t
MODES = [(np.int8, np.int8), (np.int32, np.int32), (np.int32, np.int8)]


def _rand(rng, dtype, shape):
    if dtype == np.int8:
        return rng.integers(-128, 128, shape, dtype=np.int8)
    return rng.integers(-(2**31), 2**31, shape, dtype=np.int64).astype(np.int32)


def _job(rng, op: str, mode: int, slot: int):
    in_t, out_t = MODES[mode]
    if op == "fsum":
        out_t = np.int32
    elems = 64 * int(rng.integers(1, 17))
    reduce = int(rng.integers(1, 5)) if op in ("rmax", "rsum", "fsum") else 1
    x = _rand(rng, in_t, (reduce, elems))
    y = _rand(rng, in_t, (elems,))
    zp = 128 if in_t == np.int8 else 2**20
    g = {
        "x_zero_point": int(rng.integers(-zp, zp)),
        "y_zero_point": int(rng.integers(-zp, zp)),
        "out_dtype": out_t,
    }
    if out_t == np.int8:
        lo, hi = sorted(int(v) for v in rng.integers(-128, 128, 2))
        g |= {
            "multiplier": int(rng.integers(1, 2**31)),
            "shift": int(rng.integers(40, 50)) if in_t == np.int32 else int(rng.integers(30, 33)),
            "out_zero_point": int(rng.integers(-128, 128)),
            "clamp_min": lo,
            "clamp_max": hi,
        }
    fadd_bits = [0, 0, 0]
    if op == "fadd":
        sa, sb, sc = (float(v) for v in rng.uniform(0.005, 0.2, 3))
        u8 = [int(v) for v in rng.integers(0, 256, 3)]
        fadd_bits = [
            int(np.array(v, np.float32).view(np.uint32)) for v in f32_fadd_params(sa, sb, sc, *u8)
        ]
        g |= {"scale_x": fadd_bits[0], "scale_y": fadd_bits[1], "offset": fadd_bits[2]}
        g.pop("multiplier")
        g.pop("shift")
    if op == "fsum":
        g["multiplier"] = scale_bits(np.float32(np.exp(rng.uniform(np.log(1e-6), np.log(10.0)))))
    if op in ("rmax", "rsum", "fsum"):
        expected = simd(op, x.T, **g)
    elif op in ("relu", "copy"):
        expected = simd(op, x[0], **g)
    else:
        expected = simd(op, x[0], y, **g)
    l3 = L3_BASE + 0x10_0000 + slot * 0x2_0000
    words = [
        OPS[op],
        elems,
        int(in_t == np.int32),
        int(out_t == np.int8),
        reduce,
        g["x_zero_point"],
        g["y_zero_point"],
        g.get("multiplier", 1),
        g.get("shift", 0),
        g.get("out_zero_point", 0),
        g.get("clamp_min", -128),
        g.get("clamp_max", 127),
        l3,
        l3 + 0x1_0000,
        l3 + 0x1_8000,
        TCDM_BASE,
        TCDM_BASE + 0x1_0000,
        TCDM_BASE + 0x1_8000,
        *fadd_bits,
    ]
    return words, x, y, expected


@pytest.mark.parametrize("mode", range(len(MODES)))
def test_simd_from_c_random(new_sim, mode):
    seed = 300 + mode
    rng = np.random.default_rng(seed)
    ops = [op for op in OPS if op != "fadd" or MODES[mode][0] == np.int8]
    jobs = [_job(rng, op, mode, i) for i, op in enumerate(ops)]
    sim = new_sim("simd_jobs")
    words = [w & 0xFFFF_FFFF for j in jobs for w in j[0]]
    words += [0] * (JOB_WORDS * (MAX_JOBS - len(jobs)))
    sim.write_symbol("jobs", np.array(words, dtype=np.uint32))
    sim.write_symbol("n_jobs", np.array([len(jobs)], dtype=np.uint32))
    for w, x, y, _ in jobs:
        sim.write_l3(w[12], x)
        sim.write_l3(w[13], y)
    res = sim.run(max_cycles=20_000_000)
    assert res.exit_code == 0, res
    for op, (w, _, _, exp) in zip(ops, jobs, strict=True):
        got = np.frombuffer(sim.read_l3(w[14], exp.nbytes), dtype=exp.dtype)
        bad = np.flatnonzero(got != exp)
        assert bad.size == 0, (
            f"seed {seed}: {op}: {bad.size} mismatches, first at {bad[0]}: "
            f"got {got[bad[0]]}, expected {exp[bad[0]]}"
        )
