"""The Python API: compile a model for a cluster and run it on the simulated cluster.

    import snaxc
    net = snaxc.compile("model_int8.onnx", config="cluster.yaml")
    out = net.run({"input": x})          # {"output": array}; out.performance: cycles, ...

`compile` takes an ONNX file or `onnx.ModelProto`, an `.mlir` file, or a `torch.nn.Module`
(traced with `example_inputs` by torch-mlir's FX importer). What it does before the
`snaxc compile` pipeline (`snaxc.compiler.compile_file`) runs:

1. import (`snaxc.frontend.import_model`) to linalg on tensors;
2. `fixed-point-requant` (ONNX and PyTorch models): the importer's float requantization
   becomes integer `kernel.rescale`s;
3. the quantized boundary moves to the host: a graph input that is only quantized
   (`Q(x)`, the QuantizeLinear of a QDQ model) becomes an int8 program input and an output
   that is a dequantized integer tensor (`D(q)`) becomes an int8 program output. The host
   applies `Q` and `D` exactly as the IR states them (float32 division, round half to even,
   clamp; `(q - zero_point) * scale` in float32), so callers keep giving and receiving
   the model's float tensors. The scales and zero points are kept in `OUTDIR/model.json`;
4. the module (rescales expanded to integer arith, which `recognize-rescale` recognises
   again) is handed to the pipeline, which bufferizes it and compiles it as any MLIR file.

Float arithmetic left anywhere else (a float model) runs on the control core with
compiler-rt's soft-float (the core has no FPU and no accelerator computes in floating point):
correct but slow; quantize the model (`snaxc quantize`) to use the accelerators.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from xdsl.rewriter import InsertPoint

from snaxc.backend.package import MANIFEST, PROGRAM, Manifest
from snaxc.config import ClusterConfig, ConfigError, load_config
from snaxc.errors import SnaxcError

MODEL_INFO = "model.json"
"""The host side of a compiled model (names, quantization of the boundary), in OUTDIR."""

CONSTANTS = "constants.npz"
"""The weights the host writes into L3 before a run (`constants_to_inputs`)."""

Dump = Callable[[str, Any], None]


@dataclass(frozen=True)
class Port:
    """One model input or output and the program tensor it becomes."""

    name: str
    """The model's name (ONNX graph input/output, forward() parameter, MLIR argument)."""
    tensor: str
    """The program's name (`argN`/`resultN` in manifest.json)."""
    shape: tuple[int, ...]
    dtype: str
    """What the caller gives or receives (numpy dtype name)."""
    scale: float | None = None
    zero_point: int = 0
    lo: int = -128
    hi: int = 127
    """Set when the host quantizes (inputs) or dequantizes (outputs) this tensor."""

    @property
    def quantized(self) -> bool:
        return self.scale is not None

    def quantize(self, x: np.ndarray) -> np.ndarray:
        """`clamp(roundeven(x / scale) + zero_point)` in float32, as QuantizeLinear."""
        v = np.rint(x.astype(np.float32) / np.float32(self.scale)) + np.float32(self.zero_point)
        return np.clip(v, self.lo, self.hi).astype(np.int8)

    def dequantize(self, q: np.ndarray) -> np.ndarray:
        """`(q - zero_point) * scale` in float32, as DequantizeLinear."""
        return (q.astype(np.int64) - self.zero_point).astype(np.float32) * np.float32(self.scale)


@dataclass
class ModelInfo:
    source: str
    inputs: list[Port]
    outputs: list[Port]
    constants: dict[str, np.ndarray] = field(default_factory=dict)
    """Program inputs the host writes from the package (the model's weights, by program
    tensor name; kept in OUTDIR/constants.npz)."""

    def write(self, outdir: Path) -> None:
        data = {"source": self.source, "inputs": [asdict(p) for p in self.inputs]}
        data["outputs"] = [asdict(p) for p in self.outputs]
        data["constants"] = sorted(self.constants)
        (outdir / MODEL_INFO).write_text(json.dumps(data, indent=2) + "\n")
        if self.constants:
            np.savez(outdir / CONSTANTS, **self.constants)

    @staticmethod
    def read(outdir: Path) -> ModelInfo | None:
        path = outdir / MODEL_INFO
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text())
            ports = {
                k: [Port(**{**p, "shape": tuple(p["shape"])}) for p in data[k]]
                for k in ("inputs", "outputs")
            }
            consts = {}
            if data.get("constants"):
                with np.load(outdir / CONSTANTS, allow_pickle=False) as z:
                    consts = {k: z[k] for k in data["constants"]}
            return ModelInfo(data["source"], **ports, constants=consts)
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise SnaxcError(f"{path}: malformed model description ({e})") from None


# -- the quantized boundary -----------------------------------------------------------------


def _model_names(model: Any, n_in: int, n_out: int) -> tuple[list[str], list[str]]:
    """Input and output names of the model, in the order of the imported function."""
    proto = model
    if isinstance(model, str | Path) and Path(model).suffix == ".onnx":
        from snaxc.frontend.onnx import load_onnx

        proto = load_onnx(model)
    if type(proto).__name__ == "ModelProto":
        inits = {i.name for i in proto.graph.initializer}
        ins = [i.name for i in proto.graph.input if i.name not in inits]
        outs = [o.name for o in proto.graph.output]
        if len(ins) == n_in and len(outs) == n_out:
            return ins, outs
    elif hasattr(model, "forward"):
        import inspect

        params = list(inspect.signature(model.forward).parameters)
        if len(params) == n_in:
            return params, ["output"] if n_out == 1 else [f"output{i}" for i in range(n_out)]
    return [f"arg{i}" for i in range(n_in)], [f"result{i}" for i in range(n_out)]


def _dtype_name(t) -> str:
    from snaxc.backend.package import numpy_dtype

    return numpy_dtype(t.element_type)


def strip_quantized_boundary(module, names: tuple[list[str], list[str]]) -> tuple[list, list]:
    """Move the graph-boundary quantize/dequantize generics of the entry function to the host
    (see the module docstring); return its input and output `Port`s."""
    from xdsl.dialects import func, tensor
    from xdsl.dialects.builtin import FunctionType, TensorType
    from xdsl.dialects.linalg.ops import GenericOp

    from snaxc.transforms.fixed_point_requant import match_dequantize, match_quantize

    funcs = [op for op in module.ops if isinstance(op, func.FuncOp)]
    if len(funcs) != 1:
        raise SnaxcError(f"the imported model has {len(funcs)} functions, expected one")
    f = funcs[0]
    block = f.body.block
    in_names, out_names = names
    inputs: list[Port] = []
    for i, arg in enumerate(list(block.args)):
        t = arg.type
        assert isinstance(t, TensorType)
        shape = tuple(t.get_shape())
        uses = list(arg.uses)
        q = None
        if len(uses) == 1 and isinstance(uses[0].operation, GenericOp):
            g = uses[0].operation
            q = match_quantize(g) if g.inputs and g.inputs[0] is arg else None
        if q is None or q.result_type.width.data != 8:
            inputs.append(Port(in_names[i], f"arg{i}", shape, _dtype_name(t)))
            continue
        new = block.insert_arg(TensorType(q.result_type, shape), arg.index)
        g.res[0].replace_all_uses_with(new)
        init = g.outputs[0]
        g.detach()
        g.erase()
        if isinstance(init.owner, tensor.EmptyOp) and not init.uses:
            init.owner.detach()
            init.owner.erase()
        block.erase_arg(arg)
        inputs.append(
            Port(in_names[i], f"arg{i}", shape, "float32", q.scale, q.zero_point, q.lo, q.hi)
        )
    ret = block.last_op
    assert isinstance(ret, func.ReturnOp)
    outputs: list[Port] = []
    for i, v in enumerate(list(ret.operands)):
        shape = tuple(v.type.get_shape())
        g = v.owner
        d = match_dequantize(g) if isinstance(g, GenericOp) else None
        if d is None or len(list(v.uses)) != 1 or d.input.type.element_type.width.data != 8:
            outputs.append(Port(out_names[i], f"result{i}", shape, _dtype_name(v.type)))
            continue
        ret.operands[i] = d.input
        init = g.outputs[0]
        g.detach()
        g.erase()
        if isinstance(init.owner, tensor.EmptyOp) and not init.uses:
            init.owner.detach()
            init.owner.erase()
        outputs.append(Port(out_names[i], f"result{i}", shape, "float32", d.scale, d.zero_point))
    f.function_type = FunctionType.from_lists(
        [a.type for a in block.args], [v.type for v in ret.operands]
    )
    return inputs, outputs


def integer_shape_operands(module) -> None:
    """Give the float `tensor.empty` operands that generics only take for their shape (the
    window of an integer pooling, whose block argument is never read) an i8 element type,
    so no float tensor is left for the core."""
    from xdsl.dialects import tensor
    from xdsl.dialects.builtin import AnyFloat, TensorType, i8
    from xdsl.dialects.linalg.ops import GenericOp
    from xdsl.rewriter import Rewriter

    for g in list(module.walk()):
        if not isinstance(g, GenericOp):
            continue
        for i, v in enumerate(g.inputs):
            t = v.type
            arg = g.body.block.args[i]
            if not (
                isinstance(t, TensorType)
                and isinstance(t.element_type, AnyFloat)
                and isinstance(v.owner, tensor.EmptyOp)
                and not v.owner.dynamic_sizes
                and not list(arg.uses)
            ):
                continue
            empty = tensor.EmptyOp([], TensorType(i8, t.get_shape()))
            Rewriter.insert_op(empty, InsertPoint.before(g))
            g.operands[i] = empty.tensor
            new_arg = g.body.block.insert_arg(i8, arg.index)
            g.body.block.erase_arg(arg)
            del new_arg


def _eval_scalar_generic(g, value: float) -> float | None:
    """The value a 0-d generic with one float input yields for `value` (cmpf/select/
    min/max/add/sub/mul/div bodies with constant operands), or None."""
    import operator

    from xdsl.dialects import arith

    env: dict = {g.body.block.args[0]: value}

    def get(v):
        if v in env:
            return env[v]
        if isinstance(v.owner, arith.ConstantOp) and hasattr(v.owner.value, "value"):
            return float(v.owner.value.value.data)
        raise KeyError

    preds = {
        "ult": operator.lt,
        "olt": operator.lt,
        "ugt": operator.gt,
        "ogt": operator.gt,
        "ule": operator.le,
        "ole": operator.le,
        "uge": operator.ge,
        "oge": operator.ge,
    }
    binary = {
        arith.MaximumfOp: max,
        arith.MinimumfOp: min,
        arith.AddfOp: operator.add,
        arith.SubfOp: operator.sub,
        arith.MulfOp: operator.mul,
    }
    try:
        for op in g.body.block.ops:
            if isinstance(op, arith.CmpfOp):
                name = arith.CMPF_COMPARISON_OPERATIONS[op.predicate.value.data]
                fn = preds.get(name)
                if fn is None:
                    return None
                env[op.result] = fn(get(op.lhs), get(op.rhs))
            elif isinstance(op, arith.SelectOp):
                env[op.result] = get(op.lhs) if get(op.cond) else get(op.rhs)
            elif type(op) in binary:
                env[op.result] = binary[type(op)](get(op.lhs), get(op.rhs))
            elif op.name == "linalg.yield":
                return float(get(op.operands[0]))
            else:
                return None
    except KeyError:
        return None
    return None


def fold_float_scalars(module) -> None:
    """Fold `fptosi(extract(generic(constant)))` on 0-d float tensors (how torch-mlir computes
    the padding value of a quantized convolution) into an integer constant."""
    from xdsl.dialects import arith, tensor
    from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, IntegerAttr, TensorType
    from xdsl.dialects.linalg.ops import GenericOp
    from xdsl.rewriter import Rewriter

    for op in list(module.walk()):
        if not isinstance(op, arith.FPToSIOp):
            continue
        ext = op.input.owner
        if not isinstance(ext, tensor.ExtractOp) or ext.indices:
            continue
        g = ext.tensor.owner
        if not isinstance(g, GenericOp) or len(g.inputs) != 1 or g.iterator_types.data:
            continue
        c = g.inputs[0].owner
        if not isinstance(c, arith.ConstantOp) or not isinstance(c.value, DenseIntOrFPElementsAttr):
            continue
        if not isinstance(c.value.type, TensorType) or c.value.type.get_shape():
            continue
        v = _eval_scalar_generic(g, float(c.value.get_values()[0]))
        if v is None:
            continue
        w = op.result.type.width.data
        iv = max(-(1 << (w - 1)), min((1 << (w - 1)) - 1, int(v)))
        new = arith.ConstantOp(IntegerAttr(iv, op.result.type))
        Rewriter.replace_op(op, new)


def _dense_array(c) -> np.ndarray | None:
    """The value of an integer or f32 `arith.constant` tensor as a numpy array."""
    from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, Float32Type, IntegerType, TensorType

    v = c.value
    if not isinstance(v, DenseIntOrFPElementsAttr) or not isinstance(v.type, TensorType):
        return None
    et = v.type.element_type
    if isinstance(et, Float32Type):
        dtype, vals = np.float32, np.array(v.get_values(), dtype=np.float32)
    elif isinstance(et, IntegerType) and et.width.data in (8, 16, 32):
        dtype = {8: np.int8, 16: np.int16, 32: np.int32}[et.width.data]
        vals = np.array(v.get_values(), dtype=np.int64)
    else:
        return None
    shape = tuple(v.type.get_shape())
    if vals.size == 1 and int(np.prod(shape)) != 1:
        vals = np.broadcast_to(vals, shape)
    return vals.astype(dtype).reshape(shape)


def fold_constant_transposes(module) -> None:
    """A generic that only permutes a constant tensor (how the importer feeds Gemm/MatMul
    weights) becomes the permuted constant."""
    from xdsl.dialects import arith
    from xdsl.dialects.builtin import DenseIntOrFPElementsAttr
    from xdsl.dialects.linalg.ops import GenericOp, YieldOp
    from xdsl.ir.affine import AffineMap
    from xdsl.rewriter import Rewriter

    for g in list(module.walk()):
        if not isinstance(g, GenericOp) or len(g.inputs) != 1 or len(g.outputs) != 1:
            continue
        ops = list(g.body.block.ops)
        if len(ops) != 1 or not isinstance(ops[0], YieldOp):
            continue
        if ops[0].operands[0] is not g.body.block.args[0]:
            continue
        c = g.inputs[0].owner
        if not isinstance(c, arith.ConstantOp):
            continue
        arr = _dense_array(c)
        in_map, out_map = (m.data for m in g.indexing_maps)
        if arr is None or arr.ndim < 2 or out_map != AffineMap.identity(arr.ndim):
            continue
        dims = [getattr(r, "position", None) for r in in_map.results]
        if None in dims or sorted(dims) != list(range(arr.ndim)):
            continue
        # input index = (d[dims[0]], d[dims[1]], ...): out[d] = in[d[dims]] -> argsort
        out = np.transpose(arr, np.argsort(dims))
        rtype = g.res[0].type
        attr = DenseIntOrFPElementsAttr.from_list(rtype, out.ravel().tolist())
        new = arith.ConstantOp(attr)
        Rewriter.replace_op(g, new)


def constants_to_inputs(module, min_elements: int = 2) -> dict[int, np.ndarray]:
    """Integer and f32 tensor constants of the entry function (with at least `min_elements`
    elements, used only as generic inputs) become trailing function arguments: the
    program's constant data goes to L3 with the inputs, where the DMA reaches it (core
    memory, where constants otherwise live, is out of the DMA's and the accelerators'
    reach). Returns {argument index: value}."""
    from xdsl.dialects import arith, func
    from xdsl.dialects.builtin import FunctionType
    from xdsl.dialects.linalg.ops import GenericOp

    f = next(op for op in module.ops if isinstance(op, func.FuncOp))
    block = f.body.block
    lifted: dict[int, np.ndarray] = {}
    for c in list(block.ops):
        if not isinstance(c, arith.ConstantOp):
            continue
        arr = _dense_array(c)
        if arr is None or arr.size < min_elements:
            continue
        users = [u.operation for u in c.result.uses]
        if not users or not all(
            isinstance(op, GenericOp) and c.result in op.inputs for op in users
        ):
            continue
        arg = block.insert_arg(c.result.type, len(block.args))
        c.result.replace_all_uses_with(arg)
        c.detach()
        c.erase()
        lifted[arg.index] = arr
    ret = block.last_op
    f.function_type = FunctionType.from_lists(
        [a.type for a in block.args], [v.type for v in ret.operands]
    )
    return lifted


# -- compile --------------------------------------------------------------------------------


def _config(config: ClusterConfig | str | Path | None) -> ClusterConfig:
    if isinstance(config, ClusterConfig):
        return config
    try:
        return load_config(config)
    except ConfigError as e:
        where = f"{config}: " if config and not str(e).startswith(str(config)) else ""
        raise SnaxcError(f"{where}{e}") from None


def _source_name(model: Any) -> str:
    if isinstance(model, str | Path):
        return str(model)
    if type(model).__name__ == "ModelProto":
        return model.graph.name or "<onnx>"
    return type(model).__name__


def compile_model(
    model: Any,
    cfg: ClusterConfig,
    outdir: Path,
    *,
    example_inputs: Any = None,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    dump: Dump | None = None,
    options: Any = None,
    lift_constants: bool = True,
) -> tuple[Manifest, ModelInfo, float]:
    """Compile `model` for `cfg` into `outdir`: (manifest, model description, seconds)."""
    from xdsl.transforms.dead_code_elimination import DeadCodeElimination

    from snaxc.backend.llvm_ir import module_text
    from snaxc.compiler import Options, compile_file
    from snaxc.dialects import snaxc_context
    from snaxc.frontend import import_model
    from snaxc.transforms.fixed_point_requant import FixedPointRequant
    from snaxc.transforms.kernel_to_arith import KernelToArith

    start = time.perf_counter()
    options = options or Options()
    dump = dump or (lambda stage, module: None)
    source = _source_name(model)
    if isinstance(model, str | Path) and Path(model).suffix == ".mlir":
        result = compile_file(Path(model), cfg, outdir, dump, options)
        m = result.manifest
        ports = (
            [Port(t.name, t.name, t.shape, t.dtype) for t in m.inputs],
            [Port(t.name, t.name, t.shape, t.dtype) for t in m.outputs],
        )
        info = ModelInfo(source, *ports)
        info.write(outdir)
        return m, info, time.perf_counter() - start
    shapes = {k: tuple(v) for k, v in (input_shapes or {}).items()} or None
    module = import_model(model, example_inputs=example_inputs, input_shapes=shapes)
    dump("import", module)
    ctx = snaxc_context()
    FixedPointRequant(requant=options.requant).apply(ctx, module)
    module.verify()
    dump("fixed-point-requant", module)
    f = next(iter(module.ops))
    n_in = len(f.body.block.args)
    n_out = len(f.body.block.last_op.operands)
    inputs, outputs = strip_quantized_boundary(module, _model_names(model, n_in, n_out))
    integer_shape_operands(module)
    fold_float_scalars(module)
    DeadCodeElimination().apply(ctx, module)
    module.verify()
    dump("quantized-boundary-to-host", module)
    constants: dict[str, np.ndarray] = {}
    if lift_constants:
        fold_constant_transposes(module)
        lifted = constants_to_inputs(module)
        constants = {f"arg{i}": a for i, a in lifted.items()}
        module.verify()
        dump("constants-to-inputs", module)
    KernelToArith().apply(ctx, module)
    text = module_text(module)
    with tempfile.TemporaryDirectory() as tmp:
        stem = Path(source).stem if isinstance(model, str | Path) else "model"
        src = Path(tmp) / f"{stem}.mlir"
        src.write_text(text)
        try:
            result = compile_file(src, cfg, outdir, dump, options)
        except SnaxcError as e:
            raise SnaxcError(str(e).replace(str(src), source)) from None
    info = ModelInfo(source, inputs, outputs, constants)
    info.write(outdir)
    return result.manifest, info, time.perf_counter() - start


# -- run ------------------------------------------------------------------------------------


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}%"


@dataclass
class Performance:
    """What the hardware counters say about one run."""

    cycles: int
    counters: dict[str, int]
    """The cluster's performance counters (core_active_cycles, dma_busy_cycles, ...)."""
    accelerators: dict[str, tuple[int, int]] = field(default_factory=dict)
    """(busy, datapath-stalled) cycles per accelerator instance."""

    def summary(self) -> str:
        c = self.counters
        lines = [
            f"{self.cycles:,} cycles; core active {c.get('core_active_cycles', 0):,} cycles; "
            f"DMA {c.get('dma_bytes_read', 0):,} bytes read, "
            f"{c.get('dma_bytes_written', 0):,} written, busy {c.get('dma_busy_cycles', 0):,} "
            f"cycles; TCDM bank conflicts {c.get('tcdm_bank_conflicts', 0):,}"
        ]
        if self.cycles and "core_only_cycles" in c:
            lines.append(
                f"of the run: accelerators busy {_pct(c['acc_busy_cycles'], self.cycles)}, "
                f"DMA busy {_pct(c['dma_busy_cycles'], self.cycles)}, "
                f"core alone {_pct(c['core_only_cycles'], self.cycles)}"
            )
        for name, (busy, stall) in self.accelerators.items():
            share = 100.0 * busy / self.cycles if self.cycles else 0.0
            lines.append(
                f"{name}: busy {busy:,} cycles ({share:.1f}% of the run), "
                f"datapath stalled {stall:,} cycles"
            )
        return "\n".join(lines)


class Outputs(dict):
    """The outputs of a run by name, with the run's `performance`."""

    performance: Performance


def simulate(
    outdir: Path, manifest: Manifest, arrays: Mapping[str, np.ndarray], max_cycles: int
) -> tuple[dict[str, np.ndarray], Performance]:
    """Run the package in `outdir` with the program tensors `arrays` (by manifest name)."""
    from snaxc.runtime.simulator import SimulationError, Simulator

    cfg = manifest.cluster_config()
    try:
        sim = Simulator(cfg)
        sim.load_elf(outdir / manifest.program)
        for t in manifest.inputs:
            sim.write_l3(t.l3_address, np.ascontiguousarray(arrays[t.name]))
        result = sim.run(max_cycles=max_cycles)
        acc = (
            np.frombuffer(sim.read_symbol(manifest.counters_symbol), dtype="<u4")
            if manifest.counters_symbol
            else None
        )
        outputs = {
            t.name: np.frombuffer(sim.read_l3(t.l3_address, t.nbytes), dtype=t.dtype)
            .reshape(t.shape)
            .copy()
            for t in manifest.outputs
        }
    except SimulationError as e:
        raise SnaxcError(f"{outdir}: {str(e).splitlines()[0]}") from None
    if result.exit_code != 0:
        raise SnaxcError(f"{outdir}: the program exited with code {result.exit_code}")
    accs = {}
    if acc is not None:
        for i, name in enumerate(manifest.accelerators):
            accs[name] = (int(acc[2 * i]), int(acc[2 * i + 1]))
    perf = Performance(result.cycles, {k: int(v) for k, v in result.counters.items()}, accs)
    return outputs, perf


def model_inputs(
    info: ModelInfo, given: Mapping[str, Any] | Sequence[Any], where: str = "inputs"
) -> dict[str, np.ndarray]:
    """The program tensors (by manifest name) for the model inputs `given` (by model name,
    or a sequence in the model's order), quantized on the host where the model says so."""
    if not isinstance(given, Mapping):
        seq = list(given) if isinstance(given, list | tuple) else [given]
        if len(seq) != len(info.inputs):
            raise SnaxcError(
                f"{where}: {len(seq)} array(s) given, the model takes {len(info.inputs)}"
            )
        given = {p.name: a for p, a in zip(info.inputs, seq, strict=True)}
    names = [p.name for p in info.inputs]
    missing = [n for n in names if n not in given]
    if missing:
        raise SnaxcError(
            f"{where}: missing input(s) {', '.join(missing)} (the model takes {', '.join(names)})"
        )
    extra = sorted(set(given) - set(names))
    if extra:
        raise SnaxcError(
            f"{where}: unknown input(s) {', '.join(extra)} (the model takes {', '.join(names)})"
        )
    out = {}
    for p in info.inputs:
        a = given[p.name]
        a = a.detach().cpu().numpy() if hasattr(a, "detach") else np.asarray(a)
        if tuple(a.shape) != p.shape:
            raise SnaxcError(
                f"{where}: input {p.name} has shape {list(a.shape)}, the model takes "
                f"{list(p.shape)}"
            )
        if p.quantized:
            if not np.issubdtype(a.dtype, np.floating):
                raise SnaxcError(f"{where}: input {p.name} is {a.dtype}, the model takes float32")
            out[p.tensor] = p.quantize(a)
        else:
            if a.dtype != np.dtype(p.dtype):
                raise SnaxcError(
                    f"{where}: input {p.name} is {a.dtype}{list(a.shape)}, the model takes "
                    f"{p.dtype}{list(p.shape)}"
                )
            out[p.tensor] = a
    out.update(info.constants)
    return out


def model_outputs(info: ModelInfo, raw: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The model outputs by model name (dequantized where the model says so)."""
    return {
        p.name: p.dequantize(raw[p.tensor]) if p.quantized else raw[p.tensor] for p in info.outputs
    }


class CompiledModel:
    """A model compiled for a cluster: `run` simulates it on the cluster."""

    def __init__(
        self,
        outdir: Path,
        manifest: Manifest,
        info: ModelInfo,
        compile_seconds: float,
        tmp: Any = None,
    ):
        self.outdir = outdir
        self.manifest = manifest
        self.info = info
        self.compile_seconds = compile_seconds
        self.performance: Performance | None = None
        self._tmp = tmp  # keeps a temporary output directory alive

    @property
    def input_names(self) -> list[str]:
        return [p.name for p in self.info.inputs]

    @property
    def output_names(self) -> list[str]:
        return [p.name for p in self.info.outputs]

    def run(
        self,
        inputs: Mapping[str, Any] | Sequence[Any] | Any,
        *,
        raw: bool = False,
        max_cycles: int = 100_000_000,
    ) -> Outputs:
        """Simulate one inference: model outputs by name (float32 where the model dequantizes
        them; the program's int8 tensors with `raw=True`), with `.performance`."""
        arrays = model_inputs(self.info, inputs)
        got, perf = simulate(self.outdir, self.manifest, arrays, max_cycles)
        self.performance = perf
        if raw:
            out = Outputs({p.name: got[p.tensor] for p in self.info.outputs})
        else:
            out = Outputs(model_outputs(self.info, got))
        out.performance = perf
        return out

    def __repr__(self) -> str:
        return (
            f"CompiledModel({self.info.source!r} -> {self.outdir}, inputs "
            f"{self.input_names}, outputs {self.output_names})"
        )


def compile(  # noqa: A001 - the public name, `snaxc.compile`
    model: Any,
    example_inputs: Any = None,
    config: ClusterConfig | str | Path | None = None,
    output_dir: str | Path | None = None,
    *,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    options: Any = None,
) -> CompiledModel:
    """Compile an ONNX path or ModelProto, an `.mlir` path or a `torch.nn.Module` (traced with
    `example_inputs`) for the cluster `config` (a configuration, a YAML path or None for the
    default cluster). The package goes to `output_dir` (a temporary directory if None);
    `options`: `snaxc.compiler.Options` (None: the defaults)."""
    cfg = _config(config)
    tmp = None
    if output_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="snaxc-")
        output_dir = tmp.name
    outdir = Path(output_dir)
    manifest, info, seconds = compile_model(
        model,
        cfg,
        outdir,
        example_inputs=example_inputs,
        input_shapes=input_shapes,
        options=options,
    )
    return CompiledModel(outdir, manifest, info, seconds, tmp)


def load(outdir: str | Path) -> CompiledModel:
    """A package written by `snaxc compile` or `snaxc.compile`."""
    pkg = Path(outdir)
    if not pkg.is_dir():
        raise SnaxcError(f"{pkg}: no such directory (expected the output of 'snaxc compile')")
    for name in (MANIFEST, PROGRAM):
        if not (pkg / name).is_file():
            raise SnaxcError(f"{pkg}: missing {name} (not a 'snaxc compile' output directory)")
    manifest = Manifest.read(pkg)
    info = ModelInfo.read(pkg)
    if info is None:
        ports = (
            [Port(t.name, t.name, t.shape, t.dtype) for t in manifest.inputs],
            [Port(t.name, t.name, t.shape, t.dtype) for t in manifest.outputs],
        )
        info = ModelInfo(str(pkg), *ports)
    return CompiledModel(pkg, manifest, info, 0.0)
