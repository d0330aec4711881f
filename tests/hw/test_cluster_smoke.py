"""System checks of the cluster top (hw/cluster, hw/core) through the harness: address
decoding and access faults, the core's path into the TCDM, the control block and the
performance counters, the L3 model, and RTL assertions surfacing as simulation errors."""

import ctypes
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from snaxc.config import (
    ACC_BASE,
    ACC_WINDOW_BYTES,
    CTRL_BASE,
    DMA_BASE,
    L3_BASE,
    PERF_BASE,
    PERF_COUNTERS,
    TCDM_BASE,
    CoreConfig,
    L3Config,
)
from snaxc.runtime import SimulationTrap, Simulator, compile_program
from snaxc.runtime.build import model_key

PROGRAMS = Path(__file__).parent / "programs"
LOAD_FAULT, STORE_FAULT, FETCH_FAULT = 5, 7, 1


@pytest.fixture(scope="module")
def elf(cfg):
    cache: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in cache:
            cache[name] = compile_program([PROGRAMS / f"{name}.c"], cfg)
        return cache[name]

    return get


@pytest.fixture
def sim(cfg, built_model):
    sims = []

    def make(elf_path: Path, cfg_=None, **symbols) -> Simulator:
        s = Simulator(cfg_ or cfg, model=built_model)
        sims.append(s)
        s.load_elf(elf_path)
        for name, value in symbols.items():
            s.write_symbol(name, np.array([value], dtype=np.uint32))
        return s

    yield make
    for s in sims:
        s.close()


def _u32(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.uint32)


def unmapped_addresses(cfg) -> list[int]:
    """The first address past each mapped window, and a few far away."""
    return [
        cfg.core_mem_bytes,  # past core memory
        TCDM_BASE - 4,
        TCDM_BASE + cfg.tcdm_bytes,  # past the TCDM
        CTRL_BASE + 0x20,  # between the control registers and the counters
        PERF_BASE + 8 * len(PERF_COUNTERS),  # past the last counter
        DMA_BASE + 0x100,  # past the DMA registers
        ACC_BASE + ACC_WINDOW_BYTES * len(cfg.accelerators),  # past the last accelerator
        L3_BASE,  # L3 is reached only by the DMA
        0x3000_0000,
        0xFFFF_FFFC,
    ]


@pytest.mark.parametrize("op, cause", [(0, LOAD_FAULT), (1, STORE_FAULT)])
def test_unmapped_accesses_fault(cfg, elf, sim, op, cause):
    for addr in unmapped_addresses(cfg):
        s = sim(elf("cluster_access"), op=op, addr=addr)
        with pytest.raises(SimulationTrap) as info:
            s.run(max_cycles=20_000)
        assert (info.value.cause, info.value.tval) == (cause, addr), hex(addr)


@pytest.mark.parametrize("where", ["tcdm", "past_core_mem", "far"])
def test_fetch_outside_core_memory_faults(cfg, elf, sim, where):
    addr = {"tcdm": TCDM_BASE, "past_core_mem": cfg.core_mem_bytes, "far": 0x4000_0000}[where]
    s = sim(elf("cluster_access"), op=2, addr=addr)
    with pytest.raises(SimulationTrap) as info:
        s.run(max_cycles=20_000)
    assert (info.value.cause, info.value.pc) == (FETCH_FAULT, addr)


def test_mapped_loads(cfg, elf, sim):
    checks = {
        CTRL_BASE + 0x08: lambda v: v > 0,  # CYCLE_LO
        CTRL_BASE + 0x0C: lambda v: v == 0,  # CYCLE_HI
        CTRL_BASE + 0x00: lambda v: v == 0,  # write-only registers read as 0
        PERF_BASE: lambda v: v > 0,  # counter 0 = cycles
        PERF_BASE + 4: lambda v: v == 0,
        DMA_BASE + 0x18: lambda v: v == 0,  # DMA STATUS: idle
        TCDM_BASE + cfg.tcdm_bytes - 4: lambda v: True,
    }
    for addr, ok in checks.items():
        s = sim(elf("cluster_access"), op=0, addr=addr)
        assert s.run(max_cycles=20_000).exit_code == 0
        value = int(_u32(s.read_symbol("loaded"))[0])
        assert ok(value), f"load from 0x{addr:08x} gave 0x{value:08x}"


def test_store_to_exit_register(elf, sim):
    s = sim(elf("cluster_access"), op=1, addr=CTRL_BASE)
    assert s.run(max_cycles=20_000).exit_code == 0x5A5A5A5A


def test_core_tcdm_access_widths(elf, sim):
    seed = 987654
    s = sim(elf("cluster_tcdm"), seed=seed)
    assert s.run(max_cycles=200_000).exit_code == 0
    # numpy model of the program
    n, x = 64, seed
    buf = np.zeros(n, dtype=np.uint32)
    for i in range(n):
        x = (x * 1664525 + 1013904223) & 0xFFFF_FFFF
        buf[i] = x
    h, b = buf.view(np.uint16), buf.view(np.uint8)
    for i in range(0, n, 3):
        h[2 * i + 1] = 0xBE00 + i
    for i in range(0, n, 5):
        b[4 * i + 2] = 0x40 + i
    words = _u32(s.read_symbol("words"))
    bad = np.flatnonzero(words != buf)
    assert bad.size == 0, f"first mismatch at word {bad[:1]}: {words[bad[:1]]} != {buf[bad[:1]]}"
    sums = [int(buf.sum(dtype=np.uint64)) & 0xFFFF_FFFF, int(h.sum()), int(b.sum())]
    assert list(_u32(s.read_symbol("sums"))) == sums


def test_counters_final_after_exit(elf, sim):
    iters = 3000
    s = sim(elf("cluster_spin"), iters=iters)
    res = s.run(max_cycles=1_000_000)
    table = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3]
    acc = sum(table[i & 15] * (i | 1) for i in range(iters)) & 0x7FFF_FFFF
    assert res.exit_code == acc
    c = res.counters
    # The counters stop one cycle after the EXIT write, when the harness returns.
    assert abs(c["cycles"] - res.cycles) <= 1
    assert 0.9 * c["cycles"] < c["core_active_cycles"] <= c["cycles"]
    assert c["core_dbus_stall_cycles"] == 0  # no other master competes with the core
    assert c["dma_busy_cycles"] == c["dma_bytes_read"] == c["dma_bytes_written"] == 0
    assert c["acc_busy_cycles"] == 0
    assert c["core_only_cycles"] == c["cycles"]  # neither an accelerator nor the DMA worked
    s.read_core_mem(0, 4096)  # host accesses clock the cluster: counters must not move
    assert s.counters() == c


def test_core_stalls_when_the_dma_takes_its_banks(elf, sim):
    s = sim(elf("cluster_contention"))
    res = s.run(max_cycles=2_000_000)
    c = res.counters
    assert c["dma_bytes_read"] == c["dma_bytes_written"] == 32768
    assert c["dma_busy_cycles"] >= 32768 // 64
    assert c["acc_busy_cycles"] == 0
    assert c["core_only_cycles"] == c["cycles"] - c["dma_busy_cycles"]
    assert int(_u32(s.read_symbol("core_reads"))[0]) > 0
    assert c["core_dbus_stall_cycles"] > 0
    # Every cycle the core waits for a grant, its request lost its bank.
    assert c["tcdm_bank_conflicts"] >= c["core_dbus_stall_cycles"]


def test_l3_latency_is_a_harness_parameter(cfg, elf, sim, built_model):
    slow = replace(cfg, l3=L3Config(size_mib=cfg.l3.size_mib, latency_cycles=80))
    fast = replace(cfg, l3=L3Config(size_mib=cfg.l3.size_mib, latency_cycles=16))
    assert model_key(slow) == model_key(fast) == model_key(replace(cfg, name="other"))
    assert model_key(cfg) != model_key(replace(cfg, core=CoreConfig(multiplier="fast")))
    times, busy = [], []
    for c in (fast, slow):
        s = sim(elf("cluster_l3"), cfg_=c)
        res = s.run(max_cycles=100_000)
        times.append(res.exit_code)
        busy.append(res.counters["dma_busy_cycles"])
        copied = np.frombuffer(s.read_symbol("copied"), dtype=np.uint8)
        assert list(copied) == list(range(1, 65))
    # The DMA is busy exactly `latency` cycles longer; the core sees it up to one polling
    # loop later.
    assert busy[1] - busy[0] == 80 - 16
    assert 80 - 16 <= times[1] - times[0] <= 80 - 16 + 12


def test_rtl_assertion_ends_the_run(cfg, built_model):
    """A host access outside core memory trips an RTL assertion (HostInRange_A): the harness
    reports status 3 with the assertion's location instead of exiting the process."""
    lib = ctypes.CDLL(str(built_model))
    lib.snax_sim_new.restype = ctypes.c_void_p
    lib.snax_sim_new.argtypes = [ctypes.c_uint64, ctypes.c_uint32, ctypes.c_char_p]
    lib.snax_sim_free.argtypes = [ctypes.c_void_p]
    lib.snax_sim_read_core_mem.argtypes = [
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.c_char_p,
        ctypes.c_uint32,
    ]
    lib.snax_sim_run.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_void_p]
    lib.snax_sim_error.restype = ctypes.c_char_p
    lib.snax_sim_error.argtypes = [ctypes.c_void_p]
    sim = lib.snax_sim_new(1 << 20, 16, None)
    try:
        buf = ctypes.create_string_buffer(4)
        lib.snax_sim_read_core_mem(sim, cfg.core_mem_bytes, buf, 4)
        result = (ctypes.c_uint32 * 10)()
        assert lib.snax_sim_run(sim, 1000, result) == 0
        assert result[2] == 3  # status: simulation error
        assert b"snax_core_mem.sv" in lib.snax_sim_error(sim)
    finally:
        lib.snax_sim_free(sim)


def test_waveform(cfg, elf, tmp_path):
    """A trace-enabled model (built once, cached like the others) writes a VCD in which the
    program's PUTCHAR pulses are visible."""
    wave = tmp_path / "run.vcd"
    with Simulator(cfg, wave=wave) as s:
        s.load_elf(elf("cluster_access"))
        s.write_symbol("op", np.array([1], dtype=np.uint32))
        s.write_symbol("addr", np.array([CTRL_BASE + 4], dtype=np.uint32))  # PUTCHAR
        res = s.run(max_cycles=20_000)
    assert res.exit_code == 0
    text = wave.read_text()
    ident = next(
        line.split()[3] for line in text.splitlines() if line.endswith(" char_valid_o $end")
    )
    rises = [ln for ln in text.splitlines() if ln == f"1{ident}"]
    assert len(rises) == 1  # exactly one character written


def test_multiplier_configuration_reaches_the_core(cfg, elf, built_model):
    """The same program on the configured single-cycle multiplier and on Ibex's slow
    (iterative, shorter for small operands: ~8 extra cycles here) one: same result, many
    more cycles."""
    from snaxc.runtime.build import build_model

    slow_cfg = replace(cfg, core=CoreConfig(mem_kib=cfg.core.mem_kib, multiplier="slow"))
    iters = 500
    results = []
    for c, model in ((cfg, built_model), (slow_cfg, build_model(slow_cfg))):
        with Simulator(c, model=model) as s:
            s.load_elf(compile_program([PROGRAMS / "cluster_spin.c"], c))
            s.write_symbol("iters", np.array([iters], dtype=np.uint32))
            results.append(s.run(max_cycles=1_000_000))
    assert cfg.core.multiplier == "single-cycle"
    assert results[0].exit_code == results[1].exit_code
    assert results[1].cycles > results[0].cycles + 4 * iters
