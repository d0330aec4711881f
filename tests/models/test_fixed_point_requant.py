"""`fixed-point-requant` against the float formula it replaces and on whole networks.

The whole-network test imports each quantized zoo network, rewrites it (float32
requantization, the default, and fixed point), expands the kernel ops to arith
(`kernel-to-arith`: float32 arith for `kernel.rescale_f32`), JIT-compiles it on the host with
upstream MLIR and checks that its int8 outputs equal the golden model's in the same mode bit
for bit: the compiler's arithmetic and the golden model (hence the hardware) agree before any
hardware runs it.
"""

import numpy as np
import onnx
import pytest
from host_jit import host_jit
from xdsl.dialects.linalg.ops import GenericOp
from xdsl.parser import Parser

from snaxc.dialects import kernel, snaxc_context
from snaxc.frontend.onnx import import_onnx
from snaxc.golden.network import NetworkModel
from snaxc.golden.requant import onnxruntime_scale, requantize_float32_reference
from snaxc.models import random_inputs
from snaxc.transforms.fixed_point_requant import (
    FixedPointRequant,
    match_dequantize,
    match_quantize,
)

SEED = 11

ACCUMULATOR = """
func.func @f(%acc: tensor<64xi32>) -> tensor<64xi8> {{
  %s_acc = arith.constant {s_acc:.17e} : f64
  %s_out = arith.constant {s_out:.9e} : f32
  %zp = arith.constant {zp:.1f} : f32
  %lo = arith.constant {lo:.1f} : f32
  %hi = arith.constant 127.0 : f32
  %e0 = tensor.empty() : tensor<64xf32>
  %d = linalg.generic {{indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
      iterator_types = ["parallel"]}} ins(%acc : tensor<64xi32>) outs(%e0 : tensor<64xf32>) {{
  ^bb0(%in: i32, %out: f32):
    %t = arith.truncf %s_acc : f64 to f32
    %f = arith.sitofp %in : i32 to f32
    %m = arith.mulf %f, %t : f32
    linalg.yield %m : f32
  }} -> tensor<64xf32>
  %e1 = tensor.empty() : tensor<64xi8>
  %q = linalg.generic {{indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
      iterator_types = ["parallel"]}} ins(%d : tensor<64xf32>) outs(%e1 : tensor<64xi8>) {{
  ^bb0(%in: f32, %out: i8):
    %0 = arith.divf %in, %s_out : f32
    %1 = math.roundeven %0 : f32
    %2 = arith.addf %1, %zp : f32
    %3 = arith.maximumf %2, %lo : f32
    %4 = arith.minimumf %3, %hi : f32
    %5 = arith.fptosi %4 : f32 to i8
    linalg.yield %5 : i8
  }} -> tensor<64xi8>
  func.return %q : tensor<64xi8>
}}
"""


def _float_formula(acc, s_acc, s_out, zp, lo):
    """The importer's float requantization, evaluated in float32 as the IR says."""
    f = acc.astype(np.float32) * np.float32(s_acc)
    v = np.round(f / np.float32(s_out)) + np.float32(zp)
    return np.clip(v, lo, 127).astype(np.int64)


def test_rescale_within_one_lsb_of_the_float_formula():
    rng = np.random.default_rng(SEED)
    ctx = snaxc_context()
    total = equal = 0
    for trial in range(60):
        s_acc = float(np.float32(2.0 ** rng.uniform(-20, -6)))
        s_out = float(np.float32(2.0 ** rng.uniform(-8, 0)))
        zp = int(rng.integers(-128, 128))
        lo = zp if trial % 2 else -128  # a fused ReLU clamps at the output zero point
        text = ACCUMULATOR.format(s_acc=s_acc, s_out=s_out, zp=zp, lo=lo)
        module = Parser(ctx, text).parse_module()
        FixedPointRequant(requant="fixed-point").apply(ctx, module)
        ops = [op for op in module.walk() if isinstance(op, kernel.RescaleOp)]
        assert len(ops) == 1 and not any(
            isinstance(op, GenericOp) and match_quantize(op) for op in module.walk()
        )
        rescale = ops[0]
        # accumulators spanning the int8 output range and beyond (clamping)
        span = int(min(2**31 - 1, 300 * s_out / s_acc))
        acc = rng.integers(-span, span, 4000)
        want = _float_formula(acc, s_acc, s_out, zp, lo)
        got = np.array([rescale.reference(int(a)) for a in acc])
        d = np.abs(got - want)
        assert d.max() <= 1, f"seed {SEED} trial {trial}: first mismatch at {int(d.argmax())}"
        total += d.size
        equal += int((d == 0).sum())
    print(f"rescale vs float formula: {equal}/{total} equal")
    assert equal / total >= 0.999


def test_float32_rescale_is_onnxruntimes_formula():
    """The default mode: `kernel.rescale_f32` with onnxruntime's float32 scale
    float32(x_scale * w_scale / y_scale), equal to its float32 formula on every value."""
    rng = np.random.default_rng(SEED)
    ctx = snaxc_context()
    for trial in range(30):
        xs, ws = (float(np.float32(2.0 ** rng.uniform(-10, -3))) for _ in range(2))
        s_acc = float(np.float32(xs) * np.float32(ws))  # the importer's accumulator scale
        s_out = float(np.float32(2.0 ** rng.uniform(-8, 0)))
        zp = int(rng.integers(-128, 128))
        lo = zp if trial % 2 else -128
        text = ACCUMULATOR.format(s_acc=s_acc, s_out=s_out, zp=zp, lo=lo)
        module = Parser(ctx, text).parse_module()
        FixedPointRequant().apply(ctx, module)
        (op,) = [op for op in module.walk() if isinstance(op, kernel.RescaleF32Op)]
        scale = onnxruntime_scale(xs, ws, s_out)
        assert op.scale == scale, f"seed {SEED} trial {trial}: {op.scale} != {scale}"
        span = int(min(2**31 - 1, 300 * s_out / s_acc))
        acc = rng.integers(-span, span, 2000).astype(np.int32)
        want = np.clip(requantize_float32_reference(acc, scale) + zp, lo, 127)
        got = np.array([op.reference(int(a)) for a in acc])
        bad = np.flatnonzero(got != want)
        assert not bad.size, f"seed {SEED} trial {trial}: first mismatch at {bad[0]}"


def _requant_chains(module) -> tuple[int, int]:
    generics = [op for op in module.walk() if isinstance(op, GenericOp)]
    q = sum(1 for g in generics if match_quantize(g))
    d = sum(1 for g in generics if match_dequantize(g))
    return q, d


@pytest.mark.parametrize("requant", ["float32", "fixed-point"])
@pytest.mark.parametrize("name", ["mlp", "cnn", "resnet8", "dscnn", "residual_clip"])
def test_compiled_network_equals_the_golden_model(zoo, name, requant):
    from snaxc.transforms.kernel_to_arith import KernelToArith

    ctx = snaxc_context()
    module = import_onnx(zoo[name].int8_path, isolate=False)
    before = _requant_chains(module)
    FixedPointRequant(requant=requant).apply(ctx, module)
    module.verify()
    # Only the graph boundary stays float: quantizing the input, dequantizing the output.
    assert _requant_chains(module) == (1, 1), f"{name}: {before} -> {_requant_chains(module)}"
    kinds = (kernel.RescaleOp, kernel.RescaleF32Op)
    rescales = sum(1 for op in module.walk() if isinstance(op, kinds))
    f32 = sum(1 for op in module.walk() if isinstance(op, kernel.RescaleF32Op))
    assert (f32 > 0) == (requant == "float32")
    KernelToArith().apply(ctx, module)
    run = host_jit(module)
    model = onnx.load(zoo[name].int8_path)
    golden = NetworkModel(model, requant=requant)
    out_shape = [d.dim_value for d in model.graph.output[0].type.tensor_type.shape.dim]
    xs = random_inputs(model, 8, seed=SEED)["input"]
    for i, x in enumerate(xs):
        want = golden.run({"input": x})["output"]
        y = run(x, out_shape)
        got = np.rint(y / np.float32(want.scale)).astype(np.int64) + want.zero_point
        bad = np.flatnonzero(got.ravel() != want.q.ravel())
        assert not bad.size, f"{name} seed {SEED} sample {i}: first mismatch at {bad[0]}"
    print(f"{name} ({requant}): {rescales} rescales ({f32} float32), 8 samples bit-exact")
