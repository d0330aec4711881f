"""The Python API (`snaxc.compile`): a PyTorch module through torch-mlir's FX importer, an
MLIR file, and an ONNX ModelProto, compiled and run on the simulated cluster.

The PyTorch module is integer-valued (int8 activations and weights, int32 accumulation,
bias and ReLU), so the cluster's result must equal PyTorch's exactly. Float modules run on
the control core with soft-float (no accelerator computes in floating point)."""

import numpy as np

import snaxc

SEED = 3


def _int_mlp():
    import torch

    class IntMlp(torch.nn.Module):
        def __init__(self):
            super().__init__()
            g = torch.Generator().manual_seed(SEED)
            w1 = torch.randint(-8, 8, (32, 16), generator=g, dtype=torch.int8)
            b1 = torch.randint(-100, 100, (16,), generator=g, dtype=torch.int32)
            w2 = torch.randint(-8, 8, (16, 8), generator=g, dtype=torch.int8)
            self.register_buffer("w1", w1)
            self.register_buffer("b1", b1)
            self.register_buffer("w2", w2)

        def forward(self, x):
            h = torch.relu(torch.matmul(x.to(torch.int32), self.w1.to(torch.int32)) + self.b1)
            return torch.matmul(h, self.w2.to(torch.int32))

    return IntMlp()


def test_torch_module_matches_pytorch(cfg, built_model, tmp_path):
    import torch

    net = _int_mlp()
    g = torch.Generator().manual_seed(SEED)
    x = torch.randint(-128, 128, (8, 32), generator=g, dtype=torch.int8)
    compiled = snaxc.compile(net, example_inputs=(x,), config=cfg, output_dir=tmp_path / "pkg")
    assert compiled.input_names == ["x"] and compiled.output_names == ["output"]
    assert (tmp_path / "pkg" / "program.elf").is_file()
    for i in range(2):
        xi = torch.randint(-128, 128, (8, 32), generator=g, dtype=torch.int8)
        want = net(xi).numpy()
        out = compiled.run([xi])
        got = out["output"]
        bad = np.flatnonzero(got.ravel() != want.ravel())
        assert not bad.size, f"seed {SEED} sample {i}: first mismatch at {bad[0]}"
        assert out.performance.cycles > 0 and out.performance is compiled.performance
        assert f"{out.performance.cycles:,} cycles" in out.performance.summary()
        assert "of the run: accelerators busy" in out.performance.summary()
    # A package written by snaxc.compile is loadable and runs again.
    again = snaxc.load(tmp_path / "pkg").run({"x": xi.numpy()})
    assert np.array_equal(again["output"], want)


def test_float_torch_module_runs_on_the_core(cfg, built_model):
    import torch

    torch.manual_seed(SEED)
    lin = torch.nn.Sequential(torch.nn.Linear(8, 4), torch.nn.ReLU())
    x = torch.randn(2, 8)
    net = snaxc.compile(lin, example_inputs=(x,), config=cfg)
    got = net.run({"input": x.numpy()})["output"]
    want = lin(x).detach().numpy()
    # float32 on both sides, summed in different orders: a few ulps apart.
    assert np.abs(got - want).max() <= 1e-5 * np.abs(want).max()


def test_mlir_path_and_onnx_model_proto(cfg, built_model, tmp_path):
    from snaxc.models import mlp, random_inputs, write_calibration
    from snaxc.quantize import quantize

    src = tmp_path / "add.mlir"
    src.write_text(
        """
func.func @add(%x: tensor<64xi32>, %y: tensor<64xi32>) -> tensor<64xi32> {
  %e = tensor.empty() : tensor<64xi32>
  %s = linalg.add ins(%x, %y : tensor<64xi32>, tensor<64xi32>)
                  outs(%e : tensor<64xi32>) -> tensor<64xi32>
  return %s : tensor<64xi32>
}
"""
    )
    rng = np.random.default_rng(SEED)
    x, y = (rng.integers(-(2**30), 2**30, 64, dtype=np.int32) for _ in range(2))
    out = snaxc.compile(src, config=cfg).run([x, y])
    assert np.array_equal(out["result0"], x + y)

    import onnx

    f, cal, q = tmp_path / "mlp.onnx", tmp_path / "cal.npz", tmp_path / "q.onnx"
    onnx.save(mlp(0), f)
    write_calibration(mlp(0), cal, samples=4, seed=1)
    quantize(f, cal, q)
    compiled = snaxc.compile(onnx.load(q), config=cfg)
    assert compiled.input_names == ["input"]
    xin = random_inputs(onnx.load(q), 1, seed=SEED)["input"][0]
    assert compiled.run({"input": xin})["output"].shape == (1, 10)
