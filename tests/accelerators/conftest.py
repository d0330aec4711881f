"""Fixtures of the accelerator block tests: each testbench is built once per session."""

import pytest
from acc_tb import build


@pytest.fixture(scope="session")
def gemm_tb(tmp_path_factory):
    return build("gemm", tmp_path_factory.mktemp("gemm_tb"))


@pytest.fixture(scope="session")
def simd_tb(tmp_path_factory):
    return build("simd", tmp_path_factory.mktemp("simd_tb"))
