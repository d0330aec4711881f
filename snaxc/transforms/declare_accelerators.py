"""`declare-accelerators`: an `accfg.accelerator` for every accelerator of the cluster.

The declarations are built from the accelerator descriptions (`snaxc.accelerators`), the
single source of the register maps, and the cluster configuration (which accelerators
exist, in which register window). Accelerator i of the configuration owns the window at
`0x2001_0000 + 0x1000 * i`; its declaration follows the convention of `lower-accfg`:

    "accfg.accelerator"() <{name = @gemm0,
        fields = {a_base = 0x20010100, ...},        // every configuration register
        launch_fields = {launch = 0x20010000},     // LAUNCH
        barrier = 0x20010004}>                     // DONE

An accelerator that is already declared is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import accfg
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.utils.exceptions import DiagnosticException

from snaxc import accelerators
from snaxc.accelerators.description import REG_DONE, REG_LAUNCH
from snaxc.config import ACC_BASE, ACC_WINDOW_BYTES, ClusterConfig
from snaxc.transforms.pass_config import pass_config


def declarations(cfg: ClusterConfig) -> list[accfg.AcceleratorOp]:
    """One declaration per accelerator instance of `cfg`, in window order."""
    decls = []
    for i, inst in enumerate(cfg.accelerators):
        try:
            desc = accelerators.get(inst.kind)
        except KeyError as e:
            raise DiagnosticException(f"declare-accelerators: {e.args[0]}") from None
        base = ACC_BASE + i * ACC_WINDOW_BYTES
        decls.append(
            accfg.AcceleratorOp(
                inst.name,
                {r.name: base + r.offset for r in desc.config_words()},
                {"launch": base + REG_LAUNCH},
                base + REG_DONE,
            )
        )
    return decls


@dataclass(frozen=True)
class DeclareAccelerators(ModulePass):
    """Insert the `accfg.accelerator` declarations of a cluster configuration."""

    name = "declare-accelerators"

    config: str = ""
    """Path of the cluster configuration YAML; empty: the default configuration."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        cfg = pass_config("declare-accelerators", self.config)
        declare_accelerators(op, cfg)


def declare_accelerators(module: ModuleOp, cfg: ClusterConfig) -> None:
    """Insert the declarations of `cfg`'s accelerators that `module` does not have yet."""
    declared = {
        a.name_prop.string_value() for a in module.walk() if isinstance(a, accfg.AcceleratorOp)
    }
    new = [d for d in declarations(cfg) if d.name_prop.string_value() not in declared]
    if new:
        Rewriter.insert_op(new, InsertPoint.at_start(module.body.block))
