"""The `snaxc compile` pipeline: an MLIR file to a program package for a cluster.

    import (upstream MLIR: generalize, bufferize, results as out-parameters)
    recognize-rescale, recognize-kernels
    place-program-io        inputs/outputs in L3, working copies and buffers in L1, DMA
    pad-to-dma              padding (fill + interior copy) on the DMA
    split-depthwise         depthwise convolutions as 8-channel dense ones (block weights)
    conv-to-gemm            convolutions as matmuls on an im2col buffer made by the DMA
    pad-matmul              matmuls the GeMM tile does not divide (M = 1) on padded copies
    fuse-gemm-output        matmul + bias + requantization + ReLU: one launch, int8 out
    dispatch-kernels        matmuls to an accelerator that lists them (operands in L1)
    dispatch-simd           elementwise kernels and max pooling to a vector accelerator
    accfg-thread-states, accfg-dedup, accfg-overlap
    record-accelerator-counters   busy/stall cycles of every accelerator for the host
    copies-to-dma           copies between L1 buffers on the DMA
    kernel-to-arith         kernels no accelerator runs become arith again
    lower-accfg, lower-dma  accelerator and DMA operations to register writes
    lower-static-alloc, strip-memory-spaces
    backend                 lower-mmio, upstream MLIR to LLVM IR, zig: program.elf

Tiling, padding, layouts and double buffering are not part of the pipeline yet: what no
accelerator takes as it is runs as loops on the control core (correct, slow), and the
manifest and the compile report say so.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from xdsl.context import Context
from xdsl.dialects.builtin import AnyFloat, Float32Type, MemRefType, ModuleOp
from xdsl.dialects.linalg.ops import GenericOp
from xdsl.ir import Attribute
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import DiagnosticException, VerifyException

from snaxc.backend.compile import link_program
from snaxc.backend.llvm_ir import to_llvm_ir
from snaxc.backend.package import PROGRAM, Manifest, tensor_specs
from snaxc.config import ClusterConfig
from snaxc.dialects import kernel, snaxc_context
from snaxc.errors import SnaxcError
from snaxc.frontend import import_mlir
from snaxc.transforms.accfg_dedup import AccfgDedup
from snaxc.transforms.accfg_overlap import AccfgOverlap
from snaxc.transforms.accfg_thread_states import AccfgThreadStates
from snaxc.transforms.conv_to_gemm import conv_to_gemm
from snaxc.transforms.copies_to_dma import CopiesToDma
from snaxc.transforms.dispatch_kernels import dispatch_kernels
from snaxc.transforms.dispatch_simd import dispatch_simd
from snaxc.transforms.fuse_gemm_output import fuse_gemm_output
from snaxc.transforms.kernel_to_arith import KernelToArith
from snaxc.transforms.lower_accfg import LowerAccfg
from snaxc.transforms.lower_dma import LowerDma
from snaxc.transforms.lower_static_alloc import LowerStaticAllocPass
from snaxc.transforms.pad_matmul import pad_matmuls
from snaxc.transforms.pad_to_dma import pad_to_dma
from snaxc.transforms.place_program_io import PlaceProgramIo
from snaxc.transforms.recognize_kernels import RecognizeKernels
from snaxc.transforms.recognize_rescale import RecognizeRescalePass
from snaxc.transforms.record_accelerator_counters import SYMBOL, record_accelerator_counters
from snaxc.transforms.split_depthwise import split_depthwise
from snaxc.transforms.strip_memory_spaces import StripMemorySpaces
from snaxc.transforms.tile_matmul import tile_matmuls

Dump = Callable[[str, ModuleOp], None]


@dataclass(frozen=True)
class _RecordCounters(ModulePass):
    """`record-accelerator-counters` with an in-memory configuration."""

    cfg: ClusterConfig
    name = "record-accelerator-counters"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        record_accelerator_counters(op, self.cfg)


@dataclass(frozen=True)
class _Dispatch(ModulePass):
    """`dispatch-kernels` with an in-memory configuration (the CLI's, not a file path);
    records what it dispatched in `done`."""

    cfg: ClusterConfig
    done: list[str]
    name = "dispatch-kernels"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        self.done.extend(dispatch_kernels(op, self.cfg))


@dataclass(frozen=True)
class _PadToDma(ModulePass):
    """`pad-to-dma` with an in-memory configuration."""

    cfg: ClusterConfig
    name = "pad-to-dma"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        pad_to_dma(op, self.cfg)


@dataclass(frozen=True)
class _ConvToGemm(ModulePass):
    """`conv-to-gemm` with an in-memory configuration; records what it launched."""

    cfg: ClusterConfig
    done: list[str]
    name = "conv-to-gemm"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        conv_to_gemm(op, self.cfg, self.done)


@dataclass(frozen=True)
class _SplitDepthwise(ModulePass):
    """`split-depthwise` with an in-memory configuration."""

    cfg: ClusterConfig
    name = "split-depthwise"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        split_depthwise(op, self.cfg)


@dataclass(frozen=True)
class _PadMatmul(ModulePass):
    """`pad-matmul` with an in-memory configuration."""

    cfg: ClusterConfig
    name = "pad-matmul"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        pad_matmuls(op, self.cfg)


@dataclass(frozen=True)
class _DispatchSimd(ModulePass):
    """`dispatch-simd` with an in-memory configuration; records what it launched."""

    cfg: ClusterConfig
    done: list[str]
    name = "dispatch-simd"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        self.done.extend(dispatch_simd(op, self.cfg))


@dataclass(frozen=True)
class _Fuse(ModulePass):
    """`fuse-gemm-output` with an in-memory configuration; records what it launched."""

    cfg: ClusterConfig
    done: list[str]
    name = "fuse-gemm-output"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        self.done.extend(fuse_gemm_output(op, self.cfg))


@dataclass(frozen=True)
class _Tile(ModulePass):
    """`tile-matmul` with an in-memory configuration; records what it tiled in `done`."""

    cfg: ClusterConfig
    done: list[str]
    double_buffer: bool = True
    config_overlap: bool = True
    name = "tile-matmul"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        self.done.extend(tile_matmuls(op, self.cfg, self.double_buffer, self.config_overlap))


@dataclass(frozen=True)
class Options:
    """Compiler switches (for comparisons; the defaults are the fast program)."""

    double_buffer: bool = True
    config_overlap: bool = True
    requant: str = "float32"
    """How an ONNX/torch model's GeMM outputs and average pools are requantized:
    "float32" (onnxruntime's arithmetic, bit for bit) or "fixed-point"
    (`snaxc.quantize.REQUANT_MODES`)."""


def passes(
    cfg: ClusterConfig, dispatched: list[str] | None = None, options: Options = Options()
) -> list[ModulePass]:
    """The xDSL passes of the pipeline for `cfg`, in order (what dispatch-kernels sends to
    accelerators is appended to `dispatched`)."""
    done = dispatched if dispatched is not None else []
    return [
        RecognizeRescalePass(),
        RecognizeKernels(),
        # L1 use is checked by tile-matmul, after it has tiled what does not fit.
        PlaceProgramIo(l1_bytes=1 << 32, l3_bytes=cfg.l3_bytes),
        _Tile(cfg, done, options.double_buffer, options.config_overlap),
        _PadToDma(cfg),
        _SplitDepthwise(cfg),
        _ConvToGemm(cfg, done),
        _PadMatmul(cfg),
        _Fuse(cfg, done),
        _Dispatch(cfg, done),
        _DispatchSimd(cfg, done),
        AccfgThreadStates(),
        AccfgDedup(),
        *([AccfgOverlap()] if options.config_overlap else []),
        _RecordCounters(cfg),
        CopiesToDma(dims=cfg.dma.dims, tcdm_bytes=cfg.tcdm_bytes),
        KernelToArith(),
        LowerAccfg(),
        LowerDma(dims=cfg.dma.dims),
        LowerStaticAllocPass(),
        StripMemorySpaces(),
    ]


def core_kernels(module: ModuleOp) -> list[str]:
    """What each linalg.generic computes: a kernel name, 'copy', 'fill' or 'generic'."""
    names = []
    for g in module.walk():
        if isinstance(g, GenericOp):
            body = list(g.body.block.ops)
            k = next((o for o in body if isinstance(o, kernel.KernelOp)), None)
            if k is not None:
                names.append(k.name.removeprefix("kernel."))
            elif len(body) == 1 and body[0].operands and body[0].operands[0] in g.body.block.args:
                # The body yields an input: a fill (scalar input) or a copy.
                scalar = not isinstance(g.inputs[0].type, MemRefType) if g.inputs else False
                names.append("fill" if scalar else "copy")
            else:
                names.append("generic")
    return names


def _float_type(t) -> Attribute | None:
    """The floating-point type `t` is or contains (memrefs, tensors), if any."""
    elem = getattr(t, "element_type", t)
    return elem if isinstance(elem, AnyFloat) else None


def check_dtypes(module: ModuleOp, src: Path) -> None:
    """Reject floating point other than f32. f32 runs on the control core (RV32IM, no FPU)
    with compiler-rt's soft-float; no accelerator computes in floating point."""
    for op in module.walk():
        for v in (*op.results, *op.operands):
            ft = _float_type(v.type)
            if ft is not None and not isinstance(ft, Float32Type):
                where = op.name
                parent = op.parent_op()
                if isinstance(parent, GenericOp):
                    where = f"a linalg.generic ({op.name})"
                raise SnaxcError(
                    f"{src}: unsupported dtype {ft} in {where}: snaxc compiles integer "
                    "(int8/int32) and f32 programs (f32 on the core with soft-float)"
                )


@dataclass
class CompileResult:
    outdir: Path
    manifest: Manifest


def compile_file(
    src: Path,
    cfg: ClusterConfig,
    outdir: Path,
    dump: Dump | None = None,
    options: Options = Options(),
) -> CompileResult:
    """Compile `src` for `cfg` into `outdir` (program.elf, manifest.json)."""
    dump = dump or (lambda stage, module: None)
    module = import_mlir(src, bufferize=True)
    dump("import", module)
    check_dtypes(module, src)
    ctx = snaxc_context()
    on_core: list[str] = []
    dispatched: list[str] = []
    for p in passes(cfg, dispatched, options):
        try:
            p.apply(ctx, module)
            module.verify()
        except (DiagnosticException, VerifyException) as e:
            msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise SnaxcError(f"{src}: {msg}") from None
        dump(p.name, module)
        if isinstance(p, CopiesToDma):
            on_core = core_kernels(module)
    entry, tensors = tensor_specs(module)
    ir = to_llvm_ir(module, ctx)

    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SnaxcError(f"{outdir}: cannot create output directory ({e.strerror})") from None
    with tempfile.TemporaryDirectory() as tmp:
        ll = Path(tmp) / "program.ll"
        ll.write_text(ir)
        link_program(ll, cfg, Path(tmp) / PROGRAM)
        shutil.copyfile(Path(tmp) / PROGRAM, outdir / PROGRAM)
    (outdir / "program.ll").write_text(ir)
    manifest = Manifest(
        entry=entry,
        config=cfg.to_dict(),
        config_hash=cfg.hash(),
        tensors=tensors,
        on_core=on_core,
        on_accelerators=dispatched,
        accelerators=[a.name for a in cfg.accelerators],
        counters_symbol=SYMBOL if cfg.accelerators else None,
    )
    manifest.write(outdir)
    return CompileResult(outdir, manifest)
