"""`lower-accfg`: accfg setup/launch/await to CSR-manager register accesses.

snaxc uses xDSL's `accfg` dialect unchanged; this pass fixes how its accelerator
declaration maps onto the CSR manager of a snaxc accelerator shell:

    "accfg.accelerator"() <{name = @gemm0,
        fields = {k = 0x20010104 : i32, ...},     // configuration register addresses
        launch_fields = {launch = 0x20010000 : i32},  // LAUNCH register
        barrier = 0x20010004 : i32}>                  // DONE register

- `accfg.setup` writes each value to its field's register (shadow registers: the
  accelerator does not see them until the next launch);
- `accfg.launch` writes every launch field (its value if the launch names it, 0
  otherwise; writing LAUNCH pushes the shadow configuration) and reads the last launch
  field back: the number of launches accepted so far, i.e. the id of this launch;
- `accfg.await` polls the barrier register (operations completed) until it reaches the
  launch id; operations complete in launch order.
- `accfg.reset` has no hardware effect and is dropped, and so are the declarations
  once everything is lowered.

Removing setups of values the accelerator already holds and moving setups before the
await of the previous launch are separate passes that work on the accfg SSA states; by
the time this pass runs, every setup is written as it stands.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import accfg, arith, scf
from xdsl.dialects.builtin import IndexType, IntegerAttr, IntegerType, ModuleOp, i32
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.utils.exceptions import DiagnosticException

from snaxc.dialects import snax


def _insert(op: Operation, anchor: Operation) -> Operation:
    Rewriter.insert_op(op, InsertPoint.before(anchor))
    return op


def _as_i32(value: SSAValue, anchor: Operation) -> SSAValue:
    t = value.type
    if t == i32:
        return value
    if isinstance(t, IndexType):
        return _insert(arith.IndexCastOp(value, i32), anchor).results[0]
    if isinstance(t, IntegerType) and t.width.data < 32:
        return _insert(arith.ExtSIOp(value, i32), anchor).results[0]
    raise DiagnosticException(f"lower-accfg: a register value of type {t} does not fit 32 bits")


def _address(attr, what: str) -> int:
    if not isinstance(attr, IntegerAttr):
        raise DiagnosticException(f"lower-accfg: {what} is not an integer address")
    return attr.value.data & 0xFFFF_FFFF


def _poll(anchor: Operation, address: int, target: SSAValue) -> None:
    """Insert `while (load(address) < target) {}` before `anchor`."""
    before = Block()
    done = snax.MmioLoadOp(address)
    pending = arith.CmpiOp(done.result, target, "ult")
    before.add_ops([done, pending, scf.ConditionOp(pending.result)])
    after = Block()
    after.add_op(scf.YieldOp())
    _insert(scf.WhileOp([], [], Region(before), Region(after)), anchor)


@dataclass(frozen=True)
class LowerAccfg(ModulePass):
    """Lower accfg setups, launches and awaits to memory-mapped register accesses."""

    name = "lower-accfg"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        accelerators = {
            a.name_prop.string_value(): a for a in op.walk() if isinstance(a, accfg.AcceleratorOp)
        }

        def declaration(name: str, user: Operation) -> accfg.AcceleratorOp:
            if name not in accelerators:
                raise DiagnosticException(
                    f"lower-accfg: {user.name} of accelerator '{name}', which no "
                    "accfg.accelerator declares"
                )
            return accelerators[name]

        accfg_ops = [o for o in op.walk() if isinstance(o, accfg.SetupOp | accfg.LaunchOp)]
        for o in accfg_ops:
            for result in o.results:
                for use in result.uses:
                    if not isinstance(
                        use.operation,
                        accfg.SetupOp | accfg.LaunchOp | accfg.AwaitOp | accfg.ResetOp,
                    ):
                        raise DiagnosticException(
                            f"lower-accfg: an accfg value flows into {use.operation.name}; "
                            "states and tokens crossing control flow are not supported yet"
                        )

        ids: dict[SSAValue, tuple[SSAValue, int]] = {}
        for o in accfg_ops:
            acc = declaration(o.accelerator.data, o)
            if isinstance(o, accfg.SetupOp):
                fields = acc.fields.data
                for name, value in o.iter_params():
                    if name not in fields:
                        raise DiagnosticException(
                            f"lower-accfg: accelerator '{o.accelerator.data}' has no field '{name}'"
                        )
                    address = _address(fields[name], f"field '{name}'")
                    _insert(snax.MmioStoreOp(_as_i32(value, o), address), o)
            else:
                given = dict(o.iter_params())
                launch_fields = list(acc.launch_field_items())
                if not launch_fields:
                    raise DiagnosticException(
                        f"lower-accfg: accelerator '{o.accelerator.data}' has no launch field"
                    )
                zero = None
                for name, attr in launch_fields:
                    if name in given:
                        value = _as_i32(given[name], o)
                    else:
                        if zero is None:
                            zero = _insert(arith.ConstantOp(IntegerAttr(0, i32)), o).results[0]
                        value = zero
                    _insert(snax.MmioStoreOp(value, _address(attr, f"launch field '{name}'")), o)
                last = _address(launch_fields[-1][1], "launch field")
                launch_id = _insert(snax.MmioLoadOp(last), o).results[0]
                ids[o.token] = (launch_id, _address(acc.barrier, "barrier"))

        for aw in [o for o in op.walk() if isinstance(o, accfg.AwaitOp)]:
            launch_id, barrier = ids[aw.token]
            _poll(aw, barrier, launch_id)
            Rewriter.erase_op(aw)
        for o in [o for o in op.walk() if isinstance(o, accfg.ResetOp)]:
            Rewriter.erase_op(o)
        # Erase launches first, then setups from the last to the first (states chain).
        for o in reversed(accfg_ops):
            Rewriter.erase_op(o)
        # The declarations only carried addresses: nothing refers to them any more.
        for a in accelerators.values():
            Rewriter.erase_op(a)
