"""Fixtures of the accelerator block tests: each testbench is built once per session."""

from pathlib import Path

import pytest
from acc_tb import build

from snaxc.accelerators.generate import c_headers
from snaxc.config import config_from_dict


@pytest.fixture(scope="session")
def gemm_tb(tmp_path_factory):
    return build("gemm", tmp_path_factory.mktemp("gemm_tb"))


@pytest.fixture(scope="session")
def simd_tb(tmp_path_factory):
    return build("simd", tmp_path_factory.mktemp("simd_tb"))


# System tests: the whole cluster with a GeMM and a SIMD unit, C programs from programs/.

PROGRAMS = Path(__file__).parent / "programs"


@pytest.fixture(scope="session")
def acc_cfg(cfg):
    """The default configuration if it has a gemm and a simd accelerator, else the default
    with `gemm0` and `simd0` added."""
    kinds = {a.kind for a in cfg.accelerators}
    if {"gemm", "simd"} <= kinds:
        return cfg
    raw = cfg.to_dict()
    raw["accelerators"] = [{"kind": "gemm", "name": "gemm0"}, {"kind": "simd", "name": "simd0"}]
    return config_from_dict(raw)


@pytest.fixture(scope="session")
def acc_model(acc_cfg):
    from snaxc.runtime.build import build_model

    return build_model(acc_cfg)


@pytest.fixture(scope="session")
def acc_headers(acc_cfg, tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("acc_headers")
    for name, text in c_headers(acc_cfg).items():
        (d / name).write_text(text)
    return d


@pytest.fixture
def new_sim(acc_cfg, acc_model, acc_headers):
    """`new_sim("prog")`: a fresh cluster with programs/prog.c compiled and loaded."""
    from snaxc.runtime import Simulator, compile_program

    sims = []

    def make(name: str) -> Simulator:
        sim = Simulator(acc_cfg, model=acc_model)
        sims.append(sim)
        elf = compile_program([PROGRAMS / f"{name}.c"], acc_cfg, include_dirs=[acc_headers])
        sim.load_elf(elf)
        return sim

    yield make
    for sim in sims:
        sim.close()
