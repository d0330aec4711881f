"""The common description of an accelerator attached with the hybrid coupling.

An accelerator is a datapath inside a shell: a CSR manager (shadow configuration registers,
a queue of launched configurations, status and counters) and one streamer per operand
(an address generator over `TEMPORAL_DIMS` nested loops plus the spatial dims of the
datapath port, with prefetch FIFOs). The description below is the single source of truth
for the register map: the SystemVerilog package, the C header and the compiler all derive
it from here (`snaxc.accelerators.generate`).

Register window (4 KiB, byte offsets; every register is 32 bit):

    0x000  LAUNCH        W: push the shadow configuration; R: launches accepted since reset
    0x004  DONE          R: operations completed since reset (await: DONE >= launch id)
    0x008  STATUS        R: bit 0 running, bit 1 queue full, bits 15:8 queued configurations
    0x00C  BUSY_CYCLES   R: cycles with a launched, not yet completed operation
    0x010  STALL_CYCLES  R: cycles the datapath had work but could not advance
    0x040 + 4s           R: streamer s conflict cycles (a port request waited for a bank)
    0x100 + 4i           RW: configuration word i (shadow copy; see `config_words`)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

TEMPORAL_DIMS = 6
REG_LAUNCH = 0x000
REG_DONE = 0x004
REG_STATUS = 0x008
REG_BUSY_CYCLES = 0x00C
REG_STALL_CYCLES = 0x010
REG_STREAMER_STALL = 0x040
REG_CFG = 0x100
MAX_CFG_WORDS = (0x1000 - REG_CFG) // 4
PORT_BYTES = 8


class Direction(Enum):
    READ = "read"
    WRITE = "write"


@dataclass(frozen=True)
class Streamer:
    """One operand stream between the TCDM and the datapath.

    Each beat moves `ports` 64-bit words (one per TCDM narrow port). The address of port p
    in the beat with temporal counters t is

        base + sum_d t_d * stride_d + sum_s c_s(p) * spatial_stride_s

    where c(p) is p written in the mixed radix `spatial_shape` (dim 0 fastest).
    """

    name: str
    direction: Direction
    spatial_shape: tuple[int, ...]
    doc: str = ""
    fifo_depth: int = 4
    temporal_dims: int = TEMPORAL_DIMS

    @property
    def ports(self) -> int:
        n = 1
        for s in self.spatial_shape:
            n *= s
        return n

    @property
    def beat_bytes(self) -> int:
        return self.ports * PORT_BYTES


@dataclass(frozen=True)
class Field:
    """A datapath configuration field: one 32-bit register, of which `bits` are used."""

    name: str
    bits: int
    signed: bool = False
    doc: str = ""
    values: dict[str, int] = field(default_factory=dict)

    def check(self, value: int) -> int:
        """Encode `value` as the 32-bit register value; raise ValueError when out of range."""
        if self.signed:
            lo, hi = -(1 << (self.bits - 1)), (1 << (self.bits - 1)) - 1
        else:
            lo, hi = 0, (1 << self.bits) - 1
        if not lo <= value <= hi:
            raise ValueError(f"{self.name}: {value} does not fit [{lo}, {hi}]")
        return value & 0xFFFF_FFFF


@dataclass(frozen=True)
class Register:
    """One 32-bit register of the window, as the generators and the compiler see it."""

    name: str
    offset: int
    access: str  # "R", "W", "RW"
    bits: int = 32
    signed: bool = False
    doc: str = ""

    @property
    def index(self) -> int:
        """Index into the configuration vector (configuration registers only)."""
        return (self.offset - REG_CFG) // 4


@dataclass(frozen=True)
class AcceleratorDescription:
    """Everything the shell, the generators, the runtime and the compiler know about a kind.

    kind: the name used in cluster configurations; the datapath RTL is the module
    `<kind>_datapath` in `hw/accelerators/<kind>/`.
    """

    kind: str
    doc: str
    streamers: tuple[Streamer, ...]
    fields: tuple[Field, ...]
    kernels: tuple[str, ...] = ()
    tile: dict[str, int] = field(default_factory=dict)
    queue_depth: int = 2
    bound_bits: int = 16

    def __post_init__(self) -> None:
        names = [s.name for s in self.streamers] + [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.kind}: duplicate streamer or field names")
        if len(self.config_words()) > MAX_CFG_WORDS:
            raise ValueError(f"{self.kind}: configuration does not fit the register window")
        if not 1 <= self.queue_depth <= 8:
            raise ValueError(f"{self.kind}: queue_depth must be in [1, 8]")

    # Derived ------------------------------------------------------------------------------

    @property
    def module(self) -> str:
        return f"{self.kind}_acc"

    @property
    def datapath_module(self) -> str:
        return f"{self.kind}_datapath"

    @property
    def package(self) -> str:
        return f"{self.kind}_acc_pkg"

    @property
    def tcdm_ports(self) -> int:
        return sum(s.ports for s in self.streamers)

    def streamer(self, name: str) -> Streamer:
        for s in self.streamers:
            if s.name == name:
                return s
        raise KeyError(f"{self.kind}: no streamer {name!r}")

    def field_by_name(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.kind}: no field {name!r}")

    def config_words(self) -> list[Register]:
        """The configuration registers in order: per streamer its base, temporal bounds,
        temporal strides and spatial strides, then the datapath fields."""
        regs: list[Register] = []

        def add(name: str, bits: int, signed: bool, doc: str) -> None:
            regs.append(Register(name, REG_CFG + 4 * len(regs), "RW", bits, signed, doc))

        for s in self.streamers:
            n = s.name
            add(f"{n}_base", 32, False, f"streamer {n}: base byte address (8-aligned)")
            for d in range(s.temporal_dims):
                add(f"{n}_bound_{d}", self.bound_bits, False, f"streamer {n}: loop {d} bound")
            for d in range(s.temporal_dims):
                add(f"{n}_stride_{d}", 32, True, f"streamer {n}: loop {d} byte stride")
            for d in range(len(s.spatial_shape)):
                add(f"{n}_sstride_{d}", 32, True, f"streamer {n}: spatial dim {d} byte stride")
        for f in self.fields:
            add(f.name, f.bits, f.signed, f.doc)
        return regs

    def registers(self) -> list[Register]:
        """The whole register window."""
        regs = [
            Register("launch", REG_LAUNCH, "RW", doc="W: launch; R: launches accepted"),
            Register("done", REG_DONE, "R", doc="operations completed"),
            Register("status", REG_STATUS, "R", doc="bit0 running, bit1 queue full"),
            Register("busy_cycles", REG_BUSY_CYCLES, "R", doc="cycles with work outstanding"),
            Register("stall_cycles", REG_STALL_CYCLES, "R", doc="datapath stall cycles"),
        ]
        for i, s in enumerate(self.streamers):
            regs.append(
                Register(
                    f"{s.name}_stall_cycles",
                    REG_STREAMER_STALL + 4 * i,
                    "R",
                    doc=f"streamer {s.name}: cycles a port waited for a bank",
                )
            )
        return regs + self.config_words()

    def register(self, name: str) -> Register:
        for r in self.registers():
            if r.name == name:
                return r
        raise KeyError(f"{self.kind}: no register {name!r}")

    def pattern(
        self,
        streamer: str,
        base: int,
        loops: list[tuple[int, int]],
        sstrides: list[int],
    ) -> dict[str, int]:
        """Configuration values of one streamer: `loops` are (bound, byte stride) pairs,
        innermost first; unused loops get bound 1 and stride 0."""
        s = self.streamer(streamer)
        if len(loops) > s.temporal_dims:
            raise ValueError(f"{self.kind}.{streamer}: {len(loops)} loops > {s.temporal_dims}")
        if len(sstrides) != len(s.spatial_shape):
            raise ValueError(f"{self.kind}.{streamer}: need {len(s.spatial_shape)} spatial strides")
        if base % PORT_BYTES:
            raise ValueError(f"{self.kind}.{streamer}: base 0x{base:x} is not 8-byte aligned")
        loops = list(loops) + [(1, 0)] * (s.temporal_dims - len(loops))
        v = {f"{streamer}_base": base}
        for d, (bound, stride) in enumerate(loops):
            v[f"{streamer}_bound_{d}"] = bound
            v[f"{streamer}_stride_{d}"] = stride
        for d, ss in enumerate(sstrides):
            v[f"{streamer}_sstride_{d}"] = ss
        return v

    def encode(self, values: dict[str, int]) -> dict[int, int]:
        """Map {config register name: value} to {byte offset: 32-bit word}, range-checked.
        Field values may also be symbolic (`Field.values`)."""
        words = {r.name: r for r in self.config_words()}
        out: dict[int, int] = {}
        for name, value in values.items():
            if name not in words:
                raise KeyError(f"{self.kind}: no configuration register {name!r}")
            reg = words[name]
            if isinstance(value, str):
                value = self.field_by_name(name).values[value]
            lo = -(1 << (reg.bits - 1)) if reg.signed else 0
            hi = (1 << (reg.bits - 1)) - 1 if reg.signed else (1 << reg.bits) - 1
            if not lo <= value <= hi:
                raise ValueError(f"{self.kind}.{name}: {value} does not fit [{lo}, {hi}]")
            out[reg.offset] = value & 0xFFFF_FFFF
        return out
