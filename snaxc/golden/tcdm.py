"""Golden model of the TCDM: word interleaving, bank conflicts and two-class arbitration.

Word ``w = (addr - TCDM_BASE) >> 3`` lives in bank ``w % banks``, row ``w // banks``
(docs/hardware.md). Each bank grants at most one request per cycle. By default (the cluster's
setting) every port is in one class, i.e. plain round-robin. With `snax_tcdm`'s AccFirst = 1
the DMA ports (`dma_tcdm_ports`) are the low class, every other port the high class:
a bank serves its high-class requesters if it has any, else the low-class ones; within the
class it grants the first requesting port at or above that class's pointer, wrapping around,
and after a grant that class's pointer moves just above the winner.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from snaxc.config import TCDM_BASE, ClusterConfig


def word_index(addr: int | np.ndarray, cfg: ClusterConfig) -> int | np.ndarray:
    """The 64-bit word index of absolute TCDM byte address(es)."""
    return (addr - TCDM_BASE) // cfg.bank_bytes


def bank_of(addr: int | np.ndarray, cfg: ClusterConfig) -> int | np.ndarray:
    """The bank holding absolute TCDM byte address(es)."""
    return word_index(addr, cfg) % cfg.tcdm.banks


def row_of(addr: int | np.ndarray, cfg: ClusterConfig) -> int | np.ndarray:
    """The row (word inside its bank) of absolute TCDM byte address(es)."""
    return word_index(addr, cfg) // cfg.tcdm.banks


def predicted_conflicts(addrs: Iterable[int], cfg: ClusterConfig) -> int:
    """Requests denied when all `addrs` are presented in the same cycle.

    Each bank serves one of its requesters; every other request to it is a conflict.
    """
    banks = np.asarray(list(addrs), dtype=np.int64)
    if banks.size == 0:
        return 0
    counts = np.bincount(bank_of(banks, cfg), minlength=cfg.tcdm.banks)
    return int(np.maximum(counts - 1, 0).sum())


def conflicts_per_cycle(addrs: np.ndarray, cfg: ClusterConfig) -> np.ndarray:
    """Conflicts of an access schedule: `addrs[c, p]` is port p's address in cycle c (-1: idle).

    Returns the number of requests denied in each cycle if every cycle's requests are
    presented together (e.g. a streamer's spatial accesses).
    """
    addrs = np.asarray(addrs, dtype=np.int64)
    active = addrs >= 0
    banks = np.where(active, bank_of(np.where(active, addrs, TCDM_BASE), cfg), -1)
    out = np.zeros(addrs.shape[0], dtype=np.int64)
    for b in range(cfg.tcdm.banks):
        n = (banks == b).sum(axis=1)
        out += np.maximum(n - 1, 0)
    return out


def dma_tcdm_ports(cfg: ClusterConfig) -> range:
    """The TCDM ports of the DMA (read ports, then write ports): the low arbitration class."""
    return range(1, 1 + 2 * (cfg.dma.width_bits // cfg.tcdm.bank_width_bits))


class TcdmArbiter:
    """Cycle-exact model of the per-bank two-class round-robin arbiters of `snax_tcdm`.

    `low_ports` are the low-class ports (in `snax_tcdm`: `dma_tcdm_ports(cfg)`); with none,
    every port is in the high class and the arbiter is a plain round-robin one (which is also
    what ports of one class see while no port of the other class requests their bank).
    """

    def __init__(self, num_ports: int, cfg: ClusterConfig, low_ports: Iterable[int] = ()):
        self.num_ports = num_ports
        self.cfg = cfg
        self.low = frozenset(p for p in low_ports if p < num_ports)
        # Lowest port index that has priority in each bank, per class (the RTL's masks).
        self.pointer = {False: [0] * cfg.tcdm.banks, True: [0] * cfg.tcdm.banks}

    def grant(self, requests: Sequence[int | None]) -> list[bool]:
        """Grants for one cycle; `requests[p]` is port p's address or None when idle."""
        by_bank: dict[int, list[int]] = {}
        for p, addr in enumerate(requests):
            if addr is not None:
                by_bank.setdefault(int(bank_of(addr, self.cfg)), []).append(p)
        granted = [False] * self.num_ports
        for bank, ports in by_bank.items():
            high = [p for p in ports if p not in self.low]
            is_low = not high
            cls = ports if is_low else high
            ptr = self.pointer[is_low][bank]
            above = [p for p in cls if p >= ptr]
            winner = above[0] if above else cls[0]
            granted[winner] = True
            self.pointer[is_low][bank] = winner + 1 if winner + 1 < self.num_ports else 0
        return granted


class TcdmMemory:
    """Byte-addressed contents of the TCDM with the narrow-port write semantics."""

    def __init__(self, cfg: ClusterConfig, data: np.ndarray | None = None):
        self.cfg = cfg
        self.data = (
            np.zeros(cfg.tcdm_bytes, dtype=np.uint8) if data is None else data.astype(np.uint8)
        )

    def read_word(self, addr: int) -> int:
        off = addr - TCDM_BASE
        return int.from_bytes(self.data[off : off + 8].tobytes(), "little")

    def write_word(self, addr: int, wdata: int, be: int) -> None:
        off = addr - TCDM_BASE
        for i in range(8):
            if be >> i & 1:
                self.data[off + i] = wdata >> (8 * i) & 0xFF
