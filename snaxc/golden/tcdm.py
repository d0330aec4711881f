"""Golden model of the TCDM: word interleaving, bank conflicts and round-robin arbitration.

Word ``w = (addr - TCDM_BASE) >> 3`` lives in bank ``w % banks``, row ``w // banks``
(docs/hardware.md). Each bank grants at most one request per cycle: the first requesting
port at or above the bank's priority pointer, wrapping around; after a grant the pointer
moves just above the winner.
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


class TcdmArbiter:
    """Cycle-exact model of the per-bank round-robin arbiters of `snax_tcdm`."""

    def __init__(self, num_ports: int, cfg: ClusterConfig):
        self.num_ports = num_ports
        self.cfg = cfg
        # Lowest port index that has priority in each bank (the RTL's priority mask).
        self.pointer = [0] * cfg.tcdm.banks

    def grant(self, requests: Sequence[int | None]) -> list[bool]:
        """Grants for one cycle; `requests[p]` is port p's address or None when idle."""
        by_bank: dict[int, list[int]] = {}
        for p, addr in enumerate(requests):
            if addr is not None:
                by_bank.setdefault(int(bank_of(addr, self.cfg)), []).append(p)
        granted = [False] * self.num_ports
        for bank, ports in by_bank.items():
            ptr = self.pointer[bank]
            above = [p for p in ports if p >= ptr]
            winner = above[0] if above else ports[0]
            granted[winner] = True
            self.pointer[bank] = winner + 1 if winner + 1 < self.num_ports else 0
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
