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

# LLVM turns fill and copy loops into calls to memset/memcpy/memmove, which a freestanding
# program has to provide. Weak, so that a runtime providing its own wins at link time;
# compiled with -fno-builtin (the toolchain's flags), so they do not call themselves.
MEM_FUNCTIONS_C = """\
#include <stddef.h>
#include <stdint.h>

__attribute__((weak)) void *memset(void *dst, int c, size_t n) {
  uint8_t *d = dst;
  while (n--) *d++ = (uint8_t)c;
  return dst;
}

__attribute__((weak)) void *memcpy(void *dst, const void *src, size_t n) {
  uint8_t *d = dst;
  const uint8_t *s = src;
  while (n--) *d++ = *s++;
  return dst;
}

__attribute__((weak)) void *memmove(void *dst, const void *src, size_t n) {
  uint8_t *d = dst;
  const uint8_t *s = src;
  if (d < s) {
    while (n--) *d++ = *s++;
  } else {
    d += n;
    s += n;
    while (n--) *--d = *--s;
  }
  return dst;
}
"""


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
    ll_path = Path(ll_path)
    mem_c = ll_path.with_name("snaxc_mem.c")
    mem_c.write_text(MEM_FUNCTIONS_C)
    try:
        return toolchain.compile_program([ll_path, mem_c], cfg, opt=OPT_LEVEL, out=out)
    except toolchain.CompileError as e:
        raise SnaxcError(str(e)) from None
