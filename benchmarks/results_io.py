"""What every benchmark script writes beside its table: the machine it ran on, and its JSON, atomically."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path


def machine(**extra) -> dict:
    """Platform, CPU count and the 1-minute load (a busy machine reads slower), plus ``extra``."""
    return {"platform": platform.platform(), "cpu_count": os.cpu_count(), "loadavg_1min": os.getloadavg()[0], **extra}


def write_results(path: Path, payload: dict) -> None:
    """Write ``payload`` as JSON to ``path`` (through a temporary file, so a killed run leaves the old one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=1))
    tmp.replace(path)
    print(f"wrote {path}")
