"""The frontends compute what the source model computes: imported float modules, run on the
host JIT (`host_jit`), against onnxruntime (ONNX) and PyTorch (FX importer)."""

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from host_jit import host_jit

from snaxc.frontend.onnx import import_onnx
from snaxc.frontend.torch import import_torch
from snaxc.models import random_inputs

SEED = 5


@pytest.mark.parametrize("name", ["mlp", "cnn", "resnet8", "dscnn"])
def test_float_onnx_import_matches_onnxruntime(zoo, name):
    model = onnx.load(zoo[name].float_path)
    run = host_jit(import_onnx(zoo[name].float_path, isolate=False))
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    out_shape = [d.dim_value for d in model.graph.output[0].type.tensor_type.shape.dim]
    for i, x in enumerate(random_inputs(model, 4, seed=SEED)["input"]):
        want = sess.run(None, {"input": x})[0]
        got = run(x, out_shape)
        err = np.abs(got - want).max()
        assert err <= 1e-4 * max(1.0, np.abs(want).max()), f"{name} seed {SEED} sample {i}: {err}"


class KwsNet(torch.nn.Module):
    """A small DS-CNN-like PyTorch module: conv, depthwise + pointwise, pooling, dense."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 16, (5, 3), stride=2, padding=(2, 1))
        self.dw = torch.nn.Conv2d(16, 16, 3, padding=1, groups=16)
        self.pw = torch.nn.Conv2d(16, 16, 1)
        self.fc = torch.nn.Linear(16, 6)

    def forward(self, x):
        x = torch.relu(self.conv(x))
        x = torch.relu(self.pw(torch.relu(self.dw(x))))
        x = torch.nn.functional.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


def test_torch_import_matches_pytorch():
    torch.manual_seed(SEED)
    net = KwsNet().eval()
    example = torch.randn(1, 1, 20, 10)
    run = host_jit(import_torch(net, example))
    for i in range(4):
        x = torch.randn(1, 1, 20, 10)
        with torch.no_grad():
            want = net(x).numpy()
        got = run(x.numpy(), want.shape)
        err = np.abs(got - want).max()
        assert err <= 1e-4 * max(1.0, np.abs(want).max()), f"seed {SEED} sample {i}: {err}"
