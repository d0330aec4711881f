"""The DMA driven from C (programs/dma.c) on the whole cluster: randomized N-D copies
L3→TCDM→L3 and L3→TCDM→TCDM→L3 with transposes, padding, reversed and broadcast
dimensions and every element size, checked bit-exactly; ids, counters and bank conflicts."""

from dataclasses import dataclass

import numpy as np
import pytest

from snaxc.config import L3_BASE, TCDM_BASE
from snaxc.golden.dma import ByteMemory, DmaDescriptor, apply_descriptor, is_l3, side_chunks
from snaxc.golden.tcdm import TcdmArbiter, bank_of

MAX_STEPS = 8  # programs/dma.c
R_CYCLES, R_BYTES_READ, R_BYTES_WRITTEN, R_BUSY, R_CONFLICTS, R_DONE, R_IDS = range(7)

L3_IN = L3_BASE + 0x10_0000
L3_OUT = L3_BASE + 0x20_0000
TCDM_A = TCDM_BASE
TCDM_B = TCDM_BASE + 0x1_0000
REGION = 0x8000  # bytes each pattern may span


@dataclass
class Pattern:
    base: int
    bounds: list[int]  # innermost first, padded with 1 to the DMA's dims
    strides: list[int]


@dataclass
class Step:
    src: Pattern
    dst: Pattern
    elem_log2: int
    wait_before: bool  # the core waits for all earlier transfers before enqueueing this


def pack(steps: list[Step], dims: int) -> np.ndarray:
    """The `steps` array of programs/dma.c: {wait_before, snax_dma_desc_t} each."""
    words = []
    for s in steps:
        words += [int(s.wait_before), s.src.base, s.dst.base, s.elem_log2]
        words += s.src.bounds + s.src.strides + s.dst.bounds + s.dst.strides
    words += [0] * ((MAX_STEPS - len(steps)) * (4 + 4 * dims))
    return np.array(words, dtype=np.int64).astype(np.uint32)


def random_factors(rng, n: int, dims: int) -> list[int]:
    """`n` split into `dims` random factors (innermost first)."""
    out = []
    for _ in range(dims - 1):
        divisors = [d for d in range(1, n + 1) if n % d == 0]
        d = int(rng.choice(divisors))
        out.append(d)
        n //= d
    out.append(n)
    rng.shuffle(out)
    return out


def random_layout(rng, bounds: list[int], e: int, region_base: int, align: int, injective: bool):
    """A pattern visiting `bounds` over a padded tensor stored with its dimensions in a random
    order (a transpose), some dimensions reversed and, unless `injective`, some broadcast."""
    dims = len(bounds)
    order = rng.permutation(dims)  # memory order of the dimensions, innermost first
    strides = [0] * dims
    step = e
    for d in order:
        strides[d] = step
        step *= bounds[d] + int(rng.integers(0, 3))  # padding
    for d in range(dims):
        if bounds[d] > 1 and rng.random() < 0.2:
            strides[d] = -strides[d]
        elif not injective and bounds[d] > 1 and rng.random() < 0.15:
            strides[d] = 0
    lo = sum(min(0, (b - 1) * s) for b, s in zip(bounds, strides, strict=True))
    hi = sum(max(0, (b - 1) * s) for b, s in zip(bounds, strides, strict=True)) + e
    if hi - lo > REGION:
        return None
    slack = (REGION - (hi - lo)) // align
    base = region_base - lo + int(rng.integers(0, slack + 1)) * align
    return Pattern(base, bounds, strides)


def reorder(rng, p: Pattern) -> Pattern:
    """The same set of addresses visited in another loop order."""
    perm = rng.permutation(len(p.bounds))
    return Pattern(p.base, [p.bounds[i] for i in perm], [p.strides[i] for i in perm])


def random_case(rng, dims: int, via_tcdm_b: bool) -> tuple[list[Step], int]:
    """L3_IN →(random pattern) TCDM_A [→ TCDM_B] →(random pattern) L3_OUT."""
    while True:
        elem_log2 = int(rng.integers(0, 7))
        e = 1 << elem_log2
        n = int(rng.integers(1, max(2, 4096 // e) + 1))
        used = int(rng.integers(1, dims + 1))
        shape = random_factors(rng, n, used) + [1] * (dims - used)
        tcdm_align = min(e, 8)
        src = random_layout(rng, shape, e, L3_IN, e, injective=False)
        mid = random_layout(
            rng,
            random_factors(rng, n, used) + [1] * (dims - used),
            e,
            TCDM_A,
            tcdm_align,
            injective=True,
        )
        if src is None or mid is None:
            continue
        steps = [Step(src, mid, elem_log2, False)]
        last = mid
        if via_tcdm_b:
            mid_b = random_layout(
                rng, random_factors(rng, n, dims), e, TCDM_B, tcdm_align, injective=True
            )
            if mid_b is None:
                continue
            steps.append(Step(reorder(rng, mid), mid_b, elem_log2, bool(rng.random() < 0.5)))
            last = mid_b
        dst = random_layout(rng, random_factors(rng, n, dims), e, L3_OUT, e, injective=True)
        if dst is None:
            continue
        # Without a wait, the DMA itself must hold a read back until the earlier write of the
        # same bytes is done (descriptors behave as if executed one after the other).
        steps.append(Step(reorder(rng, last), dst, elem_log2, bool(rng.random() < 0.5)))
        return steps, n * e


def descriptor(s: Step) -> DmaDescriptor:
    return DmaDescriptor(
        s.src.base,
        s.dst.base,
        s.elem_log2,
        tuple(s.src.bounds),
        tuple(s.src.strides),
        tuple(s.dst.bounds),
        tuple(s.dst.strides),
    )


def reference(cfg, steps: list[Step], l3_in: bytes, l3_out: bytes) -> np.ndarray:
    """Expected contents of the L3_OUT region after `steps`, from the golden DMA model. A
    second set of memories carries "written" flags: reading a TCDM byte that no step wrote
    would be a construction error of the test."""
    data = [
        ByteMemory(L3_IN, np.frombuffer(l3_in, dtype=np.uint8).copy()),
        ByteMemory(L3_OUT, np.frombuffer(l3_out, dtype=np.uint8).copy()),
        ByteMemory(TCDM_BASE, np.zeros(cfg.tcdm_bytes, dtype=np.uint8)),
    ]
    flags = [ByteMemory(m.base, np.zeros_like(m.data)) for m in data]
    flags[0].data[:] = 1
    for s in steps:
        desc = descriptor(s)
        desc.validate(cfg)
        if not is_l3(desc.src):
            off = desc.src_addresses() - TCDM_BASE
            lanes = np.arange(desc.elem_bytes)
            assert flags[2].data[off[:, None] + lanes].all(), "test reads unwritten TCDM bytes"
        apply_descriptor(desc, data)
        apply_descriptor(desc, flags)
    return data[1].data


def run_steps(new_sim, cfg, steps, l3_in, l3_out):
    sim = new_sim("dma")
    sim.write_symbol("num_steps", np.uint32(len(steps)).tobytes())
    sim.write_symbol("steps", pack(steps, cfg.dma.dims))
    sim.write_l3(L3_IN, l3_in)
    sim.write_l3(L3_OUT, l3_out)
    result = sim.run(max_cycles=2_000_000)
    assert result.exit_code == 0, result.output
    results = np.frombuffer(sim.read_symbol("results"), dtype=np.uint32)
    return sim, result, results


def describe(steps: list[Step]) -> str:
    return "; ".join(
        f"E={1 << s.elem_log2} src@{s.src.base:#x} {s.src.bounds}/{s.src.strides} -> "
        f"dst@{s.dst.base:#x} {s.dst.bounds}/{s.dst.strides}"
        for s in steps
    )


@pytest.mark.parametrize("seed", range(64))
def test_random_nd_copies(new_sim, cfg, seed):
    rng = np.random.default_rng(seed)
    steps, nbytes = random_case(rng, cfg.dma.dims, via_tcdm_b=seed % 3 == 2)
    l3_in = rng.integers(0, 256, REGION, dtype=np.uint8).tobytes()
    l3_out = rng.integers(0, 256, REGION, dtype=np.uint8).tobytes()
    expected = reference(cfg, steps, l3_in, l3_out)
    sim, result, results = run_steps(new_sim, cfg, steps, l3_in, l3_out)
    got = np.frombuffer(sim.read_l3(L3_OUT, REGION), dtype=np.uint8)
    bad = np.flatnonzero(got != expected)
    assert bad.size == 0, (
        f"seed {seed}: first mismatch at L3_OUT+{bad[0]:#x}: got {got[bad[0]]:#04x}, "
        f"expected {expected[bad[0]]:#04x} ({bad.size} bytes differ); {describe(steps)}"
    )
    # Ids are consecutive from 1 on a fresh cluster, and all completed.
    assert list(results[R_IDS : R_IDS + len(steps)]) == list(range(1, len(steps) + 1))
    assert results[R_DONE] == len(steps)
    # Every step reads and writes n elements of E bytes.
    assert results[R_BYTES_READ] == nbytes * len(steps), describe(steps)
    assert results[R_BYTES_WRITTEN] == nbytes * len(steps)
    assert result.counters["dma_bytes_read"] == nbytes * len(steps)
    # The reader moves at most one chunk per cycle (an element, or a run of a contiguous
    # innermost loop up to a line: side_chunks), over all steps.
    chunks = sum(side_chunks(s.src.base, s.src.bounds, s.src.strides, s.elem_log2) for s in steps)
    assert chunks <= results[R_BUSY] <= results[R_CYCLES], describe(steps)


@pytest.mark.parametrize("elem_log2", range(7))
def test_contiguous_round_trip(new_sim, cfg, elem_log2):
    """Every element size on the plain 1-D path, with a length that is not a multiple of 64."""
    e = 1 << elem_log2
    n = 3 * 64 // e + 1
    d = cfg.dma.dims
    flat = [n] + [1] * (d - 1)

    def line(base):
        return Pattern(base, flat, [e] + [0] * (d - 1))

    steps = [
        Step(line(L3_IN), line(TCDM_A), elem_log2, False),
        Step(line(TCDM_A), line(L3_OUT + e), elem_log2, True),
    ]
    rng = np.random.default_rng(100 + elem_log2)
    l3_in = rng.integers(0, 256, REGION, dtype=np.uint8).tobytes()
    l3_out = bytes(REGION)
    sim, _, results = run_steps(new_sim, cfg, steps, l3_in, l3_out)
    got = sim.read_l3(L3_OUT, REGION)
    assert got[e : e + n * e] == l3_in[: n * e]
    assert got[:e] == bytes(e) and got[e + n * e :] == bytes(REGION - e - n * e)
    assert results[R_BYTES_WRITTEN] == 2 * n * e


def predicted_same_bank_copy(cfg, n: int, src: int, dst: int) -> tuple[int, int]:
    """(busy cycles, conflicts per word) of a TCDM->TCDM copy of `n` elements whose every
    source word is in the bank of `src` and every destination word in the bank of `dst`.

    Model: the reader requests one element per cycle; a word read in cycle c can be written
    from cycle c + 2 on (grant, then rvalid, then the writer); each bank grants one request
    per cycle, round-robin (golden TcdmArbiter), the reader's port below the writer's.
    """
    arbiter = TcdmArbiter(2, cfg)
    reads = writes = cycle = conflicts = 0
    ready: list[int] = []
    while writes < n:
        write_ready = writes < reads and ready[writes] <= cycle
        req = [src if reads < n else None, dst if write_ready else None]
        grant = arbiter.grant(req)
        conflicts += sum(r is not None for r in req) - sum(grant)
        if grant[0]:
            ready.append(cycle + 2)
            reads += 1
        writes += grant[1]
        cycle += 1
    return cycle, conflicts


@pytest.mark.parametrize("seed", range(8))
def test_bank_conflicts_match_the_model(new_sim, cfg, seed):
    """A TCDM->TCDM copy whose source and destination each stay in one set of banks (stride
    = one TCDM row): the conflict counter and the DMA's busy cycles follow the model exactly,
    both when the two sets coincide and when they are disjoint."""
    rng = np.random.default_rng(1000 + seed)
    banks, word = cfg.tcdm.banks, cfg.bank_bytes
    elem_log2 = int(rng.integers(0, 7))
    e = 1 << elem_log2
    words = max(1, e // word)  # banks one element covers
    n = int(rng.integers(1, 160))
    same = seed % 2 == 0
    src_bank = int(rng.integers(0, banks))
    gap = 0 if same else words + int(rng.integers(0, banks - 2 * words + 1))
    dst_bank = (src_bank + gap) % banks
    row = banks * word
    d = cfg.dma.dims
    src = Pattern(TCDM_A + src_bank * word, [n] + [1] * (d - 1), [row] + [0] * (d - 1))
    dst = Pattern(TCDM_B + dst_bank * word, [n] + [1] * (d - 1), [row] + [0] * (d - 1))
    assert (
        set(bank_of(src.base + np.arange(words) * word, cfg)).isdisjoint(
            bank_of(dst.base + np.arange(words) * word, cfg)
        )
        != same
    )
    busy, per_word = predicted_same_bank_copy(cfg, n, src.base, dst.base)
    _, _, results = run_steps(new_sim, cfg, [Step(src, dst, elem_log2, False)], b"", b"")
    case = f"seed {seed}: E={e} n={n} banks {src_bank}->{dst_bank}"
    assert results[R_CONFLICTS] == per_word * words, case
    assert results[R_BUSY] == busy, case
    if not same:
        assert per_word == 0 and busy == n + 2, case


def test_queue_full_stalls_but_never_drops(new_sim, cfg):
    """More independent descriptors than the queue holds, enqueued back to back: the core
    stalls on START (counted as data-bus stall cycles) and every transfer still happens."""
    d = cfg.dma.dims
    count = MAX_STEPS
    assert count > cfg.dma.queue_depth
    e, n = 64, 256  # 256 cycles per transfer: much longer than the core needs to enqueue one

    def line(base):
        return Pattern(base, [n] + [1] * (d - 1), [e] + [0] * (d - 1))

    steps = [Step(line(L3_IN), line(TCDM_A), 6, False) for _ in range(count)]
    rng = np.random.default_rng(7)
    l3_in = rng.integers(0, 256, REGION, dtype=np.uint8).tobytes()
    sim, result, results = run_steps(new_sim, cfg, steps, l3_in, b"")
    assert list(results[R_IDS : R_IDS + count]) == list(range(1, count + 1))
    assert results[R_DONE] == count
    assert results[R_BYTES_WRITTEN] == count * n * e
    assert results[R_BUSY] >= count * n
    # Once the queue is full, each further START waits until the reader finishes a transfer
    # (n cycles each), far longer than the core needs to write a descriptor's registers.
    assert result.counters["core_dbus_stall_cycles"] >= n


@pytest.mark.parametrize("zero_dim", [0, 1])
def test_empty_descriptor_completes(new_sim, cfg, zero_dim):
    """A descriptor with a zero bound moves nothing but still counts as done (waits on it
    return), and the next one runs normally."""
    d = cfg.dma.dims
    empty = [1] * d
    empty[zero_dim] = 0
    strides = [64] + [0] * (d - 1)
    four = [4] + [1] * (d - 1)
    steps = [
        Step(Pattern(L3_IN, empty, strides), Pattern(TCDM_A, empty, strides), 6, False),
        Step(Pattern(L3_IN, four, strides), Pattern(TCDM_A, four, strides), 6, False),
        Step(Pattern(TCDM_A, four, strides), Pattern(L3_OUT, four, strides), 6, True),
    ]
    data = np.arange(256, dtype=np.uint8).tobytes()
    sim, _, results = run_steps(new_sim, cfg, steps, data, b"")
    assert results[R_DONE] == 3
    assert results[R_BYTES_READ] == results[R_BYTES_WRITTEN] == 2 * 256
    assert sim.read_l3(L3_OUT, 256) == data
