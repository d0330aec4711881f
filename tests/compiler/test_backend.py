"""Backend: control program -> LLVM IR (volatile MMIO, 32-bit index) -> RV32 object / program."""

import re
from pathlib import Path

import capstone
import pytest
from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile
from xdsl.parser import Parser
from xdsl.rewriter import Rewriter

from snaxc.backend.compile import compile_object, link_program
from snaxc.backend.llvm_ir import to_llvm_ir, upstream_to_llvm_ir
from snaxc.dialects import snax, snaxc_context
from snaxc.errors import SnaxcError
from snaxc.transforms.kernel_to_arith import KernelToArith
from snaxc.transforms.lower_accfg import LowerAccfg
from snaxc.transforms.lower_dma import LowerDma
from snaxc.transforms.lower_static_alloc import LowerStaticAllocPass
from snaxc.transforms.strip_memory_spaces import StripMemorySpaces

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


DMA_AND_ACCELERATOR = """
"accfg.accelerator"() <{name = @simd0, fields = {op = 0x20011100 : i32, n = 0x20011104 : i32},
    launch_fields = {launch = 0x20011000 : i32}, barrier = 0x20011004 : i32}> : () -> ()
func.func @main() -> i32 {
  %src = arith.constant -2147483648 : i32
  %buf = snax.static_alloc offset 0 : memref<512xi8, #snax.memory_space<l1>>
  %t = dma.start %src to %buf elem_bytes 64
      src <bounds = [4, 2], strides = [256, 64]>
      dst <bounds = [8], strides = [64]> : i32 to memref<512xi8, #snax.memory_space<l1>>
  dma.wait %t
  %op = arith.constant 2 : i32
  %n = arith.constant 64 : index
  %s = accfg.setup "simd0" to ("op" = %op : i32, "n" = %n : index) : !accfg.state<"simd0">
  %l = "accfg.launch"(%s) <{param_names = [], accelerator = "simd0"}>
      : (!accfg.state<"simd0">) -> !accfg.token<"simd0">
  "accfg.await"(%l) : (!accfg.token<"simd0">) -> ()
  %r = arith.constant 0 : i32
  func.return %r : i32
}
"""


def test_dma_and_accelerator_program_lowers_and_links(tmp_path: Path, cfg):
    ctx = snaxc_context()
    module = Parser(ctx, DMA_AND_ACCELERATOR).parse_module()
    LowerAccfg().apply(ctx, module)
    LowerDma(dims=cfg.dma.dims).apply(ctx, module)
    # The static buffer only fed the DMA address: it is no longer used.
    for op in [o for o in module.walk() if isinstance(o, snax.StaticAllocOp)]:
        assert not op.result.uses
        Rewriter.erase_op(op)
    ir = to_llvm_ir(module, ctx)
    # DMA: SRC, DST, ELEM_LOG2, 4 loops x 4 registers, START; SIMD: 2 fields and LAUNCH.
    assert ir.count("store volatile") == 3 + 4 * cfg.dma.dims + 1 + 3
    # Launch ids read back and the two polling loops.
    assert ir.count("load volatile") == 4
    assert f"store volatile i32 {0x1000_0000}, ptr inttoptr (i32 {0x2000_1004} to ptr)" in ir
    ll = tmp_path / "ctrl.ll"
    ll.write_text(ir)
    elf = link_program(ll, cfg, tmp_path / "program.elf")
    with elf.open("rb") as f:
        assert ELFFile(f)["e_machine"] == "EM_RISCV"


# The core fills an L1 buffer, starts a DMA transfer of it, waits, and reads the buffer
# back. The plain stores must stay above the START write, and the read after the wait
# must not be folded into the value stored before it.
CORE_AND_DMA = f"""
func.func @main() -> i32 {{
  %buf = snax.static_alloc offset 0 : memref<4xi32, #snax.memory_space<l1>>
  %c0 = arith.constant 0 : index
  %v = arith.constant 1234 : i32
  memref.store %v, %buf[%c0] : memref<4xi32, #snax.memory_space<l1>>
  snax.mmio_store %v to {0x2000_1010:#x} : i32
  %done = snax.mmio_load {DMA_DONE:#x} : i32
  %back = memref.load %buf[%c0] : memref<4xi32, #snax.memory_space<l1>>
  %r = arith.addi %done, %back : i32
  func.return %r : i32
}}
"""


def test_plain_memory_accesses_stay_ordered_around_mmio(tmp_path: Path):
    ctx = snaxc_context()
    module = Parser(ctx, CORE_AND_DMA).parse_module()
    LowerStaticAllocPass().apply(ctx, module)
    StripMemorySpaces().apply(ctx, module)
    ir = to_llvm_ir(module, ctx)
    assert ir.count('fence syncscope("singlethread") seq_cst') == 2, ir
    obj = compile_object(ir, tmp_path / "ctrl.o")
    with obj.open("rb") as f:
        insns = _text_words(ELFFile(f))
    mnemonics = [m for _, m, _ in insns]
    assert "fence" not in mnemonics, insns  # compiler-only barriers
    # store data (sw), store START (sw), load DONE (lw), reload the buffer (lw)
    memory = [m for m in mnemonics if m in ("sw", "lw")]
    assert memory == ["sw", "sw", "lw", "lw"], insns


# Max pooling 2x1 on the core (no accelerator): a generic over L1 buffers with a kernel
# body, expanded back to arith and lowered to loops by the backend.
ON_CORE = """
func.func @main() -> i32 {
  %x = snax.static_alloc offset 0 : memref<8xi8, #snax.memory_space<l1>>
  %y = snax.static_alloc offset 64 : memref<4xi8, #snax.memory_space<l1>>
  %w = snax.static_alloc offset 128 : memref<2xi8, #snax.memory_space<l1>>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (2 * d0 + d1)>,
                                   affine_map<(d0, d1) -> (d1)>,
                                   affine_map<(d0, d1) -> (d0)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x, %w : memref<8xi8, #snax.memory_space<l1>>, memref<2xi8, #snax.memory_space<l1>>)
      outs(%y : memref<4xi8, #snax.memory_space<l1>>) {
  ^bb0(%in: i8, %unused: i8, %out: i8):
    %m = kernel.max %out, %in : i8, i8 -> i8
    linalg.yield %m : i8
  }
  %r = arith.constant 0 : i32
  func.return %r : i32
}
"""


def test_generic_without_accelerator_runs_as_core_loops(tmp_path: Path, cfg):
    ctx = snaxc_context()
    module = Parser(ctx, ON_CORE).parse_module()
    for p in (KernelToArith(), LowerStaticAllocPass(), StripMemorySpaces()):
        p.apply(ctx, module)
    ir = to_llvm_ir(module, ctx)
    assert "linalg" not in ir
    # Reads of x at the TCDM base, read-modify-write of y at base + 64.
    assert f"i32 {0x1000_0000} to ptr" in ir and f"i32 {0x1000_0040} to ptr" in ir, ir
    assert "@llvm.smax.i8" in ir or "icmp sgt i8" in ir, ir
    ll = tmp_path / "ctrl.ll"
    ll.write_text(ir)
    link_program(ll, cfg, tmp_path / "program.elf")
