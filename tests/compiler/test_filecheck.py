"""Runs every lit/filecheck test under tests/filecheck, so that `pytest` is the one test command.

A failing lit test fails this test; its name and output are in the failure message.
"""

import os
import subprocess
import sys
from pathlib import Path

FILECHECK_DIR = Path(__file__).resolve().parents[1] / "filecheck"


def _env() -> dict[str, str]:
    # The console scripts (snax-opt, filecheck) live next to the interpreter running pytest.
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def test_lit_filecheck_suite():
    tests = sorted(FILECHECK_DIR.rglob("*.mlir"))
    assert tests, f"no filecheck tests found in {FILECHECK_DIR}"
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from lit.main import main; main()",
            "-j",
            "2",
            "-v",
            str(FILECHECK_DIR),
        ],
        capture_output=True,
        text=True,
        env=_env(),
    )
    report = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"lit reported failures:\n{report}"
    assert f"Passed: {len(tests)}" in report or f"Passed : {len(tests)}" in report, report
