"""Accelerator descriptions: one module per kind, each defining `DESCRIPTION`.

A new accelerator kind is a new module here plus its datapath RTL in
`hw/accelerators/<kind>/<kind>_datapath.sv`; `descriptions()` finds it by itself.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from snaxc.accelerators.description import AcceleratorDescription

_NOT_KINDS = {"description", "generate"}


@cache
def descriptions() -> dict[str, AcceleratorDescription]:
    """All accelerator kinds known to this installation, by kind name."""
    found: dict[str, AcceleratorDescription] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name in _NOT_KINDS or info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{__name__}.{info.name}")
        desc = getattr(mod, "DESCRIPTION", None)
        if isinstance(desc, AcceleratorDescription):
            found[desc.kind] = desc
    return found


def get(kind: str) -> AcceleratorDescription:
    """The description of `kind`; KeyError with the known kinds otherwise."""
    known = descriptions()
    if kind not in known:
        raise KeyError(f"unknown accelerator kind {kind!r} (known: {', '.join(sorted(known))})")
    return known[kind]
