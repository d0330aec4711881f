"""Static 8-bit quantization of a float ONNX model for the cluster (onnxruntime).

    snaxc quantize model.onnx --calibration data.npz -o model_int8.onnx [--activations int8]

runs `quantize(Path("model.onnx"), Path("data.npz"), Path("model_int8.onnx"))`: onnxruntime's
`quantize_static` with

- the QDQ format (QuantizeLinear/DequantizeLinear pairs around float ops, what torch-mlir's
  ONNX importer turns into integer linalg), per-tensor scales (`per_channel=False`),
- uint8 activations by default (asymmetric, min/max calibration) and int8 weights
  (symmetric, zero point 0), int32 biases with scale `input_scale * weight_scale`,
- only the operators the cluster runs as integer kernels (`SUPPORTED_OPS`): everything
  else stays float and runs on the control core.

Why uint8 activations (`ACTIVATIONS`): uint8 activations with int8 weights ("U8S8") are
onnxruntime's standard format on x86, and only in that format does it fuse every quantized
convolution and add (QLinearConv, QLinearAdd) into integer kernels. With int8 activations
onnxruntime 1.32 leaves a convolution whose input or output has two consumers (6 of
ResNet-8's 9) as DequantizeLinear -> float Conv -> QuantizeLinear, whose float summation no
integer datapath reproduces (99.4% of ResNet-8's logits equal instead of 100%). The cluster
itself computes in int8: the importer (`snaxc.frontend.uint8`) and the golden model convert a
uint8 activation `q` with zero point `z` into the int8 `q - 128` with zero point `z - 128`,
which represents the same real numbers and saturates at the same ones, so the compiled
program's dequantized outputs are exactly the reals onnxruntime's uint8 model gives.
`activations="int8"` (`--activations int8`) keeps int8 activations.

The calibration file holds one float array per graph input, named like the input, with
the samples stacked on a leading axis: `(samples, *input_shape)`; a single-input model
also accepts a file with a single array of any name. The input model is never overwritten.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from snaxc.errors import SnaxcError

ACTIVATIONS = ("uint8", "int8")
"""Activation types `quantize` writes; the first is the default."""

REQUANT_MODES = ("float32", "fixed-point")
"""How GeMM outputs and average pools are requantized (compiler and golden model; the first
is the default for ONNX models):

- "float32": as onnxruntime computes them, bit for bit: a GeMM output (Conv, Gemm, MatMul)
  `clamp(round_half_even(float32(float32(acc) * s)) + zp)` with its float32 scale
  `s = float32(float32(x_scale * w_scale) / y_scale)` (`snaxc.golden.requant.requantize_f32`),
  an average pool as the float32 sum of the dequantized inputs, divided by the window and
  by y_scale in float32 (`average_pool_f32`);
- "fixed-point": the 32-bit multiplier and shift of `requant_params` for both (round half
  up; 1 LSB off onnxruntime near half-integers: DS-CNN 99.53%, ResNet-8 99.92% of logits
  equal with uint8 activations).

Adds, max pooling, Clip/Relu and changes of scale keep the fixed-point rescale in both modes
(onnxruntime's QLinearAdd and its max pool agree with them on the zoo).
"""

SUPPORTED_OPS = (
    "Conv",
    "Gemm",
    "MatMul",
    "Add",
    "Relu",
    "Clip",
    "MaxPool",
    "Flatten",
    "Reshape",
)
"""ONNX operators given quantized inputs and outputs (the GeMM and SIMD kernels).

AveragePool and GlobalAveragePool are absent on purpose: onnxruntime would give their output
the input's scale, so the requantization scale is exactly `1 / window`; with a power-of-two
window every 2**k-th sum is an exact tie, which the hardware rounds half up and a float
reference breaks by rounding noise (0.7% of ResNet-8's pooled values differed by 1 LSB).
Left out, the pool sits between a DequantizeLinear and the next QuantizeLinear, whose
calibrated scale fits the averaged range; the compiler recognises that sandwich and runs it
as an integer sum with one requantization (SIMD `rsum`), and the ties disappear.
"""


class _NpzReader:
    """onnxruntime CalibrationDataReader over the samples of a calibration .npz."""

    def __init__(self, feeds: dict[str, np.ndarray]):
        n = {len(a) for a in feeds.values()}.pop()
        self._it: Iterator[dict[str, np.ndarray]] = iter(
            [{k: a[i] for k, a in feeds.items()} for i in range(n)]
        )

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._it, None)

    def rewind(self) -> None:  # pragma: no cover - onnxruntime calls it for some methods
        raise NotImplementedError


def _load_model(path: Path):
    import onnx

    try:
        model = onnx.load(str(path))
    except FileNotFoundError:
        raise SnaxcError(f"{path}: no such file") from None
    except Exception as e:  # onnx raises DecodeError/ValueError/... for bad protobufs
        raise SnaxcError(f"{path}: not a valid ONNX model ({type(e).__name__})") from None
    try:
        onnx.checker.check_model(model)
    except onnx.checker.ValidationError as e:
        first = str(e).strip().splitlines()[0]
        raise SnaxcError(f"{path}: invalid ONNX model: {first}") from None
    return model


def _graph_inputs(model) -> dict[str, tuple[int, ...]]:
    inits = {t.name for t in model.graph.initializer}
    out = {}
    for vi in model.graph.input:
        if vi.name not in inits:
            dims = vi.type.tensor_type.shape.dim
            out[vi.name] = tuple(d.dim_value if d.HasField("dim_value") else -1 for d in dims)
    return out


def load_calibration(path: Path, inputs: dict[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    """The calibration arrays of `path` keyed by graph input, checked against `inputs`."""
    try:
        with np.load(path) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except FileNotFoundError:
        raise SnaxcError(f"{path}: no such file") from None
    except Exception as e:
        raise SnaxcError(f"{path}: not a readable .npz file ({type(e).__name__})") from None
    if len(inputs) == 1 and len(arrays) == 1:
        arrays = {next(iter(inputs)): next(iter(arrays.values()))}
    missing = sorted(set(inputs) - set(arrays))
    if missing:
        raise SnaxcError(
            f"{path}: no calibration data for model input(s) {', '.join(missing)} "
            f"(the file has: {', '.join(sorted(arrays)) or 'nothing'})"
        )
    feeds = {}
    for name, shape in inputs.items():
        a = arrays[name]
        if a.ndim != len(shape) + 1 or any(
            d != s for d, s in zip(a.shape[1:], shape, strict=True) if s > 0
        ):
            raise SnaxcError(
                f"{path}: array {name!r} has shape {a.shape}, expected (samples, "
                f"{', '.join(str(s) if s > 0 else '?' for s in shape)})"
            )
        if len(a) == 0:
            raise SnaxcError(f"{path}: array {name!r} holds no samples")
        feeds[name] = a.astype(np.float32)
    if len({len(a) for a in feeds.values()}) != 1:
        raise SnaxcError(f"{path}: the arrays hold different numbers of samples")
    return feeds


def quantize(
    model_path: str | Path,
    calibration: str | Path,
    output: str | Path,
    activations: str = ACTIVATIONS[0],
) -> Path:
    """Quantize the float ONNX model at `model_path` into `output` (per-tensor QDQ, int8
    weights, `activations` "uint8" (default) or "int8" activations; see the module doc).

    Raises SnaxcError (one line) on a missing or malformed model or calibration file, an
    unknown activation type, or when `output` would overwrite the input model.
    """
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    model_path, calibration, output = Path(model_path), Path(calibration), Path(output)
    if activations not in ACTIVATIONS:
        raise SnaxcError(
            f"unknown activation type {activations!r} (choose {' or '.join(ACTIVATIONS)})"
        )
    if output.resolve() == model_path.resolve():
        raise SnaxcError(f"{output}: refusing to overwrite the input model; choose another -o")
    model = _load_model(model_path)
    feeds = load_calibration(calibration, _graph_inputs(model))
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # onnxruntime warns through the root logger about pre-processing
    try:
        quantize_static(
            model,
            str(output),
            _NpzReader(feeds),
            quant_format=QuantFormat.QDQ,
            op_types_to_quantize=list(SUPPORTED_OPS),
            per_channel=False,
            activation_type=QuantType.QUInt8 if activations == "uint8" else QuantType.QInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.MinMax,
            extra_options={"ActivationSymmetric": False, "WeightSymmetric": True},
        )
    except SnaxcError:
        raise
    except Exception as e:
        msg = str(e).strip().splitlines()
        raise SnaxcError(
            f"{model_path}: quantization failed: {msg[-1] if msg else type(e).__name__}"
        ) from None
    finally:
        root.setLevel(level)
    return output


MULTIPLIER_BITS = 31
"""The fixed-point multiplier is normalised into [2**30, 2**31): 31 significant bits."""


def fixed_point_multiplier(scale: float) -> tuple[int, int]:
    """(multiplier, shift) with `multiplier / 2**shift ~= scale`, for the hardware rescale.

    The hardware computes `(acc * multiplier + 2**(shift-1)) >> shift` exactly in 64 bits
    (`snaxc.golden.gemm.requantize`). With `scale = f * 2**e`, `f` in [0.5, 1):
    `multiplier = round(f * 2**31)` in [2**30, 2**31) and `shift = 31 - e`, so

        |multiplier / 2**shift - scale| <= 2**-(shift + 1) <= scale * 2**-31.

    Error bound: for an accumulator `acc`, the hardware's `acc * multiplier / 2**shift`
    differs from the real `acc * scale` by at most `|acc * scale| * 2**-31` (< 2**-24 of an
    output LSB for any |acc * scale| <= 128, before clamping). The rounded result therefore
    equals `round(acc * scale)` except (a) when `acc * scale` lies within that distance of a
    half-integer, where it may be one LSB off, and (b) at exact ties, which the hardware
    rounds half up while `math.roundeven` (the importer's float formula, onnxruntime) rounds
    half to even: never more than 1 LSB.

    Scales below 2**-31 need a shift above 62 (the hardware's maximum): the shift is capped
    at 62 and the multiplier loses precision (error bound 2**-63 absolute per unit of acc).
    Zero gives (0, 0); scales >= 2**31, negative or non-finite scales are rejected.
    """
    import math

    if not math.isfinite(scale) or scale < 0:
        raise ValueError(f"requantization scale must be finite and >= 0, got {scale}")
    if scale == 0:
        return 0, 0
    f, e = math.frexp(scale)  # scale = f * 2**e, 0.5 <= f < 1
    shift = MULTIPLIER_BITS - e
    if shift < 0:
        raise ValueError(f"requantization scale {scale} is too large (>= 2**31)")
    if shift > 62:
        return round(scale * 2.0**62), 62
    multiplier = round(f * 2**MULTIPLIER_BITS)
    if multiplier == 2**MULTIPLIER_BITS:  # f rounded up to 1.0
        multiplier //= 2
        shift -= 1
        if shift < 0:
            raise ValueError(f"requantization scale {scale} is too large (>= 2**31)")
    return multiplier, shift


def requant_params(scale_in: float, scale_out: float, divisor: int = 1) -> tuple[int, int]:
    """(multiplier, shift) that rescales values of scale `scale_in` to `scale_out`.

    The ratio is formed in float32, as onnxruntime's quantized kernels form
    `x_scale * w_scale / y_scale`; `divisor` (a pooling window) divides it exactly after.
    The compiler (`fixed-point-requant`) and the golden model both use this function, so
    they agree bit for bit.
    """
    import numpy as np

    ratio = float(np.float32(scale_in) / np.float32(scale_out))
    return fixed_point_multiplier(ratio / divisor)


ADD_SCALE_BITS = 22
"""Fractional bits of the per-input multipliers of an add whose inputs have different scales:
|x - zx| <= 255, so |x - zx| * 2**22 * 2 < 2**31 and the int32 sum cannot overflow."""


def add_params(scale_x: float, scale_y: float, scale_out: float) -> tuple[int, int, int, int]:
    """(mx, my, multiplier, shift) of the integer add `rescale((x-zx)*mx + (y-zy)*my)`.

    Equal input scales need no per-input multipliers (mx = my = 1): the sum is rescaled by
    `scale_x / scale_out`. Otherwise each input is brought to a common fixed-point scale
    `s_max / 2**ADD_SCALE_BITS` (`mx = round(scale_x / s_max * 2**22)`, relative error
    <= 2**-23) and the sum is rescaled by `s_max / (2**22 * scale_out)`.
    """
    import numpy as np

    sx, sy, so = (float(np.float32(s)) for s in (scale_x, scale_y, scale_out))
    if sx == sy:
        return (1, 1, *requant_params(sx, so))
    smax = max(sx, sy)
    one = 2**ADD_SCALE_BITS
    mx, my = round(sx / smax * one), round(sy / smax * one)
    return (mx, my, *fixed_point_multiplier(smax / (one * so)))


ACTIVATIONS_HELP = (
    "activation type (default uint8: onnxruntime's U8S8 format, in which it runs every "
    "quantized conv and add as an integer kernel, so its results equal the cluster's; with "
    "int8, onnxruntime leaves convolutions with two consumers in float32 and ~0.5%% of "
    "ResNet-8's outputs differ by 1 LSB). The cluster computes int8 either way: uint8 "
    "activations are shifted by -128 on import, exactly."
)


def add_activations_argument(parser) -> None:
    """The `--activations {uint8,int8}` option of `snaxc quantize`."""
    parser.add_argument(
        "--activations", choices=ACTIVATIONS, default=ACTIVATIONS[0], help=ACTIVATIONS_HELP
    )


def main(argv: list[str] | None = None) -> int:
    """`python -m snaxc.quantize MODEL --calibration NPZ -o OUT` (what `snaxc quantize` runs)."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        prog="snaxc quantize",
        description="Quantize a float ONNX model to 8 bits (per-tensor QDQ, onnxruntime static "
        "quantization) for the cluster's GeMM and SIMD accelerators.",
    )
    add_activations_argument(parser)
    parser.add_argument("model", help="float ONNX model (never overwritten)")
    parser.add_argument(
        "--calibration",
        required=True,
        metavar="NPZ",
        help="calibration inputs: one array per graph input, shaped (samples, *input_shape)",
    )
    parser.add_argument("-o", "--output", required=True, help="quantized ONNX model to write")
    args = parser.parse_args(argv)
    try:
        out = quantize(args.model, args.calibration, args.output, args.activations)
    except SnaxcError as e:
        print(f"snaxc: error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
