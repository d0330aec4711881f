"""The host side of the runtime: run a control program on the Verilator-simulated cluster.

`Simulator` binds the C ABI of the harness (`runtime/sim/harness.cpp`, see docs/hardware.md)
with ctypes. The model is built once per configuration and cached (`runtime/build.py`); every
`Simulator` is a fresh cluster instance, just out of reset, in that shared library.

    sim = Simulator(cfg)
    sim.load_elf(compile_program(["prog.c"], cfg))
    sim.write_symbol("params", np.array([1, 2, 3], dtype=np.uint32))
    result = sim.run(max_cycles=1_000_000)
    result.exit_code, result.cycles, result.counters["dma_busy_cycles"], result.output
"""

from __future__ import annotations

import ctypes
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from snaxc.config import (
    CORE_MEM_BASE,
    L3_BASE,
    PERF_COUNTERS,
    TCDM_BASE,
    ClusterConfig,
    load_config,
)
from snaxc.errors import SnaxcError

from .elf import ElfError, Program

DEFAULT_MAX_CYCLES = 10_000_000
# Cycles simulated per call into the harness: between two calls the host prints progress.
CHUNK_CYCLES = 500_000

# RISC-V mcause exception codes (privileged spec, table 3.6).
TRAP_CAUSES = {
    0: "instruction address misaligned",
    1: "instruction access fault",
    2: "illegal instruction",
    3: "breakpoint",
    4: "load address misaligned",
    5: "load access fault",
    6: "store address misaligned",
    7: "store access fault",
    8: "environment call from U-mode",
    11: "environment call from M-mode",
}

STATUS_EXITED, STATUS_RUNNING, STATUS_TRAP, STATUS_ERROR = 0, 1, 2, 3


def trap_cause_name(mcause: int) -> str:
    code = mcause & 0x7FFF_FFFF
    if mcause & 0x8000_0000:
        return f"interrupt {code}"
    return TRAP_CAUSES.get(code, f"exception {code}")


class SimulationError(SnaxcError, RuntimeError):
    """Base of everything that goes wrong while running a program on the cluster."""


class SimulationTimeout(SimulationError):
    """The program neither exited nor trapped within its cycle budget."""

    def __init__(self, cycles: int, pc: int, where: str, output: str = ""):
        self.cycles, self.pc, self.output = cycles, pc, output  # output: printed so far
        super().__init__(f"program did not finish within {cycles} cycles; last PC {where}")


class SimulationTrap(SimulationError):
    """The core took a trap (the runtime's trap handler reported mcause, mepc, mtval)."""

    def __init__(self, cause: int, pc: int, tval: int, cycles: int, where: str, output: str):
        self.cause, self.pc, self.tval, self.cycles, self.output = cause, pc, tval, cycles, output
        self.cause_name = trap_cause_name(cause)
        super().__init__(f"trap: {self.cause_name} at {where}, mtval 0x{tval:08x}")


@dataclass
class RunResult:
    exit_code: int  # main's return value (or snax_exit's argument), as a signed 32-bit int
    cycles: int  # cycles since reset when the program exited
    counters: dict[str, int] = field(default_factory=dict)  # hardware performance counters
    output: str = ""  # everything the program printed


class _RunResultC(ctypes.Structure):
    _fields_ = [
        ("cycles", ctypes.c_uint64),
        ("status", ctypes.c_uint32),
        ("exit_code", ctypes.c_uint32),
        ("pc", ctypes.c_uint32),
        ("trap_cause", ctypes.c_uint32),
        ("trap_pc", ctypes.c_uint32),
        ("trap_tval", ctypes.c_uint32),
    ]


_LIBRARIES: dict[Path, ctypes.CDLL] = {}


def _bind(path: Path) -> ctypes.CDLL:
    """Load a built model once per process and declare the harness C ABI."""
    lib = _LIBRARIES.get(path)
    if lib is not None:
        return lib
    lib = ctypes.CDLL(str(path))
    vp, u8p = ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint8)
    u32, u64 = ctypes.c_uint32, ctypes.c_uint64
    signatures = {
        "snax_sim_new": (vp, [u64, u32, ctypes.c_char_p]),
        "snax_sim_free": (None, [vp]),
        "snax_sim_write_core_mem": (None, [vp, u32, u8p, u32]),
        "snax_sim_read_core_mem": (None, [vp, u32, u8p, u32]),
        "snax_sim_write_l3": (None, [vp, u64, u8p, u64]),
        "snax_sim_read_l3": (None, [vp, u64, u8p, u64]),
        "snax_sim_run": (ctypes.c_int, [vp, u64, ctypes.POINTER(_RunResultC)]),
        "snax_sim_num_perf": (u32, [vp]),
        "snax_sim_perf": (u64, [vp, u32]),
        "snax_sim_take_output": (u64, [vp, ctypes.c_char_p, u64]),
        "snax_sim_error": (ctypes.c_char_p, [vp]),
    }
    for name, (restype, argtypes) in signatures.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    _LIBRARIES[path] = lib
    return lib


def _as_bytes(data: bytes | bytearray | memoryview | np.ndarray | np.generic) -> bytes:
    """Raw little-endian bytes of a buffer, a numpy array or a numpy scalar (np.uint32(5))."""
    if isinstance(data, np.ndarray | np.generic):
        return np.ascontiguousarray(data).tobytes()
    return bytes(data)


def _u8(buf: bytes | bytearray):
    """A ctypes view of `buf`: a copy for immutable bytes, shared memory for a bytearray."""
    array_type = ctypes.c_uint8 * len(buf)
    if isinstance(buf, bytes):
        return array_type.from_buffer_copy(buf)
    return array_type.from_buffer(buf)


class Simulator:
    """One cluster instance, just out of reset, with an optional waveform trace (FST/VCD
    path in `wave`; tracing uses a separately built, slower model). `model` is the path of
    an already built model library (by default `build_model(cfg)` finds or builds it)."""

    def __init__(
        self,
        cfg: ClusterConfig | None = None,
        wave: str | Path | None = None,
        model: str | Path | None = None,
    ):
        from .build import build_model

        self.cfg = cfg or load_config()
        if model is None:
            model = build_model(self.cfg, trace=wave is not None)
        self._lib = _bind(Path(model))
        wave_arg = str(wave).encode() if wave is not None else None
        self._sim = self._lib.snax_sim_new(self.cfg.l3_bytes, self.cfg.l3.latency_cycles, wave_arg)
        if not self._sim:
            raise SimulationError("the harness could not create a simulation instance")
        self.program: Program | None = None
        self._started = False
        self._finished = False
        self._cycles = 0
        self._output: list[str] = []

    # Lifetime ---------------------------------------------------------------------------

    def close(self) -> None:
        """Free the instance (flushes the waveform, if any). Idempotent."""
        if getattr(self, "_sim", None):
            self._lib.snax_sim_free(self._sim)
            self._sim = None

    def __enter__(self) -> Simulator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()

    def _handle(self):
        if not self._sim:
            raise SimulationError("the simulator has been closed")
        return self._sim

    # Memories ---------------------------------------------------------------------------

    def write_core_mem(self, addr: int, data: bytes | np.ndarray) -> None:
        buf = _as_bytes(data)
        self._check_range("core memory", addr, len(buf), CORE_MEM_BASE, self.cfg.core_mem_bytes)
        if self._started:
            raise SimulationError("core memory can only be written before the program runs")
        if buf:
            self._lib.snax_sim_write_core_mem(self._handle(), addr, _u8(buf), len(buf))

    def read_core_mem(self, addr: int, nbytes: int) -> bytes:
        self._check_range("core memory", addr, nbytes, CORE_MEM_BASE, self.cfg.core_mem_bytes)
        buf = bytearray(nbytes)
        if nbytes:
            self._lib.snax_sim_read_core_mem(self._handle(), addr, _u8(buf), nbytes)
        return bytes(buf)

    def write_l3(self, addr: int, data: bytes | np.ndarray) -> None:
        """Write `data` to L3 at the absolute address `addr` (≥ 0x8000_0000)."""
        buf = _as_bytes(data)
        self._check_range("L3", addr, len(buf), L3_BASE, self.cfg.l3_bytes)
        if buf:
            self._lib.snax_sim_write_l3(self._handle(), addr - L3_BASE, _u8(buf), len(buf))

    def read_l3(self, addr: int, nbytes: int) -> bytes:
        """Read `nbytes` of L3 from the absolute address `addr` (≥ 0x8000_0000)."""
        self._check_range("L3", addr, nbytes, L3_BASE, self.cfg.l3_bytes)
        buf = bytearray(nbytes)
        if nbytes:
            self._lib.snax_sim_read_l3(self._handle(), addr - L3_BASE, _u8(buf), nbytes)
        return bytes(buf)

    @staticmethod
    def _check_range(what: str, addr: int, nbytes: int, base: int, size: int) -> None:
        if nbytes < 0 or addr < base or addr + nbytes > base + size:
            raise SimulationError(
                f"0x{addr:08x}..0x{addr + nbytes:08x} is outside {what} "
                f"(0x{base:08x}..0x{base + size:08x})"
            )

    # Programs ---------------------------------------------------------------------------

    def load_elf(self, path: str | Path) -> Program:
        """Write every loadable segment of the ELF at `path` into core memory or L3."""
        if self._started:
            raise SimulationError("a program can only be loaded before the simulation runs")
        program = Program(path, self.cfg)
        for seg in program.loadable():
            data = seg.data + bytes(seg.memsz - len(seg.data))
            if seg.region == "core":
                self.write_core_mem(seg.addr, data)
            else:
                self.write_l3(seg.addr, data)
        self.program = program
        return program

    def _symbol(self, name: str, nbytes: int | None):
        if self.program is None:
            raise SimulationError(f"no program loaded: cannot resolve symbol '{name}'")
        sym = self.program.symbol(name)
        if nbytes is not None and sym.size and nbytes > sym.size:
            raise ElfError(f"symbol '{name}' has {sym.size} bytes, cannot access {nbytes}")
        return sym

    def symbol_addr(self, name: str) -> int:
        return self._symbol(name, None).addr

    def write_symbol(self, name: str, data: bytes | np.ndarray) -> None:
        """Write `data` at the program symbol `name` (a `.data` variable in core memory, or
        an `.l3` array), e.g. a parameter block, so one compiled program serves many cases."""
        buf = _as_bytes(data)
        sym = self._symbol(name, len(buf))
        bss = self.program.symbols.get("__bss_start"), self.program.symbols.get("__bss_end")
        if bss[0] and bss[1] and bss[0].addr <= sym.addr < bss[1].addr:
            raise SimulationError(
                f"symbol '{name}' is in .bss, which crt0 zeroes at start: declare it "
                "SNAX_HOST_PARAM (snax.h) so it is kept in .data"
            )
        if CORE_MEM_BASE <= sym.addr < CORE_MEM_BASE + self.cfg.core_mem_bytes:
            self.write_core_mem(sym.addr, buf)
        elif L3_BASE <= sym.addr:
            self.write_l3(sym.addr, buf)
        else:
            where = "TCDM" if TCDM_BASE <= sym.addr < L3_BASE else "an unloadable region"
            raise SimulationError(
                f"symbol '{name}' is in {where} (0x{sym.addr:08x}); the host can write only "
                "core memory and L3 (copy TCDM data in with the DMA)"
            )

    def read_symbol(self, name: str, nbytes: int | None = None) -> bytes:
        """Read a core-memory or L3 symbol (its whole size unless `nbytes` is given)."""
        sym = self._symbol(name, nbytes)
        n = sym.size if nbytes is None else nbytes
        if L3_BASE <= sym.addr:
            return self.read_l3(sym.addr, n)
        return self.read_core_mem(sym.addr, n)

    def describe_pc(self, pc: int) -> str:
        return self.program.describe_pc(pc) if self.program else f"0x{pc:08x}"

    # Running ----------------------------------------------------------------------------

    def counters(self) -> dict[str, int]:
        """The hardware performance counters, by name (order of PERF_COUNTERS)."""
        sim = self._handle()
        n = self._lib.snax_sim_num_perf(sim)
        if n != len(PERF_COUNTERS):
            raise SimulationError(
                f"the model exports {n} performance counters, the configuration names "
                f"{len(PERF_COUNTERS)}: rebuild the model"
            )
        return {name: int(self._lib.snax_sim_perf(sim, i)) for i, name in enumerate(PERF_COUNTERS)}

    def _drain_output(self) -> None:
        buf = ctypes.create_string_buffer(1 << 16)
        while True:
            n = self._lib.snax_sim_take_output(self._handle(), buf, len(buf))
            if n == 0:
                return
            self._output.append(buf.raw[:n].decode("latin-1"))
            if n < len(buf):
                return

    def run(self, max_cycles: int = DEFAULT_MAX_CYCLES, progress: bool | None = None) -> RunResult:
        """Run until the program exits; raise SimulationTrap on a trap and SimulationTimeout
        when `max_cycles` more cycles pass without either. Progress goes to stderr when it is
        a terminal (or when `progress` is True)."""
        if self._finished:
            raise SimulationError("the program has already finished: create a new Simulator")
        sim = self._handle()
        self._started = True
        if progress is None:
            progress = sys.stderr.isatty()
        res = _RunResultC()
        remaining = max_cycles
        t0 = time.monotonic()
        start_cycles = self._cycles
        shown = False
        while True:
            n = min(CHUNK_CYCLES, remaining)
            rc = self._lib.snax_sim_run(sim, n, ctypes.byref(res))
            if rc < 0:
                raise SimulationError(f"the harness failed (snax_sim_run returned {rc})")
            self._drain_output()
            self._cycles = int(res.cycles)
            remaining -= n
            if res.status != STATUS_RUNNING or remaining <= 0:
                break
            if progress:
                dt = time.monotonic() - t0
                rate = (res.cycles - start_cycles) / dt / 1e6 if dt > 0 else 0.0
                sys.stderr.write(f"\rsimulating: {res.cycles:,} cycles, {rate:.2f} Mcycles/s   ")
                sys.stderr.flush()
                shown = True
        if shown:
            sys.stderr.write("\n")
        output = "".join(self._output)
        if res.status == STATUS_RUNNING:
            raise SimulationTimeout(res.cycles, res.pc, self.describe_pc(res.pc), output)
        self._finished = True
        if res.status == STATUS_TRAP:
            raise SimulationTrap(
                res.trap_cause,
                res.trap_pc,
                res.trap_tval,
                res.cycles,
                self.describe_pc(res.trap_pc),
                output,
            )
        if res.status == STATUS_ERROR:
            why = (self._lib.snax_sim_error(sim) or b"").decode(errors="replace")
            where = self.describe_pc(res.pc)
            raise SimulationError(
                f"simulation error after {res.cycles} cycles (PC {where}): {why or 'unknown'}"
            )
        if res.status != STATUS_EXITED:
            raise SimulationError(f"the harness returned an unknown status {res.status}")
        code = res.exit_code - (1 << 32) if res.exit_code & 0x8000_0000 else res.exit_code
        return RunResult(
            exit_code=code, cycles=int(res.cycles), counters=self.counters(), output=output
        )


def run_program(
    sources: Sequence[str | Path],
    cfg: ClusterConfig | None = None,
    *,
    symbols: Mapping[str, bytes | np.ndarray] | None = None,
    l3_inputs: Mapping[int, bytes | np.ndarray] | None = None,
    defines: Mapping[str, str | int] | None = None,
    max_cycles: int = DEFAULT_MAX_CYCLES,
    wave: str | Path | None = None,
) -> tuple[RunResult, Simulator]:
    """Compile `sources`, load them into a fresh cluster, write `symbols` (by name) and
    `l3_inputs` (by absolute address), run. Returns the result and the simulator, whose L3
    and core memory can then be read."""
    from .toolchain import compile_program

    cfg = cfg or load_config()
    elf = compile_program(sources, cfg, defines=dict(defines or {}))
    sim = Simulator(cfg, wave=wave)
    sim.load_elf(elf)
    for name, data in (symbols or {}).items():
        sim.write_symbol(name, data)
    for addr, data in (l3_inputs or {}).items():
        sim.write_l3(addr, data)
    return sim.run(max_cycles=max_cycles), sim
