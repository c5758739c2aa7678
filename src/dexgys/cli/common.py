"""Helpers shared by the sub-commands."""

from __future__ import annotations

from pathlib import Path

from dexgys.errors import DexgysError


def check_output_dirs(*paths: str | None) -> None:
    """Fail before any work if an output file's directory does not exist, the path is a directory, or
    two outputs are the same file (one would overwrite the other)."""
    given = [Path(p).resolve() for p in paths if p is not None]
    if len(set(given)) < len(given):
        twice = next(p for p in given if given.count(p) > 1)
        raise DexgysError(f"two outputs are the same file {str(twice)!r}; give each its own path")
    for path in paths:
        if path is None:
            continue
        if Path(path).is_dir():
            raise DexgysError(f"output file {path!r} is a directory; give a file name")
        if not Path(path).resolve().parent.is_dir():
            raise DexgysError(f"output directory of {path!r} does not exist")
