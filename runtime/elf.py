"""Reading control-program ELFs: loadable segments, symbols, and disassembly for reports."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile

from snaxc.config import CORE_MEM_BASE, L3_BASE, ClusterConfig
from snaxc.errors import SnaxcError

# Instructions whose last operand capstone prints as a PC-relative offset.
_PC_RELATIVE = {
    "j",
    "jal",
    "beq",
    "bne",
    "blt",
    "bge",
    "bltu",
    "bgeu",
    "beqz",
    "bnez",
    "blez",
    "bgez",
    "bltz",
    "bgtz",
    "bgt",
    "ble",
    "bgtu",
    "bleu",
}


class ElfError(SnaxcError, ValueError):
    """An ELF that cannot be loaded into the cluster; the message is one line."""


@dataclass(frozen=True)
class Segment:
    """One PT_LOAD segment: `data` (file contents) goes to `addr`; `memsz - len(data)`
    bytes after it are zero-initialized."""

    addr: int
    data: bytes
    memsz: int
    region: str  # "core" or "l3"


@dataclass(frozen=True)
class Symbol:
    name: str
    addr: int
    size: int
    kind: str  # "func" or "object" (or another ELF symbol type)


class Program:
    """A parsed control-program ELF for a given cluster configuration."""

    def __init__(self, path: str | Path, cfg: ClusterConfig):
        self.path = Path(path)
        self.cfg = cfg
        try:
            with open(self.path, "rb") as f:
                elf = ELFFile(f)
                self._check_header(elf)
                self.entry = elf.header["e_entry"]
                self.segments = [self._segment(s) for s in elf.iter_segments("PT_LOAD")]
                self.symbols = self._read_symbols(elf)
                self._code = self._read_code(elf)
        except OSError as e:
            raise ElfError(f"{self.path}: cannot read ({e.strerror})") from None
        except ELFError as e:
            raise ElfError(f"{self.path}: not a valid ELF file ({e})") from None
        # By address only: aliases (compiler-rt's comparisons) share an address.
        funcs = sorted(
            ((s.addr, s) for s in self.symbols.values() if s.kind == "STT_FUNC"),
            key=lambda t: (t[0], t[1].name),
        )
        self._func_addrs = [a for a, _ in funcs]
        self._funcs = [s for _, s in funcs]

    def _check_header(self, elf: ELFFile) -> None:
        if elf.elfclass != 32 or elf["e_machine"] != "EM_RISCV":
            raise ElfError(f"{self.path}: not a 32-bit RISC-V ELF")
        if elf["e_type"] != "ET_EXEC":
            raise ElfError(f"{self.path}: not an executable ({elf['e_type']})")

    def _segment(self, seg) -> Segment:
        addr, filesz, memsz = seg["p_paddr"], seg["p_filesz"], seg["p_memsz"]
        end = addr + memsz
        core_end = CORE_MEM_BASE + self.cfg.core_mem_bytes
        l3_end = L3_BASE + self.cfg.l3_bytes
        if CORE_MEM_BASE <= addr and end <= core_end:
            region = "core"
        elif L3_BASE <= addr and end <= l3_end:
            region = "l3"
        elif filesz == 0:
            # NOLOAD space elsewhere (e.g. static TCDM buffers): nothing to write.
            region = "none"
        else:
            raise ElfError(
                f"{self.path}: segment at 0x{addr:08x}..0x{end:08x} is neither in core memory "
                f"(0x{CORE_MEM_BASE:08x}..0x{core_end:08x}) nor in L3 "
                f"(0x{L3_BASE:08x}..0x{l3_end:08x})"
            )
        return Segment(addr=addr, data=seg.data(), memsz=memsz, region=region)

    @staticmethod
    def _read_symbols(elf: ELFFile) -> dict[str, Symbol]:
        table = elf.get_section_by_name(".symtab")
        symbols: dict[str, Symbol] = {}
        if table is None:
            return symbols
        for s in table.iter_symbols():
            kind = s["st_info"]["type"]
            if not s.name or kind in ("STT_SECTION", "STT_FILE"):
                continue
            # Prefer a global definition over a local one with the same name.
            if s.name in symbols and s["st_info"]["bind"] == "STB_LOCAL":
                continue
            symbols[s.name] = Symbol(s.name, s["st_value"], s["st_size"], kind)
        return symbols

    @staticmethod
    def _read_code(elf: ELFFile) -> list[tuple[int, bytes]]:
        """(address, bytes) of every executable section (vector table and .text)."""
        return [
            (sec["sh_addr"], sec.data())
            for sec in elf.iter_sections()
            if sec["sh_flags"] & SH_FLAGS.SHF_EXECINSTR and sec["sh_type"] == "SHT_PROGBITS"
        ]

    def loadable(self) -> list[Segment]:
        return [s for s in self.segments if s.region != "none"]

    def symbol(self, name: str) -> Symbol:
        """The symbol `name`; a missing one raises ElfError listing what is there."""
        sym = self.symbols.get(name)
        if sym is None:
            objs = sorted(n for n, s in self.symbols.items() if s.kind == "STT_OBJECT")
            raise ElfError(
                f"{self.path.name}: no symbol '{name}' (data symbols: {', '.join(objs) or 'none'})"
            )
        return sym

    def _symbolize(self, pc: int) -> str:
        """` <func+off>` if `pc` is inside a known function, else ``."""
        i = bisect.bisect_right(self._func_addrs, pc) - 1
        if i >= 0:
            f = self._funcs[i]
            if pc < f.addr + max(f.size, 1):
                return f" <{f.name}+0x{pc - f.addr:x}>"
        return ""

    def describe_pc(self, pc: int) -> str:
        """`0x… <func+off>: insn` for a code address, for hang and trap reports."""
        where = f"0x{pc:08x}{self._symbolize(pc)}"
        insn = self.disassemble(pc)
        return f"{where}: {insn}" if insn else where

    def disassemble(self, pc: int) -> str | None:
        """The instruction at `pc` as text, or None if `pc` is not in an executable section."""
        for base, text in self._code:
            if base <= pc and pc + 4 <= base + len(text):
                break
        else:
            return None
        try:
            import capstone
        except ImportError:
            return None
        md = capstone.Cs(capstone.CS_ARCH_RISCV, capstone.CS_MODE_RISCV32)
        for insn in md.disasm(text[pc - base : pc - base + 4], pc):
            asm = f"{insn.mnemonic} {insn.op_str}".strip()
            if insn.mnemonic in _PC_RELATIVE:
                # capstone prints the offset; name the target as objdump does.
                target = (pc + int(insn.op_str.split(",")[-1], 0)) & 0xFFFF_FFFF
                asm += f"  # 0x{target:08x}{self._symbolize(target)}"
            return asm
        return f".word 0x{int.from_bytes(text[pc - base : pc - base + 4], 'little'):08x}"
