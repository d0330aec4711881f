"""Import a PyTorch `nn.Module` into an xDSL module of linalg on tensors.

    module = import_torch(net, torch.randn(1, 3, 32, 32))

`torch_mlir.fx.export_and_import(..., output_type="linalg-on-tensors")` exports the module
with `torch.export` for the example inputs (static shapes) and lowers it to linalg on
tensors in-process. Its parameters come out as `dense_resource<...>` attributes whose
bytes sit in a trailing `{-# dialect_resources #-}` block; `inline_resources` turns them into
ordinary `dense<"0x...">` constants (the form the ONNX path produces, so later passes see one
kind of constant). The text then goes through `snaxc.frontend.import_mlir_text`
(generalization of named ops, optional bufferization, xDSL parsing and verification).

Failures are one-line `SnaxcError`s: `torch.export` cannot trace the module, or an op has
no lowering to linalg.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from snaxc.errors import SnaxcError

if TYPE_CHECKING:
    import torch
    from xdsl.dialects.builtin import ModuleOp

_RESOURCE_BLOCK = re.compile(r"\{-#\s*dialect_resources:.*?#-\}\s*$", re.S)
_RESOURCE_ENTRY = re.compile(r'^\s*("[^"]+"|[A-Za-z_][\w.$-]*)\s*:\s*"0x([0-9A-Fa-f]*)"', re.M)


def inline_resources(text: str) -> str:
    """Replace every `dense_resource<key>` by `dense<"0x...">` and drop the resource block.

    A blob is a little-endian 32-bit alignment followed by the raw element bytes, which is
    exactly the hex form of a dense elements attribute once the alignment is dropped.
    Resources holding `i1` data (bit-packed differently) are left as they are.
    """
    m = _RESOURCE_BLOCK.search(text)
    if m is None:
        return text
    blobs = {key.strip('"'): hexdata[8:] for key, hexdata in _RESOURCE_ENTRY.findall(m.group(0))}
    body = text[: m.start()]
    kept: set[str] = set()

    def repl(mt: re.Match) -> str:
        key, ty = mt.group(1).strip('"'), mt.group(2)
        if key not in blobs or re.search(r"x\s*i1\s*>$|<i1>$", ty):
            kept.add(key)
            return mt.group(0)
        return f'dense<"0x{blobs[key]}"> : {ty}'

    body = re.sub(r'dense_resource<("[^"]+"|[^>\s]+)>\s*:\s*(tensor<[^>]*>)', repl, body)
    if not kept:
        return body
    return body + m.group(0)


def torch_to_linalg_text(module: torch.nn.Module, example_inputs: Sequence | torch.Tensor) -> str:
    """Linalg-on-tensors MLIR text of `module` traced with `example_inputs`."""
    import torch
    from torch_mlir import fx, ir

    args = (example_inputs,) if isinstance(example_inputs, torch.Tensor) else tuple(example_inputs)
    name = type(module).__name__
    was_training = module.training
    module.eval()
    try:
        mlir = fx.export_and_import(module, *args, output_type="linalg-on-tensors")
    except ir.MLIRError as e:
        diags = getattr(e, "error_diagnostics", None) or []
        msg = diags[0].message.splitlines()[0] if diags else " ".join(str(e).split())
        raise SnaxcError(f"{name}: torch-mlir cannot lower the module: {msg[:300]}") from None
    except Exception as e:  # torch.export / dynamo errors: many types, long messages
        lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
        msg = lines[0] if lines else type(e).__name__
        raise SnaxcError(
            f"{name}: torch.export cannot trace the module ({type(e).__name__}): {msg[:300]}"
        ) from None
    finally:
        module.train(was_training)
    return inline_resources(str(mlir))


def import_torch(
    module: torch.nn.Module,
    example_inputs: Sequence | torch.Tensor,
    *,
    bufferize: bool = False,
) -> ModuleOp:
    """Import `module`, traced with `example_inputs`, into a verified xDSL module."""
    from snaxc.frontend.mlir_import import import_mlir_text

    text = torch_to_linalg_text(module, example_inputs)
    return import_mlir_text(text, type(module).__name__, bufferize=bufferize)
