"""A small ONNX graph builder for float inference networks with seeded random weights.

Weights are He-normal initialised from a seeded numpy generator; batch normalisation is
folded into the preceding convolution or dense layer (what an inference graph contains), so
a network is Conv / Gemm / Relu / Add / pooling nodes only. No downloads, no torch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


class GraphBuilder:
    """Appends nodes to a float32 ONNX graph; every tensor name is unique."""

    def __init__(self, name: str, seed: int):
        self.name = name
        self.rng = np.random.default_rng(seed)
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.inputs: list[onnx.ValueInfoProto] = []
        self._count = 0

    def _fresh(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}_{self._count}"

    def input(self, name: str, shape: Sequence[int]) -> str:
        self.inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape)))
        return name

    def const(self, prefix: str, value: np.ndarray) -> str:
        name = self._fresh(prefix)
        self.initializers.append(numpy_helper.from_array(value.astype(np.float32), name))
        return name

    def node(self, op: str, inputs: Sequence[str], **attrs) -> str:
        out = self._fresh(op.lower())
        self.nodes.append(helper.make_node(op, list(inputs), [out], name=out, **attrs))
        return out

    def _bn_fold(self, w: np.ndarray, channels: int) -> tuple[np.ndarray, np.ndarray]:
        """Fold a random inference batch norm (gamma, beta, mean, var) into w and a bias."""
        gamma = self.rng.uniform(0.8, 1.2, channels)
        beta = self.rng.normal(0.0, 0.1, channels)
        mean = self.rng.normal(0.0, 0.1, channels)
        var = self.rng.uniform(0.5, 1.5, channels)
        k = gamma / np.sqrt(var + 1e-3)
        w = w * k.reshape((-1,) + (1,) * (w.ndim - 1))
        return w, beta - mean * k

    def conv(
        self,
        x: str,
        cin: int,
        cout: int,
        kernel: tuple[int, int],
        *,
        stride: int = 1,
        pads: tuple[int, int, int, int] = (0, 0, 0, 0),
        group: int = 1,
        relu: bool = True,
    ) -> str:
        """Conv2d (NCHW, OIHW weights) with folded batch norm, optionally followed by ReLU.

        `pads` is (top, left, bottom, right) as ONNX orders it.
        """
        fan_in = cin // group * kernel[0] * kernel[1]
        w = self.rng.normal(0.0, np.sqrt(2.0 / fan_in), (cout, cin // group, *kernel))
        w, b = self._bn_fold(w, cout)
        y = self.node(
            "Conv",
            [x, self.const("w", w), self.const("b", b)],
            kernel_shape=list(kernel),
            strides=[stride, stride],
            pads=list(pads),
            group=group,
        )
        return self.node("Relu", [y]) if relu else y

    def dense(self, x: str, fin: int, fout: int, *, relu: bool = True) -> str:
        """Gemm `x @ W^T + b` (W stored as (fout, fin), transB=1), optionally with ReLU."""
        w = self.rng.normal(0.0, np.sqrt(2.0 / fin), (fout, fin))
        b = self.rng.normal(0.0, 0.1, fout)
        y = self.node("Gemm", [x, self.const("w", w), self.const("b", b)], transB=1)
        return self.node("Relu", [y]) if relu else y

    def finish(self, output: str, out_shape: Sequence[int]) -> onnx.ModelProto:
        """The checked, shape-inferred model with `output` renamed to `output`."""
        last = self.nodes[-1]
        assert output == last.output[0], "the graph output must be the last node's"
        last.output[0] = "output"
        graph = helper.make_graph(
            self.nodes,
            self.name,
            self.inputs,
            [helper.make_tensor_value_info("output", TensorProto.FLOAT, list(out_shape))],
            self.initializers,
        )
        model = helper.make_model(
            graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="snaxc.models"
        )
        model.ir_version = 8
        onnx.checker.check_model(model, full_check=True)
        return onnx.shape_inference.infer_shapes(model, strict_mode=True)
