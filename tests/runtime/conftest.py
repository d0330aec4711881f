"""Fixtures of the runtime system tests: compiled test programs and fresh cluster instances."""

from pathlib import Path

import pytest

from snaxc.runtime import Simulator, compile_program

PROGRAMS = Path(__file__).parent / "programs"


@pytest.fixture
def new_sim(cfg, built_model):
    """`new_sim("prog")`: a fresh cluster (shared model library) with a test program loaded."""
    sims = []

    def make(name: str | None = None, **kwargs) -> Simulator:
        sim = Simulator(cfg, model=built_model, **kwargs)
        sims.append(sim)
        if name is not None:
            sim.load_elf(_compiled(cfg, name))
        return sim

    yield make
    for sim in sims:
        sim.close()


_ELFS: dict[str, Path] = {}


def _compiled(cfg, name: str) -> Path:
    if name not in _ELFS:
        _ELFS[name] = compile_program([PROGRAMS / f"{name}.c"], cfg)
    return _ELFS[name]
