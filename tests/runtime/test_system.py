"""Whole-cluster runs of small C programs: exit codes, output, traps, the hang watchdog and
the cycle/performance counters, through the real Ibex RTL in Verilator."""

import numpy as np
import pytest

from snaxc.config import PERF_COUNTERS
from snaxc.runtime import (
    ElfError,
    SimulationError,
    SimulationTimeout,
    SimulationTrap,
    run_program,
)


@pytest.mark.parametrize("value", [0, 1, 42, -1, 0x7FFFFFFF, -(2**31)])
@pytest.mark.parametrize("use_snax_exit", [0, 1])
def test_exit_code(new_sim, value, use_snax_exit):
    sim = new_sim("exit_code")
    sim.write_symbol("exit_value", np.int32(value))  # numpy scalars are accepted as is
    sim.write_symbol("use_snax_exit", np.uint32(use_snax_exit).tobytes())
    result = sim.run(max_cycles=100_000)
    assert result.exit_code == value
    assert 0 < result.cycles < 2_000
    assert result.output == ""


def test_print(new_sim):
    sim = new_sim("print")
    result = sim.run(max_cycles=1_000_000)
    assert result.exit_code == 0
    assert result.output == ("hello, snax\n0 -42 2147483647 -2147483648 4294967295\n0xdeadbeef\n")


def test_print_host_values(new_sim):
    sim = new_sim("print")
    sim.write_symbol("values", np.array([7, -7, 123456789, -1000000], dtype=np.int32))
    sim.write_symbol("hex_value", np.uint32(0x0123ABCD).tobytes())
    out = sim.run(max_cycles=1_000_000).output
    assert out.splitlines()[1:] == ["7 -7 123456789 -1000000 4294967295", "0x0123abcd"]


@pytest.mark.parametrize(
    "which, bad_addr, cause, label, tval",
    [
        (0, 0, "illegal instruction", "fault_illegal", 0x00000000),
        (1, 0x3000_0000, "load access fault", "fault_load", 0x3000_0000),
        (1, 0x8000_0040, "load access fault", "fault_load", 0x8000_0040),  # L3: DMA only
        (2, 0x0F00_0000, "store access fault", "fault_store", 0x0F00_0000),
        (3, 0, "environment call from M-mode", "fault_ecall", 0),
    ],
)
def test_trap(new_sim, which, bad_addr, cause, label, tval):
    sim = new_sim("trap")
    sim.write_symbol("which", np.uint32(which).tobytes())
    sim.write_symbol("bad_addr", np.uint32(bad_addr).tobytes())
    with pytest.raises(SimulationTrap) as e:
        sim.run(max_cycles=100_000)
    trap = e.value
    assert trap.cause_name == cause
    assert trap.pc == sim.symbol_addr(label)
    assert trap.tval == tval
    msg = str(trap)
    assert "\n" not in msg and cause in msg and f"0x{trap.pc:08x}" in msg


def test_hang_watchdog(new_sim):
    sim = new_sim("hang")
    with pytest.raises(SimulationTimeout) as e:
        sim.run(max_cycles=20_000)
    t = e.value
    assert 20_000 <= t.cycles < 20_100
    assert "<spin+" in str(t)
    assert t.output == "spinning\n"
    spin = sim.program.symbol("spin")
    assert spin.addr <= t.pc < spin.addr + spin.size
    # The budget is resumable: the program is still spinning, and counting.
    count_before = t.cycles
    with pytest.raises(SimulationTimeout) as e2:
        sim.run(max_cycles=1_000)
    assert e2.value.cycles >= count_before + 1_000


def test_core_memory_is_host_writable_only_before_the_run(new_sim):
    sim = new_sim("exit_code")
    sim.run(max_cycles=100_000)
    with pytest.raises(SimulationError, match="before the program runs"):
        sim.write_symbol("exit_value", np.int32(1).tobytes())
    with pytest.raises(SimulationError, match="already finished"):
        sim.run()


def test_counters(new_sim):
    sim = new_sim("counters")
    loops = 500
    sim.write_symbol("loops", np.uint32(loops).tobytes())
    result = sim.run(max_cycles=1_000_000)
    assert result.exit_code == 0
    c0, c1, p0, p1 = np.frombuffer(sim.read_symbol("seen"), dtype=np.uint64).tolist()
    # The control block's cycle counter and perf counter 0 count the same clock.
    assert 0 < c0 < p0 < c1 < p1 <= result.cycles
    # A volatile loop iteration is a load, add, store, compare and branch: at least 5 cycles.
    assert c1 - c0 >= 5 * loops
    assert set(result.counters) == set(PERF_COUNTERS)
    assert result.counters["cycles"] >= p1
    assert abs(result.counters["cycles"] - result.cycles) <= 2
    assert result.counters["dma_bytes_read"] == 0
    assert result.counters["dma_busy_cycles"] == 0
    assert 0 < result.counters["core_active_cycles"] <= result.counters["cycles"]


def test_write_symbol_checks(new_sim):
    sim = new_sim("exit_code")
    with pytest.raises(ElfError, match="no symbol 'nope'"):
        sim.write_symbol("nope", b"\0")
    with pytest.raises(ElfError, match="has 4 bytes"):
        sim.write_symbol("exit_value", bytes(8))


def test_sections_are_loaded(new_sim):
    """.data initializers, zeroed .bss and the .l3 table all arrive where the program expects
    them; host access to a TCDM symbol is refused with a clear message."""
    sim = new_sim("sections")
    expected_l3 = np.arange(1, 17, dtype=np.uint32).tobytes()
    assert sim.read_symbol("l3_table") == expected_l3
    with pytest.raises(SimulationError, match="TCDM"):
        sim.write_symbol("tcdm_buf", bytes(4))
    with pytest.raises(SimulationError, match=r"\.bss"):
        sim.write_symbol("zeroed", bytes(4))
    result = sim.run(max_cycles=100_000)
    assert result.output == "sections\n"
    assert result.exit_code == 0x11111111
    assert sim.read_l3(sim.symbol_addr("l3_table"), 64) == expected_l3


def test_run_program_helper(cfg, built_model, tmp_path):
    src = tmp_path / "sum.c"
    src.write_text(
        '#include "snax.h"\n'
        "SNAX_HOST_PARAM volatile uint32_t xs[4] = {1, 1, 1, 1};\n"
        "int main(void) { snax_print_udec(xs[0] + xs[1] + xs[2] + xs[3]); return 5; }\n"
    )
    result, sim = run_program(
        [src], cfg, symbols={"xs": np.array([10, 20, 30, 40], dtype=np.uint32)}
    )
    assert (result.exit_code, result.output) == (5, "100")
    sim.close()


def test_progress_on_stderr(new_sim, monkeypatch, capsys):
    """Long runs go in chunks and report cycles and speed between them."""
    monkeypatch.setattr("snaxc.runtime.simulator.CHUNK_CYCLES", 2_000)
    sim = new_sim("hang")
    with pytest.raises(SimulationTimeout):
        sim.run(max_cycles=10_000, progress=True)
    err = capsys.readouterr().err
    assert "simulating: 8,000 cycles" in err and "Mcycles/s" in err


def test_core_and_dma_share_the_tcdm(new_sim):
    sim = new_sim("core_dma")
    rng = np.random.default_rng(3)
    data = rng.integers(0, 256, 1024, dtype=np.uint8)
    sim.write_symbol("l3_in", data)
    result = sim.run(max_cycles=500_000)
    assert result.exit_code == 1
    expected_sum = 0
    for b in data.tolist():
        expected_sum = (expected_sum * 31 + b) & 0xFFFF_FFFF
    assert result.output == f"0x{expected_sum:08x}"
    expected_out = ((np.arange(1024) * 7 + 3) & 0xFF).astype(np.uint8)
    assert sim.read_symbol("l3_out") == expected_out.tobytes()
    assert result.counters["dma_bytes_written"] == 2 * 1024


def test_llvm_ir_program_runs(cfg, tmp_path):
    """The compiler's path: an LLVM IR control program with volatile MMIO, linked with crt0."""
    src = tmp_path / "ctrl.ll"
    src.write_text(
        "define i32 @main() {\n"
        "  store volatile i32 65, ptr inttoptr (i32 536870916 to ptr)\n"  # PUTCHAR 'A'
        "  ret i32 7\n"
        "}\n"
    )
    result, sim = run_program([src], cfg)
    sim.close()
    assert (result.exit_code, result.output) == (7, "A")
