"""snaxc.runtime: compile control programs, load them into the simulated cluster, run them.

The C side lives in `sw/` (crt0, `snax.h`), the Verilator harness in `sim/`.
"""

from .elf import ElfError, Program
from .simulator import (
    RunResult,
    SimulationError,
    SimulationTimeout,
    SimulationTrap,
    Simulator,
    run_program,
    trap_cause_name,
)
from .toolchain import CompileError, compile_program, linker_script

__all__ = [
    "CompileError",
    "ElfError",
    "Program",
    "RunResult",
    "SimulationError",
    "SimulationTimeout",
    "SimulationTrap",
    "Simulator",
    "compile_program",
    "linker_script",
    "run_program",
    "trap_cause_name",
]
