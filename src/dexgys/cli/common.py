"""Helpers shared by the sub-commands."""

from __future__ import annotations

from pathlib import Path

from dexgys.errors import DexgysError


def check_output_dirs(*paths: str | None) -> None:
    """Fail before any work if an output file's directory does not exist, or the path is a directory."""
    for path in paths:
        if path is None:
            continue
        if Path(path).is_dir():
            raise DexgysError(f"output file {path!r} is a directory; give a file name")
        if not Path(path).resolve().parent.is_dir():
            raise DexgysError(f"output directory of {path!r} does not exist")
