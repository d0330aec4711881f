"""Shell behaviour on the GeMM block: configuration overlap, launch queue, counters, and the
performance of a TCDM-resident 64x64x64 matmul (launch to completion, from the counters)."""

from __future__ import annotations

import numpy as np
from acc_tb import TCDM_BASE, AccTb, get_array

from snaxc.accelerators.description import (
    REG_BUSY_CYCLES,
    REG_DONE,
    REG_LAUNCH,
    REG_STALL_CYCLES,
    REG_STATUS,
)
from snaxc.accelerators.gemm import (
    DESCRIPTION,
    row_major_config,
    tile_a,
    tile_b,
    tiled_config,
    untile_int32,
)
from snaxc.golden.gemm import gemm


def _reads(res, offset):
    return [v for off, v, _ in res.reads if off == offset]


def test_config_overlap_and_full_queue(gemm_tb, tmp_path):
    """Five launches in a row (one running, two queued, the rest stall the bus until a slot
    frees): every one completes with its own configuration; none is lost."""
    seed = 7
    rng = np.random.default_rng(seed)
    tb = AccTb(gemm_tb, tmp_path)
    problems = []
    for i in range(5):
        m, k, n = 64, 64, 64  # each runs longer than writing a configuration
        a = rng.integers(-128, 128, (m, k), dtype=np.int8)
        b = rng.integers(-128, 128, (k, n), dtype=np.int8)
        base = TCDM_BASE + i * 0x6000
        tb.put(base, a)
        tb.put(base + 0x1000, b)
        zp = int(rng.integers(-128, 128))
        cfg = row_major_config(m, k, n, a=base, b=base + 0x1000, d=base + 0x2000, a_zp=zp)
        tb.write_all(DESCRIPTION.encode(cfg))  # shadow writes while earlier ones run
        tb.launch()
        tb.read(REG_STATUS)
        problems.append((a, b, zp, base + 0x2000))
    tb.read(REG_LAUNCH)
    tb.wait_done(5)
    tb.read(REG_DONE)
    tb.read(REG_STATUS)
    res = tb.run()
    status = _reads(res, REG_STATUS)
    # After the first launch the accelerator runs; by the third the queue is full.
    assert status[0] & 1 == 1
    assert any(s & 2 for s in status[:-1]), f"queue never full: {status}"
    assert _reads(res, REG_LAUNCH) == [5]
    assert _reads(res, REG_DONE) == [5]
    assert status[-1] == 0
    for i, (a, b, zp, d_addr) in enumerate(problems):
        got = get_array(res.tcdm, d_addr, (a.shape[0], b.shape[1]), np.int32)
        exp = gemm(a, b, a_zero_point=zp)
        bad = np.argwhere(got != exp)
        assert bad.size == 0, f"seed {seed}: launch {i} wrong at {tuple(bad[0])}"


def _tiled_64(tb, rng, n_tiles):
    m = k = n = 64
    problems = []
    for t in range(n_tiles):
        a = rng.integers(-128, 128, (m, k), dtype=np.int8)
        b = rng.integers(-128, 128, (k, n), dtype=np.int8)
        # A and B bases 128 bytes apart modulo 256: their beats never share a bank.
        a_addr = TCDM_BASE + t * 0x3000
        b_addr = a_addr + 0x1080
        d_addr = TCDM_BASE + 0x18000 + (t % 2) * 0x4000
        tb.put(a_addr, tile_a(a))
        tb.put(b_addr, tile_b(b))
        problems.append((a, b, tiled_config(m, k, n, a=a_addr, b=b_addr, d=d_addr), d_addr))
    return problems


def test_gemm_64_cycles(gemm_tb, tmp_path):
    """A TCDM-resident 64x64x64 int8 matmul (int32 out): <= 523 cycles launch to completion
    (ideal 512: one 8x8x8 block per cycle)."""
    rng = np.random.default_rng(64)
    tb = AccTb(gemm_tb, tmp_path)
    ((a, b, cfg, d_addr),) = _tiled_64(tb, rng, 1)
    tb.write_all(DESCRIPTION.encode(cfg))
    tb.wait_done(tb.launch())
    tb.read(REG_BUSY_CYCLES)
    tb.read(REG_STALL_CYCLES)
    res = tb.run()
    (busy,) = _reads(res, REG_BUSY_CYCLES)
    (stall,) = _reads(res, REG_STALL_CYCLES)
    print(f"64x64x64: {busy} cycles launch to completion, {stall} datapath stall cycles")
    got = untile_int32(get_array(res.tcdm, d_addr, (64 * 64,), np.int32), 64, 64)
    assert (got == gemm(a, b)).all()
    assert busy <= 523, f"64x64x64 took {busy} cycles"


def test_gemm_back_to_back_utilization(gemm_tb, tmp_path):
    """Eight 64x64x64 tiles with overlapped configuration: >= 95% utilization from the first
    launch to the last completion, configuration writes included."""
    rng = np.random.default_rng(88)
    tb = AccTb(gemm_tb, tmp_path)
    problems = _tiled_64(tb, rng, 8)
    tb.mark(0)
    for _, _, cfg, _ in problems:
        tb.write_all(DESCRIPTION.encode(cfg))
        tb.launch()
    tb.wait_done(8)
    tb.read(REG_BUSY_CYCLES)
    res = tb.run()
    (busy,) = _reads(res, REG_BUSY_CYCLES)
    util = 8 * 512 / busy
    print(f"8 x 64x64x64: {busy} busy cycles, utilization {util:.1%}")
    assert util >= 0.95
    # The last two tiles' results are still in place.
    for a, b, _, d_addr in problems[-2:]:
        got = untile_int32(get_array(res.tcdm, d_addr, (64 * 64,), np.int32), 64, 64)
        assert (got == gemm(a, b)).all()


def test_shadow_registers_read_back(gemm_tb, tmp_path):
    """Configuration registers read back what was written (all 32 bits); the read-only
    registers start at zero; unmapped offsets read zero."""
    rng = np.random.default_rng(9)
    tb = AccTb(gemm_tb, tmp_path)
    regs = DESCRIPTION.config_words()
    values = {
        r.offset: int(v) for r, v in zip(regs, rng.integers(0, 2**32, len(regs)), strict=True)
    }
    tb.write_all(values)
    for off in values:
        tb.read(off)
    for off in (REG_LAUNCH, REG_DONE, REG_STATUS, REG_BUSY_CYCLES, 0x0FFC):
        tb.read(off)
    res = tb.run()
    got = {off: v for off, v, _ in res.reads}
    for off, v in values.items():
        assert got[off] == v, f"register 0x{off:03x}: read 0x{got[off]:08x}, wrote 0x{v:08x}"
    assert [got[o] for o in (REG_LAUNCH, REG_DONE, REG_STATUS, REG_BUSY_CYCLES, 0xFFC)] == [0] * 5


def test_streamer_stall_counters(gemm_tb, tmp_path):
    """Row-major 64x64 operands put ports m and m + 4 of an A beat in one bank: the A and B
    streamers' conflict counters and the datapath stall counter see it."""
    rng = np.random.default_rng(12)
    tb = AccTb(gemm_tb, tmp_path)
    a = rng.integers(-128, 128, (64, 64), dtype=np.int8)
    b = rng.integers(-128, 128, (64, 64), dtype=np.int8)
    a_addr, b_addr, d_addr = TCDM_BASE, TCDM_BASE + 0x1080, TCDM_BASE + 0x4000
    tb.put(a_addr, a)
    tb.put(b_addr, b)
    tb.write_all(DESCRIPTION.encode(row_major_config(64, 64, 64, a=a_addr, b=b_addr, d=d_addr)))
    tb.wait_done(tb.launch())
    stall_regs = [DESCRIPTION.register(f"{s.name}_stall_cycles") for s in DESCRIPTION.streamers]
    for r in stall_regs:
        tb.read(r.offset)
    tb.read(REG_STALL_CYCLES)
    tb.read(REG_BUSY_CYCLES)
    res = tb.run()
    got = {off: v for off, v, _ in res.reads}
    per_streamer = {r.name: got[r.offset] for r in stall_regs}
    assert per_streamer["a_stall_cycles"] > 0 and per_streamer["b_stall_cycles"] > 0
    assert per_streamer["c_stall_cycles"] == 0 and per_streamer["q_stall_cycles"] == 0
    assert 0 < got[REG_STALL_CYCLES] < got[REG_BUSY_CYCLES]
    out = get_array(res.tcdm, d_addr, (64, 64), np.int32)
    assert (out == gemm(a, b)).all()
