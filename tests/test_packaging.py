"""The wheel holds the whole package: pyproject.toml lists every directory with Python
modules under snaxc/, dialects/, runtime/ and hw/ as a package, and its package data covers
every other file there (RTL, C runtime, harness, configurations), so an installed snaxc finds
what the repository checkout finds.

A full check (wheel build, install into a fresh venv, import of every module, cluster lint
from the installed RTL) is in the report of the packaging change; this test is the cheap part
that catches a new directory or file type that the list misses.
"""

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
PACKAGE_DIR: dict[str, str] = SETUPTOOLS["package-dir"]
PACKAGES: list[str] = SETUPTOOLS["packages"]
PACKAGE_DATA: dict[str, list[str]] = SETUPTOOLS.get("package-data", {})


def _package_path(pkg: str) -> Path:
    """The source directory of a package name, through the package-dir mapping."""
    parts = pkg.split(".")
    for i in range(len(parts), 0, -1):
        prefix = ".".join(parts[:i])
        if prefix in PACKAGE_DIR:
            return ROOT / PACKAGE_DIR[prefix] / Path(*parts[i:])
    return ROOT / Path(*parts)


def _package_name(directory: Path) -> str:
    """The package name of a source directory (the deepest package-dir root holding it)."""
    best = max(
        (name for name, d in PACKAGE_DIR.items() if directory.is_relative_to(ROOT / d)),
        key=lambda name: len((ROOT / PACKAGE_DIR[name]).parts),
    )
    rel = directory.relative_to(ROOT / PACKAGE_DIR[best])
    return ".".join([best, *rel.parts])


def _source_files() -> list[Path]:
    files = []
    for d in sorted(set(PACKAGE_DIR.values())):
        for p in (ROOT / d).rglob("*"):
            rel = p.relative_to(ROOT)
            if p.is_file() and not any(
                part == "__pycache__" or part.startswith(".") for part in rel.parts
            ):
                files.append(p)
    return files


def test_package_dirs_are_the_four_roots():
    assert PACKAGE_DIR == {
        "snaxc": "snaxc",
        "snaxc.dialects": "dialects",
        "snaxc.runtime": "runtime",
        "snaxc.hw": "hw",
    }


def test_every_python_directory_is_a_listed_package():
    dirs = sorted({p.parent for p in _source_files() if p.suffix == ".py"})
    missing = [f"{_package_name(d)} ({d.relative_to(ROOT)})" for d in dirs]
    missing = [m for m in missing if m.split()[0] not in PACKAGES]
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {missing}"
    no_init = [str(d.relative_to(ROOT)) for d in dirs if not (d / "__init__.py").exists()]
    assert not no_init, f"directories with Python modules but no __init__.py: {no_init}"


@pytest.mark.parametrize("pkg", PACKAGES)
def test_listed_package_exists(pkg):
    assert (_package_path(pkg) / "__init__.py").is_file(), f"{pkg}: no __init__.py"


def test_every_data_file_is_package_data():
    """Each non-Python file belongs to its deepest listed package and matches one of that
    package's package-data globs (relative to the package directory, as setuptools reads
    them)."""
    by_dir = {_package_path(p): p for p in PACKAGES}
    covered: dict[str, set[Path]] = {
        pkg: {f for pattern in patterns for f in _package_path(pkg).glob(pattern)}
        for pkg, patterns in PACKAGE_DATA.items()
    }
    uncovered = []
    for f in _source_files():
        if f.suffix in (".py", ".pyc"):
            continue
        owner = next(by_dir[d] for d in [f.parent, *f.parent.parents] if d in by_dir)
        if f not in covered.get(owner, set()):
            uncovered.append(f"{f.relative_to(ROOT)} (package {owner})")
    assert not uncovered, f"add to [tool.setuptools.package-data]: {uncovered}"


def test_package_data_patterns_match_files():
    """A package-data glob that matches nothing is a typo (or a stale entry)."""
    stale = [
        f"{pkg}: {pattern}"
        for pkg, patterns in PACKAGE_DATA.items()
        for pattern in patterns
        if not any(_package_path(pkg).glob(pattern))
    ]
    assert not stale, stale


def test_generators_find_the_rtl_of_the_package():
    """The accelerator generators locate hw/ through the snaxc.hw package (in a wheel it is
    snaxc/hw/, not a sibling of snaxc/)."""
    from snaxc import hw
    from snaxc.accelerators.generate import HW_DIR

    assert HW_DIR.resolve() == hw.hw_root()
