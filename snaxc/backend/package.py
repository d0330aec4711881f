"""The compiled package: `program.elf` and `manifest.json` in one directory.

The manifest describes the program's interface for the runtime: every input and output
with its name, role, shape, numpy dtype, L3 address and size; the cluster configuration
the program was compiled for (and its hash); what runs where.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    DictionaryAttr,
    Float32Type,
    Float64Type,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    StringAttr,
)

from snaxc.config import L3_BASE, ClusterConfig, ConfigError, config_from_dict
from snaxc.errors import SnaxcError
from snaxc.transforms.place_program_io import IO_ATTR

MANIFEST = "manifest.json"
PROGRAM = "program.elf"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class TensorSpec:
    name: str
    role: str  # "input", "output" or "inout"
    shape: tuple[int, ...]
    dtype: str  # numpy dtype name
    l3_address: int
    nbytes: int

    @property
    def is_input(self) -> bool:
        return self.role in ("input", "inout")

    @property
    def is_output(self) -> bool:
        return self.role in ("output", "inout")


@dataclass
class Manifest:
    entry: str
    config: dict[str, Any]
    config_hash: str
    tensors: list[TensorSpec]
    program: str = PROGRAM
    on_core: list[str] = field(default_factory=list)
    """Kernels of the program that run as loops on the control core."""
    on_accelerators: list[str] = field(default_factory=list)
    """Operations of the program that run on accelerators, as `operation@instance`."""
    accelerators: list[str] = field(default_factory=list)
    """The cluster's accelerator instances, in register-window order."""
    counters_symbol: str | None = None
    """Global holding (busy, stall) cycles per accelerator after the run, if any."""
    format_version: int = FORMAT_VERSION

    @property
    def inputs(self) -> list[TensorSpec]:
        return [t for t in self.tensors if t.is_input]

    @property
    def outputs(self) -> list[TensorSpec]:
        return [t for t in self.tensors if t.is_output]

    def cluster_config(self) -> ClusterConfig:
        try:
            return config_from_dict(self.config, source=MANIFEST)
        except ConfigError as e:
            raise SnaxcError(f"{MANIFEST}: invalid cluster configuration: {e}") from None

    def write(self, outdir: Path) -> Path:
        path = outdir / MANIFEST
        data = asdict(self)
        path.write_text(json.dumps(data, indent=2) + "\n")
        return path

    @staticmethod
    def read(outdir: Path) -> Manifest:
        path = outdir / MANIFEST
        try:
            data = json.loads(path.read_text())
        except OSError as e:
            raise SnaxcError(f"{path}: cannot read ({e.strerror})") from None
        except json.JSONDecodeError as e:
            raise SnaxcError(f"{path}: not valid JSON (line {e.lineno})") from None
        if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
            raise SnaxcError(f"{path}: not a snaxc manifest of format {FORMAT_VERSION}")
        try:
            tensors = [TensorSpec(**{**t, "shape": tuple(t["shape"])}) for t in data.pop("tensors")]
            return Manifest(tensors=tensors, **data)
        except (TypeError, KeyError) as e:
            raise SnaxcError(f"{path}: malformed manifest ({e})") from None


_DTYPES = {Float32Type: "float32", Float64Type: "float64"}


def numpy_dtype(t) -> str:
    if isinstance(t, IntegerType) and t.width.data in (8, 16, 32, 64):
        return f"int{t.width.data}"
    for cls, name in _DTYPES.items():
        if isinstance(t, cls):
            return name
    raise SnaxcError(f"unsupported element type {t} for a program input or output")


def tensor_specs(module: ModuleOp) -> tuple[str, list[TensorSpec]]:
    """The entry's original name and its tensors, from `place-program-io`'s record."""
    main = next(
        (o for o in module.ops if isinstance(o, func.FuncOp) and o.sym_name.data == "main"),
        None,
    )
    if main is None or IO_ATTR not in main.attributes:
        raise SnaxcError("internal: the program has no placed main function")
    io = main.attributes[IO_ATTR]
    assert isinstance(io, ArrayAttr)
    entry = main.attributes.get("snaxc.entry")
    specs = []
    for d in io:
        assert isinstance(d, DictionaryAttr)
        v = d.data
        name, role, off, shape = v["name"], v["role"], v["l3_offset"], v["shape"]
        assert isinstance(name, StringAttr) and isinstance(role, StringAttr)
        assert isinstance(off, IntegerAttr) and isinstance(shape, DenseArrayBase)
        dims = tuple(int(x) for x in shape.get_values())
        dtype = numpy_dtype(v["element_type"])
        n = 1
        for x in dims:
            n *= x
        specs.append(
            TensorSpec(
                name=name.data,
                role=role.data,
                shape=dims,
                dtype=dtype,
                l3_address=L3_BASE + off.value.data,
                nbytes=n * (int(dtype.removeprefix("int").removeprefix("float")) // 8),
            )
        )
    return (entry.data if isinstance(entry, StringAttr) else "main"), specs
