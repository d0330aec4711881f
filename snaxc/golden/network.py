"""Integer golden model of a per-tensor QDQ int8 network, executed as the cluster will.

It reads a quantized ONNX graph (onnxruntime's `quantize_static`, QDQ format, see
`snaxc.quantize`) directly and runs every quantized operator in integers through the
golden models of the accelerators (`snaxc.golden.gemm`, `snaxc.golden.simd`):

- Conv, Gemm, MatMul: `gemm` on an im2col view (padding with the input zero point), int8
  operands with zero points, int32 bias in the accumulator, the output stage requantizing
  as onnxruntime does, in float32 (`requantize_f32` with the float32 scale
  `x_scale * w_scale / y_scale`, the GeMM's `requant_f32` mode), or with `requant=
  "fixed-point"` with the fixed-point (multiplier, shift) of that scale
  (`snaxc.quantize.fixed_point_multiplier`; see `snaxc.quantize.REQUANT_MODES`). A grouped
  (depthwise) convolution is one `gemm` per group. ReLU is the output clamp: onnxruntime
  folds it into the output zero point -128, so saturation at -128 is the ReLU.
- Add: with float32 requantization (the default) one SIMD `fadd`: onnxruntime's float32
  QLinearAdd (`snaxc.golden.requant.add_f32`) on the uint8 values of its U8 kernel
  (`x + 128`, zero points + 128: `f32_fadd_params`), output zero point -128. With
  `requant="fixed-point"`: with equal input scales one SIMD `add` of the
  zero-point-corrected inputs, requantized. With different scales the two inputs are brought
  to a common fixed-point scale first: each is widened to int32 by the GeMM (`x - zx`
  against a 1x1 identity) and multiplied by its integer multiplier
  (`snaxc.quantize.add_params`; SIMD `mul`, int32; |x - zx| * 2**22 <= 255 * 2**22 <
  2**30), then the SIMD `add` requantizes the sum with `s_max / (2**22 * y_scale)`.
- MaxPool: SIMD `rmax` over the window (padding with -128), requantized (an exact copy
  when the output keeps the input's scale and zero point).
- AveragePool, GlobalAveragePool (windows without padding): onnxruntime's float32 result
  (`average_pool_f32`: the float32 sum of the dequantized inputs, SIMD `fsum`, divided by
  the window and by y_scale in float32); with `requant="fixed-point"` SIMD `rsum` over the
  window, requantized with `x_scale / (window * y_scale)`.
- Relu, Clip (when not folded): SIMD `relu`, or `copy` clamped at the quantized bounds,
  requantized; Flatten/Reshape: a view, requantized
  by a SIMD `copy` only when the output scale or zero point differs.

Graph inputs are quantized from float as QuantizeLinear specifies (round half to even,
saturate; the host does this), graph outputs are the int8 values of the final
DequantizeLinear together with their scale and zero point.

uint8 activations (what `snaxc quantize` writes by default) are converted exactly to int8
first, as the compiler's importer does (`snaxc.frontend.uint8`: zero point z -> z - 128),
so `run` gives the int8 values the compiled program computes; dequantized, they are the
reals of the uint8 model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from snaxc.errors import SnaxcError
from snaxc.frontend.uint8 import activations_to_int8
from snaxc.golden.gemm import gemm
from snaxc.golden.requant import (
    average_pool_f32,
    f32_bits,
    f32_fadd_params,
    onnxruntime_scale,
    requantize_f32,
)
from snaxc.golden.simd import simd
from snaxc.quantize import REQUANT_MODES, add_params, requant_params


@dataclass(frozen=True)
class QTensor:
    """An integer tensor and the affine map to reals: real = scale * (q - zero_point)."""

    q: np.ndarray
    scale: float
    zero_point: int

    def dequantize(self) -> np.ndarray:
        return (self.scale * (self.q.astype(np.float32) - self.zero_point)).astype(np.float32)


def quantize_input(x: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """QuantizeLinear to int8: saturate(round_half_even(x / scale) + zero_point)."""
    y = np.rint(np.asarray(x, np.float32) / np.float32(scale)) + zero_point
    return np.clip(y, -128, 127).astype(np.int8)


def _attrs(node: onnx.NodeProto) -> dict:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _rq(scale_in: float, scale_out: float, divisor: int = 1) -> dict[str, int]:
    m, s = requant_params(scale_in, scale_out, divisor)
    return {"multiplier": m, "shift": s}


def _windows(
    x: np.ndarray, kernel: tuple[int, int], strides: tuple[int, int], pads, pad_value: int
) -> np.ndarray:
    """(N, C, OH, OW, KH, KW) windows of an NCHW tensor padded with `pad_value`."""
    t, le, b, r = pads
    x = np.pad(x, ((0, 0), (0, 0), (t, b), (le, r)), constant_values=pad_value)
    w = np.lib.stride_tricks.sliding_window_view(x, kernel, axis=(2, 3))
    return w[:, :, :: strides[0], :: strides[1]]


class NetworkModel:
    """The integer execution of one quantized ONNX model (see the module docstring)."""

    def __init__(self, model: onnx.ModelProto | str | Path, requant: str = REQUANT_MODES[0]):
        source = "golden model"
        if not isinstance(model, onnx.ModelProto):
            source = str(model)
            model = onnx.load(str(model))
        if requant not in REQUANT_MODES:
            raise SnaxcError(f"golden model: unknown requantization {requant!r}")
        self.requant = requant
        """"float32" (onnxruntime's arithmetic) or "fixed-point" (`REQUANT_MODES`)."""
        model = activations_to_int8(model, source)
        self.graph = model.graph
        self.inits = {t.name: numpy_helper.to_array(t) for t in self.graph.initializer}
        self.producer = {o: n for n in self.graph.node for o in n.output}
        self.inputs = [i.name for i in self.graph.input if i.name not in self.inits]
        self.ops_run: list[str] = []
        """(accelerator, op) of every golden call of the last run, e.g. 'gemm', 'simd.add'."""
        self.macs = 0
        """Multiply-accumulates of the network's convolutions and matmuls in the last run
        (M * K * N of every GeMM call that computes a layer; add widenings excluded)."""

    # -- graph walking -------------------------------------------------------------------
    def _const(self, name: str) -> np.ndarray:
        if name not in self.inits:
            raise SnaxcError(f"golden model: {name!r} must be a constant (initializer)")
        return self.inits[name]

    def _qparams(self, node: onnx.NodeProto) -> tuple[float, int]:
        scale = self._const(node.input[1])
        zp = self._const(node.input[2]) if len(node.input) > 2 and node.input[2] else 0
        if np.size(scale) != 1 or np.size(zp) != 1:
            raise SnaxcError(
                f"node {node.name!r}: per-channel quantization is not supported "
                "(quantize per tensor: snaxc quantize uses per_channel=False)"
            )
        return float(np.reshape(scale, ())), int(np.reshape(zp, ()))

    def _value(self, name: str):
        """An integer array (initializer or QuantizeLinear output) or a QTensor (DQ)."""
        if name in self._env:
            return self._env[name]
        if name in self.inits:
            return self.inits[name]
        if name in self._feeds:
            users = [n.name for n in self.graph.node if name in n.input]
            raise SnaxcError(
                f"golden model: graph input {name!r} is used in float (by {', '.join(users)}) "
                "before it is quantized; the golden model runs integer (QDQ) graphs only"
            )
        node = self.producer.get(name)
        if node is None:
            raise SnaxcError(f"golden model: no value for tensor {name!r}")
        if node.op_type == "DequantizeLinear":
            scale, zp = self._qparams(node)
            q = self._value(node.input[0])
            if isinstance(q, QTensor):
                raise SnaxcError(f"node {node.name!r}: dequantizes a non-integer tensor")
            v = QTensor(np.asarray(q), scale, zp)
        elif node.op_type == "QuantizeLinear":
            scale, zp = self._qparams(node)
            src = node.input[0]
            if src in self._feeds:
                v = quantize_input(self._feeds[src], scale, zp)
            else:
                v = self._compute(self.producer[src], scale, zp)
                if v.dtype != np.int8:
                    raise SnaxcError(f"node {node.name!r}: expected an int8 result")
        else:
            raise SnaxcError(
                f"node {node.name!r} ({node.op_type}): its output is used unquantized; "
                "the golden model runs integer (QDQ) graphs only"
            )
        self._env[name] = v
        return v

    def _qin(self, node: onnx.NodeProto, i: int) -> QTensor:
        v = self._value(node.input[i])
        if not isinstance(v, QTensor):
            raise SnaxcError(
                f"node {node.name!r} ({node.op_type}): input {node.input[i]!r} is not "
                "dequantized from an integer tensor"
            )
        return v

    # -- operators -----------------------------------------------------------------------
    def _compute(self, node: onnx.NodeProto, so: float, zo: int) -> np.ndarray:
        op = node.op_type
        fn = getattr(self, f"_op_{op}", None)
        if fn is None:
            raise SnaxcError(f"node {node.name!r}: operator {op} has no integer golden model")
        return fn(node, so, zo)

    def _gemm(self, a: QTensor, b: QTensor, bias: QTensor | None, so: float, zo: int):
        """int8 (M, K) x (K, N) + int32 bias -> int8 with the output stage requantization."""
        if b.q.dtype != np.int8 or a.q.dtype != np.int8:
            raise SnaxcError("golden model: GeMM operands must be int8")
        c = None
        if bias is not None:
            if bias.q.dtype != np.int32 or bias.zero_point != 0:
                raise SnaxcError("golden model: a bias must be int32 with zero point 0")
            c = np.broadcast_to(bias.q, (a.q.shape[0], b.q.shape[1])).astype(np.int32)
        self.ops_run.append("gemm")
        self.macs += a.q.shape[0] * a.q.shape[1] * b.q.shape[1]
        if self.requant == "float32":
            acc = gemm(a.q, b.q, c, a_zero_point=a.zero_point, b_zero_point=b.zero_point)
            return requantize_f32(acc, onnxruntime_scale(a.scale, b.scale, so), zo)
        # The accumulator scale is the float32 product, as onnxruntime forms it.
        acc_scale = float(np.float32(a.scale) * np.float32(b.scale))
        return gemm(
            a.q,
            b.q,
            c,
            a_zero_point=a.zero_point,
            b_zero_point=b.zero_point,
            out_zero_point=zo,
            **_rq(acc_scale, so),
        )

    def _op_Conv(self, node, so, zo):
        x, w = self._qin(node, 0), self._qin(node, 1)
        bias = self._qin(node, 2) if len(node.input) > 2 and node.input[2] else None
        at = _attrs(node)
        if any(d != 1 for d in at.get("dilations", [1, 1])) or at.get(
            "auto_pad", b"NOTSET"
        ) not in (
            b"NOTSET",
            "NOTSET",
        ):
            raise SnaxcError(f"node {node.name!r}: dilations and auto_pad are not supported")
        group = at.get("group", 1)
        cout, cin_g, kh, kw = w.q.shape
        n = x.q.shape[0]
        win = _windows(
            x.q,
            (kh, kw),
            tuple(at.get("strides", [1, 1])),
            at.get("pads", [0, 0, 0, 0]),
            x.zero_point,
        )
        oh, ow = win.shape[2:4]
        cout_g = cout // group
        out = np.empty((n, cout, oh, ow), np.int8)
        for g in range(group):
            # rows: (n, oh, ow); columns: (cin of the group, kh, kw) as the OIHW weights.
            a = win[:, g * cin_g : (g + 1) * cin_g].transpose(0, 2, 3, 1, 4, 5)
            a = np.ascontiguousarray(a).reshape(n * oh * ow, cin_g * kh * kw)
            wg = w.q[g * cout_g : (g + 1) * cout_g].reshape(cout_g, -1).T
            bg = None
            if bias is not None:
                bg = QTensor(bias.q[g * cout_g : (g + 1) * cout_g], bias.scale, bias.zero_point)
            y = self._gemm(
                QTensor(a, x.scale, x.zero_point), QTensor(wg, w.scale, w.zero_point), bg, so, zo
            )
            out[:, g * cout_g : (g + 1) * cout_g] = y.reshape(n, oh, ow, cout_g).transpose(
                0, 3, 1, 2
            )
        return out

    def _op_Gemm(self, node, so, zo):
        a, b = self._qin(node, 0), self._qin(node, 1)
        bias = self._qin(node, 2) if len(node.input) > 2 and node.input[2] else None
        at = _attrs(node)
        if at.get("alpha", 1.0) != 1.0 or at.get("beta", 1.0) != 1.0:
            raise SnaxcError(f"node {node.name!r}: Gemm with alpha/beta != 1 is not supported")
        aq = a.q.T if at.get("transA", 0) else a.q
        bq = b.q.T if at.get("transB", 0) else b.q
        return self._gemm(
            QTensor(np.ascontiguousarray(aq), a.scale, a.zero_point),
            QTensor(np.ascontiguousarray(bq), b.scale, b.zero_point),
            bias,
            so,
            zo,
        )

    def _op_MatMul(self, node, so, zo):
        a, b = self._qin(node, 0), self._qin(node, 1)
        if a.q.ndim != 2 or b.q.ndim != 2:
            raise SnaxcError(f"node {node.name!r}: only 2-D MatMul is supported")
        return self._gemm(a, b, None, so, zo)

    def _widen_scaled(self, x: QTensor, mult: int) -> np.ndarray:
        """int32 `(x - zx) * mult`: GeMM against a 1x1 identity, then SIMD mul."""
        flat = x.q.reshape(-1, 1)
        self.ops_run.append("gemm")
        wide = gemm(flat, np.ones((1, 1), np.int8), a_zero_point=x.zero_point).reshape(-1)
        self.ops_run.append("simd.mul")
        return simd("mul", wide, np.full_like(wide, mult))

    def _op_Add(self, node, so, zo):
        x, y = self._qin(node, 0), self._qin(node, 1)
        if x.q.shape != y.q.shape:
            raise SnaxcError(f"node {node.name!r}: broadcasting Add is not supported")
        if self.requant == "float32":
            u8 = (x.zero_point + 128, y.zero_point + 128, zo + 128)
            ra, rb, f = f32_fadd_params(x.scale, y.scale, so, *u8)
            bits = [f32_bits(v) for v in (ra, rb, f)]
            self.ops_run.append("simd.fadd")
            return simd(
                "fadd",
                x.q,
                y.q,
                x_zero_point=-128,
                y_zero_point=-128,
                out_dtype=np.int8,
                out_zero_point=-128,
                scale_x=bits[0],
                scale_y=bits[1],
                offset=bits[2],
            )
        mx, my, multiplier, shift = add_params(x.scale, y.scale, so)
        rq = {"multiplier": multiplier, "shift": shift}
        if mx == my == 1:
            self.ops_run.append("simd.add")
            return simd(
                "add",
                x.q,
                y.q,
                x_zero_point=x.zero_point,
                y_zero_point=y.zero_point,
                out_dtype=np.int8,
                out_zero_point=zo,
                **rq,
            )
        xs, ys = self._widen_scaled(x, mx), self._widen_scaled(y, my)
        self.ops_run.append("simd.add")
        r = simd("add", xs, ys, out_dtype=np.int8, out_zero_point=zo, **rq)
        return r.reshape(x.q.shape)

    def _pool(self, node, so, zo, *, op: str, kernel, strides, pads):
        x = self._qin(node, 0)
        pad_value = -128 if op == "rmax" else x.zero_point
        win = _windows(x.q, tuple(kernel), tuple(strides), pads, pad_value)
        n, c, oh, ow, kh, kw = win.shape
        if op == "rsum" and self.requant == "float32":
            # SIMD fsum (the float32 sum of the dequantized window), the rest on the core.
            self.ops_run.append("simd.fsum")
            k = win.reshape(n, c, oh, ow, kh * kw).astype(np.int64) - x.zero_point
            return average_pool_f32(k, x.scale, so, zo)
        self.ops_run.append(f"simd.{op}")
        return simd(
            op,
            win.reshape(n, c, oh, ow, kh * kw),
            x_zero_point=x.zero_point,
            out_dtype=np.int8,
            out_zero_point=zo,
            **_rq(x.scale, so, 1 if op == "rmax" else kh * kw),
        )

    def _pool_attrs(self, node):
        at = _attrs(node)
        if at.get("ceil_mode", 0) or any(d != 1 for d in at.get("dilations", [1, 1])):
            raise SnaxcError(f"node {node.name!r}: ceil_mode and dilations are not supported")
        k = at["kernel_shape"]
        return k, at.get("strides", [1, 1]), at.get("pads", [0, 0, 0, 0])

    def _op_MaxPool(self, node, so, zo):
        if len(node.output) > 1 and node.output[1]:
            raise SnaxcError(f"node {node.name!r}: MaxPool indices are not supported")
        k, s, p = self._pool_attrs(node)
        return self._pool(node, so, zo, op="rmax", kernel=k, strides=s, pads=p)

    def _op_AveragePool(self, node, so, zo):
        k, s, p = self._pool_attrs(node)
        if any(p):
            raise SnaxcError(f"node {node.name!r}: padded AveragePool is not supported")
        return self._pool(node, so, zo, op="rsum", kernel=k, strides=s, pads=p)

    def _op_GlobalAveragePool(self, node, so, zo):
        h, w = self._qin(node, 0).q.shape[2:]
        return self._pool(node, so, zo, op="rsum", kernel=(h, w), strides=(1, 1), pads=(0,) * 4)

    def _requant_copy(self, x: QTensor, q: np.ndarray, so: float, zo: int, op: str = "copy"):
        if op == "copy" and np.float32(x.scale) == np.float32(so) and x.zero_point == zo:
            return q
        self.ops_run.append(f"simd.{op}")
        return simd(
            op,
            q,
            x_zero_point=x.zero_point,
            out_dtype=np.int8,
            out_zero_point=zo,
            **_rq(x.scale, so),
        )

    def _op_Relu(self, node, so, zo):
        x = self._qin(node, 0)
        return self._requant_copy(x, x.q, so, zo, "relu")

    def _op_Clip(self, node, so, zo):
        """Clip (when onnxruntime did not fold it): a SIMD copy whose clamp bounds are the
        quantized clip bounds (rounding is monotonic, so clipping commutes with it)."""
        x = self._qin(node, 0)
        bounds = []
        for i, default in ((1, -128), (2, 127)):
            if len(node.input) > i and node.input[i]:
                b = float(np.reshape(self._const(node.input[i]), ()))
                default = int(np.clip(np.rint(np.float32(b) / np.float32(so)) + zo, -128, 127))
            bounds.append(default)
        self.ops_run.append("simd.copy")
        return simd(
            "copy",
            x.q,
            x_zero_point=x.zero_point,
            out_dtype=np.int8,
            out_zero_point=zo,
            clamp_min=bounds[0],
            clamp_max=max(bounds),
            **_rq(x.scale, so),
        )

    def _layout(self, node, so, zo, reshape) -> np.ndarray:
        """A layout op (no arithmetic): on a dequantized input, the view requantized when
        the scale or zero point changes; on a float input, quantizing commutes with it,
        so the float producer is computed directly at (so, zo) and viewed."""
        src = node.input[0]
        producer = self.producer.get(src)
        if producer is not None and producer.op_type not in ("DequantizeLinear",):
            return reshape(self._compute(producer, so, zo))
        x = self._qin(node, 0)
        return self._requant_copy(x, reshape(x.q), so, zo)

    def _op_Flatten(self, node, so, zo):
        axis = _attrs(node).get("axis", 1)

        def flatten(q):
            a = axis % max(q.ndim, 1)
            return q.reshape(int(np.prod(q.shape[:a])), -1)

        return self._layout(node, so, zo, flatten)

    def _op_Reshape(self, node, so, zo):
        shape = [int(d) for d in self._const(node.input[1])]

        def reshape(q):
            return q.reshape([q.shape[i] if d == 0 else d for i, d in enumerate(shape)])

        return self._layout(node, so, zo, reshape)

    # -- running -------------------------------------------------------------------------
    def quantized_tensors(self) -> list[str]:
        """Names of the int8 tensors the graph computes (QuantizeLinear outputs of ops)."""
        return [
            n.output[0]
            for n in self.graph.node
            if n.op_type == "QuantizeLinear" and n.input[0] not in self.inputs
        ]

    def layerwise(
        self, feeds: dict[str, np.ndarray], reference: dict[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        """Each quantized tensor computed from the `reference` values of its inputs.

        `reference` maps every name of `quantized_tensors()` (and the quantized graph
        inputs) to another implementation's int8 values, e.g. onnxruntime's; the result
        isolates each operator's arithmetic from errors that propagate from earlier ones.
        """
        self._start(feeds)
        out = {}
        for name in self.quantized_tensors():
            self._env = {k: v for k, v in reference.items() if k != name}
            out[name] = self._value(name)
        return out

    def _start(self, feeds: dict[str, np.ndarray]) -> None:
        missing = [n for n in self.inputs if n not in feeds]
        if missing:
            raise SnaxcError(f"golden model: missing input(s) {', '.join(missing)}")
        self._feeds = feeds
        self._env: dict[str, object] = {}
        self.ops_run = []
        self.macs = 0

    def intermediate(self, name: str) -> np.ndarray:
        """The int8 value of a quantized tensor of the last `run`."""
        return self._env[name]

    def run(self, feeds: dict[str, np.ndarray]) -> dict[str, QTensor]:
        """Execute on float `feeds` (one array per graph input); int8 outputs by name."""
        self._start(feeds)
        outs = {}
        for o in self.graph.output:
            v = self._value(o.name)
            if not isinstance(v, QTensor):
                raise SnaxcError(
                    f"golden model: output {o.name!r} is not dequantized from int8 "
                    "(not a QDQ graph)"
                )
            outs[o.name] = v
        return outs
