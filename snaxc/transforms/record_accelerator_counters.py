"""`record-accelerator-counters`: save every accelerator's busy/stall counters for the host.

The CSR managers count, per accelerator, the cycles with an operation outstanding
(BUSY_CYCLES) and the cycles the datapath had work but could not advance (STALL_CYCLES).
Only the core can read them, so before `main` returns the program copies them into the
global `snaxc_acc_counters` (two words per accelerator of the configuration, in its
order), which the runtime reads from the ELF symbol after the run.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, func, memref
from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    IndexType,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    StringAttr,
    TensorType,
    i32,
)
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.utils.exceptions import DiagnosticException

from snaxc.accelerators.description import REG_BUSY_CYCLES, REG_STALL_CYCLES
from snaxc.config import ACC_BASE, ACC_WINDOW_BYTES, ClusterConfig
from snaxc.dialects import snax
from snaxc.transforms.pass_config import pass_config

SYMBOL = "snaxc_acc_counters"
WORDS_PER_ACCELERATOR = 2  # busy cycles, stall cycles


def record_accelerator_counters(module: ModuleOp, cfg: ClusterConfig) -> None:
    n = len(cfg.accelerators) * WORDS_PER_ACCELERATOR
    if not n:
        return
    main = next(
        (o for o in module.ops if isinstance(o, func.FuncOp) and o.sym_name.data == "main"),
        None,
    )
    if main is None:
        raise DiagnosticException("record-accelerator-counters: no main function")
    ret = main.body.block.last_op
    assert isinstance(ret, func.ReturnOp)
    t = MemRefType(i32, [n])
    zeros = DenseIntOrFPElementsAttr.from_list(TensorType(i32, [n]), [0] * n)
    glob = memref.GlobalOp.get(StringAttr(SYMBOL), t, zeros, StringAttr("public"), None, 8)
    Rewriter.insert_op(glob, InsertPoint.at_start(module.body.block))
    ops = [get := memref.GetGlobalOp(SYMBOL, t)]
    for i in range(len(cfg.accelerators)):
        base = ACC_BASE + i * ACC_WINDOW_BYTES
        for j, reg in enumerate((REG_BUSY_CYCLES, REG_STALL_CYCLES)):
            value = snax.MmioLoadOp(base + reg)
            index = arith.ConstantOp(IntegerAttr(WORDS_PER_ACCELERATOR * i + j, IndexType()))
            ops += [value, index, memref.StoreOp.get(value.result, get.memref, [index.result])]
    Rewriter.insert_op(ops, InsertPoint.before(ret))


@dataclass(frozen=True)
class RecordAcceleratorCounters(ModulePass):
    """Copy the accelerators' busy/stall counters into a global before `main` returns."""

    name = "record-accelerator-counters"

    config: str = ""
    """Path of the cluster configuration YAML; empty: the default configuration."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        cfg = pass_config("record-accelerator-counters", self.config)
        record_accelerator_counters(op, cfg)
