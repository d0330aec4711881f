"""Session-wide fixtures shared by all test directories."""

import pytest

from snaxc.config import ClusterConfig, load_config


@pytest.fixture(scope="session")
def cfg() -> ClusterConfig:
    """The default cluster configuration."""
    return load_config()


@pytest.fixture(scope="session")
def built_model(cfg):
    """Path of the Verilator model of `cfg`, built (or taken from the cache) once per session."""
    from snaxc.runtime.build import build_model

    return build_model(cfg)
