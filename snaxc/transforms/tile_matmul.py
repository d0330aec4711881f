"""`tile-matmul`: matmuls whose operands do not fit L1 run on the GeMM tile by tile.

Runs after `place-program-io` (which copies every input to L1 and every output back) and
before `dispatch-kernels`. A matmul (or quantized matmul) generic whose int8 A (M x K),
int8 B (K x N) and int32 D (M x N) are each brought from L3 by one DMA transfer and taken
back by one, and whose D is zero-filled right before, is replaced when the program's L1
buffers do not fit the TCDM (or always, with `force`):

- A, B and D lose their whole-matrix L1 buffers and transfers; instead the pass places
  tile buffers in L1 and emits, per output tile (TM x TN, full K), the DMA transfers
  L3 -> L1 (A rows, B columns), the accelerator setup/launch/await and the transfer of
  the D tile L1 -> L3. Loop order: N blocks outside (a K x TN block of B stays in L1 and is
  reused by every M tile), M tiles inside.
- Layouts (folded into the DMA patterns): A tiles are row-major with a padded row stride
  and D tiles likewise, so the DMA moves them in wide elements (64 bytes when the rows
  allow); a B block is stored as [n group][row in 8][k beat][8 columns] with strides that
  make the A and B streamers read 8 consecutive banks each, in lock step, in disjoint
  halves of the TCDM (no bank conflicts between or within them).
- Double buffering (`double_buffer`): two buffers per operand; the loads of tile i + 1
  (and a slice of the next B block) run while the GeMM computes tile i, and the store of
  tile i - 1 too; the launch of tile i + 1 is queued before the await of tile i, so the
  accelerator goes from one tile to the next without waiting for the core.
- Shapes that are not multiples of 8 are padded: M and N rows/columns beyond the matrix
  are computed on whatever the buffers hold and cropped by the store patterns; the K
  padding of A is filled with the A zero point once, so padded K terms vanish.

The schedule is emitted straight-line (every tile's transfers and configuration are
constants; `accfg-dedup` then writes only the fields that change).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from math import gcd

from xdsl.context import Context
from xdsl.dialects import accfg, arith
from xdsl.dialects.builtin import IntegerAttr, MemRefType, ModuleOp, i8, i32
from xdsl.dialects.linalg.ops import GenericOp
from xdsl.ir import Operation, OpResult, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.utils.exceptions import DiagnosticException

from snaxc import accelerators
from snaxc.config import TCDM_BASE, ClusterConfig
from snaxc.dialects import dma, snax
from snaxc.transforms.declare_accelerators import declare_accelerators
from snaxc.transforms.pass_config import pass_config
from snaxc.transforms.place_program_io import size_bytes

L3_BASE = 0x8000_0000
MAX_TILES = 128
"""The schedule is straight-line code in the core's memory: at most this many tiles
(128 tiles of 512x512x512 make a 47 KB program of the 64 KiB core memory)."""


def _i32(value: int) -> int:
    value &= 0xFFFF_FFFF
    return value - (1 << 32) if value >> 31 else value


def _ceil8(x: int) -> int:
    return (x + 7) // 8 * 8


def row_words(beats: int, banks: int) -> int:
    """Words per padded row holding `beats` 8-byte words: the next count = 1 mod `banks`
    when that wastes at most 1/8 (ports of a beat then sit in consecutive banks), otherwise
    the next odd count (ports in distinct banks)."""
    w = beats + (1 - beats) % banks
    if w - beats <= max(1, beats // 8):
        return w
    return beats | 1


@dataclass(frozen=True)
class TilePlan:
    """Tile sizes and L1 strides of one tiled matmul (all in bytes unless said)."""

    m: int
    k: int
    n: int
    tm: int
    tn: int
    slots: int
    banks: int = 32
    """TCDM banks (64-bit words): the layouts keep the GeMM's streams in distinct banks."""

    @property
    def bank_row(self) -> int:
        """Bytes of one row across all banks."""
        return 8 * self.banks

    def round_up(self, nbytes: int) -> int:
        return (nbytes + self.bank_row - 1) // self.bank_row * self.bank_row

    @property
    def kp(self) -> int:
        return _ceil8(self.k)

    @property
    def kt(self) -> int:
        return self.kp // 8

    @property
    def a_row(self) -> int:
        return 8 * row_words(self.kt, self.banks)

    @property
    def b_row(self) -> int:
        """Stride between the 8 rows of a k beat in a B group."""
        return 8 * row_words(self.kt, self.banks)

    @property
    def b_group(self) -> int:
        """Stride between groups of 8 columns: a whole number of bank rows."""
        return self.round_up(8 * self.b_row)

    @property
    def d_row(self) -> int:
        return 8 * ((self.tn // 2) | 1)

    @property
    def a_group(self) -> int:
        """Stride between groups of 8 rows: a whole number of bank rows, so every output
        row of tiles reads A in the same banks as the last."""
        return self.round_up(8 * self.a_row)

    @property
    def a_bytes(self) -> int:
        return self.tm // 8 * self.a_group

    @property
    def b_bytes(self) -> int:
        return self.tn // 8 * self.b_group

    @property
    def d_bytes(self) -> int:
        return self.tm * self.d_row

    def l1_bytes(self) -> int:
        return self.slots * (self.a_bytes + self.b_bytes + self.d_bytes + 3 * self.bank_row)

    @property
    def mp(self) -> int:
        return (_ceil8(self.m) + self.tm - 1) // self.tm * self.tm

    @property
    def np_(self) -> int:
        return (_ceil8(self.n) + self.tn - 1) // self.tn * self.tn

    def tiles(self) -> int:
        return self.mp // self.tm * (self.np_ // self.tn)

    def estimate(self) -> float:
        """Estimated cycles: per tile the larger of compute and DMA, plus core overhead."""
        compute = self.tm // 8 * (self.tn // 8) * self.kt
        a = self.tm * self.k // _elem(self.k, 64)
        b = self.kp * self.tn / 8 / max(1, self.mp // self.tm)
        d = self.tm * self.tn * 4 // _elem(4 * self.n, 64)
        return self.tiles() * (max(compute, a + b + d) + 60)


def _elem(nbytes: int, widest: int) -> int:
    """The widest power-of-two element (<= widest) dividing nbytes."""
    e = widest
    while nbytes % e:
        e //= 2
    return e


def choose_tiles(
    m: int, k: int, n: int, l1_free: int, slots: int, tm: int = 0, tn: int = 0, banks: int = 32
) -> TilePlan | None:
    """The tile sizes (multiples of 8) with the lowest estimate that fit `l1_free`;
    `tm`/`tn` given (non-zero): only that size."""
    best: TilePlan | None = None
    for tile_m in [tm] if tm else range(8, _ceil8(m) + 1, 8):
        for tile_n in [tn] if tn else range(8, _ceil8(n) + 1, 8):
            p = TilePlan(m, k, n, tile_m, tile_n, slots, banks)
            if p.l1_bytes() > l1_free or p.tiles() > MAX_TILES:
                continue
            if best is None or p.estimate() < best.estimate():
                best = p
    return best


def _l1_end(module: ModuleOp, exclude: set[Operation]) -> int:
    end = 0
    for o in module.walk():
        if isinstance(o, snax.StaticAllocOp) and o not in exclude:
            if o.memory_space == snax.MemorySpace.L1:
                t = o.result.type
                assert isinstance(t, MemRefType)
                end = max(end, o.offset.value.data + size_bytes(t))
    return end


def _alloc(offset: int, nbytes: int) -> snax.StaticAllocOp:
    return snax.StaticAllocOp(offset, MemRefType(i8, [nbytes], memory_space=snax.L1))


def _l3_offset(value: SSAValue) -> int:
    assert isinstance(value, OpResult) and isinstance(value.op, snax.StaticAllocOp)
    return value.op.offset.value.data


@dataclass
class _Emitter:
    """Builds the straight-line schedule, inserting before `anchor`."""

    anchor: Operation
    consts: dict[int, SSAValue] = field(default_factory=dict)

    def insert(self, *ops: Operation) -> None:
        Rewriter.insert_op(list(ops), InsertPoint.before(self.anchor))

    def const(self, v: int) -> SSAValue:
        v = _i32(v)
        if v not in self.consts:
            c = arith.ConstantOp(IntegerAttr(v, i32))
            self.insert(c)
            self.consts[v] = c.result
        return self.consts[v]

    def copy(
        self,
        src: int,
        dst: int,
        elem: int,
        sb: list[int],
        ss: list[int],
        db: list[int],
        ds: list[int],
    ) -> SSAValue:
        start = dma.StartOp(
            self.const(src),
            self.const(dst),
            elem,
            dma.PatternAttr(sb, ss),
            dma.PatternAttr(db, ds),
        )
        self.insert(start)
        return start.token

    def wait(self, tokens: list[SSAValue]) -> None:
        if tokens:
            self.insert(dma.WaitOp(tokens))


def _remove_transfer(start: dma.StartOp, rewriter: PatternRewriter) -> None:
    """Erase a DMA transfer and drop its token from the waits that list it."""
    for use in list(start.token.uses):
        w = use.operation
        assert isinstance(w, dma.WaitOp)
        rest = [t for t in w.tokens if t is not start.token]
        if rest:
            rewriter.replace(w, dma.WaitOp(rest))
        else:
            rewriter.erase(w)
    rewriter.erase(start)


@dataclass
class TileLargeMatmul(RewritePattern):
    """Replace a matmul generic (operands brought to L1 whole) by a tiled schedule."""

    cfg: ClusterConfig
    double_buffer: bool = True
    config_overlap: bool = True
    force: bool = False
    tile_m: int = 0
    tile_n: int = 0
    done: list[str] = field(default_factory=list)

    @op_type_rewrite_pattern
    def match_and_rewrite(self, g: GenericOp, rewriter: PatternRewriter, /):
        # Local import: dispatch-kernels imports nothing from here.
        from snaxc.transforms import dispatch_kernels as dk

        job = dk.match_job(g)
        if job is None or job.zero_init is None:
            return
        target = self._target(job.operation)
        if target is None:
            return
        a, b = g.inputs[0], g.inputs[1]
        (d,) = g.outputs
        a_in, b_in, d_out = dk._dma_into(a), dk._dma_into(b), dk._dma_out_of(d)
        if a_in is None or b_in is None or d_out is None or a == b:
            return
        if not (
            dk._only_users(a, {g, a_in})
            and dk._only_users(b, {g, b_in})
            and dk._only_users(d, {g, d_out, job.zero_init})
        ):
            return
        module = g.get_toplevel_object()
        assert isinstance(module, ModuleOp)
        fits = _l1_end(module, set()) <= self.cfg.tcdm_bytes
        aligned = job.m % 8 == 0 and job.k % 8 == 0 and job.n % 8 == 0
        if fits and aligned and not self.force:
            return  # dispatch-kernels runs it whole
        mine = {v.op for v in (a, b, d) if isinstance(v, OpResult)}
        row = 8 * self.cfg.tcdm.banks
        free_from = (_l1_end(module, mine) + row - 1) // row * row
        free = self.cfg.tcdm_bytes - free_from
        plan = None
        # Double buffers if they fit, else single ones (K too long for two).
        for slots in (2, 1) if self.double_buffer else (1,):
            plan = choose_tiles(
                job.m, job.k, job.n, free, slots, self.tile_m, self.tile_n, self.cfg.tcdm.banks
            )
            if plan is not None:
                break
        if plan is None:
            raise DiagnosticException(
                f"tile-matmul: a {job.m}x{job.k}x{job.n} matmul has no full-K tiling with "
                f"at most {MAX_TILES} tiles (the schedule is straight-line code) whose "
                f"buffers fit the {free} free bytes of L1"
            )
        src = (_l3_offset(a_in.src), _l3_offset(b_in.src), _l3_offset(d_out.dst))
        instance, module_fns = target
        _Schedule(plan, job, instance, module_fns, free_from, src, g).emit(
            plan.slots == 2, self.config_overlap
        )
        for t in (a_in, b_in, d_out):
            _remove_transfer(t, rewriter)
        rewriter.erase(job.zero_init)
        rewriter.erase(g)
        for v in (a, b, d):
            if isinstance(v, OpResult) and not v.uses:
                rewriter.erase(v.op)
        self.done.append(f"{job.operation}@{instance}")

    def _target(self, operation: str) -> tuple[str, object] | None:
        for inst in self.cfg.accelerators:
            desc = accelerators.get(inst.kind)
            if operation in desc.kernels:
                mod = importlib.import_module(f"{accelerators.__name__}.{inst.kind}")
                if hasattr(mod, "row_major_config") and desc.tile == {"m": 8, "k": 8, "n": 8}:
                    return inst.name, mod
        return None


class _Schedule:
    """The transfers and accelerator operations of one tiled matmul."""

    def __init__(self, plan, job, instance, mod, l1_from, l3, anchor):
        self.p, self.job, self.instance, self.mod = plan, job, instance, mod
        self.e = _Emitter(anchor)
        self.l3a, self.l3b, self.l3d = (L3_BASE + o for o in l3)
        p = plan
        off = l1_from
        allocs = []

        def take(nbytes: int, skew: int) -> int:
            nonlocal off
            start = p.round_up(off) + skew
            off = start + nbytes
            allocs.append(_alloc(start, nbytes))
            return TCDM_BASE + start

        # A at bank 0, B at bank banks / 2 (their 8-bank windows move in lock step and
        # never meet), D in between.
        self.a_slots = [take(p.a_bytes, 0) for _ in range(p.slots)]
        self.b_slots = [take(p.b_bytes, p.bank_row // 2) for _ in range(p.slots)]
        self.d_slots = [take(p.d_bytes, p.bank_row // 4) for _ in range(p.slots)]
        self.e.insert(*allocs)
        nm, nn = p.mp // p.tm, p.np_ // p.tn
        self.tiles = [(jn, im) for jn in range(nn) for im in range(nm)]
        self.state: SSAValue | None = None

    # ---- transfers ------------------------------------------------------------------

    def load_a(self, i: int) -> list[SSAValue]:
        p, (_, im) = self.p, self.tiles[i]
        m0 = im * p.tm
        rows = min(p.tm, p.m - m0)
        if rows <= 0:
            return []
        e = _elem(gcd(p.k, 64), 64)
        dst = self.a_slots[i % p.slots]
        tokens = []
        groups, rest = divmod(rows, 8)
        if groups:
            shape = [groups, 8, p.k // e]
            tokens.append(
                self.e.copy(
                    self.l3a + m0 * p.k,
                    dst,
                    e,
                    shape,
                    [8 * p.k, p.k, e],
                    shape,
                    [p.a_group, p.a_row, e],
                )
            )
        if rest:
            r0 = 8 * groups
            tokens.append(
                self.e.copy(
                    self.l3a + (m0 + r0) * p.k,
                    dst + groups * p.a_group,
                    e,
                    [rest, p.k // e],
                    [p.k, e],
                    [rest, p.k // e],
                    [p.a_row, e],
                )
            )
        return tokens

    def load_b(self, block: int, g0: int, g1: int) -> list[SSAValue]:
        """Rows 8*g0 .. 8*g1 (clipped to K) of B block `block` into its slot."""
        p = self.p
        n0 = block * p.tn
        cols = min(p.tn, p.n - n0)
        base = self.b_slots[block % p.slots]
        tokens = []
        e = _elem(gcd(p.n, 8), 8)
        full_rows_end = min(8 * g1, p.k // 8 * 8)
        col_parts = [(0, cols // 8 * 8), (cols // 8 * 8, cols)]
        for c0, c1 in col_parts:
            if c1 <= c0:
                continue
            groups, ce = (c1 - c0) // 8, _elem(gcd(c1 - c0, e), e)
            inner = (8 if groups else c1 - c0) // ce
            jb = max(groups, 1)
            src0 = self.l3b + n0 + c0
            dst0 = base + c0 // 8 * p.b_group
            # Whole beats of 8 rows.
            if full_rows_end > 8 * g0:
                beats = full_rows_end // 8 - g0
                tokens.append(self._b_copy(src0, dst0, ce, g0, beats, 8, jb, inner))
            # The last, partial beat (K not a multiple of 8).
            if p.k % 8 and 8 * g1 > p.k:
                g = p.k // 8
                tokens.append(self._b_copy(src0, dst0, ce, g, 1, p.k % 8, jb, inner))
        return tokens

    def _b_copy(self, src0, dst0, ce, g0, beats, rows, jb, inner) -> SSAValue:
        p = self.p
        # Source order: beat, row, group, element; destination strides in the same order.
        return self.e.copy(
            src0 + 8 * g0 * p.n,
            dst0 + 8 * g0,
            ce,
            [beats, rows, jb, inner],
            [8 * p.n, p.n, 8, ce],
            [beats, rows, jb, inner],
            [8, p.b_row, p.b_group, ce],
        )

    def store_d(self, i: int) -> list[SSAValue]:
        p, (jn, im) = self.p, self.tiles[i]
        m0, n0 = im * p.tm, jn * p.tn
        rows, cols = min(p.tm, p.m - m0), min(p.tn, p.n - n0)
        if rows <= 0 or cols <= 0:
            return []
        e = _elem(gcd(4 * cols, 4 * p.n, 4 * p.tn, 64), 64)
        src = self.d_slots[i % p.slots]
        return [
            self.e.copy(
                src,
                self.l3d + 4 * (m0 * p.n + n0),
                e,
                [rows, 4 * cols // e],
                [p.d_row, e],
                [rows, 4 * cols // e],
                [4 * p.n, e],
            )
        ]

    # ---- accelerator ----------------------------------------------------------------

    def config(self, i: int) -> dict[str, int]:
        p, job = self.p, self.job
        mt, nt = p.tm // 8, p.tn // 8
        a, b, d = (
            self.a_slots[i % p.slots],
            self.b_slots[self.tiles[i][0] % p.slots],
            (self.d_slots[i % p.slots]),
        )
        values = self.mod.row_major_config(
            p.tm, p.kp, p.tn, a=a, b=b, d=d, a_zp=job.a_zp, b_zp=job.b_zp
        )
        desc = self.mod.DESCRIPTION
        values |= desc.pattern("a", a, [(p.kt, 8), (nt, 0), (mt, p.a_group)], [p.a_row])
        values |= desc.pattern("b", b, [(p.kt, 8), (nt, p.b_group), (mt, 0)], [p.b_row])
        values |= desc.pattern("d", d, [(4, 8), (nt, 32), (mt, 8 * p.d_row)], [p.d_row])
        return values

    def setup(self, i: int) -> None:
        values = self.config(i)
        consts = [self.e.const(v) for v in values.values()]
        s = accfg.SetupOp(consts, list(values), self.instance, self.state)
        self.e.insert(s)
        self.state = s.out_state

    def launch(self) -> SSAValue:
        assert self.state is not None
        launch = accfg.LaunchOp([], [], self.state)
        self.e.insert(launch)
        return launch.token

    def await_(self, token: SSAValue) -> None:
        self.e.insert(accfg.AwaitOp(token))

    # ---- schedule -------------------------------------------------------------------

    def fill_padding(self) -> None:
        """The K padding of every A buffer holds the A zero point, so padded K terms
        vanish; the M and N padding needs no particular value (the stores crop it). The
        core writes the zero point into a D buffer (not used yet), the DMA spreads it."""
        p = self.p
        if p.k % 8 == 0:
            return
        word = (self.job.a_zp & 0xFF) * 0x0101_0101
        scratch = self.d_slots[0]
        self.e.insert(snax.MmioStoreOp(self.e.const(word), scratch))
        pad = p.kp - p.k
        tokens = [
            self.e.copy(
                scratch,
                slot + p.k,
                1,
                [p.tm // 8, 8, pad],
                [0, 0, 0],
                [p.tm // 8, 8, pad],
                [p.a_group, p.a_row, 1],
            )
            for slot in self.a_slots
        ]
        self.e.wait(tokens)

    def loads(self, double_buffer: bool) -> list[list[tuple[str, tuple]]]:
        """What each tile's load brings in: A rows and B row groups."""
        p = self.p
        n = len(self.tiles)
        plan: list[list[tuple[str, tuple]]] = [[("a", (i,))] for i in range(n)]
        blocks: dict[int, list[int]] = {}
        for i, (jn, _) in enumerate(self.tiles):
            blocks.setdefault(jn, []).append(i)
        for jn, members in blocks.items():
            prev = blocks.get(jn - 1)
            if not double_buffer or prev is None or len(prev) < 2:
                plan[members[0]].append(("b", (jn, 0, p.kt)))
                continue
            # Spread the next block over the previous block's tiles after its first.
            carriers = prev[1:]
            parts = min(len(carriers), 4)
            bounds = [p.kt * c // parts for c in range(parts + 1)]
            for c in range(parts):
                if bounds[c + 1] > bounds[c]:
                    plan[carriers[c]].append(("b", (jn, bounds[c], bounds[c + 1])))
        return plan

    def issue(self, what: list[tuple[str, tuple]]) -> list[SSAValue]:
        tokens: list[SSAValue] = []
        for kind, args in what:
            tokens += self.load_a(*args) if kind == "a" else self.load_b(*args)
        return tokens

    def emit(self, double_buffer: bool, config_overlap: bool) -> None:
        n = len(self.tiles)
        plan = self.loads(double_buffer)
        self.fill_padding()
        if not double_buffer:
            for i in range(n):
                self.e.wait(self.issue(plan[i]))
                self.setup(i)
                t = self.launch()
                self.await_(t)
                self.e.wait(self.store_d(i))
            return
        loads: dict[int, list[SSAValue]] = {0: self.issue(plan[0])}
        stores: dict[int, list[SSAValue]] = {}
        launches: dict[int, SSAValue] = {}
        if config_overlap:
            self.e.wait(loads[0])
            self.setup(0)
            launches[0] = self.launch()
            if n > 1:
                loads[1] = self.issue(plan[1])
            for i in range(n):
                if i + 1 < n:
                    self.e.wait(loads[i + 1] + stores.get(i - 1, []))
                    self.setup(i + 1)
                    launches[i + 1] = self.launch()
                self.await_(launches[i])
                stores[i] = self.store_d(i)
                if i + 2 < n:
                    loads[i + 2] = self.issue(plan[i + 2])
        else:
            for i in range(n):
                self.e.wait(loads[i] + stores.get(i - 2, []))
                self.setup(i)
                launches[i] = self.launch()
                if i + 1 < n:
                    loads[i + 1] = self.issue(plan[i + 1])
                self.await_(launches[i])
                stores[i] = self.store_d(i)
        self.e.wait(stores.get(n - 2, []) + stores.get(n - 1, []))


@dataclass(frozen=True)
class TileMatmul(ModulePass):
    """Tile matmuls that do not fit L1 (or are not multiples of 8) onto the GeMM."""

    name = "tile-matmul"

    config: str = ""
    """Path of the cluster configuration YAML; empty: the default configuration."""

    double_buffer: bool = True
    config_overlap: bool = True
    force: bool = False
    """Tile every matmul the pass can take, also ones that fit L1 whole."""

    tile_m: int = 0
    tile_n: int = 0
    """Tile sizes (multiples of 8); 0: chosen by the pass."""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        cfg = pass_config("tile-matmul", self.config)
        for t in (self.tile_m, self.tile_n):
            if t < 0 or t % 8:
                raise DiagnosticException(f"tile-matmul: tile size {t} is not a multiple of 8")
        tile_matmuls(
            op, cfg, self.double_buffer, self.config_overlap, self.force, self.tile_m, self.tile_n
        )


def tile_matmuls(
    module: ModuleOp,
    cfg: ClusterConfig,
    double_buffer: bool = True,
    config_overlap: bool = True,
    force: bool = False,
    tile_m: int = 0,
    tile_n: int = 0,
) -> list[str]:
    """Tile what needs it; then check that the program's L1 buffers fit the TCDM."""
    if any("matmul" in accelerators.get(i.kind).kernels for i in cfg.accelerators) and any(
        isinstance(o, GenericOp) for o in module.walk()
    ):
        declare_accelerators(module, cfg)
    pattern = TileLargeMatmul(cfg, double_buffer, config_overlap, force, tile_m, tile_n)
    PatternRewriteWalker(pattern, apply_recursively=False).rewrite_module(module)
    end = _l1_end(module, set())
    if end > cfg.tcdm_bytes:
        raise DiagnosticException(
            f"tile-matmul: the program's buffers need {end} bytes of L1 at once, the TCDM "
            f"has {cfg.tcdm_bytes} (only matmuls on an accelerator are tiled)"
        )
    return pattern.done
