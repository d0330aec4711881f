"""The `stream` dialect: access patterns of the accelerator streamers.

A streamer generates the addresses of one accelerator operand in the TCDM:

    addr = base + Σ_t temporal_counter_t · temporal_stride_t
                + Σ_s spatial_counter_s · spatial_stride_s

over nested temporal loops (one address group per cycle) and the spatial (parallel) dims
of the datapath port (the words fetched together in one cycle):

    #stream.pattern<temporal_bounds = [8, 8, 8], temporal_strides = [0, 64, 512],
                    spatial_bounds = [8], spatial_strides = [8]>

Bounds and strides are listed from the outermost loop inwards; strides are in bytes.

Why not xDSL's streaming dialects: `snitch_stream.stride_pattern` has temporal bounds and
strides but no spatial dimensions (a Snitch SSR delivers one element per cycle), and
`memref_stream.stride_pattern` maps loop indices to memref indices with an affine map
instead of byte strides. The SNAX streamers need both temporal and spatial byte strides.

`stream.streaming_region` binds patterns to the operands of one accelerator invocation:

    stream.streaming_region "gemm" ins(%a, %b : memref<..>, memref<..>)
        outs(%c : memref<..>) patterns [#stream.pattern<..>, #stream.pattern<..>,
                                        #stream.pattern<..>]
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product
from math import prod

from xdsl.dialects.builtin import ArrayAttr, IntAttr, MemRefType, StringAttr
from xdsl.ir import Attribute, Dialect, ParametrizedAttribute, SSAValue
from xdsl.irdl import (
    AttrSizedOperandSegments,
    IRDLOperation,
    irdl_attr_definition,
    irdl_op_definition,
    prop_def,
    var_operand_def,
)
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

from snaxc.dialects._syntax import int_array, ints, parse_named_int_list, print_named_int_list
from snaxc.dialects.snax import MemorySpace, memory_space_of

_PATTERN_FIELDS = ("temporal_bounds", "temporal_strides", "spatial_bounds", "spatial_strides")


@irdl_attr_definition
class PatternAttr(ParametrizedAttribute):
    """The address pattern of one streamer (one accelerator operand)."""

    name = "stream.pattern"

    temporal_bounds: ArrayAttr[IntAttr]
    temporal_strides: ArrayAttr[IntAttr]
    spatial_bounds: ArrayAttr[IntAttr]
    spatial_strides: ArrayAttr[IntAttr]

    def __init__(
        self,
        temporal_bounds: Sequence[int],
        temporal_strides: Sequence[int],
        spatial_bounds: Sequence[int] = (),
        spatial_strides: Sequence[int] = (),
    ):
        super().__init__(
            int_array(temporal_bounds),
            int_array(temporal_strides),
            int_array(spatial_bounds),
            int_array(spatial_strides),
        )

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        values = []
        with parser.in_angle_brackets():
            for i, name in enumerate(_PATTERN_FIELDS):
                if i:
                    parser.parse_punctuation(",")
                values.append(parse_named_int_list(parser, name))
        return values

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            for i, name in enumerate(_PATTERN_FIELDS):
                if i:
                    printer.print_string(", ")
                print_named_int_list(printer, name, getattr(self, name))

    def verify(self) -> None:
        tb, ts = ints(self.temporal_bounds), ints(self.temporal_strides)
        sb, ss = ints(self.spatial_bounds), ints(self.spatial_strides)
        if len(tb) != len(ts):
            raise VerifyException(f"{len(tb)} temporal bounds but {len(ts)} temporal strides")
        if len(sb) != len(ss):
            raise VerifyException(f"{len(sb)} spatial bounds but {len(ss)} spatial strides")
        if any(b < 1 for b in tb + sb):
            raise VerifyException("bounds must be positive")

    @property
    def num_cycles(self) -> int:
        """Temporal iterations: cycles the streamer needs at one access group per cycle."""
        return prod(ints(self.temporal_bounds))

    def addresses(self, base: int = 0) -> list[list[int]]:
        """Per temporal iteration, the addresses of its spatial group (a reference model)."""
        tb, ts = ints(self.temporal_bounds), ints(self.temporal_strides)
        sb, ss = ints(self.spatial_bounds), ints(self.spatial_strides)
        groups = []
        for t in product(*(range(b) for b in tb)):
            t_off = base + sum(i * s for i, s in zip(t, ts, strict=True))
            groups.append(
                [
                    t_off + sum(i * s for i, s in zip(sp, ss, strict=True))
                    for sp in product(*(range(b) for b in sb))
                ]
            )
        return groups


@irdl_op_definition
class StreamingRegionOp(IRDLOperation):
    """One accelerator invocation's operands with the streamer pattern of each.

    Patterns are given for the inputs, then the outputs, in order. Streamed operands are
    TCDM buffers: a memref with a snax memory space must be in L1.
    """

    name = "stream.streaming_region"

    inputs = var_operand_def(MemRefType)
    outputs = var_operand_def(MemRefType)
    accelerator = prop_def(StringAttr)
    patterns = prop_def(ArrayAttr[PatternAttr])

    irdl_options = (AttrSizedOperandSegments(as_property=True),)

    assembly_format = (
        "$accelerator `ins` `(` $inputs `:` type($inputs) `)` "
        "`outs` `(` $outputs `:` type($outputs) `)` `patterns` $patterns attr-dict"
    )

    def __init__(
        self,
        accelerator: str,
        inputs: Sequence[SSAValue],
        outputs: Sequence[SSAValue],
        patterns: Sequence[PatternAttr],
    ):
        super().__init__(
            operands=[inputs, outputs],
            properties={"accelerator": StringAttr(accelerator), "patterns": ArrayAttr(patterns)},
        )

    def verify_(self) -> None:
        if not self.outputs:
            raise VerifyException("a streaming region writes at least one output")
        n_ops = len(self.inputs) + len(self.outputs)
        if len(self.patterns) != n_ops:
            raise VerifyException(f"{n_ops} streamed operands but {len(self.patterns)} patterns")
        for value in (*self.inputs, *self.outputs):
            space = memory_space_of(value.type)
            if space is not None and space != MemorySpace.L1:
                raise VerifyException("streamed operands must be in L1 (the TCDM)")


Stream = Dialect("stream", [StreamingRegionOp], [PatternAttr])
