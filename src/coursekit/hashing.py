"""Content hashes: the course version and the build cache keys are made here."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

__all__ = ["hash_files"]


def hash_files(paths: Iterable[Path], root: Path | None = None) -> str:
    """A sha256 over files' names (relative to ``root``) and bytes, in a stable order."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        name = path.relative_to(root).as_posix() if root else path.name
        data = path.read_bytes()
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()
