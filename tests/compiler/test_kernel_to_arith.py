"""kernel-to-arith against the kernel ops' reference models.

Each kernel op is expanded to arith, JIT-compiled by upstream MLIR on the host and run
on random inputs; the results must equal `KernelOp.reference` bit for bit.
"""

import ctypes

import numpy as np
import pytest
from xdsl.parser import Parser

from snaxc.backend.llvm_ir import module_text
from snaxc.dialects import kernel, snaxc_context
from snaxc.transforms.kernel_to_arith import KernelToArith

CTYPES = {"i8": ctypes.c_int8, "i16": ctypes.c_int16, "i32": ctypes.c_int32, "i64": ctypes.c_int64}
RANGES = {"i8": 1 << 7, "i16": 1 << 15, "i32": 1 << 31, "i64": 1 << 63}

CASES = {
    "add_i8": ("kernel.add %0, %1 : i8, i8 -> i8", ["i8", "i8"], "i8"),
    "add_widen": ("kernel.add %0, %1 : i8, i32 -> i32", ["i8", "i32"], "i32"),
    "mul_i8": ("kernel.mul %0, %1 : i8, i8 -> i8", ["i8", "i8"], "i8"),
    "mul_widen": ("kernel.mul %0, %1 : i8, i8 -> i32", ["i8", "i8"], "i32"),
    "max_i8": ("kernel.max %0, %1 : i8, i8 -> i8", ["i8", "i8"], "i8"),
    "relu_i32": ("kernel.relu %0 : i32", ["i32"], "i32"),
    "mac": ("kernel.mac %0, %1, %2 : i8, i8, i32 -> i32", ["i8", "i8", "i32"], "i32"),
    "qmac": (
        "kernel.qmac %0, %1 zp %2, %3 acc %4 : i8, i8, i32, i32, i32 -> i32",
        ["i8", "i8", "i32", "i32", "i32"],
        "i32",
    ),
    "rescale_relu": (
        "kernel.rescale %0 zp 3 mul 1518500250 shift 38 out_zp -128 clamp -128, 127 : i32 -> i8",
        ["i32"],
        "i8",
    ),
    "rescale_no_shift": (
        "kernel.rescale %0 zp -7 mul -3 shift 0 out_zp 5 clamp -100, 100 : i32 -> i8",
        ["i32"],
        "i8",
    ),
    "rescale_i16": (
        "kernel.rescale %0 zp 0 mul 2147483647 shift 45 out_zp 0 clamp -32768, 32767 : i32 -> i16",
        ["i32"],
        "i16",
    ),
    # onnxruntime's float32 QLinearAdd (uint8 values: zero points -128): rA 0.5, rB 0.25,
    # F -96.25; exact ties (0.5, 0.25, 0.125); huge values that saturate.
    "add_f32": (
        "kernel.add_f32 %0, %1 zp -128, -128 scales 0x3F000000, 0x3E800000 offset 0xC2C08000 "
        "out_zp -128 clamp -128, 127 : i8, i8 -> i8",
        ["i8", "i8"],
        "i8",
    ),
    "add_f32_ties": (
        "kernel.add_f32 %0, %1 zp 3, -5 scales 0x3F000000, 0x3E800000 offset 0x3E000000 "
        "out_zp 7 clamp -100, 100 : i8, i8 -> i8",
        ["i8", "i8"],
        "i8",
    ),
    "add_f32_scales": (
        "kernel.add_f32 %0, %1 zp -128, -128 scales 0x3D4CCCCD, 0x3F8CCCCD offset 0xC1A9999A "
        "out_zp -128 clamp -128, 127 : i8, i8 -> i8",
        ["i8", "i8"],
        "i8",
    ),
    # fma(1, 1 + 2**-23, 2**24) = 2**24 + 2 (above the midpoint 2**24 + 1), then
    # fma(-1, 2**24, t) = 2: x = -1, y = 1 must give 2 (0 if the first FMA rounded the
    # midpoint; test_add_f32_rounding checks it directly).
    "add_f32_rounding": (
        "kernel.add_f32 %0, %1 zp 0, 0 scales 0x4B800000, 0x3F800001 offset 0x4B800000 "
        "out_zp 0 clamp -128, 127 : i8, i8 -> i8",
        ["i8", "i8"],
        "i8",
    ),
    "add_f32_huge": (
        "kernel.add_f32 %0, %1 zp 0, 0 scales 0x71000000, 0xF1000000 offset 0x3FC00000 "
        "out_zp 0 clamp -128, 127 : i8, i8 -> i8",
        ["i8", "i8"],
        "i8",
    ),
}


def _func(body: str, args: list[str], result: str) -> str:
    params = ", ".join(f"%a{i}: {t}" for i, t in enumerate(args))
    op = body
    for i in range(len(args)):
        op = op.replace(f"%{i}", f"%a{i}")
    return (
        f"func.func @k({params}) -> {result} attributes {{llvm.emit_c_interface}} {{\n"
        f"  %r = {op}\n  func.return %r : {result}\n}}\n"
    )


def _engine(name: str):
    from torch_mlir import ir
    from torch_mlir.execution_engine import ExecutionEngine
    from torch_mlir.passmanager import PassManager

    body, args, result = CASES[name]
    ctx = snaxc_context()
    module = Parser(ctx, _func(body, args, result)).parse_module()
    KernelToArith().apply(ctx, module)
    ir_ctx = ir.Context()
    with ir_ctx:
        m = ir.Module.parse(module_text(module))
        PassManager.parse("builtin.module(convert-to-llvm,reconcile-unrealized-casts)").run(
            m.operation
        )
        return ExecutionEngine(m, opt_level=2), ir_ctx, m


def test_add_f32_rounding():
    engine, *_keep = _engine("add_f32_rounding")
    out = ctypes.c_int8(0)
    engine.invoke(
        "k",
        ctypes.pointer(ctypes.c_int8(-1)),
        ctypes.pointer(ctypes.c_int8(1)),
        ctypes.pointer(out),
    )
    assert out.value == 2


@pytest.mark.parametrize("name", sorted(CASES))
def test_expansion_matches_reference(name: str):
    from torch_mlir import ir
    from torch_mlir.execution_engine import ExecutionEngine
    from torch_mlir.passmanager import PassManager

    body, args, result = CASES[name]
    ctx = snaxc_context()
    module = Parser(ctx, _func(body, args, result)).parse_module()
    kop = next(o for o in module.walk() if isinstance(o, kernel.KernelOp))
    reference = kop.clone()
    KernelToArith().apply(ctx, module)
    assert not any(isinstance(o, kernel.KernelOp) for o in module.walk())
    with ir.Context():
        m = ir.Module.parse(module_text(module))
        PassManager.parse("builtin.module(convert-to-llvm,reconcile-unrealized-casts)").run(
            m.operation
        )
        engine = ExecutionEngine(m, opt_level=2)
        seed = sum(map(ord, name))
        rng = np.random.default_rng(seed)
        for trial in range(300):
            values = [
                int(rng.integers(-RANGES[t], RANGES[t]))
                if trial % 3
                else int(rng.integers(-300, 300))
                for t in args
            ]
            values = [
                max(min(v, RANGES[t] - 1), -RANGES[t]) for v, t in zip(values, args, strict=True)
            ]
            c_args = [ctypes.pointer(CTYPES[t](v)) for v, t in zip(values, args, strict=True)]
            out = CTYPES[result](0)
            engine.invoke("k", *c_args, ctypes.pointer(out))
            want = reference.reference(*values)
            assert out.value == want, (
                f"{name} seed {seed} trial {trial}: {values} -> {out.value}, want {want}"
            )


def test_add_f32_exhaustive_against_golden():
    """Every (a, b) int8 pair for random float32 parameters (QLinearAdd-like, wide exponents
    of both signs, subnormal F, huge values): the expansion equals `add_f32`."""
    from snaxc.golden.requant import add_f32, f32_fadd_params

    seed = 61
    rng = np.random.default_rng(seed)
    sets = []
    for _ in range(2):
        sa, sb, sc = (float(v) for v in rng.uniform(0.005, 0.2, 3))
        u8 = [int(v) for v in rng.integers(0, 256, 3)]
        sets.append((*f32_fadd_params(sa, sb, sc, *u8), -128, -128, -128))
    for lo, hi in ((-3, 3), (-30, 30), (-149, 99)):
        vals = [
            np.float32(rng.choice([-1, 1]) * rng.uniform(1, 2) * 2.0 ** int(rng.integers(lo, hi)))
            for _ in range(3)
        ]
        sets.append((*vals, int(rng.integers(-256, 257)), int(rng.integers(-256, 257)), 5))
    sets.append((np.float32(1.0), np.float32(0.5), np.float32(np.ldexp(3.0, -149)), 0, 0, 0))
    a = np.repeat(np.arange(-128, 128), 256)
    b = np.tile(np.arange(-128, 128), 256)
    for i, (ra, rb, f, zx, zy, zo) in enumerate(sets):
        bits = [int(np.array(v, np.float32).view(np.uint32)) for v in (ra, rb, f)]
        CASES[f"_exh{i}"] = (
            f"kernel.add_f32 %0, %1 zp {zx}, {zy} scales {bits[0]}, {bits[1]} offset {bits[2]} "
            f"out_zp {zo} clamp -128, 127 : i8, i8 -> i8",
            ["i8", "i8"],
            "i8",
        )
        try:
            engine, *_keep = _engine(f"_exh{i}")
        finally:
            del CASES[f"_exh{i}"]
        want = add_f32(a - zx, b - zy, ra, rb, f, zo)
        out = ctypes.c_int8(0)
        for j in range(a.size):
            engine.invoke(
                "k",
                ctypes.pointer(ctypes.c_int8(int(a[j]))),
                ctypes.pointer(ctypes.c_int8(int(b[j]))),
                ctypes.pointer(out),
            )
            assert out.value == want[j], (
                f"seed {seed} set {i} ({ra!r}, {rb!r}, {f!r}, zp {zx}, {zy}): a={a[j]} b={b[j]} "
                f"-> {out.value}, want {want[j]}"
            )


def _finish_engine(build):
    """JIT-compile `func @k(i32) -> i32` whose body `build(emitter, arg)` emits."""
    from torch_mlir import ir
    from torch_mlir.execution_engine import ExecutionEngine
    from torch_mlir.passmanager import PassManager
    from xdsl.dialects import func
    from xdsl.dialects.builtin import ModuleOp, UnitAttr, i32
    from xdsl.ir import Block, Region

    from snaxc.transforms.kernel_to_arith import _Emitter

    block = Block(arg_types=[i32])
    e = _Emitter()
    out = build(e, block.args[0])
    block.add_ops([*e.ops, func.ReturnOp(out)])
    f = func.FuncOp("k", ((i32,), (i32,)), Region(block))
    f.attributes["llvm.emit_c_interface"] = UnitAttr()
    ctx = ir.Context()
    with ctx:
        m = ir.Module.parse(module_text(ModuleOp([f])))
        PassManager.parse("builtin.module(convert-to-llvm,reconcile-unrealized-casts)").run(
            m.operation
        )
        engine = ExecutionEngine(m, opt_level=2)

    def run(bits: np.ndarray) -> np.ndarray:
        res = np.empty(len(bits), np.uint32)
        out = ctypes.c_int32(0)
        for i, v in enumerate(np.asarray(bits, np.uint32).view(np.int32)):
            engine.invoke("k", ctypes.pointer(ctypes.c_int32(int(v))), ctypes.pointer(out))
            res[i] = out.value & 0xFFFF_FFFF
        return res

    return run, ctx, m


def _f32_operands(rng: np.random.Generator, d: np.float32) -> np.ndarray:
    """Random float32 bits: any bit pattern, subnormals, zeros, infinities, the largest
    finite values, exact multiples of d (zero remainders) and their neighbours (float32
    quotients cannot be exact midpoints, these are the nearest cases)."""
    with np.errstate(all="ignore"):
        exact = (np.float32(d) * rng.integers(1, 2**24, 1500).astype(np.float32)).astype(np.float32)
    near = np.concatenate([exact.view(np.uint32) - 1, exact.view(np.uint32) + 1])
    return np.concatenate(
        [
            rng.integers(0, 2**32, 6000, dtype=np.uint64).astype(np.uint32),
            rng.integers(0, 2**23, 1500).astype(np.uint32)
            | (rng.integers(0, 2, 1500) << 31).astype(np.uint32),
            np.array(
                [0, 1 << 31, 0x7F80_0000, 0xFF80_0000, 1, 0x8000_0001, 0x7F7F_FFFF], np.uint32
            ),
            exact.view(np.uint32),
            near,
            (rng.integers(-4000, 4000, 1500).astype(np.float32) * np.float32(0.0625)).view(
                np.uint32
            ),
        ]
    )


def test_div_f32_const_against_numpy():
    """`div_f32_const` (the average pool finish's division) equals numpy's float32 division
    bit for bit, for the pool sizes 4, 25, 64, 125, random normal scales, tiny and huge ones,
    on random bits, subnormals, zeros, infinities, the largest values and exact ties."""
    from xdsl.dialects.builtin import i32

    from snaxc.transforms.kernel_to_arith import _I64, div_f32_const

    seed = 83
    rng = np.random.default_rng(seed)
    divisors = [4.0, 25.0, 64.0, 125.0, 1.0, 3.0]
    divisors += [float(np.float32(v)) for v in rng.uniform(0.001, 0.5, 3)]
    divisors += [
        float(np.float32(np.ldexp(rng.uniform(1, 2), int(k)))) for k in (-126, -100, 90, 127)
    ]
    for d in divisors:
        run, *_keep = _finish_engine(lambda e, a, d=d: div_f32_const(_I64(e, i32), a, d))
        xs = _f32_operands(rng, np.float32(d))
        with np.errstate(all="ignore"):
            want = (xs.view(np.float32) / np.float32(d)).astype(np.float32)
        got = run(xs)
        nan = np.isnan(want)
        assert np.array_equal(np.isnan(got.view(np.float32)), nan)
        bad = np.flatnonzero((got != want.view(np.uint32)) & ~nan)
        assert bad.size == 0, (
            f"seed {seed}, divisor {d!r}: first mismatch at {bad[0]}: bits {xs[bad[0]]:#x} -> "
            f"{got[bad[0]]:#x}, want {int(want.view(np.uint32)[bad[0]]):#x}"
        )


def test_average_pool_finish_against_golden():
    """`average_pool_finish` on float32 window sums equals the golden model's integer recipe
    (`_divide_f32` twice, `_round_to_int`, + zp, clamp) and numpy's float32 formula."""
    from snaxc.golden.requant import _divide_f32, _round_to_int
    from snaxc.transforms.kernel_to_arith import average_pool_finish

    seed = 84
    rng = np.random.default_rng(seed)
    for window, y_scale, zp in ((4, 0.05, -1), (25, 0.0213, 7), (64, 0.1, -128), (125, 0.003, 3)):
        y_scale = float(np.float32(y_scale))
        run, *_keep = _finish_engine(
            lambda e, a, w=window, ys=y_scale, z=zp: average_pool_finish(
                e, _bitcast(e, a), w, ys, z, -128, 127
            )
        )
        # Sums of float32 products of int8 values and a scale, plus exact ties of the result.
        sx = np.float32(rng.uniform(0.001, 0.2))
        s = (rng.integers(-128 * window, 128 * window, 3000).astype(np.float32) * sx).astype(
            np.float32
        )
        ties = (
            (rng.integers(-300, 300, 1000) + np.float32(0.5)).astype(np.float32)
            * np.float32(y_scale)
            * np.float32(window)
        ).astype(np.float32)
        s = np.concatenate([s, ties, np.float32([0.0, -0.0, 1e-45, -3e38])])
        got = run(s.view(np.uint32)).view(np.int32)
        bits = s.view(np.uint32).astype(np.int64)
        field = (bits >> 23) & 0xFF
        mant = (bits & 0x7F_FFFF) | np.where(field > 0, 1 << 23, 0)
        v = np.where(bits >> 31, -mant, mant)
        q, e = _divide_f32(v, np.maximum(field, 1) - 150, float(window))
        q, e = _divide_f32(q, e, y_scale)
        want = np.clip(_round_to_int(q, e) + zp, -128, 127)
        with np.errstate(all="ignore"):
            ref = np.rint((s / np.float32(window)).astype(np.float32) / np.float32(y_scale))
        ref = np.clip(np.nan_to_num(ref, posinf=1e9, neginf=-1e9) + zp, -128, 127)
        for name, w in (("golden", want), ("numpy", ref)):
            bad = np.flatnonzero(got != w)
            assert bad.size == 0, (
                f"seed {seed}, window {window}: first mismatch with {name} at {bad[0]}: "
                f"s = {s[bad[0]]!r} -> {got[bad[0]]}, want {w[bad[0]]}"
            )


def _bitcast(e, a):
    from xdsl.dialects import arith
    from xdsl.dialects.builtin import f32

    return e.add(arith.BitcastOp(a, f32))
