"""Build ``dist/aurora.pyz``: the ``aurora`` command and the ``aurora`` package in one file.

Standard library only (``zipapp``).  The archive holds every ``aurora/*.py``
and, beside each, the bytecode of the Python that built it (PEP 552
unchecked-hash ``.pyc``), so that interpreter starts without compiling; any
other Python 3.9+ (another CPython, PyPy) finds a ``.pyc`` of the wrong magic
number, skips it and compiles the source instead.

    python3 scripts/build_zipapp.py [--output dist/aurora.pyz] [--no-bytecode]
    python3 dist/aurora.pyz ls s3://bucket/
    PYTHONPATH=dist/aurora.pyz python3 -c 'import aurora'
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import py_compile
import shutil
import sys
import tempfile
import zipapp
from pathlib import Path
from typing import Optional, Sequence

ROOT = Path(__file__).resolve().parents[1]

MAIN = '''"""``python3 aurora.pyz ARGS``: the ``aurora`` command."""
from aurora.cli import console

console()
'''


def stage(folder: Path, bytecode: bool) -> None:
    """Copy the package (sources only) into ``folder``, add ``__main__.py`` and, optionally, bytecode."""
    package = folder / "aurora"
    shutil.copytree(ROOT / "aurora", package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo"))
    (folder / "__main__.py").write_text(MAIN, encoding="utf-8")
    if not bytecode:
        return
    for source in sorted(package.rglob("*.py")):
        py_compile.compile(
            str(source),
            cfile=str(source.with_suffix(".pyc")),
            dfile="aurora.pyz/" + source.relative_to(folder).as_posix(),
            doraise=True,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )


def build(output: Path, bytecode: bool = True) -> Path:
    """Write the archive to ``output`` (made executable, ``#!/usr/bin/env python3``); returns its path."""
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        staging = Path(work) / "aurora.pyz.d"
        staging.mkdir()
        stage(staging, bytecode)
        partial = output.with_name(output.name + ".part")
        zipapp.create_archive(staging, partial, interpreter="/usr/bin/env python3", compressed=False)
        os.replace(partial, output)
    return output


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", default=str(ROOT / "dist" / "aurora.pyz"), help="where to write the archive")
    parser.add_argument("--no-bytecode", action="store_true", help="sources only (every run compiles them)")
    args = parser.parse_args(argv)
    path = build(Path(args.output), bytecode=not args.no_bytecode)
    magic = importlib.util.MAGIC_NUMBER.hex()
    print("%s: %d bytes (bytecode: %s)" % (path, path.stat().st_size, "none" if args.no_bytecode else magic))
    return 0


if __name__ == "__main__":
    sys.exit(main())
