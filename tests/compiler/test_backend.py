"""Backend: control program -> LLVM IR (volatile MMIO, 32-bit index) -> RV32 object / program."""

import re
from pathlib import Path

import capstone
import pytest
from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile
from xdsl.parser import Parser

from snaxc.backend.compile import compile_object, link_program
from snaxc.backend.llvm_ir import to_llvm_ir, upstream_to_llvm_ir
from snaxc.dialects import snaxc_context
from snaxc.errors import SnaxcError

PUTCHAR = 0x2000_0004
DMA_PUSHED = 0x2000_1010
DMA_DONE = 0x2000_1014

# Writes '0'..'7' to PUTCHAR in a loop, then polls the DMA DONE counter until it reaches
# the number of descriptors pushed (a loop that only reads: without volatile, LLVM would
# hoist the load and spin forever or delete the loop).
CONTROL = f"""
func.func @main() -> i32 {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 48 : i32
  scf.for %i = %c0 to %c8 step %c1 {{
    %v = arith.index_cast %i : index to i32
    %ch = arith.addi %v, %zero : i32
    snax.mmio_store %ch to {PUTCHAR:#x} : i32
  }}
  %n = snax.mmio_load {DMA_PUSHED:#x} : i32
  %done = scf.while (%d = %n) : (i32) -> i32 {{
    %cur = snax.mmio_load {DMA_DONE:#x} : i32
    %wait = arith.cmpi ult, %cur, %n : i32
    scf.condition(%wait) %cur : i32
  }} do {{
  ^bb0(%d2: i32):
    scf.yield %d2 : i32
  }}
  func.return %done : i32
}}
"""


@pytest.fixture(scope="module")
def llvm_ir() -> str:
    module = Parser(snaxc_context(), CONTROL).parse_module()
    return to_llvm_ir(module)


def test_mmio_is_volatile_and_index_is_32_bit(llvm_ir: str):
    assert "store volatile i32" in llvm_ir
    assert "load volatile i32" in llvm_ir
    assert f"inttoptr (i32 {PUTCHAR} to ptr)" in llvm_ir
    code = [ln for ln in llvm_ir.splitlines() if not ln.startswith("target datalayout")]
    assert not any(re.search(r"\bi64\b", ln) for ln in code), llvm_ir
    assert "define i32 @main()" in llvm_ir


def _text_words(elf: ELFFile) -> list[tuple[int, str, str]]:
    md = capstone.Cs(capstone.CS_ARCH_RISCV, capstone.CS_MODE_RISCV32)
    out = []
    for sec in elf.iter_sections():
        if sec["sh_flags"] & SH_FLAGS.SHF_EXECINSTR:
            for ins in md.disasm(sec.data(), sec["sh_addr"]):
                out.append((ins.address, ins.mnemonic, ins.op_str))
    return out


def test_compiles_to_rv32_object(llvm_ir: str, tmp_path: Path):
    obj = compile_object(llvm_ir, tmp_path / "ctrl.o")
    with obj.open("rb") as f:
        elf = ELFFile(f)
        assert elf["e_machine"] == "EM_RISCV"
        assert elf.elfclass == 32
        assert elf["e_type"] == "ET_REL"
        insns = _text_words(elf)
    mnemonics = [m for _, m, _ in insns]
    # All 8 volatile stores and the polling loop (two loads, a backward branch) survived -O2.
    assert mnemonics.count("sw") == 8, insns
    assert mnemonics.count("lw") >= 2, insns
    assert any(m.startswith("b") for m in mnemonics), insns


def test_links_with_runtime(llvm_ir: str, tmp_path: Path, cfg):
    ll = tmp_path / "ctrl.ll"
    ll.write_text(llvm_ir)
    elf_path = link_program(ll, cfg, tmp_path / "program.elf")
    with elf_path.open("rb") as f:
        elf = ELFFile(f)
        assert elf["e_type"] == "ET_EXEC"
        assert elf["e_machine"] == "EM_RISCV" and elf.elfclass == 32
        symbols = {s.name for s in elf.get_section_by_name(".symtab").iter_symbols()}
    assert {"main", "_start"} <= symbols


def test_upstream_parse_error_is_one_line():
    with pytest.raises(SnaxcError) as e:
        upstream_to_llvm_ir("func.func @main() -> i32 { %x = arith.bogus }", name="bad.mlir")
    msg = str(e.value)
    assert msg.startswith("bad.mlir: ") and "\n" not in msg
