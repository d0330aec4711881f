"""SIMD accelerator block tests: random vectors against the golden model, on the RTL."""

from __future__ import annotations

import numpy as np
import pytest
from acc_tb import TCDM_BASE, AccTb, get_array

from snaxc.accelerators.simd import DESCRIPTION, OPS, vector_config
from snaxc.golden.simd import simd

X_ADDR = TCDM_BASE
Y_ADDR = TCDM_BASE + 0x8000
Z_ADDR = TCDM_BASE + 0x10000

MODES = [(np.int8, np.int8), (np.int32, np.int32), (np.int32, np.int8)]
CASES = [(op, i) for op in OPS for i in range(len(MODES))]


def _rand(rng, dtype, shape):
    if dtype == np.int8:
        return rng.integers(-128, 128, shape, dtype=np.int8)
    return rng.integers(-(2**31), 2**31, shape, dtype=np.int64).astype(np.int32)


@pytest.mark.parametrize("op,mode", CASES)
def test_simd_random(simd_tb, tmp_path, op, mode):
    seed = 1000 + 10 * list(OPS).index(op) + mode
    rng = np.random.default_rng(seed)
    in_t, out_t = MODES[mode]
    elems = 64 * int(rng.integers(1, 9))
    reduce = int(rng.integers(1, 5)) if op in ("rmax", "rsum") else 1
    small = in_t == np.int32 and op == "mul"
    x = _rand(rng, in_t, (reduce, elems))
    y = _rand(rng, in_t, (elems,))
    if small:  # keep some products in range so the low 32 bits are not all noise
        x[:, : elems // 2] //= 2**16
    zp_range = 128 if in_t == np.int8 else 2**20
    kw = {
        "x_zp": int(rng.integers(-zp_range, zp_range)),
        "y_zp": int(rng.integers(-zp_range, zp_range)),
    }
    q = {}
    if out_t == np.int8:
        lo, hi = sorted(int(v) for v in rng.integers(-128, 128, 2))
        q = {
            "multiplier": int(rng.integers(1, 2**31)),
            "shift": int(rng.integers(28, 50)) if in_t == np.int32 else int(rng.integers(30, 33)),
            "out_zp": int(rng.integers(-128, 128)),
            "clamp_min": lo,
            "clamp_max": hi,
        }
    tb = AccTb(simd_tb, tmp_path)
    tb.put(X_ADDR, x)
    tb.put(Y_ADDR, y)
    cfg = vector_config(
        op,
        elems,
        x=X_ADDR,
        y=Y_ADDR,
        z=Z_ADDR,
        in_int32=in_t == np.int32,
        out_int8=out_t == np.int8,
        reduce=reduce,
        **kw,
        **q,
    )
    tb.write_all(DESCRIPTION.encode(cfg))
    tb.wait_done(tb.launch())
    res = tb.run()
    gq = {("out_zero_point" if k == "out_zp" else k): v for k, v in q.items()}
    gq |= {"x_zero_point": kw["x_zp"], "y_zero_point": kw["y_zp"], "out_dtype": out_t}
    if op in ("rmax", "rsum"):
        expected = simd(op, x.T, **gq)
    elif op in ("relu", "copy"):
        expected = simd(op, x[0], **gq)
    else:
        expected = simd(op, x[0], y, **gq)
    got = get_array(res.tcdm, Z_ADDR, (elems,), out_t)
    bad = np.flatnonzero(got != expected)
    assert bad.size == 0, (
        f"seed {seed}: {bad.size} mismatches, first at {bad[0]}: "
        f"got {got[bad[0]]}, expected {expected[bad[0]]}"
    )
