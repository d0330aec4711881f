"""PyTorch nn.Module -> linalg on tensors (FX importer) -> xDSL."""

import numpy as np
import pytest
import torch
from xdsl.dialects.arith import ConstantOp
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, TensorType

from snaxc.errors import SnaxcError
from snaxc.frontend.torch import import_torch, inline_resources, torch_to_linalg_text


class SmallCnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.fc = torch.nn.Linear(8 * 4 * 4, 10)

    def forward(self, x):
        x = torch.nn.functional.max_pool2d(torch.relu(self.conv(x)), 2)
        return self.fc(x.flatten(1))


@pytest.fixture(scope="module")
def net():
    torch.manual_seed(0)
    return SmallCnn()


def _constants(module) -> dict[tuple[int, ...], np.ndarray]:
    out = {}
    for op in module.walk():
        if isinstance(op, ConstantOp) and isinstance(op.value, DenseIntOrFPElementsAttr):
            shape = op.value.get_shape()
            out[shape] = np.array(op.value.get_values(), np.float32).reshape(shape)
    return out


def test_parameters_become_inline_constants(net):
    text = torch_to_linalg_text(net, torch.randn(1, 3, 8, 8))
    assert "dense_resource" not in text and "dialect_resources" not in text
    module = import_torch(net, torch.randn(1, 3, 8, 8))
    consts = _constants(module)
    np.testing.assert_array_equal(consts[(8, 3, 3, 3)], net.conv.weight.detach().numpy())
    np.testing.assert_array_equal(consts[(10, 128)], net.fc.weight.detach().numpy())
    np.testing.assert_array_equal(consts[(10,)], net.fc.bias.detach().numpy())
    func = next(op for op in module.walk() if op.name == "func.func")
    assert func.body.block.args[0].type == TensorType(
        func.body.block.args[0].type.element_type, (1, 3, 8, 8)
    )
    assert net.training  # the caller's mode is restored


def test_bufferized(net):
    module = import_torch(net, (torch.randn(1, 3, 8, 8),), bufferize=True)
    assert not any(isinstance(r.type, TensorType) for op in module.walk() for r in op.results)


def test_untraceable_module_is_one_line_error():
    class DataDependent(torch.nn.Module):
        def forward(self, x):
            return x * 2 if x.sum() > 0 else x - 1

    with pytest.raises(SnaxcError, match="DataDependent: torch.export cannot trace") as info:
        import_torch(DataDependent(), torch.randn(4))
    assert "\n" not in str(info.value)


def test_inline_resources_text():
    text = (
        "module {\n  %0 = arith.constant dense_resource<w.1> : tensor<2xi16>\n"
        "  %1 = arith.constant dense_resource<m> : tensor<2xi1>\n}\n\n"
        '{-#\n  dialect_resources: {\n    builtin: {\n      w.1: "0x020000000100FEFF",\n'
        '      m: "0x010000000100"\n    }\n  }\n#-}\n'
    )
    out = inline_resources(text)
    assert 'dense<"0x0100FEFF"> : tensor<2xi16>' in out
    assert "dense_resource<m>" in out and "dialect_resources" in out  # i1 stays a resource
    assert inline_resources("module {\n}\n") == "module {\n}\n"


def test_import_model_dispatches_modules(net):
    from snaxc.frontend import import_model

    with pytest.raises(SnaxcError, match="SmallCnn: a PyTorch module needs example_inputs"):
        import_model(net)
    module = import_model(net, example_inputs=torch.randn(1, 3, 8, 8))
    assert _constants(module)[(8, 3, 3, 3)].shape == (8, 3, 3, 3)
