"""The network zoo: float ONNX models built from code with fixed seeds.

    mlp      64 -> 128 -> 64 -> 10 dense layers with ReLU
    cnn      3x16x16 image: two 3x3 conv + ReLU + 2x2 max-pool stages, dense 10
    resnet8  MLPerf Tiny image classification (CIFAR-10, 3x32x32): a 3x3/16 stem and three
             residual stacks of 16, 32, 64 channels (stride 2 and a 1x1 projection shortcut
             in the second and third), 8x8 average pool, dense 10
    dscnn    MLPerf Tiny keyword spotting (1x49x10 MFCC): a 10x4 stride-2 conv with 64
             channels, four depthwise-separable blocks (3x3 depthwise + 1x1 pointwise, 64
             channels), global average pool, dense 12

Batch norms are folded into the convolutions (inference graphs). The networks end at the
logits: the reference models' final softmax is monotonic and stays on the host.
TensorFlow "same" padding is reproduced exactly (the extra row/column at the bottom/right).
"""

from __future__ import annotations

from collections.abc import Callable

import onnx

from snaxc.models.builder import GraphBuilder


def _same_pads(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow 'same' padding (before, after) along one axis."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def _same(h: int, w: int, kh: int, kw: int, stride: int) -> tuple[int, int, int, int]:
    (t, b), (le, r) = _same_pads(h, kh, stride), _same_pads(w, kw, stride)
    return (t, le, b, r)


def mlp(seed: int = 0) -> onnx.ModelProto:
    g = GraphBuilder("mlp", seed)
    x = g.input("input", (1, 64))
    x = g.dense(x, 64, 128)
    x = g.dense(x, 128, 64)
    x = g.dense(x, 64, 10, relu=False)
    return g.finish(x, (1, 10))


def cnn(seed: int = 0) -> onnx.ModelProto:
    g = GraphBuilder("cnn", seed)
    x = g.input("input", (1, 3, 16, 16))
    x = g.conv(x, 3, 8, (3, 3), pads=(1, 1, 1, 1))
    x = g.node("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2])
    x = g.conv(x, 8, 16, (3, 3), pads=(1, 1, 1, 1))
    x = g.node("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2])
    x = g.node("Flatten", [x], axis=1)
    x = g.dense(x, 16 * 4 * 4, 10, relu=False)
    return g.finish(x, (1, 10))


def resnet8(seed: int = 0) -> onnx.ModelProto:
    g = GraphBuilder("resnet8", seed)
    x = g.input("input", (1, 3, 32, 32))
    x = g.conv(x, 3, 16, (3, 3), pads=_same(32, 32, 3, 3, 1))
    size, cin = 32, 16
    for cout, stride in ((16, 1), (32, 2), (64, 2)):
        y = g.conv(x, cin, cout, (3, 3), stride=stride, pads=_same(size, size, 3, 3, stride))
        size //= stride
        y = g.conv(y, cout, cout, (3, 3), pads=_same(size, size, 3, 3, 1), relu=False)
        if stride != 1:
            x = g.conv(x, cin, cout, (1, 1), stride=stride, relu=False)
        x = g.node("Relu", [g.node("Add", [x, y])])
        cin = cout
    x = g.node("AveragePool", [x], kernel_shape=[8, 8], strides=[8, 8])
    x = g.node("Flatten", [x], axis=1)
    x = g.dense(x, 64, 10, relu=False)
    return g.finish(x, (1, 10))


def dscnn(seed: int = 0) -> onnx.ModelProto:
    g = GraphBuilder("dscnn", seed)
    x = g.input("input", (1, 1, 49, 10))
    x = g.conv(x, 1, 64, (10, 4), stride=2, pads=_same(49, 10, 10, 4, 2))
    for _ in range(4):
        x = g.conv(x, 64, 64, (3, 3), pads=(1, 1, 1, 1), group=64)
        x = g.conv(x, 64, 64, (1, 1))
    x = g.node("GlobalAveragePool", [x])
    x = g.node("Flatten", [x], axis=1)
    x = g.dense(x, 64, 12, relu=False)
    return g.finish(x, (1, 12))


NETWORKS: dict[str, Callable[[int], onnx.ModelProto]] = {
    "mlp": mlp,
    "cnn": cnn,
    "resnet8": resnet8,
    "dscnn": dscnn,
}
"""Every network builder by name; each takes a seed and returns a float ONNX model."""
