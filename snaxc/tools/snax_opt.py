"""`snax-opt`: xdsl-opt with every snaxc dialect and pass registered.

    snax-opt input.mlir -p recognize-kernels
    snax-opt --help            # lists every available pass

It is the driver the filecheck tests run (`// RUN: snax-opt %s -p ... | filecheck %s`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from xdsl.passes import ModulePass
from xdsl.utils.exceptions import DiagnosticException, ParseError, VerifyException
from xdsl.xdsl_opt_main import xDSLOptMain

from snaxc.dialects import SNAXC_DIALECTS
from snaxc.transforms import SNAXC_PASSES


class SnaxOptMain(xDSLOptMain):
    version_format = "snax-opt built with xdsl version {xdsl_version}"

    def __init__(self, args: Sequence[str] | None = None):
        super().__init__(description="snaxc modular optimizer driver", args=args)

    def register_all_dialects(self) -> None:
        super().register_all_dialects()
        for dialect_name, factory in SNAXC_DIALECTS.items():
            # snaxc reuses xDSL's accfg dialect: it is registered by the superclass already.
            if dialect_name not in self.ctx.registered_dialect_names:
                self.ctx.register_dialect(dialect_name, factory)

    def register_all_passes(self) -> None:
        super().register_all_passes()
        pass_factory: Callable[[], type[ModulePass]]
        for pass_name, pass_factory in SNAXC_PASSES.items():
            self.register_pass(pass_name, pass_factory)


def main(args: Sequence[str] | None = None) -> None:
    """Run snax-opt; a parse or verification error is reported without a Python traceback."""
    try:
        SnaxOptMain(args=args).run()
    except (ParseError, DiagnosticException, VerifyException) as e:
        print(f"snax-opt: error: {e}", file=sys.stderr)
        sys.exit(1)
    except (OSError, ValueError) as e:
        print(f"snax-opt: error: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
