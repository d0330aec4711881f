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
