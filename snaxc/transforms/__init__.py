"""snaxc passes, one per file. `SNAXC_PASSES` maps each pass name to its class."""

from collections.abc import Callable

from xdsl.passes import ModulePass

SNAXC_PASSES: dict[str, Callable[[], type[ModulePass]]] = {}
