"""Run a tensor-level xDSL module on the host: upstream MLIR bufferizes it, lowers it to
loops and LLVM and JIT-compiles it (the numerical reference for imported and rewritten
modules; kernel ops must be expanded with `kernel-to-arith` first)."""

import ctypes

import numpy as np


def host_jit(module):
    """Host JIT of a tensor-level module (after kernel-to-arith): a callable on numpy."""
    from torch_mlir import ir
    from torch_mlir.execution_engine import ExecutionEngine
    from torch_mlir.passmanager import PassManager
    from torch_mlir.runtime import get_ranked_memref_descriptor

    from snaxc.backend.llvm_ir import module_text
    from snaxc.frontend.mlir_import import BUFFERIZE, _copies_to_linalg

    ctx = ir.Context()
    with ctx:
        m = ir.Module.parse(module_text(module))
        func = next(op for op in m.body.operations if op.operation.name == "func.func")
        func.attributes["llvm.emit_c_interface"] = ir.UnitAttr.get()
        name = func.attributes["sym_name"].value
        PassManager.parse(f"builtin.module({BUFFERIZE})").run(m.operation)
        _copies_to_linalg(m)
        PassManager.parse(
            "builtin.module(func.func(linalg-generalize-named-ops),"
            "func.func(convert-linalg-to-loops),lower-affine,convert-scf-to-cf,"
            "expand-strided-metadata,finalize-memref-to-llvm,convert-math-to-llvm,"
            "convert-to-llvm,reconcile-unrealized-casts)"
        ).run(m.operation)
        engine = ExecutionEngine(m, opt_level=2)

    def run(x: np.ndarray, out_shape) -> np.ndarray:
        x = np.ascontiguousarray(x, np.float32)
        y = np.zeros(out_shape, np.float32)
        args = [ctypes.pointer(ctypes.pointer(get_ranked_memref_descriptor(a))) for a in (x, y)]
        engine.invoke(name, *args)
        return y

    run.keep_alive = (ctx, engine)
    return run
