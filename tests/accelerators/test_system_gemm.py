"""GeMM on the whole simulated cluster, configured directly from C (programs/gemm_jobs.c):
random M, K, N (multiples of 8 up to 128), zero points, bias, int32 and requantized int8
outputs (fixed-point and float32 requantization), bit-exact against the golden model; and
launches that overlap configuration."""

from __future__ import annotations

import numpy as np
import pytest

from snaxc.accelerators.gemm import quant_words, quant_words_f32
from snaxc.config import L3_BASE, TCDM_BASE
from snaxc.golden.gemm import gemm

MAX_JOBS = 8
JOB_WORDS = 20  # gemm_job_t
L3_DATA = L3_BASE + 0x10_0000


def _job_words(j: dict) -> list[int]:
    keys = ["m", "k", "n", "a_zp", "b_zp", "has_c", "out_int8", "out_zp", "clamp_min"]
    keys += ["clamp_max", "l3_a", "l3_b", "l3_c", "l3_q", "l3_d", "a", "b", "c", "q", "d"]
    return [int(j[k]) & 0xFFFF_FFFF for k in keys]


def _random_job(rng, l3: int, tcdm: int, int8: bool, bias: bool, dims=None, f32=False):
    m, k, n = dims or (int(x) for x in rng.integers(1, 128 // 8 + 1, 3) * 8)
    p = {
        "a": rng.integers(-128, 128, (m, k), dtype=np.int8),
        "b": rng.integers(-128, 128, (k, n), dtype=np.int8),
        "c": rng.integers(-(2**24), 2**24, (m, n), dtype=np.int32) if bias else None,
        "a_zp": int(rng.integers(-128, 128)),
        "b_zp": int(rng.integers(-128, 128)),
    }
    q = None
    if int8:
        lo, hi = sorted(int(x) for x in rng.integers(-128, 128, 2))
        p |= {
            "multiplier": rng.integers(1, 2**31, n),
            "shift": rng.integers(30, 42, n),
            "out_zp": int(rng.integers(-128, 128)),
            "clamp_min": lo,
            "clamp_max": hi,
        }
        q = np.array(quant_words(p["multiplier"], p["shift"]), dtype="<u8")
        if f32:  # scales mapping typical accumulators into the int8 range
            std = 128.0 * 128.0 * np.sqrt(k) / 3 + (2**24 if bias else 0)
            p["scale"] = (rng.uniform(2.0, 200.0, n) / std).astype(np.float32)
            del p["multiplier"], p["shift"]
            p["out_zp"], p["clamp_min"], p["clamp_max"] = int(rng.integers(-20, 21)), -128, 127
            q = np.array(quant_words_f32(p["scale"]), dtype="<u8")
    # L3: operands one after the other, 64-byte aligned; TCDM: A, B, Q, then C and D
    # (int32 D overwrites C in place: each C tile is read before its D tile is written).
    a_sz, b_sz, c_sz, q_sz = m * k, k * n, 4 * m * n, 8 * n
    d_sz = (1 if int8 else 4) * m * n
    t = {"a": tcdm, "b": tcdm + 0x4000, "q": tcdm + 0x8000, "c": tcdm + 0x8400}
    t["d"] = t["c"] + c_sz if (int8 and bias) else t["c"]
    l3a = {"l3_a": l3, "l3_b": l3 + 0x4000, "l3_c": l3 + 0x8000, "l3_q": l3 + 0x18000}
    l3a["l3_d"] = l3 + 0x19000
    assert t["d"] + d_sz <= TCDM_BASE + 0x20000 and a_sz <= 0x4000 and b_sz <= 0x4000
    job = {
        "m": m,
        "k": k,
        "n": n,
        "a_zp": p["a_zp"],
        "b_zp": p["b_zp"],
        "has_c": int(bias),
        "out_int8": 2 if (int8 and f32) else int(int8),
        "out_zp": p.get("out_zp", 0),
        "clamp_min": p.get("clamp_min", -128),
        "clamp_max": p.get("clamp_max", 127),
        **l3a,
        **t,
    }
    inputs = {"l3_a": p["a"], "l3_b": p["b"]}
    if bias:
        inputs["l3_c"] = p["c"]
    if int8:
        inputs["l3_q"] = q
    del c_sz, q_sz
    return job, inputs, p


def _expected(p) -> np.ndarray:
    kw = {"a_zero_point": p["a_zp"], "b_zero_point": p["b_zp"]}
    if "scale" in p:
        kw |= {k: p[k] for k in ("scale", "clamp_min", "clamp_max")}
        kw["out_zero_point"] = p["out_zp"]
    if "multiplier" in p:
        kw |= {k: p[k] for k in ("multiplier", "shift", "clamp_min", "clamp_max")}
        kw["out_zero_point"] = p["out_zp"]
    return gemm(p["a"], p["b"], p["c"], **kw)


def _run(new_sim, jobs, overlap: bool):
    sim = new_sim("gemm_jobs")
    words = [w for job, _, _ in jobs for w in _job_words(job)]
    words += [0] * (JOB_WORDS * (MAX_JOBS - len(jobs)))
    sim.write_symbol("jobs", np.array(words, dtype=np.uint32))
    sim.write_symbol("n_jobs", np.array([len(jobs)], dtype=np.uint32))
    sim.write_symbol("overlap", np.array([int(overlap)], dtype=np.uint32))
    for job, inputs, _ in jobs:
        for key, arr in inputs.items():
            sim.write_l3(job[key], arr)
    res = sim.run(max_cycles=20_000_000)
    assert res.exit_code == 0, res
    return sim


def _check(sim, jobs, seed):
    for i, (job, _, p) in enumerate(jobs):
        exp = _expected(p)
        got = np.frombuffer(sim.read_l3(job["l3_d"], exp.nbytes), dtype=exp.dtype)
        got = got.reshape(exp.shape)
        bad = np.argwhere(got != exp)
        assert bad.size == 0, (
            f"seed {seed}: job {i} ({job['m']}x{job['k']}x{job['n']}): {len(bad)} mismatches, "
            f"first at {tuple(bad[0])}: got {got[tuple(bad[0])]}, expected {exp[tuple(bad[0])]}"
        )


@pytest.mark.parametrize("seed", range(3))
def test_gemm_from_c_random(new_sim, seed):
    rng = np.random.default_rng(100 + seed)
    jobs = []
    for i, (int8, bias) in enumerate([(False, False), (False, True), (True, False), (True, True)]):
        jobs.append(_random_job(rng, L3_DATA + i * 0x4_0000, TCDM_BASE, int8, bias))
    sim = _run(new_sim, jobs, overlap=False)
    _check(sim, jobs, 100 + seed)
    ids = np.frombuffer(sim.read_symbol("launch_ids"), dtype=np.uint32)[: len(jobs)]
    assert ids.tolist() == [1, 2, 3, 4]


def test_gemm_from_c_requant_f32(new_sim):
    """requant_f32 from C: float32-scaled jobs with and without bias, and fixed-point jobs
    after them (the field is cleared again)."""
    seed = 150
    rng = np.random.default_rng(seed)
    kinds = [(True, False, True), (True, True, True), (True, False, False), (True, True, True)]
    jobs = [
        _random_job(rng, L3_DATA + i * 0x4_0000, TCDM_BASE, int8, bias, f32=f32)
        for i, (int8, bias, f32) in enumerate(kinds)
    ]
    sim = _run(new_sim, jobs, overlap=False)
    _check(sim, jobs, seed)


def test_gemm_config_overlap(new_sim):
    """Four jobs launched back to back: each configuration is written while the previous
    job runs (and a launch into the full queue stalls the core). All results are right and
    every launch completed."""
    seed = 200
    rng = np.random.default_rng(seed)
    jobs = []
    for i in range(4):
        # 64x64x64 row-major: each job runs longer than writing the next configuration.
        tcdm = TCDM_BASE + i * 0x6000
        dims = (64, 64, 64)
        job, inputs, p = _random_job(rng, L3_DATA + i * 0x4_0000, tcdm, False, False, dims)
        job |= {"a": tcdm, "b": tcdm + 0x1000, "c": tcdm + 0x2000, "d": tcdm + 0x2000}
        jobs.append((job, inputs, p))
    sim = _run(new_sim, jobs, overlap=True)
    _check(sim, jobs, seed)
    ids = np.frombuffer(sim.read_symbol("launch_ids"), dtype=np.uint32)[:4]
    assert ids.tolist() == [1, 2, 3, 4]
    assert np.frombuffer(sim.read_symbol("final_done"), dtype=np.uint32)[0] == 4
    # Configurations 2..4 were launched while an earlier job was still running or queued.
    status = np.frombuffer(sim.read_symbol("status_after_launch"), dtype=np.uint32)[:4]
    queued = (status >> 8) & 0xFF
    assert all(s & 1 for s in status), f"accelerator idle right after a launch: {status}"
    assert queued[1:].max() >= 1, f"no launch was queued behind a running job: {status}"
