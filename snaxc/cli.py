"""`snaxc`: compile MLIR for a snaxc cluster, and run compiled programs on its simulation.

    snaxc compile model.mlir -c cluster.yaml -o out/
    snaxc run out/ --inputs x.npz -o y.npz

User mistakes (a missing or malformed file, a bad configuration, an unsupported program)
are reported as one line `snaxc: error: ...` on stderr with exit status 1, never as a
Python traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.printer import Printer

from snaxc import __version__
from snaxc.config import ClusterConfig, ConfigError, load_config
from snaxc.dialects import snaxc_context
from snaxc.errors import SnaxcError
from snaxc.transforms.recognize_kernels import RecognizeKernels

PROG = "snaxc"

# Passes of `snaxc compile` that exist so far, in order. The rest of the pipeline (dispatch,
# tiling, L1 allocation, DMA insertion, streamer patterns, accfg, control-program
# lowering) is reported as not implemented instead of producing a partial package.
PIPELINE: tuple[ModulePass, ...] = (RecognizeKernels(),)
MISSING_STAGES = (
    "dispatch to accelerators, tiling, L1 allocation, DMA insertion and accelerator configuration"
)


@dataclass
class IrDumper:
    """Implements --print-ir-after-all (stderr) and --dump-ir DIR (one file per stage)."""

    print_after_all: bool = False
    dump_dir: Path | None = None
    _count: int = 0

    def __post_init__(self) -> None:
        if self.dump_dir is not None:
            try:
                self.dump_dir.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise SnaxcError(
                    f"{self.dump_dir}: cannot create IR dump directory ({e.strerror})"
                ) from None

    def __call__(self, stage: str, module: ModuleOp) -> None:
        if not self.print_after_all and self.dump_dir is None:
            return
        out = StringIO()
        Printer(stream=out).print_op(module)
        text = out.getvalue() + "\n"
        if self.print_after_all:
            sys.stderr.write(f"// -----// IR Dump After {stage} //----- //\n{text}\n")
        if self.dump_dir is not None:
            (self.dump_dir / f"{self._count:02d}_{stage}.mlir").write_text(text)
        self._count += 1


def _load_config(path: str | None) -> ClusterConfig:
    try:
        return load_config(path)
    except ConfigError as e:
        where = f"{path}: " if path and not str(e).startswith(str(path)) else ""
        raise SnaxcError(f"{where}{e}") from None


def cmd_compile(args: argparse.Namespace) -> int:
    from snaxc.frontend import import_mlir

    cfg = _load_config(args.config)
    src = Path(args.input)
    if src.suffix != ".mlir":
        raise SnaxcError(f"{src}: unsupported input type '{src.suffix}' (expected .mlir)")
    dump = IrDumper(args.print_ir_after_all, Path(args.dump_ir) if args.dump_ir else None)

    module = import_mlir(src, bufferize=False)
    dump("import", module)
    ctx = snaxc_context()
    for p in PIPELINE:
        p.apply(ctx, module)
        module.verify()
        dump(p.name, module)

    raise SnaxcError(
        f"not implemented yet: {MISSING_STAGES} for cluster '{cfg.name}'; "
        f"compilation of {src} stopped after {PIPELINE[-1].name}, nothing written to {args.output}"
    )


def cmd_run(args: argparse.Namespace) -> int:
    pkg = Path(args.package)
    if not pkg.is_dir():
        raise SnaxcError(f"{pkg}: no such directory (expected the output of 'snaxc compile')")
    for name in ("manifest.json", "program.elf"):
        if not (pkg / name).is_file():
            raise SnaxcError(f"{pkg}: missing {name} (not a 'snaxc compile' output directory)")
    inputs = Path(args.inputs)
    if not inputs.is_file():
        raise SnaxcError(f"{inputs}: no such file")
    raise SnaxcError("not implemented yet: running a compiled package on the simulator")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Compile neural-network kernels written in MLIR linalg for a SNAX-style "
            "accelerator cluster, and run them on its cycle-accurate simulation."
        ),
        epilog=(
            "example:\n"
            "  snaxc compile matmul.mlir -c cluster.yaml -o build/\n"
            "  snaxc run build/ --inputs x.npz -o y.npz\n\n"
            "Run 'snaxc COMMAND --help' for the options of each command."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    c = sub.add_parser(
        "compile",
        help="compile an MLIR file into a program package for the cluster",
        description=(
            "Compile INPUT (MLIR: linalg named ops or linalg.generic, on tensors or memrefs) "
            "for the cluster described by --config. OUTDIR receives program.elf (the control "
            "program), the L3 image of constants and manifest.json (inputs and outputs with "
            "names, shapes, dtypes and addresses; the configuration hash)."
        ),
    )
    c.add_argument("input", metavar="INPUT", help="the .mlir file to compile")
    c.add_argument(
        "-c",
        "--config",
        metavar="CLUSTER.yaml",
        help="cluster configuration (default: the built-in default cluster)",
    )
    c.add_argument(
        "-o", "--output", metavar="OUTDIR", required=True, help="directory for the package"
    )
    c.add_argument(
        "--print-ir-after-all",
        action="store_true",
        help="print the IR after the import and after every pass to stderr",
    )
    c.add_argument(
        "--dump-ir",
        metavar="DIR",
        help="write the IR after the import and after every pass to DIR/NN_<stage>.mlir",
    )
    c.set_defaults(func=cmd_compile)

    r = sub.add_parser(
        "run",
        help="run a compiled package on the simulated cluster",
        description=(
            "Load the package in OUTDIR (from 'snaxc compile') into the Verilator-simulated "
            "cluster, write the input arrays from --inputs, run, and save the outputs to -o. "
            "Prints the cycle count and the accelerator utilization from the hardware "
            "performance counters."
        ),
    )
    r.add_argument("package", metavar="OUTDIR", help="directory written by 'snaxc compile'")
    r.add_argument(
        "--inputs",
        metavar="X.npz",
        required=True,
        help="input arrays, one per program input, named as in manifest.json",
    )
    r.add_argument(
        "-o", "--output", metavar="Y.npz", required=True, help="where to save the outputs"
    )
    r.set_defaults(func=cmd_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except SnaxcError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
