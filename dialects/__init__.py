"""xDSL dialects of snaxc (installed as `snaxc.dialects`).

- `accfg` (xDSL's own, reused as is): accelerator declaration, setup -> state,
  launch -> token, await;
- `dma`: N-D strided transfers (start -> token) and waits;
- `stream`: streamer access patterns and streaming regions;
- `snax`: L1/L3 memory spaces, static allocation, memory-mapped register accesses;
- `kernel`: compute kernels recognised in `linalg.generic` bodies.
"""

from collections.abc import Callable

from xdsl.context import Context
from xdsl.ir import Dialect


def _accfg() -> Dialect:
    from xdsl.dialects.accfg import ACCFG

    return ACCFG


def _dma() -> Dialect:
    from snaxc.dialects.dma import Dma

    return Dma


def _stream() -> Dialect:
    from snaxc.dialects.stream import Stream

    return Stream


def _snax() -> Dialect:
    from snaxc.dialects.snax import Snax

    return Snax


def _kernel() -> Dialect:
    from snaxc.dialects.kernel import Kernel

    return Kernel


SNAXC_DIALECTS: dict[str, Callable[[], Dialect]] = {
    "accfg": _accfg,
    "dma": _dma,
    "stream": _stream,
    "snax": _snax,
    "kernel": _kernel,
}
"""Every dialect a snaxc module may contain beyond xDSL's, by name (lazily loaded)."""


def snaxc_context() -> Context:
    """An xDSL context in which every xDSL dialect and every snaxc dialect is available."""
    from xdsl.universe import Universe

    ctx = Context()
    for name, factory in Universe.get_multiverse().all_dialects.items():
        ctx.register_dialect(name, factory)
    for name, factory in SNAXC_DIALECTS.items():
        if name not in ctx.registered_dialect_names:
            ctx.register_dialect(name, factory)
    return ctx
