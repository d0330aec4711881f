"""The model build cache (runtime/build.py): concurrent processes build a model once and
never see a half-built one; a failed build is one line naming the log."""

import subprocess
import sys
import textwrap

import pytest

from snaxc.runtime import build

# A stand-in for the Verilator build: counts its invocations in a file, takes a while, and
# produces the library file last, as the real build does.
_FAKE_BUILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from snaxc.config import load_config
    from snaxc.runtime import build

    counter = Path(sys.argv[1])

    def fake_run_build(cfg, trace, work, log_path):
        with open(counter, "a") as f:
            f.write("built\\n")
        time.sleep(1.0)
        (work / build.LIB_NAME).write_bytes(b"model")
        return work / build.LIB_NAME

    build._run_build = fake_run_build
    lib = build.build_model(load_config())
    assert lib.read_bytes() == b"model"
    print(lib)
    """
)


def test_concurrent_builds_happen_once(cfg, tmp_path):
    counter = tmp_path / "count"
    # What a killed build leaves behind: cleaned up by the next build of the same model.
    stale = tmp_path / "cache" / f".build-{build.model_key(cfg)}-killed"
    (stale / "obj").mkdir(parents=True)
    env = {"SNAXC_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _FAKE_BUILD, str(counter)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(3)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outs]
    assert len({o[0].strip() for o in outs}) == 1  # everybody got the same library
    assert counter.read_text().count("built") == 1
    # Nothing half-built is left behind.
    leftovers = [p.name for p in (tmp_path / "cache").iterdir() if p.name.startswith(".build-")]
    assert leftovers == []


def test_failed_build_is_one_line_with_the_log(cfg, tmp_path, monkeypatch):
    monkeypatch.setenv("SNAXC_CACHE_DIR", str(tmp_path / "cache"))
    broken = tmp_path / "broken.sv"
    broken.write_text("module snax_broken (input logic a_i;\nendmodule\n")
    real_args = build.hw.verilator_args
    monkeypatch.setattr(build.hw, "verilator_args", lambda c, d: [*real_args(c, d), str(broken)])
    with pytest.raises(build.ModelBuildError) as info:
        build.build_model(cfg)
    msg = str(info.value)
    assert "\n" not in msg and "see the log" in msg
    log = msg.rsplit("see the log: ", 1)[1]
    assert "broken.sv" in open(log).read()


def test_command_line_reports_errors_in_one_line(tmp_path, capsys):
    assert build.main(["--config", str(tmp_path / "missing.yaml")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot read configuration" in err
