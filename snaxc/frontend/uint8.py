"""uint8 activations of a QDQ model as int8, exactly (before import and in the golden model).

onnxruntime's standard quantized format on x86 is U8S8: uint8 activations (asymmetric),
int8 weights (`snaxc quantize` writes it by default; see `snaxc.quantize`). The cluster
computes on int8. A uint8 tensor `q` with zero point `z` represents the reals
`scale * (q - z)`; the int8 tensor `q - 128` with zero point `z - 128` represents the same
reals, and QuantizeLinear saturates it at the same reals (0 <-> -128, 255 <-> 127), so
changing every uint8 zero point of a QuantizeLinear/DequantizeLinear pair to the int8
`z - 128` gives a model that computes the same reals, its quantized tensors shifted by -128.

`activations_to_int8(model, source)` does that on a copy (the user's model is never
touched). A uint8 tensor anywhere else (a uint8 weight, graph input or output, Cast or
Constant) has no such exact int8 form here and is rejected with one line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from snaxc.errors import SnaxcError

if TYPE_CHECKING:
    import onnx

_QDQ = ("QuantizeLinear", "DequantizeLinear")
_ZERO_POINT = 2
"""Input index of the zero point of QuantizeLinear and DequantizeLinear."""


def has_uint8(model: onnx.ModelProto) -> bool:
    """Whether any initializer of `model` is uint8 (a U8S8 model)."""
    import onnx

    return any(t.data_type == onnx.TensorProto.UINT8 for t in model.graph.initializer)


def _reject(source: str, what: str) -> SnaxcError:
    return SnaxcError(
        f"{source}: {what} is uint8; snaxc converts uint8 only as the zero point of a "
        "QuantizeLinear/DequantizeLinear pair (quantize with int8 weights: snaxc quantize)"
    )


def _check_other_uint8(model: onnx.ModelProto, source: str) -> None:
    import onnx

    g = model.graph
    uint8 = onnx.TensorProto.UINT8
    for kind, values in (("input", g.input), ("output", g.output)):
        for vi in values:
            if vi.type.tensor_type.elem_type == uint8:
                raise _reject(source, f"graph {kind} {vi.name!r}")
    for node in g.node:
        for a in node.attribute:
            if a.type == onnx.AttributeProto.TENSOR and a.t.data_type == uint8:
                raise _reject(source, f"the constant of node {node.name!r} ({node.op_type})")
            if a.name in ("to", "output_dtype") and a.type == onnx.AttributeProto.INT:
                if a.i == uint8:
                    raise _reject(
                        source, f"the {a.name} type of node {node.name!r} ({node.op_type})"
                    )


def activations_to_int8(model: onnx.ModelProto, source: str = "<onnx>") -> onnx.ModelProto:
    """A copy of `model` with every uint8 Q/DQ zero point `z` as the int8 `z - 128`.

    Returns `model` itself when it holds no uint8 initializer. Raises SnaxcError (one line)
    when a uint8 tensor is anything but the zero point of QuantizeLinear/DequantizeLinear.
    """
    import numpy as np
    import onnx
    from onnx import numpy_helper

    _check_other_uint8(model, source)
    if not has_uint8(model):
        return model
    uint8 = onnx.TensorProto.UINT8
    names = {t.name for t in model.graph.initializer if t.data_type == uint8}
    for node in model.graph.node:
        for i, name in enumerate(node.input):
            if name in names and not (node.op_type in _QDQ and i == _ZERO_POINT):
                what = "data" if node.op_type in _QDQ and i == 0 else f"input {i}"
                raise _reject(
                    source, f"tensor {name!r} ({what} of node {node.name!r}, {node.op_type})"
                )
    out = onnx.ModelProto()
    out.CopyFrom(model)
    for t in out.graph.initializer:
        if t.name in names:
            a = numpy_helper.to_array(t).astype(np.int16) - 128
            t.CopyFrom(numpy_helper.from_array(a.astype(np.int8), t.name))
    # Inferred types of the quantized tensors (uint8 before) are inferred again.
    kept = [vi for vi in out.graph.value_info if vi.type.tensor_type.elem_type != uint8]
    del out.graph.value_info[:]
    out.graph.value_info.extend(kept)
    return out
