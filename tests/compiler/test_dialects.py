"""Python-level checks of the snaxc dialects and the snax-opt driver."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from xdsl.dialects.builtin import IntegerType, i8, i32
from xdsl.utils.test_value import create_ssa_value

from snaxc.dialects import dma, kernel, stream


def test_snax_opt_lists_snaxc_passes_and_parses_snaxc_dialects(tmp_path: Path):
    exe = Path(sys.executable).parent / "snax-opt"
    help_text = subprocess.run([exe, "--help"], capture_output=True, text=True, check=True)
    assert "recognize-kernels" in help_text.stdout
    src = tmp_path / "x.mlir"
    src.write_text("%t = dma.start %a to %a elem_bytes 8 src <bounds = [2], strides = [8]>")
    bad = subprocess.run([exe, str(src)], capture_output=True, text=True)
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr
    assert bad.stderr.startswith("snax-opt: error:")


def test_dma_pattern_offsets_outermost_first():
    p = dma.PatternAttr([2, 3], [100, 4])
    assert p.offsets() == [0, 4, 8, 100, 104, 108]
    assert p.num_elements == 6


def test_stream_pattern_addresses():
    # 2 temporal iterations of 4 spatial words of 8 bytes, 32 bytes apart.
    p = stream.PatternAttr([2], [32], [4], [8])
    assert p.addresses(base=0x1000_0000) == [
        [0x1000_0000 + 8 * i for i in range(4)],
        [0x1000_0020 + 8 * i for i in range(4)],
    ]
    assert p.num_cycles == 2


def _v(t: IntegerType):
    return create_ssa_value(t)


@pytest.mark.parametrize("seed", [0, 1])
def test_kernel_reference_models_match_numpy(seed: int):
    rng = np.random.default_rng(seed)
    a = rng.integers(-128, 128, 64)
    b = rng.integers(-128, 128, 64)
    acc = rng.integers(-(1 << 20), 1 << 20, 64)
    mac = kernel.MacOp(_v(i8), _v(i8), _v(i32))
    qmac = kernel.QMacOp(_v(i8), _v(i8), _v(i32), _v(i32), _v(i32))
    add8 = kernel.AddOp(_v(i8), _v(i8), i8)
    for i in range(64):
        x, y, z = int(a[i]), int(b[i]), int(acc[i])
        assert mac.reference(x, y, z) == z + x * y, f"seed {seed} index {i}"
        assert qmac.reference(x, y, 3, -5, z) == z + (x - 3) * (y + 5), f"seed {seed} index {i}"
        assert add8.reference(x, y) == int(np.int8(np.int16(x) + np.int16(y))), (
            f"seed {seed} index {i}"
        )


def test_rescale_reference_rounds_half_up_and_clamps():
    op = kernel.RescaleOp(
        _v(i32), i8, input_zp=0, multiplier=1, shift=1, output_zp=-8, min=-128, max=127
    )
    # round((x) / 2) half up, then - 8
    assert op.reference(3) == 2 - 8
    assert op.reference(-3) == -1 - 8
    assert op.reference(1000) == 127
    assert op.reference(-1000) == -128
    relu = kernel.RescaleOp(
        _v(i32), i8, input_zp=0, multiplier=1, shift=0, output_zp=0, min=0, max=127
    )
    assert relu.reference(-7) == 0
