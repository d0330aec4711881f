"""Frontend: MLIR files (named linalg ops, tensors or memrefs) -> verified xDSL modules."""

from pathlib import Path

import pytest
from xdsl.dialects import memref
from xdsl.dialects.builtin import MemRefType, TensorType
from xdsl.dialects.linalg import ops as linalg

from snaxc.dialects import kernel, snaxc_context
from snaxc.errors import SnaxcError
from snaxc.frontend import import_mlir
from snaxc.transforms.recognize_kernels import RecognizeKernels

MATMUL = """
func.func @mm(%a: tensor<16x8xi8>, %b: tensor<8x32xi8>,
              %c: tensor<16x32xi32>) -> tensor<16x32xi32> {
  %0 = linalg.matmul ins(%a, %b : tensor<16x8xi8>, tensor<8x32xi8>)
                     outs(%c : tensor<16x32xi32>) -> tensor<16x32xi32>
  return %0 : tensor<16x32xi32>
}
"""

CONV_PADDED = """
func.func @conv(%x: tensor<1x3x8x8xi8>, %w: tensor<4x3x3x3xi8>) -> tensor<1x4x8x8xi32> {
  %zp = arith.constant 0 : i8
  %padded = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zp : i8
  } : tensor<1x3x8x8xi8> to tensor<1x3x10x10xi8>
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x4x8x8xi32>
  %init = linalg.fill ins(%c0 : i32) outs(%e : tensor<1x4x8x8xi32>) -> tensor<1x4x8x8xi32>
  %0 = linalg.conv_2d_nchw_fchw ins(%padded, %w : tensor<1x3x10x10xi8>, tensor<4x3x3x3xi8>)
                                outs(%init : tensor<1x4x8x8xi32>) -> tensor<1x4x8x8xi32>
  return %0 : tensor<1x4x8x8xi32>
}
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def _generics(module) -> list[linalg.GenericOp]:
    return [op for op in module.walk() if isinstance(op, linalg.GenericOp)]


def test_named_matmul_is_generalized_and_recognized(tmp_path: Path):
    module = import_mlir(_write(tmp_path, "mm.mlir", MATMUL))
    (generic,) = _generics(module)
    assert isinstance(generic.outputs[0].type, TensorType)
    RecognizeKernels().apply(snaxc_context(), module)
    body = list(generic.body.block.ops)
    assert isinstance(body[0], kernel.MacOp) and len(body) == 2


def test_padded_conv_bufferizes_to_memrefs(tmp_path: Path):
    module = import_mlir(_write(tmp_path, "conv.mlir", CONV_PADDED), bufferize=True)
    generics = _generics(module)
    # fill, pad (linalg.map, generalized again after bufferization) and the convolution
    assert len(generics) >= 2
    for g in generics:
        for v in g.outputs:
            assert isinstance(v.type, MemRefType)
    assert not any(op.name == "linalg.map" for op in module.walk())
    assert any(isinstance(op, memref.AllocOp) for op in module.walk())
    RecognizeKernels().apply(snaxc_context(), module)
    assert sum(isinstance(op, kernel.MacOp) for op in module.walk()) == 1


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "func.func @f(%a: tensor<4xi8>) {\n  %0 = linalg.bogus %a\n}",
            "bad.mlir:2:8: custom op 'linalg.bogus' is unknown",
        ),
        ("func.func @f( {", "bad.mlir:1:14: expected non-function type"),
        (
            "func.func @f(%a: i8) -> i32 {\n  return %a : i8\n}",
            "bad.mlir:2:3: ",
        ),
    ],
)
def test_malformed_input_is_one_line_with_position(tmp_path: Path, text: str, expected: str):
    with pytest.raises(SnaxcError) as e:
        import_mlir(_write(tmp_path, "bad.mlir", text))
    msg = str(e.value)
    assert "\n" not in msg
    assert msg.startswith(str(tmp_path / expected)), msg


def test_missing_file(tmp_path: Path):
    with pytest.raises(SnaxcError, match=r"nope\.mlir: cannot read input \(No such file"):
        import_mlir(tmp_path / "nope.mlir")
