"""snaxc passes, one per file. `SNAXC_PASSES` maps each pass name to its class."""

from collections.abc import Callable

from xdsl.passes import ModulePass


def _recognize_kernels() -> type[ModulePass]:
    from snaxc.transforms.recognize_kernels import RecognizeKernels

    return RecognizeKernels


def _recognize_rescale() -> type[ModulePass]:
    from snaxc.transforms.recognize_rescale import RecognizeRescalePass

    return RecognizeRescalePass


def _conv_to_gemm() -> type[ModulePass]:
    from snaxc.transforms.conv_to_gemm import ConvToGemm

    return ConvToGemm


def _pad_matmul() -> type[ModulePass]:
    from snaxc.transforms.pad_matmul import PadMatmul

    return PadMatmul


def _split_depthwise() -> type[ModulePass]:
    from snaxc.transforms.split_depthwise import SplitDepthwise

    return SplitDepthwise


def _pad_to_dma() -> type[ModulePass]:
    from snaxc.transforms.pad_to_dma import PadToDma

    return PadToDma


def _dispatch_simd() -> type[ModulePass]:
    from snaxc.transforms.dispatch_simd import DispatchSimd

    return DispatchSimd


def _fuse_gemm_output() -> type[ModulePass]:
    from snaxc.transforms.fuse_gemm_output import FuseGemmOutput

    return FuseGemmOutput


def _accfg_thread_states() -> type[ModulePass]:
    from snaxc.transforms.accfg_thread_states import AccfgThreadStates

    return AccfgThreadStates


def _fixed_point_requant() -> type[ModulePass]:
    from snaxc.transforms.fixed_point_requant import FixedPointRequant

    return FixedPointRequant


def _lower_mmio() -> type[ModulePass]:
    from snaxc.transforms.lower_mmio import LowerMmio

    return LowerMmio


def _lower_dma() -> type[ModulePass]:
    from snaxc.transforms.lower_dma import LowerDma

    return LowerDma


def _accfg_dedup() -> type[ModulePass]:
    from snaxc.transforms.accfg_dedup import AccfgDedup

    return AccfgDedup


def _accfg_overlap() -> type[ModulePass]:
    from snaxc.transforms.accfg_overlap import AccfgOverlap

    return AccfgOverlap


def _copies_to_dma() -> type[ModulePass]:
    from snaxc.transforms.copies_to_dma import CopiesToDma

    return CopiesToDma


def _declare_accelerators() -> type[ModulePass]:
    from snaxc.transforms.declare_accelerators import DeclareAccelerators

    return DeclareAccelerators


def _dispatch_kernels() -> type[ModulePass]:
    from snaxc.transforms.dispatch_kernels import DispatchKernels

    return DispatchKernels


def _kernel_to_arith() -> type[ModulePass]:
    from snaxc.transforms.kernel_to_arith import KernelToArith

    return KernelToArith


def _lower_accfg() -> type[ModulePass]:
    from snaxc.transforms.lower_accfg import LowerAccfg

    return LowerAccfg


def _lower_static_alloc() -> type[ModulePass]:
    from snaxc.transforms.lower_static_alloc import LowerStaticAllocPass

    return LowerStaticAllocPass


def _strip_memory_spaces() -> type[ModulePass]:
    from snaxc.transforms.strip_memory_spaces import StripMemorySpaces

    return StripMemorySpaces


def _place_program_io() -> type[ModulePass]:
    from snaxc.transforms.place_program_io import PlaceProgramIo

    return PlaceProgramIo


def _tile_matmul() -> type[ModulePass]:
    from snaxc.transforms.tile_matmul import TileMatmul

    return TileMatmul


def _record_accelerator_counters() -> type[ModulePass]:
    from snaxc.transforms.record_accelerator_counters import RecordAcceleratorCounters

    return RecordAcceleratorCounters


SNAXC_PASSES: dict[str, Callable[[], type[ModulePass]]] = {
    "recognize-kernels": _recognize_kernels,
    "accfg-dedup": _accfg_dedup,
    "accfg-overlap": _accfg_overlap,
    "accfg-thread-states": _accfg_thread_states,
    "conv-to-gemm": _conv_to_gemm,
    "dispatch-simd": _dispatch_simd,
    "pad-to-dma": _pad_to_dma,
    "pad-matmul": _pad_matmul,
    "split-depthwise": _split_depthwise,
    "fuse-gemm-output": _fuse_gemm_output,
    "recognize-rescale": _recognize_rescale,
    "copies-to-dma": _copies_to_dma,
    "tile-matmul": _tile_matmul,
    "declare-accelerators": _declare_accelerators,
    "fixed-point-requant": _fixed_point_requant,
    "dispatch-kernels": _dispatch_kernels,
    "kernel-to-arith": _kernel_to_arith,
    "lower-accfg": _lower_accfg,
    "lower-dma": _lower_dma,
    "lower-mmio": _lower_mmio,
    "lower-static-alloc": _lower_static_alloc,
    "place-program-io": _place_program_io,
    "record-accelerator-counters": _record_accelerator_counters,
    "strip-memory-spaces": _strip_memory_spaces,
}
"""Every snaxc pass by name (imported lazily, when a pipeline uses it)."""
