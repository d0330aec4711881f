"""Float32 on the FPU-less RV32IM core: compiler-rt's soft-float, bit-exact against numpy."""

from pathlib import Path

import numpy as np
import pytest

from snaxc.runtime import Program, compile_program

PROGRAMS = Path(__file__).parent / "programs"
N = 64
SEED = 7


def _operands(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # Mixed magnitudes, signs, exact ties, zeros and values near the int32 conversion range.
    a = (rng.standard_normal(N) * 10.0 ** rng.integers(-6, 7, N)).astype(np.float32)
    b = (rng.standard_normal(N) * 10.0 ** rng.integers(-6, 7, N)).astype(np.float32)
    b[:4] = a[:4]
    a[4], b[5] = 0.0, -0.0
    a[6], b[6] = np.float32(1.5), np.float32(-2.25)
    a[7] = np.float32(-2.5e9 / 2)
    ia = rng.integers(-(2**31), 2**31, N, dtype=np.int64).astype(np.int32)
    ia[:3] = (0, -1, 16_777_217)  # 2**24 + 1 rounds to even
    return a, b, ia


def _read(sim, name: str, dtype) -> np.ndarray:
    return np.frombuffer(sim.read_symbol(name), dtype=dtype)


def test_softfloat_links_only_what_it_calls(cfg):
    p = Program(compile_program([PROGRAMS / "softfloat.c"], cfg), cfg)
    names = set(p.symbols)
    for fn in ("__addsf3", "__mulsf3", "__divsf3", "__floatsisf", "__fixsfsi"):
        assert any(n.endswith(fn) for n in names), fn
    # The archive is one object; unused compiler-rt functions are collected.
    assert not any(n.endswith("__divdf3") for n in names)
    text = sum(len(code) for _, code in p._code)
    assert text < 16 * 1024, text


@pytest.mark.parametrize("seed", [SEED])
def test_softfloat_matches_numpy_bit_exactly(new_sim, seed):
    rng = np.random.default_rng(seed)
    a, b, ia = _operands(rng)
    sim = new_sim("softfloat")
    sim.write_symbol("fa", a)
    sim.write_symbol("fb", b)
    sim.write_symbol("ia", ia)
    result = sim.run(max_cycles=2_000_000)
    assert result.exit_code == 0
    print(f"seed {seed}: {result.cycles} cycles")
    with np.errstate(all="ignore"):
        p = a * b
        want = {
            "r_add": a + b,
            "r_sub": a - b,
            "r_mul": p,
            "r_div": a / b,
            "r_fma": p + a,
            "r_itof": ia.astype(np.float32),
        }
    for name, w in want.items():
        got = _read(sim, name, np.float32)
        bad = np.flatnonzero(got.view(np.uint32) != w.view(np.uint32))
        assert bad.size == 0, (
            f"seed {seed}: {name}[{bad[0]}] = {got[bad[0]]!r}, numpy {w[bad[0]]!r} "
            f"(a={a[bad[0]]!r}, b={b[bad[0]]!r})"
        )
    cmp = {"r_lt": a < b, "r_le": a <= b, "r_gt": a > b, "r_eq": a == b}
    for name, w in cmp.items():
        got = _read(sim, name, np.int32)
        bad = np.flatnonzero(got != w)
        assert bad.size == 0, f"seed {seed}: {name}[{bad[0]}] = {got[bad[0]]}, a={a[bad[0]]!r}"
    in_range = np.abs(a) < 2.0**31
    got = _read(sim, "r_ftoi", np.int32)[in_range]
    w = np.trunc(a[in_range]).astype(np.int32)
    bad = np.flatnonzero(got != w)
    assert bad.size == 0, f"seed {seed}: r_ftoi mismatch at in-range index {bad[0]}"
    acc = np.float32(0)
    for x in p:
        acc = np.float32(acc + x)
    got = _read(sim, "r_dot", np.float32)[0]
    assert got.view(np.uint32) == acc.view(np.uint32), (got, acc)
