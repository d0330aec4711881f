"""The cluster configuration: defaults, validation errors that name the field, derived views."""

import re

import pytest

from snaxc.config import (
    PERF_COUNTERS,
    ConfigError,
    config_from_dict,
    load_config,
)


def test_default_config_loads():
    cfg = load_config()
    assert cfg.tcdm_bytes == 128 * 1024
    assert cfg.tcdm.banks == 32
    assert cfg.dma_beat_bytes == 64
    assert len(cfg.hash()) == 16


def test_hash_changes_with_a_parameter():
    a = config_from_dict({"l3": {"latency_cycles": 16}})
    b = config_from_dict({"l3": {"latency_cycles": 17}})
    assert a.hash() != b.hash()


@pytest.mark.parametrize(
    "raw, field",
    [
        ({"tcdm": {"banks": 24}}, "tcdm.banks"),
        ({"tcdm": {"banks": "many"}}, "tcdm.banks"),
        ({"tcdm": {"bankz": 32}}, "tcdm.bankz"),
        ({"dma": {"dims": 0}}, "dma.dims"),
        ({"dma": {"max_outstanding": 3}}, "dma.max_outstanding"),
        ({"core": {"multiplier": "quantum"}}, "core.multiplier"),
        ({"l3": {"latency_cycles": 0}}, "l3.latency_cycles"),
        ({"colour": "blue"}, "colour"),
        (
            {"accelerators": [{"kind": "gemm", "name": "a"}, {"kind": "simd", "name": "a"}]},
            "accelerators",
        ),
    ],
)
def test_invalid_configs_name_the_field(raw, field):
    with pytest.raises(ConfigError, match="^" + re.escape(field)):
        config_from_dict(raw)


def test_bad_yaml_and_missing_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("tcdm: [1, 2\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")


def test_generated_views_agree():
    cfg = load_config()
    pkg = cfg.sv_package()
    hdr = cfg.c_header()
    assert "localparam int unsigned NumBanks = 32;" in pkg
    assert "#define SNAX_TCDM_BANKS 0x00000020u" in hdr
    for i, name in enumerate(PERF_COUNTERS):
        assert f"#define SNAX_PERF_{name.upper()} {i}" in hdr
