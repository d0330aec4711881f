"""`snaxc`: compile MLIR or ONNX for a snaxc cluster, and run compiled programs on its
simulation.

    snaxc compile model.mlir -c cluster.yaml -o out/
    snaxc run out/ --inputs x.npz -o y.npz
    snaxc quantize model.onnx --calibration cal.npz -o model_int8.onnx
    snaxc compile model_int8.onnx -o out/ && snaxc run out/ --inputs x.npz -o y.npz \\
        --check model_int8.onnx

User mistakes (a missing or malformed file, a bad configuration, an unsupported program)
are reported as one line `snaxc: error: ...` on stderr with exit status 1, never as a
Python traceback.
"""

from __future__ import annotations

import argparse
import os
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
        double_buffer=not args.no_double_buffer,
        config_overlap=not args.no_config_overlap,
        requant=args.requant,
    )


def cmd_compile(args: argparse.Namespace) -> int:
    from snaxc.compiler import compile_file

    cfg = _load_config(args.config)
    src = Path(args.input)
    if src.suffix not in (".mlir", ".onnx"):
        raise SnaxcError(f"{src}: unsupported input type '{src.suffix}' (expected .mlir or .onnx)")
    dump = IrDumper(args.print_ir_after_all, Path(args.dump_ir) if args.dump_ir else None)
    if src.suffix == ".onnx":
        from snaxc.api import compile_model
        from snaxc.frontend.onnx import parse_input_shapes

        shapes = parse_input_shapes(args.input_shape or [])
        m, info, _ = compile_model(
            src, cfg, Path(args.output), input_shapes=shapes, dump=dump, options=_options(args)
        )
        outdir = Path(args.output)
    else:
        if args.input_shape:
            raise SnaxcError("--input-shape applies to .onnx inputs (MLIR shapes are static)")
        result = compile_file(src, cfg, Path(args.output), dump, _options(args))
        m, info, outdir = result.manifest, None, result.outdir
    size = (outdir / m.program).stat().st_size
    n_in = len(m.inputs) - (len(info.constants) if info is not None else 0)
    consts = f" + {len(info.constants)} weight tensor(s) in L3" if info and info.constants else ""
    print(
        f"{PROG}: compiled {src} for cluster '{cfg.name}' ({m.config_hash}) into "
        f"{outdir}: {m.program} ({size} bytes), {n_in} input(s){consts}, "
        f"{len(m.outputs)} output(s)"
    )
    if info is not None:
        for p in (*info.inputs, *info.outputs):
            if p.quantized:
                role = "input" if p in info.inputs else "output"
                how = "quantized" if role == "input" else "dequantized"
                print(
                    f"{PROG}: {role} '{p.name}' ({p.tensor}) is int8 on the cluster, "
                    f"{how} on the host (scale {p.scale:.9g}, zero point {p.zero_point})"
                )
    if m.on_accelerators:
        print(f"{PROG}: on accelerators: {', '.join(m.on_accelerators)}")
    if m.on_core:
        print(
            f"{PROG}: note: {len(m.on_core)} kernel(s) run as loops on the control core "
            f"({', '.join(m.on_core)}): no accelerator of the cluster takes them as they are"
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


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError) as e:
        raise SnaxcError(f"{path}: cannot read inputs ({e})") from None


def check_against_onnxruntime(
    model_path: Path, inputs: dict[str, np.ndarray], outputs: dict[str, np.ndarray], info
) -> list[str]:
    """Run `model_path` on onnxruntime with `inputs`; one report line per output."""
    from snaxc.frontend.onnx import load_onnx

    try:
        import onnxruntime as ort
    except ImportError:
        raise SnaxcError("--check needs onnxruntime (pip install 'snaxc[nn]')") from None
    model = load_onnx(model_path)
    try:
        sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    except Exception as e:
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise SnaxcError(f"{model_path}: onnxruntime cannot load the model: {msg}") from None
    ins = [i.name for i in sess.get_inputs()]
    if sorted(ins) != sorted(inputs):
        raise SnaxcError(
            f"{model_path}: the model takes input(s) {', '.join(ins)}, the inputs file has "
            f"{', '.join(sorted(inputs))}"
        )
    outs = [o.name for o in sess.get_outputs()]
    if sorted(outs) != sorted(outputs):
        raise SnaxcError(
            f"{model_path}: the model has output(s) {', '.join(outs)}, the program "
            f"{', '.join(sorted(outputs))}"
        )
    try:
        ref = dict(zip(outs, sess.run(None, inputs), strict=True))
    except Exception as e:
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise SnaxcError(f"{model_path}: onnxruntime failed: {msg}") from None
    ports = {p.name: p for p in info.outputs} if info is not None else {}
    lines = []
    for name in outs:
        want, got = np.asarray(ref[name]), outputs[name]
        if want.shape != got.shape:
            raise SnaxcError(
                f"{model_path}: output {name} is {list(want.shape)} on onnxruntime, "
                f"{list(got.shape)} on the cluster"
            )
        diff = np.abs(want.astype(np.float64) - got.astype(np.float64))
        equal = int((want == got).sum())
        line = (
            f"  {name}: largest difference {diff.max(initial=0.0):.6g}"
            f"{_lsb(ports.get(name), diff)}, {equal}/{want.size} elements equal "
            f"({100.0 * equal / max(want.size, 1):.2f}%)"
        )
        lines.append(line)
    return lines


def _lsb(port, diff: np.ndarray) -> str:
    if port is None or not port.quantized or diff.size == 0:
        return ""
    return f" ({diff.max() / port.scale:.3g} LSB)"


def cmd_run(args: argparse.Namespace) -> int:
    from snaxc.api import ModelInfo, model_inputs, model_outputs, simulate

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
    if args.check is not None and not Path(args.check).is_file():
        raise SnaxcError(f"{args.check}: no such file (--check takes an ONNX model)")
    info = ModelInfo.read(pkg)
    if info is None:
        raw_inputs = _load_inputs(Path(args.inputs), manifest)
        arrays = raw_inputs
    else:
        raw_inputs = _read_npz(Path(args.inputs))
        arrays = model_inputs(info, raw_inputs, where=str(args.inputs))
    got, perf = simulate(pkg, manifest, arrays, args.max_cycles)
    outputs = got if info is None else model_outputs(info, got)
    try:
        np.savez(args.output, **outputs)
    except OSError as e:
        raise SnaxcError(f"{args.output}: cannot write outputs ({e.strerror})") from None
    print(f"{PROG}: ran {pkg} on cluster '{cfg.name}': {perf.cycles:,} cycles")
    for line in _summary_lines(perf):
        print(f"  {line}")
    print(f"  outputs ({', '.join(outputs)}) written to {args.output}")
    if args.check is not None:
        lines = check_against_onnxruntime(Path(args.check), raw_inputs, outputs, info)
        print(f"{PROG}: compared with onnxruntime running {args.check}:")
        for line in lines:
            print(line)
    return 0


def _summary_lines(perf) -> list[str]:
    """The performance summary without the cycle count (printed on the first line)."""
    first, *rest = perf.summary().splitlines()
    return [first.split("; ", 1)[1], *rest]


def cmd_quantize(args: argparse.Namespace) -> int:
    from snaxc.quantize import quantize

    out = quantize(args.model, args.calibration, args.output, args.activations)
    print(f"{PROG}: wrote {out} ({args.activations} activations, int8 weights, per-tensor QDQ)")
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
            "a network:\n"
            "  snaxc quantize model.onnx --calibration cal.npz -o model_int8.onnx\n"
            "  snaxc compile model_int8.onnx -o build/\n"
            "  snaxc run build/ --inputs x.npz -o y.npz --check model_int8.onnx\n\n"
            "Run 'snaxc COMMAND --help' for the options of each command."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    c = sub.add_parser(
        "compile",
        help="compile an MLIR file or an ONNX model into a program package for the cluster",
        description=(
            "Compile INPUT (MLIR: linalg named ops or linalg.generic, on tensors or memrefs; "
            "or an ONNX model, int8 per-tensor QDQ as 'snaxc quantize' writes it) "
            "for the cluster described by --config. Matmuls (with a following bias add, "
            "requantization and ReLU fused into one launch) and convolutions go to an "
            "accelerator of the cluster that lists them, elementwise operations, "
            "requantizations and max pooling to one that lists those; padding and layout "
            "changes run on the DMA; everything else runs as loops on the control core. "
            "For an ONNX model the float requantization becomes the hardware's fixed-point "
            "multiplier/shift (fixed-point-requant), and the model's float inputs and "
            "outputs are quantized and dequantized on the host (OUTDIR/model.json). "
            "OUTDIR receives program.elf (the control program with its constants), "
            "program.ll (its LLVM IR) and manifest.json (inputs and outputs with names, "
            "shapes, dtypes and L3 addresses; the configuration and its hash; what runs "
            "where). Matmuls whose operands do not fit the TCDM are tiled (double-buffered; "
            "see --no-double-buffer); other kernels must fit it whole."
        ),
    )
    c.add_argument("input", metavar="INPUT", help="the .mlir or .onnx file to compile")
    c.add_argument(
        "--input-shape",
        action="append",
        metavar="NAME=D0,D1,...",
        help="static shape of an ONNX input with dynamic dimensions (repeatable)",
    )
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
    c.add_argument(
        "--requant",
        choices=("float32", "fixed-point"),
        default="float32",
        help="quantized ONNX models: requantize convolution/matmul outputs and average pools "
        "in float32 exactly as onnxruntime does (default; the GeMM's float32 output stage) or "
        "with a 32-bit fixed-point multiplier and shift (1 LSB off onnxruntime near "
        "half-integers)",
    )
    c.set_defaults(func=cmd_compile)

    r = sub.add_parser(
        "run",
        help="run a compiled package on the simulated cluster",
        description=(
            "Load the package in OUTDIR (from 'snaxc compile') into the Verilator-simulated "
            "cluster, write the input arrays from --inputs, run, and save the outputs to -o. "
            "Prints the cycle count, the DMA traffic and each accelerator's busy and stall "
            "cycles (its utilization) from the hardware counters. For a compiled ONNX model "
            "the inputs and outputs are the model's (named as in the model, float32 where "
            "the model quantizes them)."
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
    r.add_argument(
        "--check",
        metavar="MODEL.onnx",
        help="also run MODEL.onnx on onnxruntime with the same inputs and print, per output, "
        "the largest difference and the share of exactly equal elements",
    )
    r.set_defaults(func=cmd_run)

    q = sub.add_parser(
        "quantize",
        help="quantize a float ONNX model to int8 for the cluster's accelerators",
        description=(
            "Quantize MODEL.onnx with onnxruntime's static quantization: QDQ format, per "
            "tensor, uint8 activations (see --activations) and int8 weights, int32 biases, "
            "on the ops the cluster "
            "runs. The calibration file holds one array per graph input, shaped "
            "(samples, *input_shape). The input model is never overwritten."
        ),
    )
    q.add_argument("model", metavar="MODEL.onnx", help="float ONNX model")
    q.add_argument(
        "--calibration",
        required=True,
        metavar="DATA.npz",
        help="calibration inputs, one array per graph input, shaped (samples, *input_shape)",
    )
    q.add_argument("-o", "--output", required=True, metavar="OUT.onnx", help="model to write")
    from snaxc.quantize import add_activations_argument

    add_activations_argument(q)
    q.set_defaults(func=cmd_quantize)
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
    except BrokenPipeError:
        # The reader of our output went away (`snaxc ... | head`): stop quietly, as the
        # usual command-line tools do, without a traceback at interpreter exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
