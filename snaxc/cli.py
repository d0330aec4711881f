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

import numpy as np
from xdsl.dialects.builtin import ModuleOp
from xdsl.printer import Printer

from snaxc import __version__
from snaxc.backend.package import MANIFEST, PROGRAM, Manifest
from snaxc.config import ClusterConfig, ConfigError, load_config
from snaxc.errors import SnaxcError

PROG = "snaxc"


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


def _options(args: argparse.Namespace):
    from snaxc.compiler import Options

    return Options(
        double_buffer=not args.no_double_buffer, config_overlap=not args.no_config_overlap
    )


def cmd_compile(args: argparse.Namespace) -> int:
    from snaxc.compiler import compile_file

    cfg = _load_config(args.config)
    src = Path(args.input)
    if src.suffix != ".mlir":
        raise SnaxcError(f"{src}: unsupported input type '{src.suffix}' (expected .mlir)")
    dump = IrDumper(args.print_ir_after_all, Path(args.dump_ir) if args.dump_ir else None)
    result = compile_file(src, cfg, Path(args.output), dump, _options(args))
    m = result.manifest
    size = (result.outdir / m.program).stat().st_size
    print(
        f"{PROG}: compiled {src} for cluster '{cfg.name}' ({m.config_hash}) into "
        f"{result.outdir}: {m.program} ({size} bytes), {len(m.inputs)} input(s), "
        f"{len(m.outputs)} output(s)"
    )
    if m.on_accelerators:
        print(f"{PROG}: on accelerators: {', '.join(m.on_accelerators)}")
    if m.on_core:
        print(
            f"{PROG}: note: {len(m.on_core)} kernel(s) run as loops on the control core "
            f"({', '.join(m.on_core)}): no accelerator of the cluster takes them as they are "
            "(tiling and padding are not implemented yet)"
        )
    return 0


def _load_inputs(path: Path, manifest: Manifest) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError) as e:
        raise SnaxcError(f"{path}: cannot read inputs ({e})") from None
    expected = [t.name for t in manifest.inputs]
    missing = [n for n in expected if n not in arrays]
    if missing:
        raise SnaxcError(
            f"{path}: missing input(s) {', '.join(missing)} (the program takes "
            f"{', '.join(expected) or 'no inputs'})"
        )
    extra = sorted(set(arrays) - set(expected))
    if extra:
        raise SnaxcError(f"{path}: unknown input(s) {', '.join(extra)}")
    for t in manifest.inputs:
        a = arrays[t.name]
        if tuple(a.shape) != t.shape or a.dtype != np.dtype(t.dtype):
            raise SnaxcError(
                f"{path}: input {t.name} is {a.dtype}{list(a.shape)}, the program takes "
                f"{t.dtype}{list(t.shape)}"
            )
    return arrays


def cmd_run(args: argparse.Namespace) -> int:
    from snaxc.runtime.simulator import SimulationError, Simulator

    pkg = Path(args.package)
    if not pkg.is_dir():
        raise SnaxcError(f"{pkg}: no such directory (expected the output of 'snaxc compile')")
    for name in (MANIFEST, PROGRAM):
        if not (pkg / name).is_file():
            raise SnaxcError(f"{pkg}: missing {name} (not a 'snaxc compile' output directory)")
    manifest = Manifest.read(pkg)
    cfg = manifest.cluster_config()
    if cfg.hash() != manifest.config_hash:
        raise SnaxcError(f"{pkg / MANIFEST}: the configuration does not match its hash")
    if args.config is not None:
        given = _load_config(args.config)
        if given.hash() != manifest.config_hash:
            raise SnaxcError(
                f"{pkg} was compiled for cluster '{cfg.name}' ({manifest.config_hash}), "
                f"not for {args.config} ('{given.name}', {given.hash()})"
            )
    inputs = _load_inputs(Path(args.inputs), manifest)
    try:
        sim = Simulator(cfg)
        sim.load_elf(pkg / manifest.program)
        for t in manifest.inputs:
            sim.write_l3(t.l3_address, np.ascontiguousarray(inputs[t.name]))
        result = sim.run(max_cycles=args.max_cycles)
        acc_counters = (
            np.frombuffer(sim.read_symbol(manifest.counters_symbol), dtype="<u4")
            if manifest.counters_symbol
            else None
        )
        outputs = {
            t.name: np.frombuffer(sim.read_l3(t.l3_address, t.nbytes), dtype=t.dtype)
            .reshape(t.shape)
            .copy()
            for t in manifest.outputs
        }
    except SimulationError as e:
        raise SnaxcError(f"{pkg}: {str(e).splitlines()[0]}") from None
    if result.exit_code != 0:
        raise SnaxcError(f"{pkg}: the program exited with code {result.exit_code}")
    try:
        np.savez(args.output, **outputs)
    except OSError as e:
        raise SnaxcError(f"{args.output}: cannot write outputs ({e.strerror})") from None
    c = result.counters
    print(f"{PROG}: ran {pkg} on cluster '{cfg.name}': {result.cycles:,} cycles")
    print(
        f"  core active {c.get('core_active_cycles', 0):,} cycles; DMA "
        f"{c.get('dma_bytes_read', 0):,} bytes read, {c.get('dma_bytes_written', 0):,} "
        f"written, busy {c.get('dma_busy_cycles', 0):,} cycles; "
        f"TCDM bank conflicts {c.get('tcdm_bank_conflicts', 0):,}"
    )
    if acc_counters is not None:
        for i, name in enumerate(manifest.accelerators):
            busy, stall = int(acc_counters[2 * i]), int(acc_counters[2 * i + 1])
            share = 100.0 * busy / result.cycles if result.cycles else 0.0
            print(
                f"  {name}: busy {busy:,} cycles ({share:.1f}% of the run), "
                f"datapath stalled {stall:,} cycles"
            )
    print(f"  outputs ({', '.join(t.name for t in manifest.outputs)}) written to {args.output}")
    return 0


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
            "for the cluster described by --config. Matmuls go to an accelerator of the "
            "cluster that runs them; everything else runs as loops on the control core. "
            "OUTDIR receives program.elf (the control program with its constants), "
            "program.ll (its LLVM IR) and manifest.json (inputs and outputs with names, "
            "shapes, dtypes and L3 addresses; the configuration and its hash; what runs "
            "where). The whole working set must fit the TCDM: tiling is not implemented yet."
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
    c.add_argument(
        "--no-double-buffer",
        action="store_true",
        help="tiled matmuls: one buffer per operand (loads, compute and stores in turn)",
    )
    c.add_argument(
        "--no-config-overlap",
        action="store_true",
        help="write an accelerator's next configuration only after its current operation ends",
    )
    c.set_defaults(func=cmd_compile)

    r = sub.add_parser(
        "run",
        help="run a compiled package on the simulated cluster",
        description=(
            "Load the package in OUTDIR (from 'snaxc compile') into the Verilator-simulated "
            "cluster, write the input arrays from --inputs, run, and save the outputs to -o. "
            "Prints the cycle count, the DMA traffic and each accelerator's busy and stall "
            "cycles (its utilization) from the hardware counters."
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
    r.add_argument(
        "-c",
        "--config",
        metavar="CLUSTER.yaml",
        help="check that the package was compiled for this cluster configuration",
    )
    r.add_argument(
        "--max-cycles",
        type=int,
        default=100_000_000,
        metavar="N",
        help="stop with an error if the program runs longer (default: %(default)s)",
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
