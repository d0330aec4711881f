"""Compiling control programs: generated linker script, ELF layout, symbols, errors."""

from pathlib import Path

import pytest

from snaxc.config import L3_BASE, TCDM_BASE, config_from_dict, load_config
from snaxc.runtime import CompileError, ElfError, Program, compile_program, linker_script
from snaxc.runtime.toolchain import BOOT_OFFSET

PROGRAMS = Path(__file__).parent / "programs"


@pytest.fixture(scope="module")
def sections_program(cfg):
    return Program(compile_program([PROGRAMS / "sections.c"], cfg), cfg)


def test_entry_is_the_boot_address(sections_program):
    assert sections_program.entry == BOOT_OFFSET
    assert sections_program.symbol("_start").addr == BOOT_OFFSET
    # Ibex only implements vectored mtvec: the table sits at the boot address (0).
    assert sections_program.symbol("__snax_vectors").addr == 0
    assert sections_program.describe_pc(BOOT_OFFSET).startswith("0x00000080")


def test_sections_land_in_their_memories(sections_program, cfg):
    p = sections_program
    assert p.symbol("tcdm_buf").addr == TCDM_BASE
    assert p.symbol("l3_table").addr == L3_BASE
    assert p.symbol("params").addr < cfg.core_mem_bytes
    assert p.symbol("zeroed").size == 256
    stack_top = p.symbol("__stack_top").addr
    assert stack_top == cfg.core_mem_bytes
    regions = {s.region for s in p.segments}
    assert regions == {"core", "l3", "none"}
    (l3,) = [s for s in p.segments if s.region == "l3"]
    assert l3.addr == L3_BASE
    assert l3.data == b"".join(i.to_bytes(4, "little") for i in range(1, 17))
    # The TCDM buffer is NOLOAD: present in the address map, nothing to write.
    (tcdm,) = [s for s in p.segments if s.region == "none"]
    assert tcdm.addr == TCDM_BASE and tcdm.data == b"" and tcdm.memsz == 256


def test_linker_script_follows_the_configuration(tmp_path):
    small = config_from_dict({"core": {"mem_kib": 16}, "tcdm": {"size_kib": 64}})
    script = linker_script(small)
    assert "LENGTH = 0x4000" in script and "LENGTH = 0x10000" in script
    src = tmp_path / "tiny.c"
    src.write_text("int main(void) { return 3; }\n")
    p = Program(compile_program([src], small), small)
    assert p.symbol("__stack_top").addr == 16 * 1024


def test_compile_error_is_one_line(tmp_path):
    src = tmp_path / "broken.c"
    src.write_text("int main(void) { return undeclared_name; }\n")
    with pytest.raises(CompileError) as e:
        compile_program([src], load_config())
    msg = str(e.value)
    assert "\n" not in msg
    assert "broken.c" in msg and "undeclared_name" in msg


def test_core_memory_overflow_is_reported(tmp_path):
    src = tmp_path / "huge.c"
    src.write_text("char big[70000];\nint main(void) { return big[1]; }\n")
    with pytest.raises(CompileError, match="core memory overflow|will not fit"):
        compile_program([src], load_config())


def test_unknown_source_type(tmp_path):
    src = tmp_path / "prog.f90"
    src.write_text("")
    with pytest.raises(CompileError, match="unknown source type"):
        compile_program([src], load_config())


def test_missing_symbol_lists_data_symbols(sections_program):
    with pytest.raises(ElfError, match="no symbol 'nope'.*params"):
        sections_program.symbol("nope")


def test_llvm_ir_source(tmp_path, cfg):
    src = tmp_path / "ctrl.ll"
    src.write_text(
        "define i32 @main() {\n"
        "  store volatile i32 65, ptr inttoptr (i32 536870916 to ptr)\n"
        "  ret i32 7\n"
        "}\n"
    )
    p = Program(compile_program([src], cfg), cfg)
    assert p.symbol("main").kind == "STT_FUNC"


def test_cache_follows_included_headers(tmp_path, cfg):
    """A changed header in an include directory gives a new program, not a stale cached one."""
    inc = tmp_path / "inc"
    inc.mkdir()
    src = tmp_path / "src" / "main.c"
    src.parent.mkdir()
    src.write_text('#include "value.h"\nint main(void) { return VALUE; }\n')
    elfs = []
    for value in (1, 2):
        (inc / "value.h").write_text(f"#define VALUE {value}\n")
        elfs.append(compile_program([src], cfg, include_dirs=[inc]))
    assert elfs[0] != elfs[1]
    assert elfs[0].read_bytes() != elfs[1].read_bytes()
