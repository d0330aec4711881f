"""Fixtures of the compiler tests."""

import pytest

from snaxc.config import ClusterConfig, config_from_dict


@pytest.fixture(scope="session")
def acc_cfg(cfg) -> ClusterConfig:
    """The default configuration with a GeMM (`gemm0`) and a SIMD unit (`simd0`), the same
    cluster the accelerator system tests use (so the Verilator model is shared)."""
    raw = cfg.to_dict()
    raw["accelerators"] = [{"kind": "gemm", "name": "gemm0"}, {"kind": "simd", "name": "simd0"}]
    return config_from_dict(raw)


@pytest.fixture(scope="session")
def acc_model(acc_cfg):
    from snaxc.runtime.build import build_model

    return build_model(acc_cfg)
