"""The whole cluster elaborates and is `verilator --lint-only -Wall` clean (outside the
vendored Ibex/lowRISC code) for the default configuration and a few variants (multiplier,
memory sizes, bank count, with accelerators), and each variant's parameters reach the
generated package."""

import subprocess
import sys
from dataclasses import replace

import pytest

from snaxc import hw
from snaxc.config import AcceleratorInstance, CoreConfig, TcdmConfig

VARIANTS = {
    "default": {},
    "slow-mul-16k": {"core": CoreConfig(mem_kib=16, multiplier="slow")},
    "fast-mul-16-banks": {
        "core": CoreConfig(multiplier="fast"),
        "tcdm": TcdmConfig(size_kib=64, banks=16),
    },
    "gemm-simd": {
        "accelerators": (
            AcceleratorInstance(kind="gemm", name="gemm0"),
            AcceleratorInstance(kind="simd", name="simd0"),
        )
    },
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_lint_wall(cfg, tmp_path, variant):
    c = replace(cfg, name=variant, **VARIANTS[variant])
    args = hw.verilator_args(c, tmp_path / "gen", lint_only=True)
    proc = subprocess.run(
        [sys.executable, "-m", "verilator", "-Wall", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    vendor = str(hw.ibex_root())
    ours = [
        line
        for line in proc.stderr.splitlines()
        if line.startswith("%") and vendor not in line and not line.startswith("%Error: Exiting")
    ]
    assert not ours, "\n".join(ours)
    # Only warnings in vendored code may remain (they make Verilator exit non-zero).
    assert proc.returncode == 0 or all(
        vendor in line
        for line in proc.stderr.splitlines()
        if line.startswith("%Warning") or line.startswith("%Error-")
    ), proc.stderr[-2000:]
    pkg = (tmp_path / "gen" / "snax_cluster_cfg_pkg.sv").read_text()
    assert f"CoreMemBytes = {c.core_mem_bytes};" in pkg
    assert f"NumBanks = {c.tcdm.banks};" in pkg
    assert f"NumAcc = {len(c.accelerators)};" in pkg
