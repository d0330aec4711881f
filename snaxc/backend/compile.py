"""LLVM IR of the control program to an RV32IM object or a linked program (zig's clang).

Objects are compiled with the runtime toolchain's target and flags; linking goes through
`snaxc.runtime.toolchain.compile_program`, which adds crt0, the generated linker script and
the runtime headers, and caches the result.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from snaxc.config import ClusterConfig
from snaxc.errors import SnaxcError
from snaxc.runtime import toolchain

OPT_LEVEL = "-O2"


def compile_object(ll_text: str, out: str | Path) -> Path:
    """Compile LLVM IR text to an RV32IM ELF object file at `out`."""
    out = Path(out)
    ll = out.with_suffix(".ll")
    ll.write_text(ll_text)
    cmd = [
        sys.executable,
        "-m",
        "ziglang",
        "cc",
        *toolchain.TARGET_FLAGS,
        *toolchain.COMPILE_FLAGS,
        OPT_LEVEL,
        "-c",
        str(ll),
        "-o",
        str(out),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.splitlines() if "error" in ln.lower()]
        first = (lines or proc.stderr.splitlines() or ["(no message)"])[0]
        raise SnaxcError(f"{ll}: compiling the control program failed: {first.strip()}")
    return out


def link_program(ll_path: str | Path, cfg: ClusterConfig, out: str | Path) -> Path:
    """Compile and link the control program (LLVM IR file) with the runtime into `out`."""
    try:
        return toolchain.compile_program([ll_path], cfg, opt=OPT_LEVEL, out=out)
    except toolchain.CompileError as e:
        raise SnaxcError(str(e)) from None
